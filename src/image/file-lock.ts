import { open, readFile, rename, unlink } from 'node:fs/promises';
import { errnoCode, RuntimeError } from '../errors.ts';

/** A held lock; `release()` removes the lock file (idempotent, never throws). */
export interface FileLock {
  readonly path: string;
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM';
  }
}

async function holderPid(path: string): Promise<number | undefined> {
  try {
    const text = await readFile(path, 'utf8');
    const pid = Number.parseInt(text.trim().split(/\s+/)[0] ?? '', 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Tries once to take the lock file at `path` (created with O_EXCL, holding our pid). A lock
 * whose holder process is gone (killed mid-pull) is stale and is broken. Returns the lock, or
 * `{ heldBy }` when a live process holds it.
 */
export async function tryFileLock(path: string): Promise<FileLock | { heldBy: number }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      try {
        await fh.writeFile(`${process.pid}\n`);
      } finally {
        await fh.close();
      }
      let released = false;
      return {
        path,
        async release() {
          if (released) return;
          released = true;
          await unlink(path).catch(() => {});
        },
      };
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw e;
    }
    const pid = await holderPid(path);
    if (pid !== undefined && isAlive(pid)) return { heldBy: pid };
    // Stale (holder died) or half-written: move it aside under a unique name and retry.
    // Renaming (not unlinking) means two breakers cannot both remove a fresh lock: only one
    // rename of a given file succeeds.
    const aside = `${path}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      await rename(path, aside);
      const again = await holderPid(aside);
      if (again !== undefined && again !== pid && isAlive(again)) {
        // We moved a lock someone just took; put it back if the name is still free.
        await rename(aside, path).catch(() => {});
        return { heldBy: again };
      }
      await unlink(aside).catch(() => {});
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
    }
  }
  throw new RuntimeError('Unavailable', `Cannot take lock ${path}: it keeps changing hands`, {
    hint: 'another hostpod process is working on the same content; try again',
  });
}

/**
 * Takes the lock file at `path`, waiting (polling) while a live process holds it. `onWait` is
 * called once when it has to wait. Abortable; throws the signal's reason when aborted.
 */
export async function acquireFileLock(
  path: string,
  opts: { signal?: AbortSignal; pollMs?: number; onWait?: (heldBy: number) => void } = {},
): Promise<FileLock> {
  let waited = false;
  for (;;) {
    opts.signal?.throwIfAborted();
    const r = await tryFileLock(path);
    if ('release' in r) return r;
    if (!waited) {
      waited = true;
      opts.onWait?.(r.heldBy);
    }
    await sleep(opts.pollMs ?? 50, opts.signal);
  }
}

/** Runs `fn` while holding the lock file at `path`. */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const lock = await acquireFileLock(path, signal ? { signal } : {});
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
