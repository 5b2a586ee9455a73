import { accessSync, constants as fsConstants } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { getSystemErrorName } from 'node:util';
import { RuntimeError } from '../../errors.ts';

/**
 * The native shim (`native/shim.c`, built by `npm run build:native`). Both `src/runtime/task/`
 * and `dist/runtime/task/` sit three levels below the package root.
 */
export const DEFAULT_SHIM_PATH = fileURLToPath(
  new URL('../../../native/build/hostpod-shim', import.meta.url),
);

let checked: string | undefined;

/** The shim's path; throws `FailedPrecondition` when it has not been built. */
export function shimPath(path = DEFAULT_SHIM_PATH): string {
  if (checked === path) return path;
  try {
    accessSync(path, fsConstants.X_OK);
  } catch (err) {
    throw new RuntimeError('FailedPrecondition', `Cannot launch processes: the shim ${path} is missing`, {
      hint: 'Build it with `npm run build:native` (needs cc and make).',
      cause: err,
    });
  }
  checked = path;
  return path;
}

/** Why a launch failed, as the shim reports it: the step and the errno. */
export class TaskStartError extends RuntimeError {
  constructor(
    readonly stage: string,
    readonly errno: string,
    what: string,
  ) {
    const code =
      errno === 'ENOENT'
        ? 'NotFound'
        : errno === 'EACCES' || errno === 'EPERM'
          ? 'PermissionDenied'
          : 'FailedPrecondition';
    super(code, `Cannot start ${what}: ${STAGE_TEXT[stage] ?? stage} failed: ${errno}`, {
      hint: STAGE_HINT[stage] ?? 'See the errno; the spec may name a path or id the host does not have.',
    });
    this.name = 'TaskStartError';
  }
}

const STAGE_TEXT: Record<string, string> = {
  cgroup: 'joining the job (cgroup.procs)',
  setns: "entering the container's mount namespace",
  unshare: 'creating a mount namespace',
  propagation: 'making / a slave mount',
  bind: 'a bind mount',
  symlink: 'creating a symlink',
  setgroups: 'setting supplementary groups',
  setgid: 'setting the group id',
  setuid: 'setting the user id',
  chdir: "changing to (or making, as the container's user) the working directory",
  exec: 'executing the program',
  fork: 'fork',
  pipe: 'creating pipes',
  log: 'opening the log file',
  stdio: 'opening the given stdin/stdout/stderr',
  oomscoreadj: 'writing oom_score_adj',
};

const STAGE_HINT: Record<string, string> = {
  exec: "Check that the program exists and is executable for the container's user.",
  chdir:
    "A missing workingDir is made with the container's own credentials: its account must be allowed to create it (SYSTEM may create anything) and to enter it.",
  bind: 'A mount target or subPath that leads out of its volume or workspace through a symlink is refused (EXDEV).',
  setuid: 'hostpod needs root to run a container as another user.',
  setgid: 'hostpod needs root to run a container as another user.',
  setgroups: 'hostpod needs root to run a container as another user.',
  cgroup: "The job's cgroup may have been removed, or its pids limit reached.",
  setns: "The container's first process has exited; its mount namespace is gone.",
};

/** Parses a shim report line `error STAGE ERRNO`; undefined for anything else. */
export function parseShimError(line: string, what: string): TaskStartError | undefined {
  const m = /^error (\w+) (\d+)$/.exec(line.trim());
  if (!m) return undefined;
  const errno = Number(m[2]);
  let name: string;
  try {
    name = getSystemErrorName(-errno);
  } catch {
    name = `errno ${errno}`;
  }
  // libuv names only the errnos it uses itself (not ENOEXEC, for one): ask the OS's table.
  if (!/^E[A-Z0-9]+$/.test(name))
    name = Object.entries(constants.errno).find(([, n]) => n === errno)?.[0] ?? `errno ${errno}`;
  return new TaskStartError(m[1] as string, name, what);
}
