/**
 * The Windows task starter in the shape of `runtime/task` (`startTask`/`waitTask`/`stopTask`/
 * `shimIdentity`), for the Windows platform (`../../platform.win32.ts`), and the job as the
 * services see it (`ShimJobGroupManager`): the named job object is created and held by
 * `hostpod-shim.exe` (KILL_ON_JOB_CLOSE), so ending the shim ends every process of the job.
 * Accounting and limits through koffi are `runtime/group/windows/`'s; this manager reports
 * zeros for stats (as Wine does for the job's accounting anyway).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeError } from '../../../errors.ts';
import type { ProcessIdentity } from '../../../lib/process-identity.ts';
import type { JobLimits } from '../../group/limits.ts';
import type { Group, GroupManager, GroupStats } from '../../group/types.ts';
import { jobObjectLimits } from '../../group/windows/job-limits.ts';
import { JobObjectGroup } from '../../group/windows/job-object-group.ts';
import { buildCommandLine } from '../../spec/windows/command-line.ts';
import type { ExitRecord } from '../exit-record.ts';
import type { LaunchSpec } from '../launch-spec.ts';
import type { StartTaskOptions, TaskHandle } from '../start-task.ts';
import type { WaitTaskOptions } from '../wait-task.ts';
import { windowsShimAlive } from './shim-alive.ts';
import { openWindowsTask, startWindowsTask, stopWindowsTask, waitWindowsTask } from './start-task.ts';

/** True while process `pid` exists (signal 0 is a pure existence check on Windows too). */
function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A container's job, held by its shim: `kill()`/`destroy()` end the shim, and with it the job. */
export class ShimJobGroup implements Group {
  readonly id: string;
  readonly kind = 'none' as const;
  readonly procsFiles: readonly string[] = [];
  readonly killFile = undefined;
  /** The job object's name (`hostpod-<instance>-<id>`). */
  readonly jobName: string;
  readonly limits: JobLimits;
  #shimPid: number | undefined;

  constructor(id: string, jobName: string, limits: JobLimits = {}, shimPid?: number) {
    this.id = id;
    this.jobName = jobName;
    this.limits = limits;
    this.#shimPid = shimPid;
  }
  adopt(shimPid: number): void {
    this.#shimPid = shimPid;
  }
  async pids(): Promise<number[]> {
    return this.#shimPid !== undefined && pidAlive(this.#shimPid) ? [this.#shimPid] : [];
  }
  async signalAll(): Promise<number> {
    await this.kill();
    return 0;
  }
  async kill(): Promise<void> {
    const pid = this.#shimPid;
    if (pid === undefined || !pidAlive(pid)) return;
    try {
      process.kill(pid); // TerminateProcess: the last job handle closes, KILL_ON_JOB_CLOSE ends the rest
    } catch {}
  }
  async waitEmpty(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (this.#shimPid === undefined || !pidAlive(this.#shimPid)) return true;
      if (Date.now() >= end) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  async stats(): Promise<GroupStats> {
    return { cpuUsageNs: 0, memoryWorkingSetBytes: 0, memoryUsageBytes: 0, processCount: 0, oomKillCount: 0 };
  }
  async destroy(): Promise<void> {
    await this.kill();
    await this.waitEmpty(5000);
  }
}

/** Jobs named for this state root's instance, held by the shims. */
export class ShimJobGroupManager implements GroupManager {
  readonly kind = 'none' as const;
  readonly warning =
    'Windows jobs are held by hostpod-shim.exe; CPU and memory accounting are not read on this build';
  readonly #instance: string;
  constructor(instance: string) {
    this.#instance = instance;
  }
  jobName(id: string): string {
    return `hostpod-${this.#instance}-${id}`;
  }
  async create(id: string, limits?: JobLimits): Promise<Group> {
    return new ShimJobGroup(id, this.jobName(id), limits ?? {});
  }
  open(id: string, options: { shimPid?: number } = {}): Group {
    return new ShimJobGroup(id, this.jobName(id), {}, options.shimPid);
  }
  async listOrphans(): Promise<string[]> {
    return [];
  }
}

/**
 * `startTask` for Windows: the shim creates the named job, the process in it (argv[0] the
 * program, `commandLine` when the process rules built one, else argv quoted by Windows rules),
 * its working dir made first (containerd 1.7 does `MkdirAll`).
 */
export async function startTaskWindows(spec: LaunchSpec, options: StartTaskOptions): Promise<TaskHandle> {
  const group = options.group;
  if (!(group instanceof ShimJobGroup) && !(group instanceof JobObjectGroup))
    throw new RuntimeError(
      'Internal',
      'The Windows task starter needs a job made by the Windows job manager',
    );
  const [application] = spec.argv;
  if (application === undefined)
    throw new RuntimeError('InvalidArgument', 'Cannot start a task without a program');
  await mkdir(spec.cwd, { recursive: true });
  // A JobObjectGroup's job exists with its limits (JobObjectGroupManager.create set them); a
  // ShimJobGroup's job is made by the shim, which sets these.
  const limits: { jobMemoryBytes?: number; cpuRate?: number } = {};
  const memory = group instanceof ShimJobGroup ? jobObjectLimits(group.limits, 1).jobMemoryBytes : undefined;
  if (memory !== undefined) limits.jobMemoryBytes = memory;
  const h = await startWindowsTask(
    {
      jobName: group instanceof ShimJobGroup ? group.jobName : group.name,
      application,
      commandLine: spec.commandLine ?? buildCommandLine(spec.argv),
      env: spec.env,
      cwd: spec.cwd,
      ...(spec.logPath ? { logPath: spec.logPath } : {}),
      ...(spec.shutdownGraceMs !== undefined ? { shutdownGraceMs: spec.shutdownGraceMs } : {}),
      ...(Object.keys(limits).length > 0 ? { limits } : {}),
    },
    { dir: options.dir },
  );
  group.adopt(h.shimPid);
  return { dir: h.dir, shimPid: h.shimPid, initPid: h.initPid, startedAt: h.startedAt, group };
}

/** `shim.pid` of a Windows task: `PID CREATIONTIME`. */
export async function shimIdentityWindows(dir: string): Promise<ProcessIdentity | undefined> {
  try {
    const [pid, startTime] = (await readFile(join(dir, 'shim.pid'), 'utf8')).trim().split(/\s+/);
    const n = Number(pid);
    return Number.isInteger(n) && n > 0 ? { pid: n, startTime: startTime ?? '' } : undefined;
  } catch {
    return undefined;
  }
}

/** `waitTask` for Windows: the exit record; `DataLoss` when the shim is gone without one. */
export async function waitTaskWindows(dir: string, options: WaitTaskOptions = {}): Promise<ExitRecord> {
  // The shim by pid and creation time (a pid Windows reused is not it).
  return waitWindowsTask(dir, {
    ...(options.signal ? { signal: options.signal } : {}),
    shimAlive: () => windowsShimAlive(dir),
  });
}

/** `stopTask` for Windows: CTRL_SHUTDOWN to the job, `TerminateJobObject(job, 1)` at the grace. */
export async function stopTaskWindows(task: Pick<TaskHandle, 'dir'>, graceMs: number): Promise<ExitRecord> {
  return stopWindowsTask(task.dir, Math.max(0, Math.round(graceMs)));
}

/**
 * `openTask` for Windows: a task a hostpod process started earlier (the daemon re-adopts it
 * after a restart), from its `started` report, with its named job opened again by `groupId`.
 * Throws `NotFound` if the task never started in `dir`.
 */
export async function openTaskWindows(
  dir: string,
  groups: GroupManager,
  groupId: string,
): Promise<TaskHandle> {
  const h = await openWindowsTask(dir, groupId);
  const group = groups.open(groupId, { shimPid: h.shimPid });
  return { dir, shimPid: h.shimPid, initPid: h.initPid, startedAt: h.startedAt, group };
}
