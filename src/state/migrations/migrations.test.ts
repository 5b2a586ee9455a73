import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { isRuntimeError } from '../../errors.ts';
import { migrate, readSchemaVersion } from '../migrate.ts';
import { openStateDb } from '../state-db.ts';
import { fingerprint, type TempState, tempState } from '../testing/temp-state.ts';
import { APPLICATION_ID, migration0001 } from './0001-initial.ts';
import { migration0002 } from './0002-event-series.ts';
import { migration0003 } from './0003-container-record.ts';
import { migration0004 } from './0004-stored-status.ts';
import { migration0005 } from './0005-workloads.ts';
import { MIGRATIONS, type Migration, SCHEMA_VERSION } from './index.ts';

const temps: TempState[] = [];
after(() => {
  for (const t of temps) t.cleanup();
});

/** A raw connection to a fresh file, with the pragmas openStateDb sets. */
function rawDb(): { db: Database.Database; path: string } {
  const t = tempState();
  temps.push(t);
  const db = new Database(t.path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  return { db, path: t.path };
}

const schemaOf = (db: Database.Database) =>
  db
    .prepare(
      "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .all();

test('MIGRATIONS are numbered 1, 2, … with no gap', () => {
  assert.deepEqual(
    MIGRATIONS.map((m) => m.version),
    MIGRATIONS.map((_, i) => i + 1),
  );
  assert.equal(SCHEMA_VERSION, MIGRATIONS.length);
});

test('migration0001 applies to an empty database: tables, application id, version 1', () => {
  const { db, path } = rawDb();
  try {
    assert.deepEqual(migrate(db, path, [migration0001]), { from: 0, to: 1 });
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .pluck()
      .all();
    assert.deepEqual(tables, ['containers', 'events', 'meta', 'objects', 'pods']);
    assert.equal(db.pragma('application_id', { simple: true }), APPLICATION_ID);
    assert.equal(readSchemaVersion(db, path), 1);
    assert.deepEqual(db.pragma('foreign_key_check'), []);
  } finally {
    db.close();
  }
});

test('migration0002 applies to a version 1 database with data: pods, containers and events survive', () => {
  const { db, path } = rawDb();
  try {
    migrate(db, path, [migration0001]);
    const t0 = '2026-11-27T10:00:00.000Z';
    db.prepare(
      "INSERT INTO pods VALUES ('u1', 'default', 'web', '{\"kind\":\"Pod\"}', 'apply', NULL, ?, NULL, '{\"phase\":\"Running\"}', 3)",
    ).run(t0);
    db.prepare(
      `INSERT INTO containers VALUES ('c1', 'u1', 'main', 'container', 0, 'busybox', '{"running":{"startedAt":"${t0}"}}', NULL, NULL, NULL, ?, ?, NULL, '/t', 'g')`,
    ).run(t0, t0);
    const ins = db.prepare(
      "INSERT INTO events (pod_uid, time, type, reason, message) VALUES ('u1', ?, 'Normal', ?, ?)",
    );
    for (let i = 1; i <= 5; i++) ins.run(`2026-11-27T10:00:0${i}.000Z`, 'Started', `message ${i}`);
    db.prepare('DELETE FROM events WHERE id >= 4').run(); // the sequence stays at 5
    const podsBefore = db.prepare('SELECT * FROM pods').all();
    const containersBefore = db.prepare('SELECT * FROM containers').all();

    assert.deepEqual(migrate(db, path, [migration0001, migration0002]), { from: 1, to: 2 });

    assert.deepEqual(db.prepare('SELECT * FROM pods').all(), podsBefore);
    assert.deepEqual(db.prepare('SELECT * FROM containers').all(), containersBefore);
    assert.deepEqual(
      db.prepare('SELECT id, first_time, time, count, message FROM events ORDER BY id').all(),
      [
        {
          id: 1,
          first_time: '2026-11-27T10:00:01.000Z',
          time: '2026-11-27T10:00:01.000Z',
          count: 1,
          message: 'message 1',
        },
        {
          id: 2,
          first_time: '2026-11-27T10:00:02.000Z',
          time: '2026-11-27T10:00:02.000Z',
          count: 1,
          message: 'message 2',
        },
        {
          id: 3,
          first_time: '2026-11-27T10:00:03.000Z',
          time: '2026-11-27T10:00:03.000Z',
          count: 1,
          message: 'message 3',
        },
      ],
    );
    // An id once given out is never given again, across the table rebuild.
    const next = db
      .prepare(
        "INSERT INTO events (pod_uid, first_time, time, count, type, reason, message) VALUES ('u1', ?, ?, 1, 'Normal', 'Killing', 'x')",
      )
      .run(t0, t0).lastInsertRowid;
    assert.equal(Number(next), 6);
    // The cascade from pods still holds on the rebuilt table.
    db.prepare("DELETE FROM pods WHERE uid = 'u1'").run();
    assert.equal(db.prepare('SELECT COUNT(*) FROM events').pluck().get(), 0);
    assert.deepEqual(db.pragma('foreign_key_check'), []);
    assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
  } finally {
    db.close();
  }
});

test('migration0003 applies to a version 2 database with data: each container row keeps its values, gets its pod by name and the daemon as owner', () => {
  const { db, path } = rawDb();
  try {
    migrate(db, path, [migration0001, migration0002]);
    const t0 = '2026-11-27T10:00:00.000Z';
    db.prepare(
      "INSERT INTO pods VALUES ('u1', 'kube-system', 'proxy', '{\"kind\":\"Pod\"}', 'apply', NULL, ?, NULL, NULL, 1)",
    ).run(t0);
    db.prepare(
      `INSERT INTO containers VALUES ('c1', 'u1', 'main', 'container', 2, 'busybox', '{"running":{"startedAt":"${t0}"}}', '{"terminated":{"exitCode":1,"reason":"Error","finishedAt":"${t0}"}}', NULL, NULL, ?, ?, NULL, '/t', 'g')`,
    ).run(t0, t0);
    db.prepare(
      "INSERT INTO events (pod_uid, first_time, time, count, type, reason, message) VALUES ('u1', ?, ?, 1, 'Normal', 'Started', 'x')",
    ).run(t0, t0);
    const before = db.prepare('SELECT * FROM containers').get() as Record<string, unknown>;

    assert.deepEqual(migrate(db, path, [migration0001, migration0002, migration0003]), { from: 2, to: 3 });
    const after = db.prepare('SELECT * FROM containers').get() as Record<string, unknown>;
    assert.deepEqual(after, {
      ...before,
      pod_namespace: 'kube-system',
      pod_name: 'proxy',
      owner: '{"daemon":true,"pid":0,"startTime":""}',
      exec: null,
    });
    // The pod's events were not touched by the rebuild, and the cascade from pods still holds.
    assert.equal(db.prepare('SELECT COUNT(*) FROM events').pluck().get(), 1);
    db.prepare("DELETE FROM pods WHERE uid = 'u1'").run();
    assert.equal(db.prepare('SELECT COUNT(*) FROM containers').pluck().get(), 0);
    // A `hostpod run` container has no pod row.
    db.prepare(
      `INSERT INTO containers (id, pod_uid, pod_namespace, pod_name, name, type, attempt, image, state, created_at, owner) VALUES ('c2', NULL, 'default', 'run', 'main', 'container', 0, 'x', '{"waiting":{"reason":"ContainerCreating"}}', ?, '{"pid":1,"startTime":"1"}')`,
    ).run(t0);
    assert.deepEqual(db.pragma('foreign_key_check'), []);
    assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
  } finally {
    db.close();
  }
});

test('migration0004 keeps of a stored pod status only what the container records do not hold', () => {
  const { db, path } = rawDb();
  try {
    migrate(db, path, [migration0001, migration0002, migration0003]);
    const t0 = '2026-11-27T10:00:00.000Z';
    const old = {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: t0 }],
      startTime: t0,
      initContainerStatuses: [
        {
          name: 'init',
          image: 'i',
          state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: t0 } },
          lastState: {},
          restartCount: 0,
          ready: false,
          started: false,
        },
      ],
      containerStatuses: [
        {
          name: 'main',
          image: 'm',
          containerID: 'c1',
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: t0 } },
          restartCount: 2,
          ready: false,
          started: false,
        },
      ],
    };
    db.prepare("INSERT INTO pods VALUES ('u1', 'default', 'web', '{}', 'apply', NULL, ?, NULL, ?, 1)").run(
      t0,
      JSON.stringify(old),
    );
    db.prepare("INSERT INTO pods VALUES ('u2', 'default', 'new', '{}', 'apply', NULL, ?, NULL, NULL, 1)").run(
      t0,
    );
    migrate(db, path, [migration0001, migration0002, migration0003, migration0004]);
    const got = JSON.parse(db.prepare("SELECT status FROM pods WHERE uid = 'u1'").pluck().get() as string);
    assert.deepEqual(got, {
      phase: 'Running',
      conditions: old.conditions,
      startTime: t0,
      containers: {
        'init_container/init': { attempt: 0, ready: false, started: false },
        'container/main': {
          attempt: 2,
          ready: false,
          started: false,
          waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' },
        },
      },
    });
    assert.equal(db.prepare("SELECT status FROM pods WHERE uid = 'u2'").pluck().get(), null);
  } finally {
    db.close();
  }
});

test('migrate() twice is a no-op the second time', () => {
  const { db, path } = rawDb();
  try {
    assert.deepEqual(migrate(db, path, MIGRATIONS), { from: 0, to: SCHEMA_VERSION });
    const schema = schemaOf(db);
    assert.deepEqual(migrate(db, path, MIGRATIONS), { from: SCHEMA_VERSION, to: SCHEMA_VERSION });
    assert.deepEqual(schemaOf(db), schema);
  } finally {
    db.close();
  }
});

test('migrate() in steps gives the same schema as in one go', () => {
  const a = rawDb();
  const b = rawDb();
  try {
    migrate(a.db, a.path, MIGRATIONS);
    for (let n = 1; n <= MIGRATIONS.length; n++) migrate(b.db, b.path, MIGRATIONS.slice(0, n));
    assert.deepEqual(schemaOf(b.db), schemaOf(a.db));
  } finally {
    a.db.close();
    b.db.close();
  }
});

test('migration0005 adds workloads and pod owners; stored pods, containers and events survive without an owner', () => {
  const { db, path } = rawDb();
  try {
    const before4 = [migration0001, migration0002, migration0003, migration0004];
    migrate(db, path, before4);
    const t0 = '2026-12-05T10:00:00.000Z';
    db.prepare(
      "INSERT INTO pods VALUES ('u1', 'default', 'agent-5bce9', '{\"kind\":\"Pod\"}', 'apply', NULL, ?, NULL, NULL, 2)",
    ).run(t0);
    db.prepare(
      "INSERT INTO events (pod_uid, first_time, time, count, type, reason, message) VALUES ('u1', ?, ?, 1, 'Normal', 'Started', 'x')",
    ).run(t0, t0);
    const podBefore = db.prepare('SELECT * FROM pods').get() as Record<string, unknown>;
    assert.deepEqual(migrate(db, path, [...before4, migration0005]), { from: 4, to: 5 });
    assert.deepEqual(db.prepare('SELECT * FROM pods').get(), { ...podBefore, owner_uid: null });
    const containerCols = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('containers');
    assert.ok(containerCols.includes('image_digest'), 'a container records its image digest');
    assert.equal(db.prepare('SELECT count(*) FROM events').pluck().get(), 1);
    // A pod can point to a workload; a pod pointing nowhere is refused; removing the workload
    // leaves its pod without an owner (the daemon stops the pods first).
    db.prepare(
      "INSERT INTO workloads VALUES ('w1', 'DaemonSet', 'default', 'agent', '{\"kind\":\"DaemonSet\"}', 1, ?)",
    ).run(t0);
    db.prepare("UPDATE pods SET owner_uid = 'w1' WHERE uid = 'u1'").run();
    assert.throws(
      () => db.prepare("UPDATE pods SET owner_uid = 'nope' WHERE uid = 'u1'").run(),
      /FOREIGN KEY/,
    );
    assert.throws(
      () => db.prepare("INSERT INTO workloads VALUES ('w2', 'Service', 'default', 's', '{}', 1, ?)").run(t0),
      /CHECK/,
    );
    db.prepare("DELETE FROM workloads WHERE uid = 'w1'").run();
    assert.equal(db.prepare("SELECT owner_uid FROM pods WHERE uid = 'u1'").pluck().get(), null);
    assert.deepEqual(db.pragma('foreign_key_check'), []);
  } finally {
    db.close();
  }
});

test('migrate() rolls back a failing step whole: version and tables as before', () => {
  const { db, path } = rawDb();
  const broken: Migration = {
    version: 2,
    name: 'broken',
    up(d) {
      d.exec('CREATE TABLE half_made (x TEXT)');
      throw new Error('step failed');
    },
  };
  try {
    migrate(db, path, [migration0001]);
    const schema = schemaOf(db);
    assert.throws(() => migrate(db, path, [migration0001, broken]), /step failed/);
    assert.equal(readSchemaVersion(db, path), 1);
    assert.deepEqual(schemaOf(db), schema);
  } finally {
    db.close();
  }
});

test('migrate() refuses a database newer than its migrations without writing', () => {
  const t = tempState();
  temps.push(t);
  openStateDb(t.path).close();
  const before = fingerprint(t.path);
  const db = new Database(t.path);
  try {
    assert.throws(
      () => migrate(db, t.path, [migration0001]),
      (e) => isRuntimeError(e, 'FailedPrecondition') && /knows up to 1/.test(e.message),
    );
  } finally {
    db.close();
  }
  assert.equal(fingerprint(t.path), before);
});

test('openStateDb() migrates a version 1 file written by an older hostpod', () => {
  const t = tempState();
  temps.push(t);
  const old = openStateDb(t.path, { migrations: [migration0001] });
  assert.equal(old.schemaVersion, 1);
  old.close();
  const db = openStateDb(t.path);
  try {
    assert.equal(db.schemaVersion, SCHEMA_VERSION);
    const e = db.events.add({ type: 'Warning', reason: 'DiskFull', message: 'no space left' });
    assert.equal(e.count, 1);
  } finally {
    db.close();
  }
});
