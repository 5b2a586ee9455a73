/**
 * For crash.test.ts: opens a version 1 database with a migration 0002 that, after doing its
 * work and before its transaction commits, prints `in-migration` and blocks until it is killed.
 * Usage: migrate-crash-child.ts DB_PATH
 */
import { writeSync } from 'node:fs';
import { migration0001 } from '../migrations/0001-initial.ts';
import { migration0002 } from '../migrations/0002-event-series.ts';
import { openStateDb } from '../state-db.ts';

const [path] = process.argv.slice(2);
if (!path) throw new Error('usage: migrate-crash-child.ts DB_PATH');
const blocked = {
  ...migration0002,
  up(db: Parameters<typeof migration0002.up>[0]) {
    migration0002.up(db);
    writeSync(1, 'in-migration\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  },
};
openStateDb(path, { migrations: [migration0001, blocked] });
