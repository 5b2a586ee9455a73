import os from 'node:os';
import { RuntimeError } from '../errors.ts';
import type { Stdio } from './exec-process.ts';
import type { Timestamp } from './protos.ts';

/** A process's states and what State, Wait, Kill and Delete report of it. */
export type ProcStatus = 'created' | 'running' | 'stopped';

/** The state of one process, as State/Wait/Delete report it. */
export interface ProcState {
  pid: number;
  status: ProcStatus;
  exitStatus: number;
  exitedAt: Timestamp | undefined;
  stdio: Stdio;
  terminal: boolean;
}

const SIGNALS = new Map<number, NodeJS.Signals>(
  Object.entries(os.constants.signals).map(([n, v]) => [v, n as NodeJS.Signals]),
);

/** The host's signal name for containerd's signal number; InvalidArgument for an unknown one. */
export function signalName(n: number): NodeJS.Signals {
  const s = SIGNALS.get(n);
  if (!s) throw new RuntimeError('InvalidArgument', `Cannot send signal ${n}: not a signal of this host`);
  return s;
}

/** What Kill answers for a process that has exited: NotFound, as runc says it. */
export const finished = (what: string) => new RuntimeError('NotFound', `${what}: process already finished`);
