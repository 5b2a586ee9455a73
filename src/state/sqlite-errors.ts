/**
 * SQLite and file system failures as `RuntimeError`s: one table from SQLite's result codes and
 * errno codes to ours, so a full disk, a lock held too long or a damaged page reads the same
 * wherever it happens.
 */
import { describeError, type ErrorCode, errnoCode, RuntimeError } from '../errors.ts';

/** The SQLite result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`, …) of an error, if any. */
export function sqliteCode(err: unknown): string | undefined {
  const c = errnoCode(err);
  return c?.startsWith('SQLITE_') ? c : undefined;
}

const TABLE: readonly [prefix: string, code: ErrorCode, hint: string][] = [
  ['SQLITE_BUSY', 'Unavailable', 'another process holds the state database locked; retry in a moment'],
  ['SQLITE_LOCKED', 'Unavailable', 'another process holds the state database locked; retry in a moment'],
  ['SQLITE_FULL', 'ResourceExhausted', 'free space on the file system of the state root'],
  ['SQLITE_CORRUPT', 'DataLoss', 'the state database is damaged: restore state.db from a backup'],
  ['SQLITE_NOTADB', 'DataLoss', 'the state database is damaged: restore state.db from a backup'],
  ['SQLITE_READONLY', 'PermissionDenied', 'run hostpod as the owner of the state root (usually root)'],
  ['SQLITE_PERM', 'PermissionDenied', 'run hostpod as the owner of the state root (usually root)'],
  ['SQLITE_AUTH', 'PermissionDenied', 'run hostpod as the owner of the state root (usually root)'],
  ['SQLITE_CANTOPEN', 'Unavailable', 'check that the state root exists and is writable'],
  ['SQLITE_IOERR', 'Unavailable', 'check the disk holding the state root (dmesg may say more)'],
  ['EACCES', 'PermissionDenied', 'run hostpod as the owner of the state root (usually root)'],
  ['EPERM', 'PermissionDenied', 'run hostpod as the owner of the state root (usually root)'],
  ['EROFS', 'PermissionDenied', 'the state root is on a read-only file system: point --root elsewhere'],
  ['ENOSPC', 'ResourceExhausted', 'free space on the file system of the state root'],
  ['EDQUOT', 'ResourceExhausted', 'free space on the file system of the state root'],
  ['ENOTDIR', 'FailedPrecondition', 'the state root (--root) must be a directory'],
  ['EEXIST', 'FailedPrecondition', 'the state root (--root) must be a directory'],
  ['ENOENT', 'FailedPrecondition', 'check that the state root (--root) exists'],
  ['EIO', 'Unavailable', 'check the disk holding the state root (dmesg may say more)'],
];

/**
 * `err` as a `RuntimeError` for the failed `action` (`put pod "default/web"`): a RuntimeError
 * passes through; an SQLite error is mapped by its result code, a system error by its errno
 * code (the file and its directory); anything else is `Internal`.
 */
export function toRuntimeError(err: unknown, action: string): RuntimeError {
  if (err instanceof RuntimeError) return err;
  const code = errnoCode(err);
  const hit =
    code === undefined
      ? undefined
      : TABLE.find(([p]) => (p.startsWith('SQLITE_') ? code.startsWith(p) : code === p));
  return new RuntimeError(hit?.[1] ?? 'Internal', `Cannot ${action}: ${describeError(err)}`, {
    ...(hit ? { hint: hit[2] } : {}),
    cause: err,
  });
}

/** Runs `fn`, turning whatever it throws into a `RuntimeError` for `action`. */
export function guard<T>(action: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toRuntimeError(err, action);
  }
}
