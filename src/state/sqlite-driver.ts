/**
 * The SQLite driver under the state database: better-sqlite3 on Linux (a native addon built for
 * the host), `node:sqlite` on Windows (built into Node ≥ 22.13; better-sqlite3 has no offline
 * win32 build). Both are synchronous; this file gives them one shape — the subset of
 * better-sqlite3's API the repositories use — so nothing else in `state/` knows which is loaded.
 * The driver is loaded on first open with a synchronous `require`, so the one not used is never
 * loaded (better-sqlite3's addon would not load on Windows).
 *
 * Errors keep SQLite's result-code names in `code` (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`, …)
 * whichever driver threw, for `sqlite-errors.ts`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostOs } from '../lib/host-os.ts';

/** A value bound to a `?` or `@name` parameter. */
export type SqlValue = string | number | bigint | null | Uint8Array;
export type SqlParams = SqlValue[] | [Record<string, SqlValue>];

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/** A prepared statement. */
export interface SqlStatement {
  run(...params: SqlParams): RunResult;
  get(...params: SqlParams): unknown;
  all(...params: SqlParams): unknown[];
  /** A statement whose `get`/`all` return each row's first column. */
  pluck(): SqlStatement;
  /** A statement whose `get`/`all` return each row as an array of its columns. */
  raw(): SqlStatement;
}

/** A transaction function: call it for a deferred transaction, `.immediate()` to take the write lock first. */
export interface SqlTransaction<T> {
  (): T;
  immediate(): T;
}

/** An open connection. */
export interface SqlDatabase {
  readonly open: boolean;
  prepare(sql: string): SqlStatement;
  exec(sql: string): void;
  /** `PRAGMA <text>`: the rows, or with `simple` the first column of the first row. */
  pragma(text: string, options?: { simple?: boolean }): unknown;
  /** `fn` in a transaction; nested calls become savepoints. */
  transaction<T>(fn: () => T): SqlTransaction<T>;
  close(): void;
}

export interface OpenOptions {
  readonly?: boolean;
  /** Refuse to create the file. */
  fileMustExist?: boolean;
  /** Busy timeout in ms. */
  timeout?: number;
}

export type SqliteDriverName = 'better-sqlite3' | 'node:sqlite';

/** The driver this host uses. */
export function sqliteDriverName(): SqliteDriverName {
  return hostOs() === 'windows' ? 'node:sqlite' : 'better-sqlite3';
}

const require = createRequire(import.meta.url);

/** Opens `path` with this host's driver (or `driver`). Throws the driver's errors, codes named as SQLite's. */
export function openSqlite(
  path: string,
  options: OpenOptions = {},
  driver = sqliteDriverName(),
): SqlDatabase {
  return driver === 'node:sqlite' ? openNodeSqlite(path, options) : openBetterSqlite(path, options);
}

// --- better-sqlite3: already this shape ---------------------------------------------------

function openBetterSqlite(path: string, options: OpenOptions): SqlDatabase {
  const Database = require('better-sqlite3') as typeof import('better-sqlite3');
  return new Database(path, {
    readonly: options.readonly ?? false,
    fileMustExist: options.fileMustExist ?? false,
    timeout: options.timeout ?? 5000,
  }) as unknown as SqlDatabase;
}

// --- node:sqlite ---------------------------------------------------------------------------

interface NodeStatement {
  run(...p: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...p: unknown[]): unknown;
  all(...p: unknown[]): unknown[];
}
interface NodeDatabase {
  readonly isOpen?: boolean;
  prepare(sql: string): NodeStatement;
  exec(sql: string): void;
  close(): void;
}

/** SQLite's extended result codes hostpod tells apart, and the primary ones. */
const RESULT_NAMES: Record<number, string> = {
  1: 'SQLITE_ERROR',
  3: 'SQLITE_PERM',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  8: 'SQLITE_READONLY',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  19: 'SQLITE_CONSTRAINT',
  23: 'SQLITE_AUTH',
  26: 'SQLITE_NOTADB',
  275: 'SQLITE_CONSTRAINT_CHECK',
  787: 'SQLITE_CONSTRAINT_FOREIGNKEY',
  1299: 'SQLITE_CONSTRAINT_NOTNULL',
  1555: 'SQLITE_CONSTRAINT_PRIMARYKEY',
  2067: 'SQLITE_CONSTRAINT_UNIQUE',
  517: 'SQLITE_BUSY_SNAPSHOT',
};

/** A node:sqlite error with `code` set to SQLite's result-code name (node:sqlite sets `ERR_SQLITE_ERROR`). */
export function withSqliteCode(err: unknown): unknown {
  if (typeof err !== 'object' || err === null) return err;
  const errcode: unknown = Reflect.get(err, 'errcode');
  if (typeof errcode !== 'number') return err;
  const name = RESULT_NAMES[errcode] ?? RESULT_NAMES[errcode & 0xff] ?? `SQLITE_${errcode}`;
  try {
    Object.defineProperty(err, 'code', { value: name, configurable: true, writable: true });
  } catch {}
  return err;
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw withSqliteCode(err);
  }
}

/** `{ a: 1 }` → `{ a: 1 }` (bare names are accepted by node:sqlite); positional params as they are. */
function bind(params: readonly unknown[]): unknown[] {
  return params.map((p) => (typeof p === 'boolean' ? Number(p) : p));
}

type RowMode = 'object' | 'pluck' | 'raw';

class NodeSqlStatement implements SqlStatement {
  readonly #s: NodeStatement;
  readonly #mode: RowMode;
  constructor(s: NodeStatement, mode: RowMode = 'object') {
    this.#s = s;
    this.#mode = mode;
  }
  run(...params: SqlParams): RunResult {
    const r = wrap(() => this.#s.run(...bind(params)));
    return { changes: Number(r.changes), lastInsertRowid: r.lastInsertRowid };
  }
  get(...params: SqlParams): unknown {
    const row = wrap(() => this.#s.get(...bind(params)));
    return row === undefined ? undefined : this.#shape(row);
  }
  all(...params: SqlParams): unknown[] {
    return wrap(() => this.#s.all(...bind(params))).map((row) => this.#shape(row));
  }
  pluck(): SqlStatement {
    return new NodeSqlStatement(this.#s, 'pluck');
  }
  raw(): SqlStatement {
    return new NodeSqlStatement(this.#s, 'raw');
  }
  #shape(row: unknown): unknown {
    if (this.#mode === 'object' || typeof row !== 'object' || row === null) return row;
    const values = Object.values(row);
    return this.#mode === 'pluck' ? values[0] : values;
  }
}

class NodeSqlDatabase implements SqlDatabase {
  readonly #db: NodeDatabase;
  #open = true;
  #depth = 0;
  #savepoint = 0;
  constructor(db: NodeDatabase) {
    this.#db = db;
  }
  get open(): boolean {
    return this.#open;
  }
  prepare(sql: string): SqlStatement {
    return new NodeSqlStatement(wrap(() => this.#db.prepare(sql)));
  }
  exec(sql: string): void {
    wrap(() => this.#db.exec(sql));
  }
  pragma(text: string, options: { simple?: boolean } = {}): unknown {
    const rows = wrap(() => this.#db.prepare(`PRAGMA ${text}`).all());
    if (!options.simple) return rows;
    const first = rows[0];
    return typeof first === 'object' && first !== null ? Object.values(first)[0] : undefined;
  }
  transaction<T>(fn: () => T): SqlTransaction<T> {
    const run = (begin: string): T => {
      if (this.#depth > 0) {
        const name = `hostpod_sp${++this.#savepoint}`;
        this.exec(`SAVEPOINT ${name}`);
        this.#depth++;
        try {
          const r = fn();
          this.exec(`RELEASE ${name}`);
          return r;
        } catch (err) {
          this.exec(`ROLLBACK TO ${name}`);
          this.exec(`RELEASE ${name}`);
          throw err;
        } finally {
          this.#depth--;
        }
      }
      this.exec(begin);
      this.#depth = 1;
      try {
        const r = fn();
        this.exec('COMMIT');
        return r;
      } catch (err) {
        try {
          this.exec('ROLLBACK');
        } catch {}
        throw err;
      } finally {
        this.#depth = 0;
      }
    };
    const tx = (() => run('BEGIN')) as SqlTransaction<T>;
    tx.immediate = () => run('BEGIN IMMEDIATE');
    return tx;
  }
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#db.close();
  }
}

function openNodeSqlite(path: string, options: OpenOptions): SqlDatabase {
  const { DatabaseSync } = require('node:sqlite') as {
    DatabaseSync: new (path: string, o: Record<string, unknown>) => NodeDatabase;
  };
  if (options.fileMustExist || options.readonly) {
    // node:sqlite creates a missing file unless read-only; refuse as better-sqlite3 does.
    if (!existsSync(path))
      throw Object.assign(new Error(`unable to open database file: ${path}`), { code: 'SQLITE_CANTOPEN' });
  }
  const db = wrap(
    () =>
      new DatabaseSync(path, {
        readOnly: options.readonly ?? false,
        timeout: options.timeout ?? 5000,
      }),
  );
  return new NodeSqlDatabase(db);
}
