import { readdir } from 'node:fs/promises';
import { errnoCode, RuntimeError } from '../../errors.ts';
import { isAlive, type ProcessIdentity, readProcStat, readProcStatSync } from '../../lib/process-identity.ts';
import { checkGroupId, pollEmpty, signalPids } from './cgroup-fs.ts';
import type { JobLimits } from './limits.ts';
import type { Group, GroupManager, GroupStats } from './types.ts';

/** Clock ticks per second and page size of /proc's counters (fixed on every Linux hostpod runs on). */
const CLK_TCK = 100;
/** The shim's command name, as `/proc/<pid>/stat` shows it. */
const SHIM_COMM = 'hostpod-shim';
const PAGE = 4096;

interface ProcEntry {
  pid: number;
  ppid: number;
  cpuTicks: number;
  rssPages: number;
}

async function readProcTable(): Promise<ProcEntry[]> {
  const names = (await readdir('/proc')).filter((n) => /^[1-9]\d*$/.test(n));
  const rows = await Promise.all(
    names.map(async (n): Promise<ProcEntry | undefined> => {
      const st = await readProcStat(Number(n)); // undefined: exited meanwhile
      if (st === undefined || st.state === 'Z' || st.state === 'X') return undefined;
      return { pid: st.pid, ppid: st.ppid, cpuTicks: st.cpuTicks, rssPages: st.rssPages };
    }),
  );
  return rows.filter((r): r is ProcEntry => r !== undefined);
}

/**
 * The job without cgroups: every descendant of the task's shim, which is a child subreaper so
 * that double-forked daemons reparent to it. No limits; exec'd processes are not tracked.
 * The shim is named by pid *and* start time (and its command name): once it has ended, its
 * pid may belong to any other process, whose tree must never be taken for the job — then the
 * job is simply empty.
 */
export class NoCgroupGroup implements Group {
  readonly kind = 'none' as const;
  readonly procsFiles: readonly string[] = [];
  readonly killFile = undefined;
  private shim: ProcessIdentity | undefined;

  constructor(
    readonly id: string,
    shimPid?: number,
    shimStartTime?: string,
  ) {
    if (shimPid !== undefined) this.shim = { pid: shimPid, startTime: shimStartTime ?? '', comm: SHIM_COMM };
  }

  /** Called right after the shim reported its start: its start time is read now, while it runs. */
  adopt(shimPid: number): void {
    this.shim = { pid: shimPid, startTime: readProcStatSync(shimPid)?.startTime ?? '', comm: SHIM_COMM };
  }

  private async entries(): Promise<ProcEntry[]> {
    const shim = this.shim;
    if (shim === undefined || !(await isAlive(shim))) return [];
    const root = shim.pid;
    const table = await readProcTable();
    const members = new Set([root]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const e of table) {
        if (!members.has(e.pid) && members.has(e.ppid)) {
          members.add(e.pid);
          grew = true;
        }
      }
    }
    return table.filter((e) => e.pid !== root && members.has(e.pid));
  }

  async pids(): Promise<number[]> {
    return (await this.entries()).map((e) => e.pid);
  }

  async signalAll(signal: NodeJS.Signals): Promise<number> {
    return signalPids(await this.pids(), signal);
  }

  waitEmpty(timeoutMs: number): Promise<boolean> {
    return pollEmpty(() => this.pids(), timeoutMs);
  }

  async kill(): Promise<void> {
    for (let round = 0; round < 50; round++) {
      const pids = await this.pids();
      if (pids.length === 0) return;
      // Stop first so that nobody forks between the listing and the kill.
      signalPids(pids, 'SIGSTOP');
      signalPids(await this.pids(), 'SIGKILL');
      if (await pollEmpty(() => this.pids(), 200)) return;
    }
    throw new RuntimeError('DeadlineExceeded', `Cannot kill job "${this.id}": processes survive SIGKILL`);
  }

  async stats(): Promise<GroupStats> {
    const entries = await this.entries();
    let ticks = 0;
    let pages = 0;
    for (const e of entries) {
      ticks += e.cpuTicks;
      pages += e.rssPages;
    }
    return {
      cpuUsageNs: (ticks * 1e9) / CLK_TCK,
      memoryUsageBytes: pages * PAGE,
      memoryWorkingSetBytes: pages * PAGE,
      processCount: entries.length,
      oomKillCount: 0,
    };
  }

  async destroy(): Promise<void> {
    try {
      await this.kill();
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
  }
}

/** Makes process-tree jobs on a host without usable cgroups; says so in `warning`. */
export class NoCgroupManager implements GroupManager {
  readonly kind = 'none' as const;
  readonly warning: string;

  constructor(reason: string) {
    this.warning =
      `cgroups are not available (${reason}): resource limits are off, stats are approximate, ` +
      'and processes started by exec are not part of the job';
  }

  async create(id: string, _limits?: JobLimits): Promise<Group> {
    checkGroupId(id);
    return new NoCgroupGroup(id);
  }

  open(id: string, options: { shimPid?: number; shimStartTime?: string } = {}): Group {
    checkGroupId(id);
    return new NoCgroupGroup(id, options.shimPid, options.shimStartTime);
  }

  async listOrphans(_live: Iterable<string>): Promise<string[]> {
    return [];
  }
}
