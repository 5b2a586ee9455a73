import type { Migration } from './migration.ts';

/**
 * The container row becomes the one persisted record of a container run, for the daemon and for
 * `hostpod run` alike (which had a `container.json` beside each container instead): who supervises
 * it (`owner`: pid and start time, `daemon` for the daemon's containers, which outlive it), what
 * exec and probes need (`exec`: layout, mount point, path mappings, env, working dir, whether its
 * user is ephemeral), and the pod by name — `pod_uid` is NULL for a `hostpod run` pod, which has no
 * row in `pods`. The table is rebuilt (SQLite cannot relax NOT NULL); rows already there are the
 * daemon's, so their owner is the daemon; the running ones get their `exec` from their old
 * `container.json` when the daemon adopts them.
 */
export const migration0003: Migration = {
  version: 3,
  name: 'container-record',
  up(db) {
    db.exec(`
      CREATE TABLE containers_new (
        id TEXT PRIMARY KEY,
        pod_uid TEXT REFERENCES pods (uid) ON DELETE CASCADE,
        pod_namespace TEXT NOT NULL,
        pod_name TEXT NOT NULL,
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
        owner TEXT NOT NULL CHECK (json_valid(owner)),
        exec TEXT CHECK (exec IS NULL OR json_valid(exec)),
        UNIQUE (pod_uid, type, name, attempt),
        CHECK ((exit_code IS NULL) = (finished_at IS NULL)),
        CHECK ((exit_reason IS NULL) = (finished_at IS NULL))
      ) STRICT;
      INSERT INTO containers_new
        SELECT c.id, c.pod_uid, p.namespace, p.name, c.name, c.type, c.attempt, c.image, c.state,
               c.last_state, c.exit_code, c.exit_reason, c.created_at, c.started_at, c.finished_at,
               c.task_dir, c.group_id, '{"daemon":true,"pid":0,"startTime":""}', NULL
        FROM containers c JOIN pods p ON p.uid = c.pod_uid;
      DROP TABLE containers;
      ALTER TABLE containers_new RENAME TO containers;
      CREATE INDEX containers_by_pod_name ON containers (pod_namespace, pod_name);
    `);
  },
};
