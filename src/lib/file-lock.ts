import { linkSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { link, readFile, rename, unlink } from 'node:fs/promises';
import { errnoCode, RuntimeError } from '../errors.ts';
import {
  formatIdentity,
  isAlive,
  type ProcessIdentity,
  parseIdentity,
  selfIdentity,
} from './process-identity.ts';
import { sleep } from './sleep.ts';

/** A held lock; `release()` removes the lock file (idempotent, never throws). */
export interface FileLock {
  readonly path: string;
  release(): Promise<void>;
}

/** The holder written in a lock file (`PID STARTTIME`; older files: the pid alone). */
async function holder(path: string): Promise<ProcessIdentity | undefined> {
  try {
    return parseIdentity(await readFile(path, 'utf8'));
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
}

function same(a: ProcessIdentity, b: ProcessIdentity): boolean {
  return a.pid === b.pid && a.startTime === b.startTime;
}

/**
 * Tries once to take the lock file at `path`, holding our pid and start time. The file is
 * written under a temporary name and hard-linked into place, so a lock file is never seen empty
 * (link fails with EEXIST when the lock is held: the same guarantee as O_EXCL). A lock whose
 * holder process is gone (killed mid-pull; its pid possibly reused since: the start time tells)
 * is stale and is broken. Returns the lock, or `{ heldBy }` (a pid) when a live process holds it.
 * The uncontended path (write, link, stat, unlink; on release stat, unlink) is synchronous: a
 * lock file is a few bytes in the page cache, and each async call would be a thread-pool round
 * trip — the mount-target lock is taken twice per container start.
 */
export async function tryFileLock(path: string): Promise<FileLock | { heldBy: number }> {
  const tmp = `${path}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  const me = selfIdentity();
  writeFileSync(tmp, `${formatIdentity(me)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        linkSync(tmp, path);
        const ino = statSync(path).ino;
        let released = false;
        return {
          path,
          async release() {
            if (released) return;
            released = true;
            // Remove it only if it is still ours (a stale-lock breaker may have replaced it).
            try {
              if (statSync(path).ino === ino) unlinkSync(path);
            } catch {
              // Gone meanwhile (or unreadable): released all the same — release never throws.
            }
          },
        };
      } catch (e) {
        if (errnoCode(e) !== 'EEXIST') throw e;
      }
      const held = await holder(path);
      if (held === undefined) continue; // released meanwhile (or unreadable): try again
      if (same(held, me) || (await isAlive(held))) return { heldBy: held.pid };
      // Stale: move it aside under a unique name (only one rename of a given file succeeds),
      // check it is the file we judged, and remove it.
      const aside = `${path}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
      try {
        await rename(path, aside);
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') continue;
        throw e;
      }
      const moved = await holder(aside);
      if (moved !== undefined && !same(moved, held) && (await isAlive(moved))) {
        // A live process took the lock between our read and our rename: put it back unless
        // someone else holds the name by now (link never overwrites).
        await link(aside, path).catch(() => {});
        await unlink(aside).catch(() => {});
        return { heldBy: moved.pid };
      }
      await unlink(aside).catch(() => {});
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // Already gone: nothing to clean.
    }
  }
  throw new RuntimeError('Unavailable', `Cannot take lock ${path}: it keeps changing hands`, {
    hint: 'another hostpod process is working on the same content; try again',
  });
}

/**
 * Waiters of this process, per lock path, one after the other: only the first of them polls the
 * lock file, so many concurrent acquires in one process (100 pods starting at once, all taking
 * the host-wide mount-target lock) cost one poller, not one each.
 */
const localQueues = new Map<string, Promise<void>>();

/**
 * Takes the lock file at `path`, waiting (polling) while a live process holds it. `onWait` is
 * called once when it has to wait. Abortable; throws the signal's reason when aborted.
 */
export async function acquireFileLock(
  path: string,
  opts: { signal?: AbortSignal; pollMs?: number; onWait?: (heldBy: number) => void } = {},
): Promise<FileLock> {
  const before = localQueues.get(path) ?? Promise.resolve();
  let done!: () => void;
  const turn = new Promise<void>((r) => {
    done = r;
  });
  const queued = before.then(() => turn);
  localQueues.set(path, queued);
  const leave = () => {
    done();
    if (localQueues.get(path) === queued) localQueues.delete(path);
  };
  try {
    await abortable(before, opts.signal);
    let waited = false;
    for (;;) {
      opts.signal?.throwIfAborted();
      const r = await tryFileLock(path);
      if ('release' in r) {
        return {
          path: r.path,
          async release() {
            await r.release();
            leave();
          },
        };
      }
      if (!waited) {
        waited = true;
        opts.onWait?.(r.heldBy);
      }
      await sleep(opts.pollMs ?? 50, opts.signal);
    }
  } catch (e) {
    leave();
    throw e;
  }
}

/** Resolves with `p`, or rejects with the signal's reason when it aborts first. */
function abortable(p: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return p;
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
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
