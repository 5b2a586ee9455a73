/**
 * A container's state as the Kubernetes API shows it (exactly one of `waiting`, `running`,
 * `terminated`), parsed from a JSON column, and the one rule of its state machine:
 *
 *   waiting ──> running ──> terminated
 *      │  ↺                    ↑
 *      └───────────────────────┘   (could not start)
 *
 * A terminated container stays terminated: a restart is a new container (the next attempt).
 */

import type { ContainerState } from '../api/pod-status-types.ts';
import type { JsonObject } from './json.ts';
import { damaged, isTime } from './row.ts';

export type { ContainerState, RunningState, TerminatedState, WaitingState } from '../api/pod-status-types.ts';

export type ContainerPhase = 'waiting' | 'running' | 'terminated';

/** Which of the three a state is. */
export function phaseOf(s: ContainerState): ContainerPhase {
  return 'waiting' in s ? 'waiting' : 'running' in s ? 'running' : 'terminated';
}

/** Whether a container in `from` may move to `to` (waiting→waiting renews the reason). */
export function canTransition(from: ContainerState, to: ContainerState): boolean {
  const a = phaseOf(from);
  const b = phaseOf(to);
  if (a === 'waiting') return true;
  if (a === 'running') return b === 'terminated';
  return false;
}

/** Parses a state column; `DataLoss` naming `where` and `col` when it is not a container state. */
export function parseContainerState(v: JsonObject, where: string, col: string): ContainerState {
  const bad = (detail: string) => damaged(where, `column ${col} ${detail}`);
  const keys = Object.keys(v);
  const key = keys[0];
  if (keys.length !== 1 || (key !== 'waiting' && key !== 'running' && key !== 'terminated'))
    throw bad('is not exactly one of waiting, running, terminated');
  const o = v[key];
  if (typeof o !== 'object' || o === null || Array.isArray(o))
    throw bad(`has a ${key} that is not an object`);
  const str = (k: string, req: boolean): string | undefined => {
    const x = o[k];
    if (x === undefined && !req) return undefined;
    if (typeof x !== 'string') throw bad(`has no string ${key}.${k}`);
    return x;
  };
  const time = (k: string, req: boolean): string | undefined => {
    const x = str(k, req);
    if (x !== undefined && !isTime(x)) throw bad(`has a ${key}.${k} that is not a time`);
    return x;
  };
  const opt = <K extends string>(k: K, x: string | undefined) => (x === undefined ? {} : { [k]: x });
  if (key === 'waiting')
    return {
      waiting: {
        reason: str('reason', true)!,
        ...opt('message', str('message', false)),
        ...opt('nextAttemptAt', time('nextAttemptAt', false)),
      },
    };
  if (key === 'running') return { running: { startedAt: time('startedAt', true)! } };
  const exitCode = o.exitCode;
  if (typeof exitCode !== 'number' || !Number.isSafeInteger(exitCode))
    throw bad('has no integer terminated.exitCode');
  return {
    terminated: {
      exitCode,
      reason: str('reason', true)!,
      finishedAt: time('finishedAt', true)!,
      ...opt('signal', str('signal', false)),
      ...opt('message', str('message', false)),
      ...opt('startedAt', time('startedAt', false)),
      ...opt('containerID', str('containerID', false)),
    },
  };
}
