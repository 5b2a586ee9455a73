import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, RuntimeError } from '../../errors.ts';
import { isAlive, type ProcessIdentity, parseIdentity } from '../../lib/process-identity.ts';
import { type ExitRecord, readExit } from './exit-record.ts';

/** The shim's command name, as `/proc/<pid>/stat` shows it. */
const SHIM_COMM = 'hostpod-shim';

/**
 * The shim of the task in `dir`, from its `shim.pid` (`PID STARTTIME`; older shims wrote only
 * the pid), as an identity that also requires the command name `hostpod-shim`. Undefined when
 * the task never started there or the file is unreadable.
 */
export async function shimIdentity(dir: string): Promise<ProcessIdentity | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'shim.pid'), 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  const id = parseIdentity(text);
  return id === undefined ? undefined : { ...id, comm: SHIM_COMM };
}

/** True while the shim whose pid is in `<dir>/shim.pid` runs (a zombie or a reused pid is not it). */
export async function shimAlive(dir: string): Promise<boolean> {
  const id = await shimIdentity(dir);
  return id !== undefined && (await isAlive(id));
}

export interface WaitTaskOptions {
  signal?: AbortSignal;
  /** The backstop poll, in ms, besides watching the directory (default 1000). */
  pollMs?: number;
}

/**
 * Resolves with the exit record once `<dir>/exit` appears, for a task started by this process
 * or an earlier one. Rejects `DataLoss` if the shim is gone without writing it (it was killed),
 * `Canceled` when `signal` aborts.
 */
export async function waitTask(dir: string, options: WaitTaskOptions = {}): Promise<ExitRecord> {
  const now = await readExit(dir);
  if (now) return now;
  return new Promise<ExitRecord>((resolve, reject) => {
    let settled = false;
    let busy = false;
    const finish = (err: unknown, rec?: ExitRecord): void => {
      if (settled) return;
      settled = true;
      watcher.close();
      clearInterval(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (rec) resolve(rec);
      else reject(err);
    };
    const check = async (checkShim: boolean): Promise<void> => {
      if (settled || busy) return;
      busy = true;
      try {
        const rec = await readExit(dir);
        if (rec) return finish(undefined, rec);
        if (checkShim && !(await shimAlive(dir))) {
          const late = await readExit(dir);
          if (late) return finish(undefined, late);
          finish(
            new RuntimeError('DataLoss', `Task in ${dir} ended without an exit record: its shim is gone`, {
              hint: 'The shim was killed; the exit code of the task is unknown.',
            }),
          );
        }
      } catch (err) {
        finish(err);
      } finally {
        busy = false;
      }
    };
    const onAbort = (): void =>
      finish(new RuntimeError('Canceled', `Stopped waiting for the task in ${dir}`));
    // Only the exit record's arrival matters (the shim renames it into place); the other files
    // of the directory (shim.pid, init.pid, their temporary names) would each cost a read. A
    // platform that gives no name gets the check.
    const watcher = watch(dir, (_event, name) => {
      if (name === null || name === 'exit') void check(false);
    });
    watcher.on('error', () => {});
    const timer = setInterval(() => void check(true), options.pollMs ?? 1000);
    options.signal?.addEventListener('abort', onAbort);
    if (options.signal?.aborted) onAbort();
    void check(true);
  });
}
