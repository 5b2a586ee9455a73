import { availableParallelism } from 'node:os';
import { RuntimeError } from '../../../errors.ts';
import { sleep } from '../../../lib/sleep.ts';
import { checkGroupId } from '../cgroup-fs.ts';
import type { JobLimits } from '../limits.ts';
import type { Group, GroupManager, GroupStats } from '../types.ts';
import { jobObjectLimits } from './job-limits.ts';
import {
  BASIC_AND_IO_ACCOUNTING_SIZE,
  decodeAccounting,
  decodeMemoryUsage,
  decodePidList,
  EXTENDED_LIMIT_SIZE,
  encodeCpuRate,
  encodeExtendedLimit,
  JobInfoClass,
  MEMORY_USAGE_SIZE,
  pidListSize,
} from './job-structs.ts';
import { type Handle, type Kernel32, loadKernel32 } from './kernel32.ts';

const JOB_OBJECT_ALL_ACCESS = 0x1f001f;
const ERROR_ALREADY_EXISTS = 183;
const ERROR_MORE_DATA = 234;
/** What CreateRemoteThread needs in the target (hcsshim opens PROCESS_ALL_ACCESS). */
const PROCESS_REMOTE_THREAD = 0x2 | 0x8 | 0x10 | 0x20 | 0x400;
const CTRL_SHUTDOWN_EVENT = 6;

/** The job object name of container job `id`: hcsshim's `JobContainer_<id>`, with the instance. */
export function jobObjectName(id: string, instance?: string): string {
  return `JobContainer_${instance === undefined ? '' : `${instance}-`}${id}`;
}

function win32Error(k: Kernel32, what: string): RuntimeError {
  const code = k.GetLastError();
  return new RuntimeError(
    code === 5 ? 'PermissionDenied' : 'FailedPrecondition',
    `Cannot ${what}: Win32 error ${code}`,
  );
}

/**
 * A container's Windows Job Object: every process of the container (the shim puts the first one
 * in at creation; descendants follow). Killing is `TerminateJobObject(job, 1)` (exit code 1, as
 * the reference reports); a graceful signal is CTRL_SHUTDOWN through `kernel32!CtrlRoutine` run
 * in each process. `open()` of a job that no longer exists gives an empty group.
 */
export class JobObjectGroup implements Group {
  readonly kind = 'job-object' as const;
  readonly procsFiles: readonly string[] = [];
  readonly killFile = undefined;

  /**
   * `owned`: the handle `create()` made, kept until `destroy()` (the job must outlive the moment
   * between create and the shim opening it). A group from `open()` holds no handle: each call
   * opens the job by name and closes it again, so polling stats leaks nothing.
   */
  constructor(
    readonly id: string,
    readonly name: string,
    private owned: Handle | null,
    private readonly k: Kernel32,
  ) {}

  adopt(): void {}

  /** `fn` with a handle of the job; `gone` when no job of that name exists. */
  private withJob<T>(fn: (job: Handle) => T, gone: T): T {
    if (this.owned) return fn(this.owned);
    const h = this.k.OpenJobObjectW(JOB_OBJECT_ALL_ACCESS, false, this.name);
    if (!h) return gone;
    try {
      return fn(h);
    } finally {
      this.k.CloseHandle(h);
    }
  }

  private listPids(job: Handle): number[] {
    let n = 64;
    for (;;) {
      const b = Buffer.alloc(pidListSize(n));
      const ok = this.k.QueryInformationJobObject(job, JobInfoClass.BasicProcessIdList, b, b.length, null);
      if (!ok && this.k.GetLastError() !== ERROR_MORE_DATA)
        throw win32Error(this.k, `list the processes of job ${this.name}`);
      const list = decodePidList(b);
      if (list.assigned <= list.pids.length) return list.pids;
      n = list.assigned + 16;
    }
  }

  async pids(): Promise<number[]> {
    return this.withJob((job) => this.listPids(job), []);
  }

  /**
   * SIGKILL: `TerminateJobObject(job, 1)` (counted as every pid); SIGTERM, SIGINT, SIGHUP:
   * CTRL_SHUTDOWN to each process (hcsshim's mapping of signal 15). Other signals: `InvalidArgument`.
   */
  async signalAll(signal: NodeJS.Signals): Promise<number> {
    if (signal !== 'SIGKILL' && signal !== 'SIGTERM' && signal !== 'SIGINT' && signal !== 'SIGHUP')
      throw new RuntimeError(
        'InvalidArgument',
        `Cannot send ${signal} to job ${this.name}: not a Windows signal`,
        {
          hint: 'Windows jobs take SIGTERM (CTRL_SHUTDOWN) and SIGKILL (TerminateJobObject).',
        },
      );
    return this.withJob((job) => {
      const pids = this.listPids(job);
      if (pids.length === 0) return 0;
      if (signal === 'SIGKILL') {
        if (!this.k.TerminateJobObject(job, 1)) throw win32Error(this.k, `terminate job ${this.name}`);
        return pids.length;
      }
      const routine = this.k.GetProcAddress(this.k.GetModuleHandleW('kernel32.dll'), 'CtrlRoutine');
      if (!routine) return 0;
      let sent = 0;
      for (const pid of pids) {
        const p = this.k.OpenProcess(PROCESS_REMOTE_THREAD, false, pid);
        if (!p) continue;
        const t = this.k.CreateRemoteThread(p, null, 0, routine, CTRL_SHUTDOWN_EVENT, 0, null);
        if (t) {
          this.k.CloseHandle(t);
          sent += 1;
        }
        this.k.CloseHandle(p);
      }
      return sent;
    }, 0);
  }

  async waitEmpty(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if ((await this.pids()).length === 0) return true;
      if (Date.now() >= deadline) return false;
      await sleep(50);
    }
  }

  async kill(): Promise<void> {
    for (let i = 0; i < 20; i++) {
      const left = this.withJob((job) => {
        const n = this.listPids(job).length;
        if (n > 0) this.k.TerminateJobObject(job, 1);
        return n;
      }, 0);
      if (left === 0 || (await this.waitEmpty(500))) return;
    }
    throw new RuntimeError(
      'DeadlineExceeded',
      `Processes of job ${this.name} survived 10 s of TerminateJobObject`,
    );
  }

  /**
   * CPU from the job's accounting (user + kernel of every process it held), the process count,
   * the job's commit (JobObjectMemoryUsageInformation) as both memory figures. Where the host
   * answers nothing (Wine: zeros or a refusal), zeros. `oomKillCount` is 0: the job only reports
   * a refused commit, which the shim writes as `oomKilled` in the exit record.
   */
  async stats(): Promise<GroupStats> {
    const stats: GroupStats = {
      cpuUsageNs: 0,
      memoryWorkingSetBytes: 0,
      memoryUsageBytes: 0,
      processCount: 0,
      oomKillCount: 0,
    };
    return this.withJob((job) => {
      stats.processCount = this.listPids(job).length;
      const acc = Buffer.alloc(BASIC_AND_IO_ACCOUNTING_SIZE);
      if (this.k.QueryInformationJobObject(job, JobInfoClass.BasicAndIoAccounting, acc, acc.length, null))
        stats.cpuUsageNs = decodeAccounting(acc).cpuNs;
      const mem = Buffer.alloc(MEMORY_USAGE_SIZE);
      if (this.k.QueryInformationJobObject(job, JobInfoClass.MemoryUsage, mem, mem.length, null)) {
        const m = decodeMemoryUsage(mem).jobMemory;
        stats.memoryUsageBytes = m;
        stats.memoryWorkingSetBytes = m;
      }
      return stats;
    }, stats);
  }

  /** Terminates what is left and closes hostpod's handle (the shim's goes with the shim). Idempotent. */
  async destroy(): Promise<void> {
    await this.kill();
    if (this.owned) {
      this.k.CloseHandle(this.owned);
      this.owned = null;
    }
  }
}

/**
 * Job Objects for a Windows host. `create(id, limits)` makes the named job with
 * KILL_ON_JOB_CLOSE and the limits (memory commit cap, CPU hard cap) from hostpod's own structs,
 * before any process joins; the shim opens the same name. `listOrphans` lists none: a job whose
 * shim died was closed by Windows with its processes (KILL_ON_JOB_CLOSE).
 */
export class JobObjectGroupManager implements GroupManager {
  readonly kind = 'job-object' as const;
  readonly warning: string | undefined = undefined;

  constructor(private readonly options: { instance?: string; hostCpus?: number; kernel32?: Kernel32 } = {}) {}

  private get k(): Kernel32 {
    return this.options.kernel32 ?? loadKernel32();
  }

  /** The job object name for job `id`. */
  nameOf(id: string): string {
    return jobObjectName(id, this.options.instance);
  }

  async create(id: string, limits: JobLimits = {}): Promise<Group> {
    checkGroupId(id);
    const values = jobObjectLimits(limits, this.options.hostCpus ?? availableParallelism());
    const k = this.k;
    const name = this.nameOf(id);
    const h = k.CreateJobObjectW(null, name);
    if (!h) throw win32Error(k, `create job object ${name}`);
    if (k.GetLastError() === ERROR_ALREADY_EXISTS) {
      k.CloseHandle(h);
      throw new RuntimeError('AlreadyExists', `Cannot create job object ${name}: it exists`, {
        hint: 'A container with this id still runs: stop and remove it first.',
      });
    }
    try {
      const ext = encodeExtendedLimit(values.jobMemoryBytes);
      if (!k.SetInformationJobObject(h, JobInfoClass.ExtendedLimit, ext, EXTENDED_LIMIT_SIZE))
        throw win32Error(k, `set the memory limit of job ${name}`);
      if (values.cpuRate !== undefined) {
        const cpu = encodeCpuRate({ rate: values.cpuRate });
        if (!k.SetInformationJobObject(h, JobInfoClass.CpuRateControl, cpu, cpu.length))
          throw win32Error(k, `set the CPU rate of job ${name}`);
      }
    } catch (err) {
      k.CloseHandle(h);
      throw err;
    }
    return new JobObjectGroup(id, name, h, k);
  }

  open(id: string): Group {
    checkGroupId(id);
    const k = this.k;
    const name = this.nameOf(id);
    return new JobObjectGroup(id, name, null, k);
  }

  async listOrphans(): Promise<string[]> {
    return [];
  }
}

/**
 * The Windows `createGroupManager` (same signature as the Linux one, for `RuntimePlatform`):
 * a `JobObjectGroupManager` with the options' `instance` and `hostCpus`; the cgroup options
 * (`parent`, `systemd`, `layout`, `fallback`) do not apply to Job Objects and are ignored.
 */
export async function createJobObjectGroupManager(
  options: { instance?: string; hostCpus?: number } = {},
): Promise<GroupManager> {
  return new JobObjectGroupManager({
    ...(options.instance !== undefined ? { instance: options.instance } : {}),
    ...(options.hostCpus !== undefined ? { hostCpus: options.hostCpus } : {}),
  });
}
