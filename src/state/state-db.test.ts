import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { isRuntimeError, RuntimeError } from '../errors.ts';
import { migration0001 } from './migrations/0001-initial.ts';
import { SCHEMA_VERSION } from './migrations/index.ts';
import { openStateDb } from './state-db.ts';
import { fingerprint, podManifest, type TempState, tempState } from './testing/temp-state.ts';

const temps: TempState[] = [];
const temp = () => {
  const t = tempState();
  temps.push(t);
  return t;
};
after(() => {
  for (const t of temps) t.cleanup();
});

function rejects(fn: () => unknown, code: string, message: RegExp): RuntimeError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(isRuntimeError(caught), `expected a RuntimeError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.match(caught.message, message);
  assert.ok(caught.hint, 'a refusal says what to do');
  return caught;
}

/** A database with one pod in it, closed (so the WAL is folded into the file). */
function populated(path: string): void {
  const db = openStateDb(path);
  db.pods.put({ namespace: 'default', name: 'web', manifest: podManifest('web'), source: { kind: 'apply' } });
  db.close();
}

test('openStateDb() creates a database at the latest schema, WAL, mode 0600', () => {
  const t = temp();
  const db = openStateDb(t.path);
  try {
    assert.equal(db.schemaVersion, SCHEMA_VERSION);
    assert.deepEqual(db.quickCheck(), ['ok']);
    db.pods.put({
      namespace: 'default',
      name: 'web',
      manifest: podManifest('web'),
      source: { kind: 'apply' },
    });
    for (const f of [t.path, `${t.path}-wal`, `${t.path}-shm`])
      assert.equal(statSync(f).mode & 0o777, 0o600, `${f} holds Secrets: owner only`);
  } finally {
    db.close();
  }
  const raw = new Database(t.path, { readonly: true });
  try {
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(
      raw.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get(),
      String(SCHEMA_VERSION),
    );
  } finally {
    raw.close();
  }
});

test('openStateDb() reopens a database with its data and the same schema', () => {
  const t = temp();
  populated(t.path);
  const schema = () => {
    const raw = new Database(t.path, { readonly: true });
    try {
      return raw.prepare('SELECT type, name, sql FROM sqlite_schema ORDER BY name').all();
    } finally {
      raw.close();
    }
  };
  const before = schema();
  const db = openStateDb(t.path);
  try {
    assert.equal(db.pods.find('default', 'web')?.generation, 1);
  } finally {
    db.close();
  }
  assert.deepEqual(schema(), before);
});

test('openStateDb() refuses a newer schema version and leaves the file as it was', () => {
  const t = temp();
  populated(t.path);
  const raw = new Database(t.path);
  raw.prepare("UPDATE meta SET value = '7' WHERE key = 'schema_version'").run();
  raw.close();
  const before = fingerprint(t.path);
  rejects(
    () => openStateDb(t.path),
    'FailedPrecondition',
    new RegExp(
      `state database ${t.path} has schema version 7, this hostpod knows up to ${SCHEMA_VERSION}: upgrade hostpod or point --root elsewhere`,
      'i',
    ),
  );
  rejects(() => openStateDb(t.path, { readonly: true }), 'FailedPrecondition', /schema version 7/);
  assert.equal(fingerprint(t.path), before);
});

test('openStateDb() refuses a text file and does not overwrite it', () => {
  const t = temp();
  const text = 'pods:\n  - web\n'.repeat(50);
  writeFileSync(t.path, text);
  rejects(() => openStateDb(t.path), 'DataLoss', /is not a SQLite database/);
  assert.equal(readFileSync(t.path, 'utf8'), text);
});

test('openStateDb() refuses a truncated database and does not overwrite it', () => {
  const t = temp();
  const db = openStateDb(t.path);
  for (let i = 0; i < 300; i++)
    db.pods.put({
      namespace: 'default',
      name: `web-${i}`,
      manifest: podManifest(`web-${i}`),
      source: { kind: 'apply' },
    });
  db.close();
  truncateSync(t.path, Math.floor(statSync(t.path).size / 2));
  const before = fingerprint(t.path);
  rejects(() => openStateDb(t.path), 'DataLoss', /is damaged/);
  assert.equal(fingerprint(t.path), before);
});

test('openStateDb() refuses a file cut inside the SQLite header', () => {
  const t = temp();
  populated(t.path);
  truncateSync(t.path, 60);
  rejects(() => openStateDb(t.path), 'DataLoss', /is not a SQLite database/);
  assert.equal(statSync(t.path).size, 60);
});

test("openStateDb() refuses another program's SQLite database", () => {
  const t = temp();
  const raw = new Database(t.path);
  raw.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)');
  raw.close();
  const before = fingerprint(t.path);
  rejects(() => openStateDb(t.path), 'FailedPrecondition', /is not a hostpod state database: it has tables/);
  assert.equal(fingerprint(t.path), before);
});

test('openStateDb() refuses a damaged schema version as DataLoss', () => {
  const t = temp();
  populated(t.path);
  const raw = new Database(t.path);
  raw.prepare("UPDATE meta SET value = 'two' WHERE key = 'schema_version'").run();
  raw.close();
  rejects(() => openStateDb(t.path), 'DataLoss', /damaged schema version "two"/);
});

test('openStateDb() readonly reads, refuses writes and a missing file, creates nothing', () => {
  const t = temp();
  rejects(() => openStateDb(t.path, { readonly: true }), 'NotFound', /No state database/);
  populated(t.path);
  const db = openStateDb(t.path, { readonly: true });
  try {
    assert.equal(db.pods.list().length, 1);
    assert.throws(
      () =>
        db.pods.put({
          namespace: 'default',
          name: 'db',
          manifest: podManifest('db'),
          source: { kind: 'apply' },
        }),
      (e) => isRuntimeError(e) && e.code === 'PermissionDenied',
    );
  } finally {
    db.close();
  }
});

test('openStateDb() readonly refuses an older schema instead of migrating it', () => {
  const t = temp();
  openStateDb(t.path, { migrations: [migration0001] }).close();
  const before = fingerprint(t.path);
  rejects(() => openStateDb(t.path, { readonly: true }), 'FailedPrecondition', /reads only version/);
  assert.equal(fingerprint(t.path), before);
});

test('StateDb.transition() keeps nothing of a transition that throws', () => {
  const t = temp();
  const db = openStateDb(t.path);
  try {
    assert.throws(
      () =>
        db.transition(() => {
          db.pods.put({
            namespace: 'default',
            name: 'a',
            manifest: podManifest('a'),
            source: { kind: 'apply' },
          });
          throw new RuntimeError('Internal', 'injected failure');
        }),
      /injected failure/,
    );
    assert.equal(db.pods.find('default', 'a'), undefined);
    const r = db.transition(() => {
      db.pods.put({ namespace: 'default', name: 'b', manifest: podManifest('b'), source: { kind: 'apply' } });
      return db.pods.put({
        namespace: 'default',
        name: 'c',
        manifest: podManifest('c'),
        source: { kind: 'apply' },
      });
    });
    assert.equal(r.change, 'created');
    // A nested transition that throws is undone alone; the outer one still commits.
    db.transition(() => {
      db.pods.put({ namespace: 'default', name: 'd', manifest: podManifest('d'), source: { kind: 'apply' } });
      assert.throws(() =>
        db.transition(() => {
          db.pods.put({
            namespace: 'default',
            name: 'e',
            manifest: podManifest('e'),
            source: { kind: 'apply' },
          });
          throw new RuntimeError('Internal', 'inner failure');
        }),
      );
    });
    assert.deepEqual(
      db.pods.list().map((p) => p.name),
      ['b', 'c', 'd'],
    );
  } finally {
    db.close();
  }
});

test('StateDb.transition() refuses an async function and rolls it back', () => {
  const t = temp();
  const db = openStateDb(t.path);
  try {
    assert.throws(
      () =>
        db.transition(async () => {
          db.pods.put({
            namespace: 'default',
            name: 'a',
            manifest: podManifest('a'),
            source: { kind: 'apply' },
          });
        }),
      (e) => isRuntimeError(e, 'Internal') && /must be synchronous/.test(e.message),
    );
    assert.equal(db.pods.find('default', 'a'), undefined);
  } finally {
    db.close();
  }
});

test('StateDb.transition() is Unavailable while another process holds the write lock', () => {
  const t = temp();
  const db = openStateDb(t.path, { busyTimeoutMs: 20 });
  const other = new Database(t.path);
  try {
    other.exec('BEGIN IMMEDIATE');
    assert.throws(
      () =>
        db.transition(() =>
          db.pods.put({ namespace: 'default', name: 'a', manifest: {}, source: { kind: 'apply' } }),
        ),
      (e) => isRuntimeError(e, 'Unavailable') && /locked/.test(e.hint ?? ''),
    );
    other.exec('ROLLBACK');
    db.transition(() =>
      db.pods.put({ namespace: 'default', name: 'a', manifest: {}, source: { kind: 'apply' } }),
    );
    assert.equal(db.pods.list().length, 1);
  } finally {
    other.close();
    db.close();
  }
});

test('openStateDb() from several processes at once on a new file: each opens, the schema is made once', async () => {
  const t = temp();
  const child = fileURLToPath(new URL('./testing/open-child.ts', import.meta.url));
  const results = await Promise.all(
    [0, 1, 2].map(
      (i) =>
        new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
          const c = spawn(process.execPath, ['--import', 'tsx', child, t.path, String(i)], {
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let out = '';
          let err = '';
          c.stdout.setEncoding('utf8').on('data', (d: string) => {
            out += d;
          });
          c.stderr.setEncoding('utf8').on('data', (d: string) => {
            err += d;
          });
          c.on('exit', (code) => resolve({ code, out, err }));
        }),
    ),
  );
  for (const r of results) assert.deepEqual([r.code, r.out], [0, 'ok\n'], r.err);
  const db = openStateDb(t.path);
  try {
    assert.equal(db.schemaVersion, SCHEMA_VERSION);
    assert.deepEqual(
      db.pods.list().map((p) => p.name),
      ['pod-0', 'pod-1', 'pod-2'],
    );
  } finally {
    db.close();
  }
});

test('openStateDb() under a state root that is a file is FailedPrecondition', () => {
  const t = temp();
  writeFileSync(`${t.root}/file`, 'x');
  rejects(
    () => openStateDb(`${t.root}/file/state.db`),
    'FailedPrecondition',
    /Cannot create the state root .*file/,
  );
  rejects(
    () => openStateDb(`${t.root}/file/deeper/state.db`),
    'FailedPrecondition',
    /Cannot create the state root/,
  );
});
