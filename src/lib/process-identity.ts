/**
 * Who a process is, safely against pid reuse: its pid plus its start time (field 22 of
 * `/proc/<pid>/stat`, in clock ticks since boot), optionally its command name. A pid alone
 * names whichever process holds it *now*; with the start time it names one process forever.
 * The one place hostpod reads `/proc/<pid>/stat` and decides whether a process still runs.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** The fields of `/proc/<pid>/stat` hostpod uses. */
export interface ProcStat {
  pid: number;
  /** Field 2 without its parentheses (may itself hold spaces and parentheses). */
  comm: string;
  /** Field 3: R, S, D, Z (zombie), X (dead), T, … */
  state: string;
  ppid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  /** Field 22, clock ticks since boot, as written (a decimal string). */
  startTime: string;
  /** Field 24: resident pages. */
  rssPages: number;
}

/** A process named so that a reused pid is never mistaken for it. */
export interface ProcessIdentity {
  pid: number;
  /** Field 22 of `/proc/<pid>/stat`; `''` when unknown (then only the pid and comm are checked). */
  startTime: string;
  /** When set, the process must also have this command name (`hostpod-shim`, …). */
  comm?: string;
}

/**
 * Parses the text of `/proc/<pid>/stat`. The command name (field 2) may hold spaces and
 * parentheses, so it spans from the first `(` to the *last* `)`; the other fields follow.
 * Returns undefined for text that is not a stat line.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // rest[0] is field 3 (state), so field n is rest[n - 3].
  const rest = text
    .slice(close + 2)
    .trim()
    .split(' ');
  if (!Number.isSafeInteger(pid) || rest.length < 22) return undefined;
  const startTime = rest[19]!;
  if (!/^\d+$/.test(startTime)) return undefined;
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0]!,
    ppid: Number(rest[1]),
    cpuTicks: Number(rest[11]) + Number(rest[12]),
    startTime,
    rssPages: Number(rest[21]),
  };
}

/** `/proc/<pid>/stat` parsed, or undefined when there is no such process. */
export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The synchronous `readProcStat` (procfs never waits on a disk). */
export function readProcStatSync(pid: number): ProcStat | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The identity of process `pid` now, or undefined when it does not run. */
export async function processIdentity(pid: number): Promise<ProcessIdentity | undefined> {
  const st = await readProcStat(pid);
  return st === undefined ? undefined : { pid, startTime: st.startTime };
}

/** This process's identity (synchronous: for lock files and lease names made in a hurry). */
export function selfIdentity(): ProcessIdentity {
  return { pid: process.pid, startTime: readProcStatSync(process.pid)?.startTime ?? '' };
}

function matches(st: ProcStat | undefined, id: ProcessIdentity): boolean {
  if (st === undefined || st.state === 'Z' || st.state === 'X') return false;
  if (id.startTime !== '' && st.startTime !== id.startTime) return false;
  return id.comm === undefined || st.comm === id.comm;
}

/**
 * True while the process `id` names still runs: the pid exists, is not a zombie, and has the
 * same start time (and comm, when given). A reused pid is not alive for the old identity.
 */
export async function isAlive(id: ProcessIdentity): Promise<boolean> {
  return matches(await readProcStat(id.pid), id);
}

/** The synchronous `isAlive`. */
export function isAliveSync(id: ProcessIdentity): boolean {
  return matches(readProcStatSync(id.pid), id);
}

/** `PID STARTTIME` (or just `PID` when the start time is unknown): how identities go in files. */
export function formatIdentity(id: ProcessIdentity): string {
  return id.startTime === '' ? String(id.pid) : `${id.pid} ${id.startTime}`;
}

/**
 * Reads `PID [STARTTIME]` (what `formatIdentity` and the shim's `shim.pid` hold; older files
 * hold only the pid: the start time is then `''`). Undefined for anything else.
 */
export function parseIdentity(text: string): ProcessIdentity | undefined {
  const m = /^\s*([1-9]\d{0,9})(?:[ \t]+(\d+))?\s*$/.exec(text);
  if (!m) return undefined;
  return { pid: Number(m[1]), startTime: m[2] ?? '' };
}
