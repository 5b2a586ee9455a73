import { Row } from '../row.ts';
import type { Migration } from './migration.ts';

/**
 * Event series, as the kubelet's event correlator keeps them: a repeated event (same pod, type,
 * reason and message — a `BackOff` every few seconds) raises `count` and moves `time` instead of
 * adding a row, so the newest-200 bound keeps history rather than 200 copies of one line.
 * `first_time` is when the series began. The table is rebuilt (SQLite cannot add a NOT NULL
 * column without a constant default); existing rows become series of one, and the id sequence
 * carries over, so an id is never given out twice (a watcher resumes after the last id it saw).
 */
export const migration0002: Migration = {
  version: 2,
  name: 'event-series',
  up(db) {
    const seqRow = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get();
    const lastId = seqRow === undefined ? 0 : new Row(seqRow, 'sqlite_sequence "events"').int('seq');
    db.exec(`
      CREATE TABLE events_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        pod_uid TEXT REFERENCES pods (uid) ON DELETE CASCADE,
        first_time TEXT NOT NULL,
        time TEXT NOT NULL,
        count INTEGER NOT NULL CHECK (count >= 1),
        type TEXT NOT NULL CHECK (type IN ('Normal', 'Warning')),
        reason TEXT NOT NULL,
        message TEXT NOT NULL
      ) STRICT;
      INSERT INTO events_new (id, pod_uid, first_time, time, count, type, reason, message)
        SELECT id, pod_uid, time, time, 1, type, reason, message FROM events;
      DROP TABLE events;
      ALTER TABLE events_new RENAME TO events;
      CREATE INDEX events_by_pod ON events (pod_uid, id);
    `);
    db.prepare("DELETE FROM sqlite_sequence WHERE name = 'events'").run();
    db.prepare(
      "INSERT INTO sqlite_sequence (name, seq) VALUES ('events', MAX(?, (SELECT IFNULL(MAX(id), 0) FROM events)))",
    ).run(lastId);
  },
};
