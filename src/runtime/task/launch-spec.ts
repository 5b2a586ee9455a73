import { RuntimeError } from '../../errors.ts';

/**
 * What the shim needs to start a container's process, already resolved by the runtime spec:
 * an absolute program path, the full environment, the user, the mount plan.
 */
export interface LaunchSpec {
  /** argv; `argv[0]` is the absolute path of the program. */
  argv: readonly string[];
  /** Windows: the command line as the process rules built it (argv is then its split); ignored on Linux. */
  commandLine?: string;
  /** The whole environment, `NAME=value` each. */
  env: readonly string[];
  /** Absolute working directory. */
  cwd: string;
  /** The account to run as; absent = hostpod's own user (the inherit-user annotation). */
  user?: { uid: number; gid: number; groups: readonly number[] };
  /**
   * A private mount namespace for the task (`/` made a slave: host mounts still propagate in,
   * the task's do not leak out) holding these bind mounts, mount points created as needed.
   */
  mounts?: readonly {
    source: string;
    destination: string;
    readOnly: boolean;
    /** Mount propagation of this bind (see `MountPropagation`); absent = as inherited. */
    propagation?: MountPropagation | undefined;
    /**
     * Resolve each side fd by fd instead (`bindat`): `sourcePath` beneath `sourceBase`,
     * `destinationPath` with `destinationBase` as its root, made if missing (see BindMount).
     */
    within?: { sourceBase: string; sourcePath: string; destinationBase: string; destinationPath: string };
  }[];
  /**
   * Make a missing `cwd` (mkdir -p, this mode) in the new process *after* it has become the
   * container's user, so an account can create only what it could create itself.
   */
  createCwdMode?: number;
  /** Symlinks made before the program starts (`path` → `target`); an identical one is kept. */
  symlinks?: readonly { target: string; path: string }[];
  /** The CRI-format log file the task's stdout/stderr go to; absent = discarded. */
  logPath?: string;
  /** After the first process exits: time the rest of the job gets between SIGTERM and SIGKILL. */
  shutdownGraceMs?: number;
  /** Size-based rotation of `logPath` by the shim; absent = the log grows without bound. */
  logRotation?: LogRotation;
  /**
   * Given stdio for the first process instead of /dev/null and the log (containerd's FIFOs or
   * files): a FIFO is opened read-write for output, read-only for input; "" = /dev/null.
   */
  stdio?: { stdin: string; stdout: string; stderr: string };
  /** `/proc/<pid>/oom_score_adj` of the first process (-1000..1000), written before it execs. */
  oomScoreAdj?: number;
}

/**
 * Mount propagation of a bind in the container's private view, as the kubelet's
 * `mountPropagation` reaches a runtime: `private` (None: nothing propagates), `slave`
 * (HostToContainer: host mounts under the source appear in the container), `shared`
 * (Bidirectional: also mounts the container makes there appear on the host; the source must
 * be on a shared mount for that).
 */
export type MountPropagation = 'private' | 'slave' | 'shared';

/**
 * The kubelet's `containerLogMaxSize` / `containerLogMaxFiles`: before a record would take the
 * log past `maxBytes`, it is renamed `<log>.1` (older ones shifted, the oldest beyond `maxFiles`
 * deleted) and a fresh one started. A record is never split across files; one larger than
 * `maxBytes` gets a file of its own.
 */
export interface LogRotation {
  /** Bytes per file (kubelet default 10 MiB). */
  maxBytes: number;
  /** Files kept, the current one included, at least 2 (kubelet default 5). */
  maxFiles: number;
}

/** The kubelet's defaults: 10 MiB × 5 files. */
export const DEFAULT_LOG_ROTATION: LogRotation = { maxBytes: 10 * 1024 * 1024, maxFiles: 5 };

/** Throws `InvalidArgument` unless `r` is a rotation the shim accepts. */
export function checkLogRotation(r: LogRotation): void {
  if (!Number.isSafeInteger(r.maxBytes) || r.maxBytes < 1) {
    throw new RuntimeError(
      'InvalidArgument',
      `Log rotation: max size ${r.maxBytes} is not a positive number of bytes`,
      {
        hint: 'give a size such as 10Mi (the kubelet default)',
      },
    );
  }
  if (!Number.isSafeInteger(r.maxFiles) || r.maxFiles < 2 || r.maxFiles > 1000) {
    throw new RuntimeError(
      'InvalidArgument',
      `Log rotation: max files ${r.maxFiles} is not between 2 and 1000`,
      {
        hint: 'the count includes the current file, as the kubelet counts it (default 5)',
      },
    );
  }
}

function checkToken(what: string, value: string): string {
  if (value.includes('\0')) {
    throw new RuntimeError('InvalidArgument', `Cannot launch: ${what} contains a NUL byte`, {
      hint: 'Arguments, environment values and paths cannot hold NUL bytes.',
    });
  }
  return value;
}

function checkAbsolute(what: string, path: string): string {
  if (!path.startsWith('/')) {
    throw new RuntimeError('InvalidArgument', `Cannot launch: ${what} "${path}" is not an absolute path`);
  }
  return checkToken(what, path);
}

function checkRelative(what: string, path: string): string {
  if (path.startsWith('/')) {
    throw new RuntimeError('InvalidArgument', `Cannot launch: ${what} "${path}" is not a relative path`);
  }
  return checkToken(what, path);
}

function checkId(what: string, n: number): string {
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xfffffffe) {
    throw new RuntimeError('InvalidArgument', `Cannot launch: ${what} ${n} is not a valid id`);
  }
  return String(n);
}

/** The job-side facts the shim needs besides the spec. */
export interface JobFiles {
  procsFiles: readonly string[];
  killFile?: string | undefined;
}

/**
 * Encodes a spec in the shim's format: NUL-terminated tokens, a key then its values.
 * `nsFrom` (exec only) joins the mount namespace of that pid instead of making one.
 * Throws `InvalidArgument` for a relative program path or cwd, NUL bytes, bad ids.
 */
export function encodeLaunchSpec(spec: LaunchSpec, job: JobFiles, nsFrom?: number): Buffer {
  const t: string[] = [];
  const [program] = spec.argv;
  if (program === undefined) throw new RuntimeError('InvalidArgument', 'Cannot launch: the command is empty');
  checkAbsolute('the program', program);
  for (const a of spec.argv) t.push('arg', checkToken('an argument', a));
  for (const e of spec.env) {
    if (!e.includes('='))
      throw new RuntimeError('InvalidArgument', `Cannot launch: env entry "${e}" has no "="`);
    t.push('env', checkToken('an environment entry', e));
  }
  t.push('cwd', checkAbsolute('the working directory', spec.cwd));
  if (spec.createCwdMode !== undefined) t.push('mkcwd', checkId('mode', spec.createCwdMode & 0o7777));
  if (spec.user) {
    t.push('uid', checkId('uid', spec.user.uid), 'gid', checkId('gid', spec.user.gid));
    for (const g of spec.user.groups) t.push('group', checkId('group', g));
  }
  for (const f of job.procsFiles) t.push('cgroup', checkAbsolute('a cgroup file', f));
  if (job.killFile !== undefined) t.push('kill', checkAbsolute('a cgroup file', job.killFile));
  if (nsFrom !== undefined) t.push('nsfrom', checkId('pid', nsFrom));
  else if (spec.mounts !== undefined) {
    t.push('ns', 'private');
    for (const m of spec.mounts) {
      if (m.within !== undefined) {
        const w = m.within;
        t.push('bindat', m.readOnly ? 'ro' : 'rw', checkAbsolute('a mount source', w.sourceBase));
        t.push(checkRelative('a mount source path', w.sourcePath));
        t.push(checkAbsolute('a mount destination', w.destinationBase));
        t.push(checkRelative('a mount destination path', w.destinationPath));
        continue;
      }
      t.push('bind', m.readOnly ? 'ro' : 'rw', checkAbsolute('a mount source', m.source));
      t.push(checkAbsolute('a mount destination', m.destination));
      if (m.propagation !== undefined) {
        if (!['private', 'slave', 'shared'].includes(m.propagation))
          throw new RuntimeError(
            'InvalidArgument',
            `Cannot launch: mount propagation "${m.propagation}" is unknown`,
          );
        t.push('propagation', m.propagation);
      }
    }
  }
  for (const l of spec.symlinks ?? [])
    t.push('symlink', checkToken('a symlink target', l.target), checkAbsolute('a symlink', l.path));
  if (spec.logPath !== undefined) t.push('log', checkAbsolute('the log path', spec.logPath));
  if (spec.shutdownGraceMs !== undefined) t.push('grace', checkId('grace', Math.round(spec.shutdownGraceMs)));
  if (spec.stdio !== undefined) {
    for (const key of ['stdin', 'stdout', 'stderr'] as const) {
      const path = spec.stdio[key];
      if (path !== '') t.push(key, checkAbsolute(`the ${key} path`, path));
    }
  }
  if (spec.oomScoreAdj !== undefined) {
    if (!Number.isInteger(spec.oomScoreAdj) || spec.oomScoreAdj < -1000 || spec.oomScoreAdj > 1000)
      throw new RuntimeError(
        'InvalidArgument',
        `Cannot launch: oom_score_adj ${spec.oomScoreAdj} is not in -1000..1000`,
      );
    t.push('oomscoreadj', String(spec.oomScoreAdj));
  }
  if (spec.logRotation !== undefined && spec.logPath !== undefined) {
    checkLogRotation(spec.logRotation);
    t.push('logmax', String(spec.logRotation.maxBytes), 'logfiles', String(spec.logRotation.maxFiles));
  }
  return Buffer.from(`${t.join('\0')}\0`);
}

/** What `decodeLaunchSpec` gives back: the parts an exec reuses. */
export interface DecodedSpec {
  spec: LaunchSpec;
  procsFiles: string[];
  killFile: string | undefined;
  privateMounts: boolean;
}

/** Reads back a spec written by `encodeLaunchSpec`. Throws `DataLoss` when it is malformed. */
export function decodeLaunchSpec(data: Buffer): DecodedSpec {
  const tokens = data.toString('utf8').split('\0');
  if (tokens.pop() !== '') throw new RuntimeError('DataLoss', 'Launch spec is not NUL-terminated');
  const argv: string[] = [];
  const env: string[] = [];
  const procsFiles: string[] = [];
  const groups: number[] = [];
  let cwd = '/';
  let uid: number | undefined;
  let gid = 0;
  let killFile: string | undefined;
  let privateMounts = false;
  const arity: Record<string, number> = { bind: 3, bindat: 5, symlink: 2 };
  for (let i = 0; i < tokens.length; ) {
    const key = tokens[i++] as string;
    const n = arity[key] ?? 1;
    const v = tokens.slice(i, i + n);
    if (v.length < n) throw new RuntimeError('DataLoss', `Launch spec: "${key}" lacks its value`);
    i += n;
    const first = v[0] as string;
    if (key === 'arg') argv.push(first);
    else if (key === 'env') env.push(first);
    else if (key === 'cwd') cwd = first;
    else if (key === 'uid') uid = Number(first);
    else if (key === 'gid') gid = Number(first);
    else if (key === 'group') groups.push(Number(first));
    else if (key === 'cgroup') procsFiles.push(first);
    else if (key === 'kill') killFile = first;
    else if (key === 'ns') privateMounts = first === 'private';
  }
  const spec: LaunchSpec = { argv, env, cwd, ...(uid === undefined ? {} : { user: { uid, gid, groups } }) };
  return { spec, procsFiles, killFile, privateMounts };
}
