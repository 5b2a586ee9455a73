/**
 * The job of a container: every process of the container, with limits, accounting and a
 * whole-tree kill. Implementations: `CgroupV2Group`, `HybridCgroupGroup` (v1 controllers, with
 * or without cgroup2 for membership), `NoCgroupGroup` (no cgroups: the process tree under the
 * shim). A `GroupManager` is chosen once per host and makes them.
 */

export type GroupKind = 'v2' | 'hybrid' | 'v1' | 'none' | 'job-object';

/** What `stats()` reports: CRI `ContainerStats` / Windows job accounting. */
export interface GroupStats {
  /** CPU time used by the job, all CPUs, in nanoseconds. */
  cpuUsageNs: number;
  /** Memory in use minus inactive file cache (what the kubelet calls working set). */
  memoryWorkingSetBytes: number;
  /** Memory in use, page cache included. */
  memoryUsageBytes: number;
  /** Processes in the job now. */
  processCount: number;
  /** Processes killed by the kernel's OOM killer because of the job's memory limit. */
  oomKillCount: number;
}

export interface Group {
  readonly id: string;
  readonly kind: GroupKind;
  /** The `cgroup.procs` files a new process writes its pid to, the membership file first. */
  readonly procsFiles: readonly string[];
  /** `cgroup.kill` when the host has it. */
  readonly killFile: string | undefined;
  /** Tells a process-tree group which shim the job hangs under (no-op with cgroups). */
  adopt(shimPid: number): void;
  /** Pids of the job's processes now. */
  pids(): Promise<number[]>;
  /** Sends `signal` to every process of the job; returns how many were signalled. */
  signalAll(signal: NodeJS.Signals): Promise<number>;
  /**
   * Kills the whole job, double-forked daemons included, and resolves once it is empty.
   * Throws `DeadlineExceeded` if processes survive 10 s of killing (e.g. stuck in the kernel).
   */
  kill(): Promise<void>;
  /** Resolves true once the job has no process, false after `timeoutMs`. */
  waitEmpty(timeoutMs: number): Promise<boolean>;
  stats(): Promise<GroupStats>;
  /**
   * Removes the job. Like closing a Windows job with KILL_ON_JOB_CLOSE, processes still in it
   * are killed first. Idempotent. Throws `FailedPrecondition` if the cgroup cannot be removed.
   */
  destroy(): Promise<void>;
}

export interface GroupManager {
  readonly kind: GroupKind;
  /** Set when limits or tracking are degraded on this host: a line the CLI prints. */
  readonly warning: string | undefined;
  /**
   * Creates the job `id` with `limits` applied before any process joins.
   * Throws `InvalidArgument` (bad id or limits), `AlreadyExists`, `PermissionDenied`,
   * `FailedPrecondition` (the host refuses the cgroup).
   */
  create(id: string, limits?: import('./limits.ts').JobLimits): Promise<Group>;
  /**
   * The existing job `id` (after a restart). The process-tree backend needs the task's shim:
   * `shimPid` and its `shimStartTime` (from `shim.pid`), so that a pid reused since the shim
   * ended is never taken for it and nothing of another process is signalled.
   */
  open(id: string, options?: { shimPid?: number; shimStartTime?: string }): Group;
  /** Ids of this instance's jobs that are not in `live`: left by a crash. */
  listOrphans(live: Iterable<string>): Promise<string[]>;
}
