import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { errnoCode, RuntimeError } from '../../errors.ts';

/** How a task's first process ended, as the shim recorded it in `<dir>/exit`. */
export interface ExitRecord {
  /** The exit code; a process killed by signal n has 128 + n (SIGKILL → 137). */
  exitCode: number;
  /** The signal that killed it, if one did. */
  signal: NodeJS.Signals | undefined;
  startedAt: string;
  finishedAt: string;
  /** True when the rest of the job did not leave within the grace period and was SIGKILLed. */
  killed: boolean;
  initPid: number;
  shimPid: number;
  /**
   * Windows only (`hostpod-shim.exe`): the job hit its memory limit (JOB_OBJECT_MSG_JOB_MEMORY_LIMIT).
   * Absent in the Linux shim's records, where the cgroup's oom_kill count tells.
   */
  oomKilled?: boolean;
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

/**
 * Reads `<dir>/exit`; undefined while the task runs. Throws `DataLoss` when the file is not
 * what the shim writes. Read synchronously: a small file in the page cache (or none, while the
 * task runs — every liveness check asks), cheaper than async readFile's thread-pool round trips.
 */
export async function readExit(dir: string): Promise<ExitRecord | undefined> {
  let text: string;
  try {
    text = readFileSync(join(dir, 'exit'), 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new RuntimeError('DataLoss', `Cannot read the exit record in ${dir}: not JSON`, { cause: err });
  }
  const r = raw as Record<string, unknown>;
  const num = (k: string): number => {
    const v = r[k];
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new RuntimeError('DataLoss', `Cannot read the exit record in ${dir}: ${k} is not an integer`);
    }
    return v;
  };
  const str = (k: string): string => {
    const v = r[k];
    if (typeof v !== 'string')
      throw new RuntimeError('DataLoss', `Cannot read the exit record in ${dir}: no ${k}`);
    return v;
  };
  const signal = num('signal');
  return {
    exitCode: num('exitCode'),
    signal: signal === 0 ? undefined : SIGNAL_NAMES.get(signal),
    startedAt: str('startedAt'),
    finishedAt: str('finishedAt'),
    killed: r.killed === true,
    initPid: num('initPid'),
    shimPid: num('shimPid'),
    ...(typeof r.oomKilled === 'boolean' ? { oomKilled: r.oomKilled } : {}),
  };
}
