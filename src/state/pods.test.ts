import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { isRuntimeError } from '../errors.ts';
import { parseContainerId, parsePodUid } from './ids.ts';
import { openStateDb, type StateDb } from './state-db.ts';
import { podManifest, type TempState, tempState } from './testing/temp-state.ts';

const OWNER = { pid: 1, startTime: '1', daemon: true as const };

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

const code = (c: string, message?: RegExp) => (e: unknown) =>
  isRuntimeError(e) && e.code === c && (message === undefined || message.test(e.message));

test('PodRepository.put() creates, leaves unchanged, and bumps the generation on a spec change', () => {
  const created = db.pods.put({
    namespace: 'default',
    name: 'web',
    manifest: podManifest('web'),
    source: { kind: 'apply' },
    status: { phase: 'Pending' },
    at: '2026-11-27T12:00:00.000Z',
  });
  assert.equal(created.change, 'created');
  assert.equal(created.pod.generation, 1);
  assert.equal(created.pod.phase, 'Pending');
  assert.equal(created.pod.createdAt, '2026-11-27T12:00:00.000Z');
  assert.match(created.pod.uid, /^[0-9a-f-]{36}$/);
  // The same manifest with keys in another order is the same manifest.
  const m = podManifest('web');
  const reordered = { spec: m.spec, metadata: m.metadata, kind: m.kind, apiVersion: m.apiVersion };
  const again = db.pods.put({
    namespace: 'default',
    name: 'web',
    manifest: reordered,
    source: { kind: 'apply' },
  });
  assert.equal(again.change, 'unchanged');
  assert.equal(again.pod.generation, 1);
  // A label is not a spec change: configured, same generation.
  const labelled = db.pods.put({
    namespace: 'default',
    name: 'web',
    manifest: podManifest('web', 'busybox:1.36', { labels: { app: 'web' } }),
    source: { kind: 'apply' },
  });
  assert.equal(labelled.change, 'configured');
  assert.equal(labelled.pod.generation, 1);
  const changed = db.pods.put({
    namespace: 'default',
    name: 'web',
    manifest: podManifest('web', 'busybox:1.37', { labels: { app: 'web' } }),
    source: { kind: 'apply' },
  });
  assert.equal(changed.change, 'configured');
  assert.equal(changed.pod.generation, 2);
  assert.equal(changed.pod.uid, created.pod.uid);
  assert.equal(changed.pod.phase, 'Pending', 'put keeps the stored status');
  const spec = changed.pod.manifest.spec as { containers: { image: string }[] };
  assert.equal(spec.containers[0]?.image, 'busybox:1.37');
});

test('PodRepository.get(), find(), has() and list() return what was stored', () => {
  const uid = parsePodUid('6a1f2c3d-0000-4000-8000-000000000001');
  db.pods.put({
    namespace: 'kube-system',
    name: 'agent',
    manifest: podManifest('agent'),
    source: { kind: 'static', path: '/etc/hostpod/manifests/agent.yaml' },
    uid,
  });
  const p = db.pods.get(uid);
  assert.deepEqual(p?.source, { kind: 'static', path: '/etc/hostpod/manifests/agent.yaml' });
  assert.equal(p?.status, undefined);
  assert.deepEqual(db.pods.find('kube-system', 'agent'), p);
  assert.equal(db.pods.has(uid), true);
  assert.equal(db.pods.has(parsePodUid('6a1f2c3d-0000-4000-8000-0000000000ff')), false);
  assert.equal(db.pods.get(parsePodUid('nope')), undefined);
  assert.deepEqual(
    db.pods.list().map((x) => `${x.namespace}/${x.name}`),
    ['default/web', 'kube-system/agent'],
  );
  assert.deepEqual(
    db.pods.list({ namespace: 'kube-system' }).map((x) => x.name),
    ['agent'],
  );
});

test('PodRepository.put() refuses to change a static pod through apply, and a taken uid', () => {
  const m = podManifest('agent');
  assert.throws(
    () => db.pods.put({ namespace: 'kube-system', name: 'agent', manifest: m, source: { kind: 'apply' } }),
    code('FailedPrecondition', /comes from static pod file \/etc\/hostpod\/manifests\/agent.yaml/),
  );
  assert.throws(
    () =>
      db.pods.put({
        namespace: 'default',
        name: 'other',
        manifest: m,
        source: { kind: 'apply' },
        uid: parsePodUid('6a1f2c3d-0000-4000-8000-000000000001'),
      }),
    code('AlreadyExists', /uid .* is taken/),
  );
});

test('PodRepository.put() refuses hostile names and values JSON cannot hold', () => {
  for (const [ns, name] of [
    ['default', '../x'],
    ['default', '/etc/passwd'],
    ['default', 'Web'],
    ['default', ''],
    ['a.b', 'web'],
    ['default', `${'a'.repeat(254)}`],
  ] as const) {
    assert.throws(
      () => db.pods.put({ namespace: ns, name, manifest: {}, source: { kind: 'apply' } }),
      code('InvalidArgument', /Invalid pod/),
      `${ns}/${name}`,
    );
  }
  const cyclic: Record<string, unknown> = { kind: 'Pod' };
  cyclic.self = cyclic;
  assert.throws(
    () => db.pods.put({ namespace: 'default', name: 'loop', manifest: cyclic, source: { kind: 'apply' } }),
    code('InvalidArgument', /refers back to itself/),
  );
  assert.throws(
    () => db.pods.put({ namespace: 'default', name: 'big', manifest: { n: 10n }, source: { kind: 'apply' } }),
    code('InvalidArgument', /BigInt/),
  );
  assert.equal(db.pods.find('default', 'loop'), undefined);
});

test('PodRepository.setStatus() stores the status whole; NotFound for an unknown pod', () => {
  const p = db.pods.find('default', 'web')!;
  const status = {
    phase: 'Running' as const,
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-11-27T12:00:01.000Z' }],
    containerStatuses: [
      { name: 'main', restartCount: 0, state: { running: { startedAt: '2026-11-27T12:00:01.000Z' } } },
    ],
  };
  db.pods.setStatus(p.uid, status);
  const got = db.pods.get(p.uid)!;
  assert.equal(got.phase, 'Running');
  assert.deepEqual(got.status, status);
  assert.throws(() => db.pods.setStatus(parsePodUid('missing'), { phase: 'Running' }), code('NotFound'));
});

test('PodRepository.markDeleted() keeps the first time and blocks put; remove() takes containers and events', () => {
  const p = db.pods.find('default', 'web')!;
  db.containers.create({
    id: parseContainerId('c0123456789abcdef0123456789abcdef'),
    podUid: p.uid,
    pod: { namespace: 'default', name: 'web' },
    owner: OWNER,
    name: 'main',
    type: 'container',
    attempt: 0,
    image: 'busybox:1.37',
  });
  db.events.add({ podUid: p.uid, type: 'Normal', reason: 'Scheduled', message: 'accepted' });
  const d1 = db.pods.markDeleted(p.uid, '2026-11-27T13:00:00.000Z');
  const d2 = db.pods.markDeleted(p.uid, '2026-11-27T14:00:00.000Z');
  assert.equal(d1.deletedAt, '2026-11-27T13:00:00.000Z');
  assert.equal(d2.deletedAt, '2026-11-27T13:00:00.000Z');
  assert.throws(
    () =>
      db.pods.put({
        namespace: 'default',
        name: 'web',
        manifest: podManifest('web'),
        source: { kind: 'apply' },
      }),
    code('FailedPrecondition', /being deleted/),
  );
  assert.equal(db.pods.remove(p.uid), true);
  assert.equal(db.pods.remove(p.uid), false);
  assert.deepEqual(db.containers.listByPod(p.uid), []);
  assert.deepEqual(db.events.list({ podUid: p.uid }), []);
  assert.throws(() => db.pods.markDeleted(p.uid), code('NotFound'));
});

test('PodRepository.get() reports a damaged JSON column as DataLoss naming the pod', () => {
  const { pod } = db.pods.put({
    namespace: 'default',
    name: 'broken',
    manifest: podManifest('broken'),
    source: { kind: 'apply' },
  });
  const raw = new Database(t.path);
  try {
    raw.pragma('ignore_check_constraints = ON');
    raw.prepare('UPDATE pods SET manifest = ? WHERE uid = ?').run('{"kind": "Pod", ', pod.uid);
  } finally {
    raw.close();
  }
  assert.throws(
    () => db.pods.get(pod.uid),
    code('DataLoss', /pod "default\/broken" is damaged: column manifest is not valid JSON/),
  );
  assert.throws(() => db.pods.list(), code('DataLoss', /default\/broken/));
  const raw2 = new Database(t.path);
  try {
    raw2
      .prepare('UPDATE pods SET manifest = ?, status = ? WHERE uid = ?')
      .run('{}', '{"phase":"Exploded"}', pod.uid);
  } finally {
    raw2.close();
  }
  assert.throws(() => db.pods.get(pod.uid), code('DataLoss', /status without a valid phase/));
  db.pods.remove(pod.uid);
});
