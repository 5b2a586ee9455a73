/**
 * Finds a running container from its record and prepares an exec in it: the command with the
 * sandbox tokens replaced, resolved as the container sees paths (working dir, then its PATH).
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeError } from '../errors.ts';
import { makeContainerProbe } from '../runtime/sandbox/host-paths.ts';
import { expandArgv, resolveExecutable } from '../runtime/spec/command.ts';
import { DEFAULT_PATH } from '../runtime/spec/env.ts';
import { shimAlive } from '../runtime/task/wait-task.ts';
import { type ContainerRecord, listRecords, ownerAlive, taskDir } from './records.ts';

/** The running container `pod`/`container` (the only or first regular one when unnamed). */
export async function findRunningContainer(
  root: string,
  pod: string,
  container: string | undefined,
  namespace = 'default',
): Promise<ContainerRecord> {
  const { records } = await listRecords(root);
  const ofPod = records.filter((r) => r.pod.name === pod && r.pod.namespace === namespace);
  if (ofPod.length === 0) {
    throw new RuntimeError('NotFound', `Pod "${pod}" not found in namespace "${namespace}"`, {
      hint: 'start it with hostpod run; the pod name is metadata.name (a workload template gets a suffix)',
    });
  }
  const running: ContainerRecord[] = [];
  // A daemon's container runs while the daemon is down: its shim says whether it runs.
  for (const r of ofPod)
    if (
      r.status === 'running' &&
      (r.owner.daemon ? await shimAlive(taskDir(root, r.id)) : await ownerAlive(r.owner))
    )
      running.push(r);
  const pick = container
    ? running.find((r) => r.name === container)
    : (running.find((r) => r.type === 'container') ?? running[0]);
  if (!pick) {
    const names = [...new Set(ofPod.map((r) => r.name))].join(', ');
    throw new RuntimeError(
      'FailedPrecondition',
      container
        ? `Cannot exec in container "${container}" of pod "${pod}": it is not running (containers: ${names})`
        : `Cannot exec in pod "${pod}": no container is running`,
    );
  }
  return pick;
}

/** The task of a record, as `spawnExec` needs it. */
export async function recordTask(
  root: string,
  rec: ContainerRecord,
): Promise<{ dir: string; initPid: number }> {
  const dir = taskDir(root, rec.id);
  const initPid = Number.parseInt(await readFile(join(dir, 'init.pid'), 'utf8'), 10);
  return { dir, initPid };
}

/** argv for an exec: tokens replaced, argv[0] resolved to an absolute path in the container's view. */
export async function execArgv(rec: ContainerRecord, command: readonly string[]): Promise<string[]> {
  if (command.length === 0) throw new RuntimeError('InvalidArgument', 'no command given to exec');
  const argv = expandArgv(command, rec.mountPoint ?? '/');
  const path = rec.env?.find((e) => e.startsWith('PATH='))?.slice(5) ?? DEFAULT_PATH;
  const exe = await resolveExecutable(argv[0]!, {
    cwd: rec.cwd ?? '/',
    path,
    probe: makeContainerProbe(rec.mappings ?? []),
    container: rec.name,
  });
  return [exe, ...argv.slice(1)];
}
