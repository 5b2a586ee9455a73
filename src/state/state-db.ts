/**
 * The state database (`<root>/state.db`): opening it safely and the repositories on it.
 *
 * Opening never damages what is there. An existing file is first inspected through a
 * read-only connection — SQLite header, `PRAGMA quick_check`, application id, schema version —
 * and refused (`DataLoss` when damaged, `FailedPrecondition` when newer than this build or not
 * hostpod's) before anything may write to it. Only then is it opened for writing and migrated.
 */
import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describeError, errnoCode, RuntimeError } from '../errors.ts';
import { ContainerRepository } from './containers.ts';
import { EVENTS_PER_POD, EventRepository } from './events.ts';
import { migrate, newerSchema, readSchemaVersion } from './migrate.ts';
import { MIGRATIONS, type Migration } from './migrations/index.ts';
import { ObjectRepository } from './objects.ts';
import { PodRepository } from './pods.ts';
import { openSqlite, type SqlDatabase } from './sqlite-driver.ts';
import { guard, sqliteCode, toRuntimeError } from './sqlite-errors.ts';
import { WorkloadRepository } from './workloads.ts';

export interface StateDbOptions {
  /** Open for reading only: the file must exist and be at this build's schema version. */
  readonly?: boolean;
  /** How long a write waits for another process's lock before `Unavailable` (default 5000 ms). */
  busyTimeoutMs?: number;
  /**
   * The migrations to apply (default: all of this build's). Tests stop at an older one to
   * make an old database; the repositories expect the latest schema.
   */
  migrations?: readonly Migration[];
  /** Events kept per pod (default `EVENTS_PER_POD`). */
  eventsPerPod?: number;
}

/** `<root>/state.db`. */
export function stateDbPath(root: string): string {
  return join(root, 'state.db');
}

const DAMAGED_HINT =
  'hostpod will not overwrite it: move it aside (the pods it recorded are then forgotten) or restore it from a backup';

/** An open state database and its repositories. */
export class StateDb {
  readonly path: string;
  readonly schemaVersion: number;
  readonly pods: PodRepository;
  readonly containers: ContainerRepository;
  readonly events: EventRepository;
  readonly objects: ObjectRepository;
  readonly workloads: WorkloadRepository;
  readonly #db: SqlDatabase;

  /** Use `openStateDb`. */
  constructor(db: SqlDatabase, path: string, schemaVersion: number, eventsPerPod: number) {
    this.#db = db;
    this.path = path;
    this.schemaVersion = schemaVersion;
    this.pods = new PodRepository(db);
    this.containers = new ContainerRepository(db);
    this.events = new EventRepository(db, eventsPerPod);
    this.objects = new ObjectRepository(db);
    this.workloads = new WorkloadRepository(db);
  }

  /**
   * Runs `fn` in one immediate (write-locking) transaction and returns its result once it is
   * committed: a caller reports a transition only after this returns, so what was reported is on
   * disk. When `fn` throws, nothing it did is kept. Inside another transition it nests (a
   * savepoint). `fn` must be synchronous (`Internal` otherwise). Throws what `fn` throws, or
   * `Unavailable` (locked too long, I/O error), `ResourceExhausted` (disk full) from the commit.
   */
  transition<T>(fn: () => T): T {
    const run = this.#db.transaction((): T => {
      const r = fn();
      if (typeof r === 'object' && r !== null && typeof Reflect.get(r, 'then') === 'function')
        throw new RuntimeError('Internal', 'A state transition returned a promise: it must be synchronous');
      return r;
    });
    return guard('commit a state transition', () => run.immediate());
  }

  /** `PRAGMA quick_check`: `['ok']` for a sound database, else SQLite's findings. */
  quickCheck(): string[] {
    return guard('check the state database', () => quickCheck(this.#db));
  }

  /** Closes the database (a checkpoint folds the WAL into the file). Idempotent. */
  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

/**
 * Opens the state database at `path` (usually `stateDbPath(root)`), creating it (mode 0600, its
 * directory 0700) and migrating it to this build's schema unless `readonly`.
 *
 * Pragmas: WAL, so readers (the CLI) never block the daemon's writes and a crash leaves either
 * the old or the new transaction; `synchronous=NORMAL`, which in WAL mode loses no committed
 * transaction when a process dies (the kill the daemon must survive) and at worst the last few on
 * power loss — which also ends every container, so the state then matches a reboot; foreign keys,
 * so a pod's containers and events go with it; a busy timeout, so short concurrent writes queue
 * instead of failing.
 *
 * Throws `DataLoss` (not a SQLite file, truncated, `quick_check` failing, damaged meta),
 * `FailedPrecondition` (newer schema, another application's database, `readonly` on an older
 * schema), `NotFound` (`readonly` and no file), `PermissionDenied` / `Unavailable` (the OS
 * refused). A refused file is left byte for byte as it was.
 */
export function openStateDb(path: string, options: StateDbOptions = {}): StateDb {
  const migrations = options.migrations ?? MIGRATIONS;
  const known = migrations.length;
  const readonly = options.readonly ?? false;
  const timeout = options.busyTimeoutMs ?? 5000;
  if (!readonly) createEmpty(path);
  const found = inspect(path, readonly, timeout);
  if (found > known) throw newerSchema(path, found, known);
  if (readonly && found < known)
    throw new RuntimeError(
      'FailedPrecondition',
      `State database ${path} has schema version ${found}, this hostpod reads only version ${known}`,
      { hint: 'start `hostpod daemon` once so that it migrates the database' },
    );
  const db = guard(`open the state database ${path}`, () =>
    openSqlite(path, { readonly, fileMustExist: true, timeout }),
  );
  try {
    db.pragma(`busy_timeout = ${timeout}`);
    if (readonly) {
      db.pragma('query_only = ON');
    } else {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal')
        throw new RuntimeError('Unavailable', `Cannot use WAL for ${path}: journal mode is ${String(mode)}`);
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
    }
    const version = readonly ? found : migrate(db, path, migrations).to;
    return new StateDb(db, path, version, options.eventsPerPod ?? EVENTS_PER_POD);
  } catch (err) {
    db.close();
    throw toRuntimeError(err, `open the state database ${path}`);
  }
}

/** Creates an empty file (mode 0600) unless one exists, so the database is never group-readable. */
function createEmpty(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw toRuntimeError(err, `create the state root ${dirname(path)}`);
  }
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return;
    throw toRuntimeError(err, `create the state database ${path}`);
  }
}

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** The schema version of the file, read without writing to it; refuses a damaged file. */
function inspect(path: string, readonly: boolean, timeout: number): number {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' && readonly)
      throw new RuntimeError('NotFound', `No state database at ${path}`, {
        hint: 'start `hostpod daemon` with this --root first, or check --root',
      });
    throw toRuntimeError(err, `read the state database ${path}`);
  }
  // An empty file is an empty database; its content may still be in the WAL, read below.
  if (size > 0) {
    const head = Buffer.alloc(MAGIC.length);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    if (size < 100 || !head.equals(MAGIC))
      throw new RuntimeError('DataLoss', `State database ${path} is not a SQLite database`, {
        hint: DAMAGED_HINT,
      });
  }
  let db: SqlDatabase | undefined;
  try {
    db = openSqlite(path, { readonly: true, fileMustExist: true, timeout });
    const check = quickCheck(db);
    if (check.length !== 1 || check[0] !== 'ok')
      throw new RuntimeError(
        'DataLoss',
        `State database ${path} is damaged: ${check.slice(0, 3).join('; ')}`,
        {
          hint: DAMAGED_HINT,
        },
      );
    return readSchemaVersion(db, path);
  } catch (err) {
    const code = sqliteCode(err);
    if (code?.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
      throw new RuntimeError('DataLoss', `State database ${path} is damaged: ${describeError(err)}`, {
        hint: DAMAGED_HINT,
        cause: err,
      });
    throw toRuntimeError(err, `read the state database ${path}`);
  } finally {
    db?.close();
  }
}

function quickCheck(db: SqlDatabase): string[] {
  return db
    .prepare('PRAGMA quick_check')
    .raw()
    .all()
    .map((row) => (Array.isArray(row) ? String(row[0]) : String(row)));
}
