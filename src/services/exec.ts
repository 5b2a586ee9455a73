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
 * when unnamed). Throws `NotFound` (no such pod), `FailedPrecondition` (not running).
 */
export async function findRunningContainer(
  db: StateDb,
  root: string,
  pod: string,
  container: string | undefined,
  namespace = 'default',
): Promise<ExecTarget> {
  const ofPod = db.containers.listByPodName(namespace, pod);
  if (ofPod.length === 0) {
    throw new RuntimeError('NotFound', `Pod "${pod}" not found in namespace "${namespace}"`, {
      hint: 'start it with hostpod run; the pod name is metadata.name (a workload template gets a suffix)',
    });
  }
  const running: ContainerRecord[] = [];
  // A daemon's container runs while the daemon is down: its shim says whether it runs.
  for (const r of ofPod) {
    if (!('running' in r.state)) continue;
    const alive = r.owner.daemon
      ? await shimAlive(r.taskDir ?? taskDir(root, r.id))
      : await ownerAlive(r.owner);
    if (alive) running.push(r);
  }
  const pick = container
    ? running.find((r) => r.name === container)
    : (running.find((r) => r.type === 'container') ?? running[0]);
  const target = pick && execTargetOf(root, pick);
  if (!target) {
    const names = [...new Set(ofPod.map((r) => r.name))];
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
  return target;
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
