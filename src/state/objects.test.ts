import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { isRuntimeError } from '../errors.ts';
import { openStateDb, type StateDb } from './state-db.ts';
import { type TempState, tempState } from './testing/temp-state.ts';

let t: TempState;
let db: StateDb;
before(() => {
  t = tempState();
  db = openStateDb(t.path);
});
after(() => {
  db.close();
  t.cleanup();
});

const configMap = (data: Record<string, string>, namespace?: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', ...(namespace ? { namespace } : {}) },
  data,
});

test('ObjectRepository.put() creates, leaves unchanged, configures with a new generation', () => {
  const a = db.objects.put('ConfigMap', configMap({ level: 'debug' }), { at: '2026-11-27T12:00:00.000Z' });
  assert.equal(a.change, 'created');
  assert.equal(a.object.namespace, 'default');
  assert.equal(a.object.generation, 1);
  assert.equal(db.objects.put('ConfigMap', configMap({ level: 'debug' })).change, 'unchanged');
  const b = db.objects.put('ConfigMap', configMap({ level: 'info' }), { at: '2026-11-27T12:00:05.000Z' });
  assert.equal(b.change, 'configured');
  assert.equal(b.object.generation, 2);
  assert.equal(b.object.createdAt, '2026-11-27T12:00:00.000Z');
  assert.equal(b.object.updatedAt, '2026-11-27T12:00:05.000Z');
  assert.deepEqual(db.objects.get('ConfigMap', 'default', 'settings')?.object.data, { level: 'info' });
});

test('ObjectRepository keeps kinds and namespaces apart; list filters; remove', () => {
  db.objects.put('ConfigMap', configMap({ level: 'warn' }, 'monitoring'));
  db.objects.put('Secret', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'settings' },
    data: { token: Buffer.from('s3cret').toString('base64') },
  });
  assert.deepEqual(
    db.objects.list().map((o) => `${o.kind}/${o.namespace}/${o.name}`),
    ['ConfigMap/default/settings', 'ConfigMap/monitoring/settings', 'Secret/default/settings'],
  );
  assert.equal(db.objects.list({ kind: 'Secret' }).length, 1);
  assert.equal(db.objects.list({ namespace: 'monitoring' }).length, 1);
  assert.equal(db.objects.list({ kind: 'Secret', namespace: 'monitoring' }).length, 0);
  assert.equal(db.objects.remove('ConfigMap', 'monitoring', 'settings'), true);
  assert.equal(db.objects.remove('ConfigMap', 'monitoring', 'settings'), false);
  assert.equal(db.objects.get('ConfigMap', 'monitoring', 'settings'), undefined);
});

test('ObjectRepository.put() refuses a kind or namespace mismatch, no name, hostile names', () => {
  const refused = (fn: () => unknown) => assert.throws(fn, (e) => isRuntimeError(e, 'InvalidArgument'));
  refused(() => db.objects.put('Secret', configMap({})));
  refused(() => db.objects.put('ConfigMap', configMap({}, 'a'), { namespace: 'b' }));
  refused(() => db.objects.put('ConfigMap', { kind: 'ConfigMap', metadata: {} }));
  refused(() => db.objects.put('ConfigMap', { kind: 'ConfigMap', metadata: { name: '../../etc' } }));
  refused(() =>
    db.objects.put('ConfigMap', { kind: 'ConfigMap', metadata: { name: 'x', namespace: '../' } }),
  );
  refused(() =>
    db.objects.put('ConfigMap', {
      kind: 'ConfigMap',
      metadata: { name: 'x' },
      binaryData: new Uint8Array(3),
    }),
  );
});

test('ObjectRepository.get() reports a damaged object as DataLoss', () => {
  const raw = new Database(t.path);
  try {
    raw.pragma('ignore_check_constraints = ON');
    raw.prepare("UPDATE objects SET object = 'not json' WHERE kind = 'Secret'").run();
  } finally {
    raw.close();
  }
  assert.throws(
    () => db.objects.get('Secret', 'default', 'settings'),
    (e) => isRuntimeError(e, 'DataLoss') && /Secret "default\/settings" is damaged/.test(e.message),
  );
});
