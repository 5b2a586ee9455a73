/**
 * The schema version (`meta.schema_version`) and the migration runner. Each migration runs in its
 * own immediate transaction together with the version bump; the version is re-read inside the
 * transaction, so two processes opening one database at once migrate it once.
 */

import { RuntimeError } from '../errors.ts';
import { APPLICATION_ID } from './migrations/0001-initial.ts';
import type { Migration } from './migrations/index.ts';
import { Row } from './row.ts';
import type { SqlDatabase } from './sqlite-driver.ts';

/**
 * The schema version of an open database: 0 for an empty one. Throws `FailedPrecondition` for
 * a SQLite file that is not hostpod's (another application id, or tables but no `meta`), and
 * `DataLoss` for a `meta` table without a readable version.
 */
export function readSchemaVersion(db: SqlDatabase, path: string): number {
  const appId = db.pragma('application_id', { simple: true });
  if (appId !== 0 && appId !== APPLICATION_ID) throw notOurs(path, `its application id is ${String(appId)}`);
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta'").get();
  if (hasMeta === undefined) {
    const any = db.prepare("SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' LIMIT 1").get();
    if (any !== undefined) throw notOurs(path, 'it has tables but no hostpod meta table');
    return 0;
  }
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get();
  const where = `meta "schema_version" in ${path}`;
  if (row === undefined)
    throw new RuntimeError('DataLoss', `State database ${path} has no schema version`, {
      hint: 'the file was changed outside hostpod: restore state.db from a backup',
    });
  const text = new Row(row, where).text('value');
  const v = Number(text);
  if (!/^[1-9][0-9]{0,8}$/.test(text) || !Number.isSafeInteger(v))
    throw new RuntimeError('DataLoss', `State database ${path} has a damaged schema version "${text}"`, {
      hint: 'the file was changed outside hostpod: restore state.db from a backup',
    });
  return v;
}

function notOurs(path: string, why: string): RuntimeError {
  return new RuntimeError('FailedPrecondition', `${path} is not a hostpod state database: ${why}`, {
    hint: 'point --root at a hostpod state root, or move the file away',
  });
}

/** The refusal of a database made by a newer hostpod. */
export function newerSchema(path: string, found: number, known: number): RuntimeError {
  return new RuntimeError(
    'FailedPrecondition',
    `State database ${path} has schema version ${found}, this hostpod knows up to ${known}: upgrade hostpod or point --root elsewhere`,
    { hint: 'a newer hostpod wrote this database; this one will not touch it' },
  );
}

/**
 * Brings the database up to the last of `migrations`, one transaction per step. Returns the
 * versions before and after. Throws `FailedPrecondition` when the database is newer than
 * `migrations` (nothing written), or the error of the failing step (that step rolled back).
 */
export function migrate(
  db: SqlDatabase,
  path: string,
  migrations: readonly Migration[],
): { from: number; to: number } {
  const known = migrations.length;
  for (const [i, m] of migrations.entries()) {
    if (m.version !== i + 1)
      throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  }
  const from = readSchemaVersion(db, path);
  if (from > known) throw newerSchema(path, from, known);
  let to = from;
  for (const m of migrations) {
    if (m.version <= to) continue;
    const step = db.transaction(() => {
      const current = readSchemaVersion(db, path);
      if (current > known) throw newerSchema(path, current, known);
      if (current >= m.version) return current;
      if (current !== m.version - 1)
        throw new Error(`schema version ${current} cannot take migration ${m.version}`);
      m.up(db);
      db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)").run(
        String(m.version),
      );
      return m.version;
    });
    to = step.immediate();
  }
  return { from, to };
}
