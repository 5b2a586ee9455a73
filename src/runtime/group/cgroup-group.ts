import { setTimeout as sleep } from 'node:timers/promises';
import { RuntimeError } from '../../errors.ts';
import {
  type CgroupFs,
  hostCgroupFs,
  pollEmpty,
  readKeyed,
  readNumber,
  readPids,
  removeCgroupDirs,
  signalPids,
  writeControl,
} from './cgroup-fs.ts';
import type { V1Controller } from './layout.ts';
import type { CgroupLimits } from './limits.ts';
import type { Group, GroupKind, GroupStats } from './types.ts';

/** The directories of one job, per hierarchy (co-mounted controllers share a directory). */
export type CgroupDirs = Partial<Record<'unified' | V1Controller, string>>;

const KILL_TIMEOUT_MS = 10_000;

/** What the cgroup backends share: membership, signalling, killing, removal. */
abstract class CgroupGroup implements Group {
  abstract readonly kind: GroupKind;
  readonly procsFiles: readonly string[];
  readonly killFile: string | undefined;
  /** The `cgroup.procs` that lists every process of the job. */
  protected readonly membership: string;

  constructor(
    readonly id: string,
    protected readonly dirs: CgroupDirs,
    protected readonly fs: CgroupFs = hostCgroupFs,
  ) {
    const unique = [...new Set([dirs.unified, dirs.memory, dirs.cpu, dirs.cpuacct, dirs.pids, dirs.freezer])];
    this.procsFiles = unique.filter((d): d is string => d !== undefined).map((d) => `${d}/cgroup.procs`);
    const first = this.procsFiles[0];
    if (first === undefined) throw new RuntimeError('Internal', `Job "${id}" has no cgroup directory`);
    this.membership = first;
    this.killFile = dirs.unified === undefined ? undefined : `${dirs.unified}/cgroup.kill`;
  }

  adopt(_shimPid: number): void {}

  pids(): Promise<number[]> {
    return readPids(this.membership, this.fs);
  }

  async signalAll(signal: NodeJS.Signals): Promise<number> {
    return signalPids(await this.pids(), signal);
  }

  waitEmpty(timeoutMs: number): Promise<boolean> {
    return pollEmpty(() => this.pids(), timeoutMs);
  }

  async kill(): Promise<void> {
    const deadline = Date.now() + KILL_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const pids = await this.pids();
      if (pids.length === 0) return;
      if (this.killFile !== undefined) {
        writeControl(this.killFile, '1', this.fs);
      } else if (this.dirs.freezer !== undefined) {
        // Frozen processes cannot fork, so one pass over the list gets all of them.
        await this.freeze('FROZEN');
        signalPids(await this.pids(), 'SIGKILL');
        await this.freeze('THAWED');
      } else {
        signalPids(pids, 'SIGKILL');
      }
      if (await pollEmpty(() => this.pids(), Math.min(500, deadline - Date.now()))) return;
    }
    throw new RuntimeError('DeadlineExceeded', `Cannot kill job "${this.id}": processes survive SIGKILL`, {
      hint: 'A process may be stuck in the kernel (state D); see ps for the job.',
    });
  }

  private async freeze(state: 'FROZEN' | 'THAWED'): Promise<void> {
    const file = `${this.dirs.freezer}/freezer.state`;
    writeControl(file, state, this.fs);
    for (let i = 0; i < 100 && state === 'FROZEN'; i++) {
      if (this.fs.read(file).trim() === 'FROZEN') return;
      await sleep(5);
    }
  }

  async destroy(): Promise<void> {
    if ((await this.pids()).length > 0) await this.kill();
    // Leaf directories of different hierarchies: membership last, so pids() keeps working.
    const dirs = [...new Set(Object.values(this.dirs))].reverse();
    await removeCgroupDirs(dirs, 2000, this.fs);
  }

  /** Writes the limits (synchronously: see `writeControl`). Throws RuntimeErrors. */
  abstract applyLimits(limits: CgroupLimits): void;
  abstract stats(): Promise<GroupStats>;
}

/** A job on the unified hierarchy (cgroup v2). */
export class CgroupV2Group extends CgroupGroup {
  readonly kind = 'v2' as const;

  private get dir(): string {
    return this.dirs.unified as string;
  }

  applyLimits(l: CgroupLimits): void {
    const w = (file: string, value: string) => writeControl(`${this.dir}/${file}`, value, this.fs);
    if (l.memoryMaxBytes !== undefined) w('memory.max', String(l.memoryMaxBytes));
    if (l.cpuQuotaUs !== undefined) w('cpu.max', `${l.cpuQuotaUs} ${l.cpuPeriodUs}`);
    if (l.cpuWeight !== undefined) w('cpu.weight', String(l.cpuWeight));
    if (l.pidsMax !== undefined) w('pids.max', String(l.pidsMax));
  }

  async stats(): Promise<GroupStats> {
    const [cpu, usage, mem, events, pids] = await Promise.all([
      readKeyed(`${this.dir}/cpu.stat`, this.fs),
      readNumber(`${this.dir}/memory.current`, this.fs),
      readKeyed(`${this.dir}/memory.stat`, this.fs),
      readKeyed(`${this.dir}/memory.events`, this.fs),
      this.pids(),
    ]);
    return {
      cpuUsageNs: (cpu.get('usage_usec') ?? 0) * 1000,
      memoryUsageBytes: usage,
      memoryWorkingSetBytes: Math.max(0, usage - (mem.get('inactive_file') ?? 0)),
      processCount: pids.length,
      oomKillCount: events.get('oom_kill') ?? 0,
    };
  }
}

/**
 * A job on v1 controllers (memory, cpu, cpuacct, pids). With a cgroup2 mount beside them (the
 * hybrid layout) membership and `cgroup.kill` come from cgroup2; without it (plain v1) the
 * freezer stops the job while every pid gets SIGKILL.
 */
export class HybridCgroupGroup extends CgroupGroup {
  readonly kind: GroupKind;

  constructor(id: string, dirs: CgroupDirs, fs: CgroupFs = hostCgroupFs) {
    super(id, dirs, fs);
    this.kind = dirs.unified === undefined ? 'v1' : 'hybrid';
  }

  applyLimits(l: CgroupLimits): void {
    const need = (ctrl: V1Controller): string => {
      const dir = this.dirs[ctrl];
      if (dir === undefined) {
        throw new RuntimeError(
          'FailedPrecondition',
          `Cannot limit job "${this.id}": no ${ctrl} cgroup controller`,
          {
            hint: `Mount the cgroup v1 ${ctrl} controller, or remove the limit.`,
          },
        );
      }
      return dir;
    };
    const w = (ctrl: V1Controller, file: string, value: string) =>
      writeControl(`${need(ctrl)}/${file}`, value, this.fs);
    if (l.memoryMaxBytes !== undefined) w('memory', 'memory.limit_in_bytes', String(l.memoryMaxBytes));
    if (l.cpuQuotaUs !== undefined) {
      // The period first: the kernel checks the quota against it.
      w('cpu', 'cpu.cfs_period_us', String(l.cpuPeriodUs));
      w('cpu', 'cpu.cfs_quota_us', String(l.cpuQuotaUs));
    }
    if (l.cpuShares !== undefined) w('cpu', 'cpu.shares', String(l.cpuShares));
    if (l.pidsMax !== undefined) w('pids', 'pids.max', String(l.pidsMax));
  }

  async stats(): Promise<GroupStats> {
    const { memory, cpuacct, unified } = this.dirs;
    const [cpuNs, cpuStat, usage, mem, oom, pids] = await Promise.all([
      cpuacct === undefined ? 0 : readNumber(`${cpuacct}/cpuacct.usage`, this.fs),
      unified === undefined || cpuacct !== undefined
        ? new Map<string, number>()
        : readKeyed(`${unified}/cpu.stat`, this.fs),
      memory === undefined ? 0 : readNumber(`${memory}/memory.usage_in_bytes`, this.fs),
      memory === undefined ? new Map<string, number>() : readKeyed(`${memory}/memory.stat`, this.fs),
      memory === undefined ? new Map<string, number>() : readKeyed(`${memory}/memory.oom_control`, this.fs),
      this.pids(),
    ]);
    return {
      cpuUsageNs: cpuacct === undefined ? (cpuStat.get('usage_usec') ?? 0) * 1000 : cpuNs,
      memoryUsageBytes: usage,
      memoryWorkingSetBytes: Math.max(0, usage - (mem.get('total_inactive_file') ?? 0)),
      processCount: pids.length,
      oomKillCount: oom.get('oom_kill') ?? 0,
    };
  }
}
