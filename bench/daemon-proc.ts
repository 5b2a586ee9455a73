/**
 * What `bench/daemon.bench.ts` reads about processes and how it summarises times: memory from
 * /proc (VmRSS, VmHWM from `status`; Pss, Private_Dirty from `smaps_rollup`), the children of a
 * process, processes by name, and nearest-rank percentiles.
 */
import { readdir, readFile } from 'node:fs/promises';

export interface Mem {
  pid: number;
  /** KiB resident now. */
  rss: number;
  /** KiB resident at most since the process started. */
  hwm: number;
  /** KiB: the proportional share of the resident pages (shared pages split among their users). */
  pss: number;
  /** KiB written by this process alone: what one more such process really costs. */
  privateDirty: number;
  /** KiB of anonymous memory resident (heap, stacks, malloc arenas; not the mapped binary). */
  anon: number;
}

const kib = (text: string, key: string) =>
  Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);

/** The process's memory, or undefined when it is gone. */
export async function memOf(pid: number): Promise<Mem | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    return {
      pid,
      rss: kib(status, 'VmRSS'),
      hwm: kib(status, 'VmHWM'),
      pss: kib(rollup, 'Pss'),
      privateDirty: kib(rollup, 'Private_Dirty'),
      anon: kib(rollup, 'Anonymous'),
    };
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) the process has used so far, in ms. */
export async function cpuMsOf(pid: number): Promise<number> {
  const { user, system } = await cpuSplitOf(pid);
  return user + system;
}

/** CPU time the process has used so far in user and in system (kernel) mode, in ms. */
export async function cpuSplitOf(pid: number): Promise<{ user: number; system: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the comm, in clock ticks (100/s).
  return { user: Number(f[11]) * 10, system: Number(f[12]) * 10 };
}

export interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  cmdline: string[];
}

/** Every process visible now (those that vanish while being read are skipped). */
export async function processes(): Promise<Proc[]> {
  const out: Proc[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      const cmdline = (await readFile(`/proc/${name}/cmdline`, 'utf8')).split('\0').filter((s) => s !== '');
      out.push({ pid: Number(name), ppid, comm, cmdline });
    } catch {
      // gone
    }
  }
  return out;
}

/** Nearest-rank percentile (p in 0..100) of `xs`. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
}

/** KiB as MiB with two decimals. */
export const mib = (k: number) => (k / 1024).toFixed(2);

/** median / max of one field over many processes, in MiB. */
export function spread(mems: readonly Mem[], field: keyof Omit<Mem, 'pid'>): string {
  const xs = mems.map((m) => m[field]);
  return xs.length === 0 ? '-' : `${mib(median(xs))} / ${mib(Math.max(...xs))}`;
}
