/**
 * A container's record as `hostpod ps` and `hostpod inspect` show it (`ContainerView`, crictl's
 * words): the same for the daemon (which answers `GET /v1/containers`) and for the CLI reading a
 * state root of `hostpod run` without a daemon. A record that says running is checked against
 * its shim: a container whose shim is gone without an exit record is `CONTAINER_UNKNOWN`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerView } from '../api/protocol.ts';
import { RuntimeError } from '../errors.ts';
import type { ImageStore } from '../image/image-store.ts';
import { type ExitRecord, readExit } from '../runtime/task/exit-record.ts';
import { shimAlive } from '../runtime/task/wait-task.ts';
import type { ContainerRecord } from '../state/containers.ts';
import { logPath, ownerAlive, taskDir } from './records.ts';

/** What a view may add: the image id its image name has in the store now (`imageRef`). */
export interface ContainerViewOptions {
  imageStore?: Pick<ImageStore, 'get'>;
}

/** The view of one container record under the state root `root`. */
export async function containerView(
  root: string,
  rec: ContainerRecord,
  options: ContainerViewOptions = {},
): Promise<ContainerView> {
  const dir = rec.taskDir ?? taskDir(root, rec.id);
  const s = rec.state;
  let state: ContainerView['state'] = 'waiting' in s ? 'CONTAINER_CREATED' : 'CONTAINER_EXITED';
  let pid: number | undefined;
  let cgroupPath: string | undefined;
  // A record that says running whose task has ended (its `hostpod run` was gone and could not
  // record it): the shim's exit record tells how.
  let ended: ExitRecord | undefined;
  if ('running' in s) {
    ended = await readExit(dir).catch(() => undefined);
    state = ended ? 'CONTAINER_EXITED' : (await shimAlive(dir)) ? 'CONTAINER_RUNNING' : 'CONTAINER_UNKNOWN';
    if (state === 'CONTAINER_RUNNING') {
      pid = await readFile(join(dir, 'init.pid'), 'utf8').then(
        (t) => Number.parseInt(t, 10),
        () => undefined,
      );
      if (pid !== undefined && Number.isSafeInteger(pid)) cgroupPath = await cgroupOf(pid);
    }
  }
  const t = 'terminated' in s ? s.terminated : undefined;
  const w = 'waiting' in s ? s.waiting : undefined;
  const mountPoint = rec.exec?.mountPoint;
  const workspaceHost = rec.exec?.mappings.find(
    (m) => m.target.replace(/\/+$/, '') === mountPoint?.replace(/\/+$/, ''),
  )?.source;
  const alive = rec.owner.daemon ? true : await ownerAlive(rec.owner);
  const imageRef = await options.imageStore
    ?.get(rec.image)
    .then((r) => r?.configDigest)
    .catch(() => undefined);
  return {
    id: rec.id,
    ...(rec.podUid ? { podSandboxId: rec.podUid } : {}),
    pod: rec.pod,
    name: rec.name,
    type: rec.type,
    attempt: rec.attempt,
    image: rec.image,
    ...(imageRef ? { imageRef } : {}),
    state,
    createdAt: rec.createdAt,
    ...(rec.startedAt ? { startedAt: rec.startedAt } : {}),
    ...(rec.finishedAt ? { finishedAt: rec.finishedAt } : {}),
    ...(t ? { exitCode: t.exitCode, reason: t.reason } : {}),
    ...(ended
      ? {
          finishedAt: ended.finishedAt,
          exitCode: ended.exitCode,
          reason: ended.exitCode === 0 ? 'Completed' : 'Error',
          message: 'its end is not recorded yet (the hostpod run that started it is gone)',
        }
      : {}),
    ...(state === 'CONTAINER_UNKNOWN'
      ? { reason: 'Unknown', message: 'its shim is gone without an exit record' }
      : {}),
    ...(w ? { reason: w.reason } : {}),
    ...(t?.message || w?.message ? { message: (t?.message ?? w?.message) as string } : {}),
    labels: {
      'io.kubernetes.container.name': rec.name,
      'io.kubernetes.pod.name': rec.pod.name,
      'io.kubernetes.pod.namespace': rec.pod.namespace,
      ...(rec.podUid ? { 'io.kubernetes.pod.uid': rec.podUid } : {}),
    },
    annotations: {
      'io.kubernetes.container.restartCount': String(rec.attempt),
      'hostpod.io/container-type': rec.type,
    },
    mounts: (rec.exec?.mappings ?? []).map((m) => ({ containerPath: m.target, hostPath: m.source })),
    logPath: logPath(root, rec.id),
    ...(pid !== undefined ? { pid } : {}),
    ...(cgroupPath !== undefined ? { cgroupPath } : {}),
    ...(mountPoint
      ? { workspace: { containerPath: mountPoint, ...(workspaceHost ? { hostPath: workspaceHost } : {}) } }
      : {}),
    taskDir: dir,
    owner: { kind: rec.owner.daemon ? 'daemon' : 'run', pid: rec.owner.pid, alive },
  };
}

/** The cgroup v2 path of a process (`0::/…`), or its first hierarchy's on v1. */
async function cgroupOf(pid: number): Promise<string | undefined> {
  const text = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
  const lines = text.split('\n').filter((l) => l.length > 0);
  const v2 = lines.find((l) => l.startsWith('0::'));
  return v2 ? v2.slice(3) : lines[0]?.split(':').slice(2).join(':');
}

/**
 * The one view whose id starts with `prefix` (crictl's habit: any unique prefix). Throws
 * `InvalidArgument` (not an id prefix), `NotFound`, and `InvalidArgument` for an ambiguous prefix,
 * listing the matches.
 */
export function pickContainer(views: readonly ContainerView[], prefix: string): ContainerView {
  if (!/^[0-9a-z]+$/.test(prefix))
    throw new RuntimeError(
      'InvalidArgument',
      `Invalid container id "${prefix}": expected letters and digits`,
      {
        hint: 'hostpod ps -a lists the container ids',
      },
    );
  const matches = views.filter((v) => v.id.startsWith(prefix));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0)
    throw new RuntimeError('NotFound', `container "${prefix}" not found`, {
      hint: 'hostpod ps -a lists the container ids (with --root for those of hostpod run)',
    });
  throw new RuntimeError(
    'InvalidArgument',
    `container id prefix "${prefix}" is ambiguous: ${matches.length} containers match (${matches
      .map((m) => `${m.id.slice(0, 13)} ${m.pod.name}/${m.name}`)
      .join(', ')})`,
    { hint: 'give more of the id' },
  );
}
