import { RuntimeError } from '../../../errors.ts';

/**
 * What `hostpod-shim.exe` needs to start a Windows container's first process, already resolved
 * by the runtime spec (command line built and quoted, application found, environment block
 * made, `%CONTAINER_SANDBOX_MOUNT_POINT%` replaced). Paths are Windows paths as the shim sees them.
 */
export interface WindowsLaunchSpec {
  /**
   * The job object's name (`CreateJobObjectW`): the shim creates it, or opens the one
   * `JobObjectGroupManager.create` made, so hostpod can open it again after a restart.
   */
  jobName: string;
  /** `lpApplicationName`: the absolute path of the program; absent = the first token of the command line. */
  application?: string;
  /** `lpCommandLine`, quoted by Windows rules. */
  commandLine: string;
  /** The whole environment block, `NAME=value` each; absent = the shim's own environment. */
  env?: readonly string[];
  /** Working directory; absent = the shim's. */
  cwd?: string;
  /** The CRI-format log file stdout/stderr go to; absent = discarded. */
  logPath?: string;
  /**
   * After the first process exits (or a stop request): the time the rest of the job gets
   * between CTRL_SHUTDOWN and `TerminateJobObject(job, 1)`. Default 5000, hcsshim's.
   */
  shutdownGraceMs?: number;
  /** Job limits, set by the shim from its own copy of each struct (see `jobObjectLimits`). */
  limits?: { jobMemoryBytes?: number; cpuRate?: number; cpuWeight?: number };
}

const KEY_OF_TEXT = {
  jobName: 'job',
  application: 'app',
  commandLine: 'cmdline',
  cwd: 'cwd',
  logPath: 'log',
} as const;

function invalid(field: string, what: string): RuntimeError {
  return new RuntimeError('InvalidArgument', `Cannot launch the Windows task: ${field} ${what}`, {
    hint: 'This is a bug in the caller: the runtime spec should have refused it.',
  });
}

function checkInt(field: string, v: number, min: number, max: number): string {
  if (!Number.isInteger(v) || v < min || v > max)
    throw invalid(field, `is ${v}, not an integer in ${min}..${max}`);
  return String(v);
}

/**
 * The shim's `spec` file: NUL-terminated UTF-8 tokens, a key then its value (`job`, `app`,
 * `cmdline`, `env` repeated, `cwd`, `log`, `grace`, `memory`, `cpurate`, `cpuweight`).
 * Throws `InvalidArgument` (NUL in a value, empty job name or command line, limits out of
 * range, CPU rate and weight both set) before anything is written.
 */
export function encodeWindowsLaunchSpec(spec: WindowsLaunchSpec): Buffer {
  const tokens: string[] = [];
  for (const [field, key] of Object.entries(KEY_OF_TEXT) as [keyof typeof KEY_OF_TEXT, string][]) {
    const v = spec[field];
    if (v === undefined) continue;
    if (v.includes('\0')) throw invalid(field, 'holds a NUL character');
    if (v === '' && (field === 'jobName' || field === 'commandLine')) throw invalid(field, 'is empty');
    tokens.push(key, v);
  }
  if (!/^[^\\]{1,200}$/.test(spec.jobName.replace(/^(Global|Local)\\/, '')))
    throw invalid('jobName', `"${spec.jobName}" is not a job object name (1-200 characters, no backslash)`);
  for (const [i, e] of (spec.env ?? []).entries()) {
    if (e.includes('\0')) throw invalid(`env[${i}]`, 'holds a NUL character');
    if (e.indexOf('=', 1) < 1) throw invalid(`env[${i}]`, `"${e}" is not NAME=value`);
    tokens.push('env', e);
  }
  if (spec.env !== undefined && spec.env.length === 0) tokens.push('env', '');
  if (spec.shutdownGraceMs !== undefined)
    tokens.push('grace', checkInt('shutdownGraceMs', spec.shutdownGraceMs, 0, 3_600_000));
  const l = spec.limits ?? {};
  if (l.cpuRate !== undefined && l.cpuWeight !== undefined)
    throw invalid('limits', 'sets both cpuRate and cpuWeight (hcsshim: mutually exclusive)');
  if (l.jobMemoryBytes !== undefined)
    tokens.push('memory', checkInt('limits.jobMemoryBytes', l.jobMemoryBytes, 1, Number.MAX_SAFE_INTEGER));
  if (l.cpuRate !== undefined) tokens.push('cpurate', checkInt('limits.cpuRate', l.cpuRate, 1, 10_000));
  if (l.cpuWeight !== undefined) tokens.push('cpuweight', checkInt('limits.cpuWeight', l.cpuWeight, 1, 9));
  return Buffer.from(tokens.map((t) => `${t}\0`).join(''), 'utf8');
}
