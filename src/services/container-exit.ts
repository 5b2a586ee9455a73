/**
 * How a container run ended, made in one place: from the shim's exit record (read once, with
 * the job's OOM counter: `OOMKilled`), from a start that failed (`StartError`), or for a run whose
 * shim vanished without a record (`Unknown`, 137). Every caller — the supervisor, the daemon's
 * reconcile, crash cleanup, a forced stop — converts through here, so the rules (the OOM rule,
 * the codes) exist once. A `ContainerExit` is the Kubernetes terminated state of the run.
 */
import type { TerminatedState } from '../api/pod-status-types.ts';
import { describeError, isRuntimeError } from '../errors.ts';
import type { Group } from '../runtime/group/types.ts';
import { type ExitRecord, readExit } from '../runtime/task/exit-record.ts';

export type ExitReason = 'Completed' | 'Error' | 'OOMKilled' | 'StartError' | 'Unknown';

export interface ContainerExit extends TerminatedState {
  reason: ExitReason;
}

/** The exit code of a run whose processes were killed without a record (128 + SIGKILL). */
export const UNKNOWN_EXIT_CODE = 137;
/** The exit code of a run that could not start, as the kubelet reports a `StartError`. */
export const START_ERROR_EXIT_CODE = 128;

/** The end the shim recorded: `OOMKilled` when the job's OOM killer fired and it did not exit 0. */
export function exitFromRecord(rec: ExitRecord, oomKilled: boolean): ContainerExit {
  const reason: ExitReason =
    oomKilled && rec.exitCode !== 0 ? 'OOMKilled' : rec.exitCode === 0 ? 'Completed' : 'Error';
  return {
    exitCode: rec.exitCode,
    reason,
    ...(rec.signal ? { signal: rec.signal } : {}),
    startedAt: rec.startedAt,
    finishedAt: rec.finishedAt,
  };
}

/** A run that ended without its shim's record: the shim was killed, or the host restarted. */
export function vanishedExit(message: string, startedAt?: string): ContainerExit {
  return {
    exitCode: UNKNOWN_EXIT_CODE,
    reason: 'Unknown',
    message,
    ...(startedAt ? { startedAt } : {}),
    finishedAt: new Date().toISOString(),
  };
}

/** A run whose processes hostpod killed on purpose (the pod may no longer run here). */
export function killedExit(message: string, startedAt?: string): ContainerExit {
  return { ...vanishedExit(message, startedAt), reason: 'Error' };
}

/** A run that could not start: its error's message is what the status shows. */
export function startErrorExit(error: unknown): ContainerExit {
  return {
    exitCode: START_ERROR_EXIT_CODE,
    reason: 'StartError',
    message: describeError(error),
    finishedAt: new Date().toISOString(),
  };
}

/**
 * The end of a task from its directory, read once: the exit record and the job's OOM counter;
 * undefined while no record is there (it runs, or its shim vanished — the caller knows which).
 * A record that is not what the shim writes is an `Unknown` end naming the problem.
 */
export async function readTaskExit(
  dir: string,
  group: Pick<Group, 'stats'>,
): Promise<ContainerExit | undefined> {
  let rec: ExitRecord | undefined;
  try {
    rec = await readExit(dir);
  } catch (e) {
    if (!isRuntimeError(e, 'DataLoss')) throw e;
    return vanishedExit(describeError(e));
  }
  if (!rec) return undefined;
  const stats = await group.stats().catch(() => undefined);
  return exitFromRecord(rec, (stats?.oomKillCount ?? 0) > 0);
}

/** The terminated state of a run as the status and its record show it. */
export function terminatedState(exit: ContainerExit, containerID?: string): TerminatedState {
  return {
    exitCode: exit.exitCode,
    reason: exit.reason,
    finishedAt: exit.finishedAt,
    ...(exit.signal ? { signal: exit.signal } : {}),
    ...(exit.message ? { message: exit.message.slice(0, 4096) } : {}),
    ...(exit.startedAt ? { startedAt: exit.startedAt } : {}),
    ...(containerID ? { containerID } : {}),
  };
}

/** A stored terminated state as an exit (reasons hostpod did not write become `Error`). */
export function exitOfTerminated(t: TerminatedState): ContainerExit {
  const known: readonly string[] = ['Completed', 'Error', 'OOMKilled', 'StartError', 'Unknown'];
  const { containerID: _, ...rest } = t;
  return { ...rest, reason: (known.includes(t.reason) ? t.reason : 'Error') as ExitReason };
}
