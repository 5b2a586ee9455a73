/**
 * Reconcile on start: where each stored pod's containers stand on the host now. The latest run
 * of each container is adopted when its shim still runs it, or recorded as ended — with the exit
 * code its shim wrote, else the one the container record holds, else `Unknown` (137) — so the
 * restart policy can decide what follows, as if the daemon had been there.
 */
import type { PodStatus, TerminatedState } from '../api/pod-status-types.ts';
import type { Pod } from '../api/types.ts';
import { readExit } from '../runtime/task/exit-record.ts';
import { openTask } from '../runtime/task/start-task.ts';
import { shimAlive } from '../runtime/task/wait-task.ts';
import type { RunningContainer, RuntimeDeps } from '../services/container-runner.ts';
import type { ContainerResume } from '../services/pod-runner.ts';
import { initialPodStatus } from '../services/pod-status.ts';
import {
  type ContainerRecord as FileRecord,
  listRecords,
  logPath,
  taskDir,
  writeRecord,
} from '../services/records.ts';
import type { ContainerRecord as ContainerRow } from '../state/containers.ts';
import type { PodUid } from '../state/ids.ts';
import type { PodRecord } from '../state/pods.ts';
import type { StateDb } from '../state/state-db.ts';
import { resultOf } from './views.ts';

export interface ReconcileContext {
  db: StateDb;
  deps: RuntimeDeps;
  removeContainer(id: string, keepLogs: boolean): Promise<string[]>;
  addEvent(uid: PodUid, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface PodStanding {
  /** The status last stored (or the initial one). */
  status: PodStatus;
  /** Per `type/name`: the latest run, running (adopted) or ended. */
  containers: Map<string, ContainerResume>;
  anyRunning: boolean;
  /** How many containers were adopted. */
  adopted: number;
}

export async function podStanding(ctx: ReconcileContext, p: PodRecord, pod: Pod): Promise<PodStanding> {
  const containers = new Map<string, ContainerResume>();
  let anyRunning = false;
  let adoptedCount = 0;
  const files = new Map((await listRecords(ctx.deps.root)).records.map((r) => [r.id, r]));
  for (const row of ctx.db.containers.listByPod(p.uid, { latest: true })) {
    const key = `${row.type}/${row.name}`;
    if ('terminated' in row.state) {
      containers.set(key, { attempt: row.attempt, ended: resultOf(row, row.state.terminated) });
      continue;
    }
    if (!('running' in row.state)) continue;
    const dir = row.taskDir ?? taskDir(ctx.deps.root, row.id);
    const adopted = await adopt(ctx, row, dir, files.get(row.id));
    if (adopted) {
      anyRunning = true;
      adoptedCount++;
      containers.set(key, { attempt: row.attempt, running: adopted });
      continue;
    }
    // It ended while no daemon ran: its shim's exit record has the real exit code (or the
    // container record, when the daemon recorded the exit but could not commit its row).
    const exit = await readExit(dir).catch(() => undefined);
    const recorded = files.get(row.id);
    let terminated: TerminatedState;
    if (!exit && recorded?.status === 'exited' && recorded.exit) {
      terminated = {
        exitCode: recorded.exit.exitCode,
        reason: recorded.exit.reason,
        finishedAt: recorded.exit.finishedAt,
        ...(recorded.exit.message ? { message: recorded.exit.message } : {}),
        ...(row.startedAt ? { startedAt: row.startedAt } : {}),
        containerID: row.id,
      };
    } else if (exit) {
      const st = await ctx.deps.groups
        .open(row.groupId ?? row.id)
        .stats()
        .catch(() => undefined);
      const oom = (st?.oomKillCount ?? 0) > 0 && exit.exitCode !== 0;
      terminated = {
        exitCode: exit.exitCode,
        reason: oom ? 'OOMKilled' : exit.exitCode === 0 ? 'Completed' : 'Error',
        startedAt: exit.startedAt,
        finishedAt: exit.finishedAt,
        ...(exit.signal ? { signal: exit.signal } : {}),
        containerID: row.id,
      };
    } else {
      terminated = {
        exitCode: 137,
        reason: 'Unknown',
        message:
          'the container was gone when the daemon started (the host restarted, or its shim was killed)',
        ...(row.startedAt ? { startedAt: row.startedAt } : {}),
        finishedAt: new Date().toISOString(),
        containerID: row.id,
      };
    }
    await ctx.removeContainer(row.id, true);
    const f = files.get(row.id);
    if (f) {
      f.status = 'exited';
      f.exit = {
        exitCode: terminated.exitCode,
        reason: terminated.reason,
        finishedAt: terminated.finishedAt,
        ...(terminated.message ? { message: terminated.message } : {}),
      };
      await writeRecord(ctx.deps.root, f).catch(() => {});
    }
    ctx.db.containers.update(row.id, { state: { terminated } });
    ctx.addEvent(
      p.uid,
      terminated.reason === 'Unknown' ? 'Warning' : 'Normal',
      'ContainerEnded',
      `Container ${row.name} ended while the daemon was down: exit code ${terminated.exitCode} (${terminated.reason})`,
    );
    containers.set(key, { attempt: row.attempt, ended: resultOf(row, terminated) });
  }
  const status = (p.status as PodStatus | undefined) ?? initialPodStatus(pod.spec);
  return { status, containers, anyRunning, adopted: adoptedCount };
}

/** A running container of an earlier daemon, if its shim still runs it: handed to the supervisor. */
async function adopt(
  ctx: ReconcileContext,
  row: ContainerRow,
  dir: string,
  file: FileRecord | undefined,
): Promise<RunningContainer | undefined> {
  if (!file || (await readExit(dir).catch(() => undefined)) || !(await shimAlive(dir))) return undefined;
  const task = await openTask(dir, ctx.deps.groups, row.groupId ?? row.id).catch(() => undefined);
  if (!task) return undefined;
  file.owner = ctx.deps.owner;
  await writeRecord(ctx.deps.root, file);
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    record: file,
    task,
    account: {
      name: '',
      uid: 0,
      gid: 0,
      groups: [],
      home: '/',
      shell: '',
      ephemeral: file.ephemeralUser === true,
    },
    logPath: logPath(ctx.deps.root, row.id),
    warnings: [],
  };
}
