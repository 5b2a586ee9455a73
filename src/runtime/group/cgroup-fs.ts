import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { errnoCode, RuntimeError } from '../../errors.ts';

/**
 * Small helpers over cgroupfs files, shared by the cgroup backends. They use synchronous
 * syscalls: cgroupfs lives in kernel memory and never waits on a disk, so a direct call (µs)
 * beats a thread-pool round trip, which costs milliseconds on a loaded host.
 */

/**
 * The cgroupfs operations the cgroup backends use, so that the same code runs on the kernel
 * (`hostCgroupFs`) and on a temporary directory that enforces the kernel's cgroup v2 rules
 * (`testing/fake-cgroup2.ts`). Errors are Node's errno errors (`code`: EBUSY, ENOENT, …).
 */
export interface CgroupFs {
  mkdir(dir: string, options?: { recursive?: boolean }): void;
  rmdir(dir: string): void;
  read(file: string): string;
  write(file: string, value: string): void;
  exists(path: string): boolean;
  /** The names of the sub-cgroups (directories) of `dir`. */
  subdirs(dir: string): string[];
}

/** The kernel's cgroupfs, through synchronous syscalls. */
export const hostCgroupFs: CgroupFs = {
  mkdir: (dir, options) => {
    mkdirSync(dir, { recursive: options?.recursive ?? false });
  },
  rmdir: (dir) => rmdirSync(dir),
  read: (file) => readFileSync(file, 'utf8'),
  write: (file, value) => writeFileSync(file, value),
  exists: (path) => existsSync(path),
  subdirs: (dir) =>
    readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name),
};

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Throws `InvalidArgument` unless `id` is a safe single path component. */
export function checkGroupId(id: string): void {
  if (!ID.test(id) || id === '.' || id === '..') {
    throw new RuntimeError('InvalidArgument', `Cannot use "${id}" as a job id: not a safe cgroup name`, {
      hint: 'Use letters, digits, ".", "_" and "-", starting with a letter or digit, at most 128.',
    });
  }
}

/** The pids listed in a `cgroup.procs` file; an empty list when the cgroup is gone. */
export async function readPids(file: string, fs: CgroupFs = hostCgroupFs): Promise<number[]> {
  let text: string;
  try {
    text = fs.read(file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENODEV') return [];
    throw err;
  }
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const n = Number.parseInt(line, 10);
    if (n > 0) out.push(n);
  }
  return out;
}

/** `key value` lines (memory.stat, cpu.stat, memory.events, memory.oom_control) → map. */
export async function readKeyed(file: string, fs: CgroupFs = hostCgroupFs): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let text: string;
  try {
    text = fs.read(file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return out;
    throw err;
  }
  for (const line of text.split('\n')) {
    const [k, v] = line.split(' ');
    if (k && v !== undefined) out.set(k, Number(v));
  }
  return out;
}

/** A single number file (memory.usage_in_bytes, cpuacct.usage); 0 when missing. */
export async function readNumber(file: string, fs: CgroupFs = hostCgroupFs): Promise<number> {
  try {
    const n = Number(fs.read(file).trim());
    return Number.isFinite(n) ? n : 0;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return 0;
    throw err;
  }
}

/**
 * Writes a control file; errors become RuntimeErrors naming the file.
 */
export function writeControl(file: string, value: string, fs: CgroupFs = hostCgroupFs): void {
  try {
    fs.write(file, value);
  } catch (err) {
    const code = errnoCode(err);
    throw new RuntimeError(
      code === 'EACCES' || code === 'EPERM' ? 'PermissionDenied' : 'FailedPrecondition',
      `Cannot write "${value}" to ${file}: ${code ?? String(err)}`,
      {
        hint:
          code === 'EACCES' || code === 'EPERM'
            ? 'Run hostpod as root, or give it a delegated cgroup as its parent.'
            : code === 'EBUSY'
              ? "cgroup v2 allows no controllers in a cgroup that holds processes: configure a cgroup parent outside hostpod's own cgroup (e.g. /hostpod.slice)."
              : "Check that the controller is enabled for hostpod's cgroup parent.",
        cause: err,
      },
    );
  }
}

/**
 * Removes cgroup directories, retrying while the kernel still counts exiting processes
 * (EBUSY) for up to `timeoutMs`. Missing directories are fine.
 */
export async function removeCgroupDirs(
  dirs: readonly string[],
  timeoutMs = 2000,
  fs: CgroupFs = hostCgroupFs,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const dir of dirs) {
    for (;;) {
      try {
        fs.rmdir(dir);
        break;
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'ENOENT') break;
        if (code === 'EBUSY' && Date.now() < deadline) {
          await sleep(10);
          continue;
        }
        throw new RuntimeError('FailedPrecondition', `Cannot remove cgroup ${dir}: ${code ?? String(err)}`, {
          hint: 'A process may still be in it; kill it and retry.',
          cause: err,
        });
      }
    }
  }
}

/** Sends `signal` to each pid, ignoring the ones already gone; returns how many got it. */
export function signalPids(pids: readonly number[], signal: NodeJS.Signals | number): number {
  let n = 0;
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
      n++;
    } catch (err) {
      if (errnoCode(err) !== 'ESRCH') throw err;
    }
  }
  return n;
}

/** Polls `pids()` until it is empty; true if it got there within `timeoutMs`. */
export async function pollEmpty(pids: () => Promise<number[]>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  for (;;) {
    if ((await pids()).length === 0) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
    delay = Math.min(delay * 2, 50);
  }
}
