/**
 * An exec into a running container: where it goes (`ExecTarget`, from the container's record —
 * the daemon answers it for its pods, `hostpod run`'s pods are looked up here in the state
 * database) and the command with the sandbox tokens replaced, resolved as the container sees
 * paths (working dir, then its PATH).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecTarget } from '../api/protocol.ts';
import { RuntimeError } from '../errors.ts';
import { makeContainerProbe } from '../runtime/sandbox/host-paths.ts';
import { expandArgv, resolveExecutable } from '../runtime/spec/command.ts';
import { DEFAULT_PATH } from '../runtime/spec/env.ts';
import { TaskStartError } from '../runtime/task/shim.ts';
import { shimAlive } from '../runtime/task/wait-task.ts';
import type { ContainerRecord, ExecInfo } from '../state/containers.ts';
import type { StateDb } from '../state/state-db.ts';
import { ownerAlive, taskDir } from './records.ts';

/** The exec target of a running container's record; undefined when it has not started. */
export function execTargetOf(root: string, rec: ContainerRecord): ExecTarget | undefined {
  if (!rec.exec || !('running' in rec.state)) return undefined;
  return {
    containerId: rec.id,
    container: rec.name,
    taskDir: rec.taskDir ?? taskDir(root, rec.id),
    mountPoint: rec.exec.mountPoint,
    mappings: rec.exec.mappings,
    env: rec.exec.env,
    cwd: rec.exec.cwd,
  };
}

/**
 * The running container `pod`/`container` of a `hostpod run` pod (the only or first regular one
 * when unnamed). A container whose `hostpod run` was killed still runs while its shim does: it is
 * found, with `ownerGone` naming the dead run's pid. Throws `NotFound` (no such pod or
 * container), `FailedPrecondition` (not running).
 */
export async function findRunningContainer(
  db: StateDb,
  root: string,
  pod: string,
  container: string | undefined,
  namespace = 'default',
): Promise<ExecTarget & { ownerGone?: number }> {
  const ofPod = db.containers.listByPodName(namespace, pod);
  if (ofPod.length === 0) {
    throw new RuntimeError('NotFound', `Pod "${pod}" not found in namespace "${namespace}"`, {
      hint: 'start it with hostpod run; the pod name is metadata.name (a workload template gets a suffix)',
    });
  }
  const running: ContainerRecord[] = [];
  const gone = new Set<ContainerRecord>();
  // A container runs while its shim does, whether or not what started it (a daemon, a `hostpod
  // run`) still runs: the shim is not their child and outlives them.
  // Oldest first: without -c, the first regular container of the pod (as kubectl picks).
  for (const r of [...ofPod].reverse()) {
    if (!('running' in r.state)) continue;
    if (!(await shimAlive(r.taskDir ?? taskDir(root, r.id)))) continue;
    running.push(r);
    if (!r.owner.daemon && !(await ownerAlive(r.owner))) gone.add(r);
  }
  const pick = container
    ? running.find((r) => r.name === container)
    : (running.find((r) => r.type === 'container') ?? running[0]);
  const target = pick && execTargetOf(root, pick);
  if (!target) {
    const names = [...new Set([...ofPod].reverse().map((r) => r.name))];
    if (container && !names.includes(container))
      throw new RuntimeError('NotFound', `container ${container} not found in pod ${pod}`, {
        hint: `its containers: ${names.join(', ')}`,
      });
    throw new RuntimeError(
      'FailedPrecondition',
      container
        ? `Cannot exec in container "${container}" of pod "${pod}": it is not running (containers: ${names.join(', ')})`
        : `Cannot exec in pod "${pod}": no container is running`,
    );
  }
  return pick && gone.has(pick) ? { ...target, ownerGone: pick.owner.pid } : target;
}

/** The task of an exec target, as `spawnExec` needs it. */
export async function targetTask(target: ExecTarget): Promise<{ dir: string; initPid: number }> {
  const initPid = Number.parseInt(await readFile(join(target.taskDir, 'init.pid'), 'utf8'), 10);
  return { dir: target.taskDir, initPid };
}

/** argv for an exec: tokens replaced, argv[0] resolved to an absolute path in the container's view. */
export async function execArgv(
  exec: Pick<ExecInfo, 'mountPoint' | 'mappings' | 'env' | 'cwd'>,
  container: string,
  command: readonly string[],
): Promise<string[]> {
  if (command.length === 0) throw new RuntimeError('InvalidArgument', 'no command given to exec');
  const argv = expandArgv(command, exec.mountPoint);
  const path = exec.env.find((e) => e.startsWith('PATH='))?.slice(5) ?? DEFAULT_PATH;
  const exe = await resolveExecutable(argv[0]!, {
    cwd: exec.cwd,
    path,
    probe: makeContainerProbe(exec.mappings),
    container,
  });
  return [exe, ...argv.slice(1)];
}

/**
 * An exec whose command cannot run, with the exit code docker, podman and kubectl report for it:
 * 127 when it is not found, 126 when it is found but cannot be executed (not executable, a
 * directory, not a program the kernel can run).
 */
export class ExecCommandError extends RuntimeError {
  constructor(
    readonly exitCode: 126 | 127,
    message: string,
    hint: string,
    cause?: unknown,
  ) {
    super(exitCode === 127 ? 'NotFound' : 'PermissionDenied', message, { hint, cause });
    this.name = 'ExecCommandError';
  }
}

/**
 * `execArgv` for `hostpod exec`: a command that is not found in the container's view rejects
 * `ExecCommandError` 127 (naming the working directory and PATH it was looked for in), a
 * directory 126.
 */
export async function resolveExecCommand(target: ExecTarget, command: readonly string[]): Promise<string[]> {
  try {
    return await execArgv(target, target.container, command);
  } catch (e) {
    const name = expandArgv(command, target.mountPoint)[0] ?? '';
    if (e instanceof RuntimeError && e.code === 'NotFound') {
      const path = target.env.find((v) => v.startsWith('PATH='))?.slice(5) ?? DEFAULT_PATH;
      const where = name.includes('/')
        ? `no such file in container "${target.container}" (a relative path starts at the working directory ${target.cwd})`
        : `executable file not found in container "${target.container}": looked in the working directory ${target.cwd}, then in PATH ${path}`;
      throw new ExecCommandError(
        127,
        `exec: "${name}": ${where}`,
        `the workspace (CONTAINER_SANDBOX_MOUNT_POINT) is ${target.mountPoint}; name the program by a path in it or on the host, e.g. hostpod exec POD -- ls ${target.mountPoint}`,
        e,
      );
    }
    if (e instanceof RuntimeError && e.code === 'FailedPrecondition' && /directory instead/.test(e.message)) {
      throw new ExecCommandError(
        126,
        `exec: "${name}": is a directory, not an executable (container "${target.container}")`,
        'point the command at a program file',
        e,
      );
    }
    throw e;
  }
}

/**
 * The `ExecCommandError` of an exec the shim could not start at its `execve` (ENOENT: 127 — the
 * file or its script interpreter is gone; EACCES, EPERM, ENOEXEC, EISDIR, ETXTBSY: 126);
 * undefined for any other failure.
 */
export function execStartFailure(
  err: unknown,
  argv0: string,
  container: string,
): ExecCommandError | undefined {
  if (!(err instanceof TaskStartError) || err.stage !== 'exec') return undefined;
  if (err.errno === 'ENOENT')
    return new ExecCommandError(
      127,
      `exec: "${argv0}": not found in container "${container}" (execve: ENOENT; for a script, its #! interpreter may be missing)`,
      'check the program and the interpreter its first line names',
      err,
    );
  const why: Record<string, string> = {
    EACCES: "permission denied (not executable for the container's user)",
    EPERM: 'permission denied',
    ENOEXEC: 'exec format error (not a program this host can run, and no #! line)',
    EISDIR: 'is a directory',
    ETXTBSY: 'text file busy (being written)',
  };
  const text = why[err.errno];
  if (!text) return undefined;
  return new ExecCommandError(
    126,
    `exec: "${argv0}": ${text} in container "${container}" (execve: ${err.errno})`,
    err.errno === 'EACCES'
      ? `make it executable (chmod +x) or run it through its interpreter, e.g. hostpod exec POD -- sh ${argv0}`
      : 'point the command at a program for this host',
    err,
  );
}
