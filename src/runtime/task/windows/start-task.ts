import { spawn } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errnoCode, RuntimeError } from '../../../errors.ts';
import { writeFileAtomic } from '../../../lib/atomic-write.ts';
import { type ExitRecord, readExit } from '../exit-record.ts';
import { encodeWindowsLaunchSpec, type WindowsLaunchSpec } from './launch-spec.ts';

/** `native/build/hostpod-shim.exe` (`make -C native windows`), three levels above this folder. */
export const DEFAULT_WINDOWS_SHIM_PATH = fileURLToPath(
  new URL('../../../../native/build/hostpod-shim.exe', import.meta.url),
);

/**
 * How the shim is run. On Windows: the .exe itself, paths as they are. Tests on Linux run it
 * under Wine: `command` is `[wine64, exe]` and `toShimPath` maps `/tmp/x` to `Z:\tmp\x`.
 */
export interface WindowsShimLauncher {
  command: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** A path of this process's file system as the shim names it. */
  toShimPath(path: string): string;
}

export const NATIVE_LAUNCHER: WindowsShimLauncher = {
  command: [DEFAULT_WINDOWS_SHIM_PATH],
  toShimPath: (path) => path,
};

/** A running Windows task: its shim, its first process, its job, its directory. */
export interface WindowsTaskHandle {
  dir: string;
  shimPid: number;
  initPid: number;
  /** When the first process was created (RFC 3339, UTC, 100 ns steps). */
  startedAt: string;
  jobName: string;
  /**
   * How the process joined the job: `joblist` (PROC_THREAD_ATTRIBUTE_JOB_LIST, as hcsshim),
   * `assign` (created suspended, AssignProcessToJobObject, resumed: where the attribute is
   * refused), `late-assign` (the attribute was taken but not applied).
   */
  joinedBy: string;
}

/** Win32 error codes the shim reports, by name; the start failures a user can cause first. */
const WIN32_ERRORS: Record<
  number,
  { name: string; code: 'NotFound' | 'PermissionDenied' | 'FailedPrecondition' }
> = {
  2: { name: 'ERROR_FILE_NOT_FOUND', code: 'NotFound' },
  3: { name: 'ERROR_PATH_NOT_FOUND', code: 'NotFound' },
  5: { name: 'ERROR_ACCESS_DENIED', code: 'PermissionDenied' },
  13: { name: 'ERROR_INVALID_DATA', code: 'FailedPrecondition' },
  183: { name: 'ERROR_ALREADY_EXISTS', code: 'FailedPrecondition' },
  193: { name: 'ERROR_BAD_EXE_FORMAT', code: 'FailedPrecondition' },
  267: { name: 'ERROR_DIRECTORY', code: 'NotFound' },
};

const STAGE_TEXT: Record<string, string> = {
  spec: 'reading the spec',
  job: 'creating the job object',
  memory: "setting the job's memory limit",
  cpu: "setting the job's CPU rate",
  port: 'attaching the completion port',
  log: 'opening the log file',
  pipe: 'creating pipes',
  attributes: 'building the process attributes',
  exec: 'creating the process',
  assign: 'assigning the process to the job',
};

/** The error for a shim report `error STAGE WIN32CODE`; undefined for any other line. */
export function parseWindowsShimError(line: string, what: string): RuntimeError | undefined {
  const m = /^error (\w+) (\d+)$/.exec(line.trim());
  if (!m) return undefined;
  const stage = m[1] as string;
  const n = Number(m[2]);
  const known = WIN32_ERRORS[n];
  const hint =
    stage === 'exec'
      ? 'Check that the program exists and that the working directory exists.'
      : stage === 'job'
        ? 'A job object of that name still holds processes: stop that container first.'
        : 'See the Win32 error code.';
  return new RuntimeError(
    known?.code ?? 'FailedPrecondition',
    `Cannot start ${what}: ${STAGE_TEXT[stage] ?? stage} failed: ${known ? `${known.name} (${n})` : `Win32 error ${n}`}`,
    { hint },
  );
}

async function readReport(dir: string): Promise<string | undefined> {
  try {
    return (await readFile(join(dir, 'started'), 'utf8')).trim();
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** Polls (and watches) `dir` until `read` gives a value, `stop()` says so, or `timeoutMs` passes. */
async function waitFor<T>(
  dir: string,
  read: () => Promise<T | undefined>,
  options: {
    timeoutMs: number;
    pollMs: number;
    signal?: AbortSignal | undefined;
    gone?: () => Promise<boolean>;
  },
): Promise<T | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  let wake: (() => void) | undefined;
  const watcher = watch(dir, () => wake?.());
  watcher.on('error', () => {});
  try {
    for (;;) {
      const v = await read();
      if (v !== undefined) return v;
      if (options.signal?.aborted)
        throw new RuntimeError('Canceled', `Stopped waiting for the task in ${dir}`);
      if (Date.now() >= deadline || (options.gone && (await options.gone()))) return read();
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, options.pollMs);
      });
    }
  } finally {
    watcher.close();
  }
}

export interface StartWindowsTaskOptions {
  /** The task's directory (made if missing; earlier `started`, `stop`, `exit` files are removed). */
  dir: string;
  launcher?: WindowsShimLauncher;
  /** How long the shim may take to report (default 30 s: Wine starts slowly). */
  timeoutMs?: number;
}

/**
 * Starts a Windows container's first process through `hostpod-shim.exe`: the shim makes (or
 * opens) the job, creates the process inside it and holds the job for the container's life,
 * outliving the caller; it writes `<dir>/exit` at the end. Resolves once the process runs.
 * Throws `InvalidArgument` (bad spec, before any side effect), `NotFound` / `PermissionDenied`
 * / `FailedPrecondition` naming the failed step and the Win32 error, `Internal` when the shim
 * ends without a report, `DeadlineExceeded` when it does not report in time.
 */
export async function startWindowsTask(
  spec: WindowsLaunchSpec,
  options: StartWindowsTaskOptions,
): Promise<WindowsTaskHandle> {
  const { dir } = options;
  const launcher = options.launcher ?? NATIVE_LAUNCHER;
  const data = encodeWindowsLaunchSpec(spec);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await Promise.all(['started', 'stop', 'exit'].map((f) => rm(join(dir, f), { force: true })));
  await writeFile(join(dir, 'spec'), data, { mode: 0o600 });
  const [cmd, ...pre] = launcher.command;
  if (cmd === undefined)
    throw new RuntimeError('InvalidArgument', 'Cannot start the Windows shim: no command');
  let ended: { code: number | null } | undefined;
  let spawnError: unknown;
  const child = spawn(cmd, [...pre, 'start', launcher.toShimPath(dir)], {
    detached: true,
    stdio: 'ignore',
    windowsHide: true,
    ...(launcher.env ? { env: launcher.env } : {}),
  });
  child.on('error', (err) => {
    spawnError = err;
  });
  child.on('exit', (code) => {
    ended = { code };
  });
  child.unref();
  const what = `process ${JSON.stringify(spec.commandLine)}`;
  const line = await waitFor(dir, () => readReport(dir), {
    timeoutMs: options.timeoutMs ?? 30_000,
    pollMs: 25,
    gone: async () => ended !== undefined || spawnError !== undefined,
  });
  if (spawnError !== undefined)
    throw new RuntimeError('FailedPrecondition', `Cannot start ${what}: the shim ${cmd} cannot run`, {
      hint: 'Build it with `make -C native windows` (needs x86_64-w64-mingw32-gcc).',
      cause: spawnError,
    });
  if (line === undefined) {
    if (ended)
      throw new RuntimeError(
        'Internal',
        `Cannot start ${what}: the shim exited (${ended.code}) without a report`,
      );
    throw new RuntimeError('DeadlineExceeded', `Cannot start ${what}: the shim did not report in time`);
  }
  const m = /^ok (\d+) (\d+) (\S+) (\S+)$/.exec(line);
  if (m) {
    return {
      dir,
      shimPid: Number(m[1]),
      initPid: Number(m[2]),
      startedAt: m[3] as string,
      jobName: spec.jobName,
      joinedBy: m[4] as string,
    };
  }
  throw (
    parseWindowsShimError(line, what) ??
    new RuntimeError('Internal', `Cannot start ${what}: the shim reported "${line}"`)
  );
}

/**
 * A handle for a task started earlier (possibly by another hostpod process), from `init.pid`,
 * `shim.pid` and the spec's job name. Throws `NotFound` if the task never started in `dir`.
 */
export async function openWindowsTask(dir: string, jobName: string): Promise<WindowsTaskHandle> {
  const line = await readReport(dir);
  const m = line === undefined ? null : /^ok (\d+) (\d+) (\S+) (\S+)$/.exec(line);
  if (!m)
    throw new RuntimeError('NotFound', `Cannot open the task in ${dir}: it never started there`, {
      hint: 'Start it with startWindowsTask.',
    });
  return {
    dir,
    shimPid: Number(m[1]),
    initPid: Number(m[2]),
    startedAt: m[3] as string,
    jobName,
    joinedBy: m[4] as string,
  };
}

export interface WaitWindowsTaskOptions {
  signal?: AbortSignal;
  pollMs?: number;
  /** Gives up after this long (default: never) with `DeadlineExceeded`. */
  timeoutMs?: number;
  /** Whether the shim still runs; when it says no and there is no exit record: `DataLoss`. */
  shimAlive?: () => Promise<boolean>;
}

/**
 * The exit record once `<dir>/exit` appears (`oomKilled` set when the job reported
 * JOB_OBJECT_MSG_JOB_MEMORY_LIMIT). Rejects `DataLoss` when `shimAlive` says the shim is gone
 * without one, `Canceled` on abort, `DeadlineExceeded` after `timeoutMs`.
 */
export async function waitWindowsTask(
  dir: string,
  options: WaitWindowsTaskOptions = {},
): Promise<ExitRecord> {
  const { shimAlive } = options;
  const rec = await waitFor(dir, () => readExit(dir), {
    timeoutMs: options.timeoutMs ?? Number.MAX_SAFE_INTEGER,
    pollMs: options.pollMs ?? 250,
    signal: options.signal,
    ...(shimAlive ? { gone: async () => !(await shimAlive()) } : {}),
  });
  if (rec) return rec;
  if (options.signal?.aborted) throw new RuntimeError('Canceled', `Stopped waiting for the task in ${dir}`);
  if (shimAlive && !(await shimAlive()))
    throw new RuntimeError('DataLoss', `Task in ${dir} ended without an exit record: its shim is gone`, {
      hint: 'The shim was killed; the job went with it (KILL_ON_JOB_CLOSE); the exit code is unknown.',
    });
  throw new RuntimeError('DeadlineExceeded', `The task in ${dir} did not exit in time`);
}

/**
 * Stops the task: asks the shim (the file `<dir>/stop` holding `graceMs`) to send CTRL_SHUTDOWN
 * to every process of the job and, after `graceMs`, `TerminateJobObject(job, 1)`; resolves with
 * the exit record. Idempotent: a task that already ended gives its record at once.
 */
export async function stopWindowsTask(
  dir: string,
  graceMs: number,
  options: Omit<WaitWindowsTaskOptions, 'timeoutMs'> = {},
): Promise<ExitRecord> {
  const done = await readExit(dir);
  if (done) return done;
  if (!Number.isInteger(graceMs) || graceMs < 0)
    throw new RuntimeError('InvalidArgument', `Cannot stop the task in ${dir}: grace period ${graceMs} ms`);
  await writeFileAtomic(join(dir, 'stop'), `${graceMs}\n`, { sync: false });
  // The shim terminates the job at the grace period; 10 s more for it to write the record.
  return waitWindowsTask(dir, { ...options, timeoutMs: graceMs + 10_000 });
}
