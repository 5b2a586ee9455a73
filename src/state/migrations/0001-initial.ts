import type { Migration } from './migration.ts';

/** `PRAGMA application_id`: "hpod", so another program's SQLite file is told apart from ours. */
export const APPLICATION_ID = 0x68706f64;

/** The first schema: meta, pods, containers, events, objects (docs/architecture.md "SQLite schema"). */
export const migration0001: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.exec(`
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE pods (
        uid TEXT PRIMARY KEY,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        manifest TEXT NOT NULL CHECK (json_valid(manifest)),
        source TEXT NOT NULL CHECK (source IN ('apply', 'static')),
        source_path TEXT,
        created_at TEXT NOT NULL,
        deleted_at TEXT,
        status TEXT CHECK (status IS NULL OR json_valid(status)),
        generation INTEGER NOT NULL CHECK (generation >= 1),
        UNIQUE (namespace, name),
        CHECK ((source = 'static') = (source_path IS NOT NULL))
      ) STRICT;

      CREATE TABLE containers (
        id TEXT PRIMARY KEY,
        pod_uid TEXT NOT NULL REFERENCES pods (uid) ON DELETE CASCADE,
        name TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('init_container', 'container', 'ephemeral_container')),
        attempt INTEGER NOT NULL CHECK (attempt >= 0),
        image TEXT NOT NULL,
        state TEXT NOT NULL CHECK (json_valid(state)),
        last_state TEXT CHECK (last_state IS NULL OR json_valid(last_state)),
        exit_code INTEGER,
        exit_reason TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        task_dir TEXT,
        group_id TEXT,
        UNIQUE (pod_uid, type, name, attempt),
        CHECK ((exit_code IS NULL) = (finished_at IS NULL)),
        CHECK ((exit_reason IS NULL) = (finished_at IS NULL))
      ) STRICT;

      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        pod_uid TEXT REFERENCES pods (uid) ON DELETE CASCADE,
        time TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('Normal', 'Warning')),
        reason TEXT NOT NULL,
        message TEXT NOT NULL
      ) STRICT;
      CREATE INDEX events_by_pod ON events (pod_uid, id);

      CREATE TABLE objects (
        kind TEXT NOT NULL CHECK (kind IN ('ConfigMap', 'Secret')),
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        object TEXT NOT NULL CHECK (json_valid(object)),
        generation INTEGER NOT NULL CHECK (generation >= 1),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (kind, namespace, name)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
