/**
 * For state-db.test.ts: opens (creating and migrating) the database, stores pod `pod-INDEX`,
 * prints `ok`. Several run at once against one fresh file. Usage: open-child.ts DB_PATH INDEX
 */
import { writeSync } from 'node:fs';
import { openStateDb } from '../state-db.ts';
import { podManifest } from './temp-state.ts';

const [path, index] = process.argv.slice(2);
if (!path || !index) throw new Error('usage: open-child.ts DB_PATH INDEX');
const db = openStateDb(path);
const name = `pod-${index}`;
db.transition(() =>
  db.pods.put({ namespace: 'default', name, manifest: podManifest(name), source: { kind: 'apply' } }),
);
db.close();
writeSync(1, 'ok\n');
