/**
 * Runs one pod in the foreground, as the kubelet would on this node (the services layer of
 * `hostpod run`): admit → images → init containers in order, each to success → containers →
 * wait (or stop on abort) → clean up. Restarts and volumes come with the pod-features work;
 * this runs each container once.
 */
import type { Pod } from '../api/types.ts';
import type { ContainerType } from '../api/visit-containers.ts';
import { containersWithPath } from '../api/visit-containers.ts';
import { isHostProcessPod } from '../api/warnings.ts';
import { describeError, isRuntimeError, RuntimeError } from '../errors.ts';
import {
  type ContainerExit,
  type RunningContainer,
  type RuntimeDeps,
  recordExit,
  removeContainer,
  startContainer,
  stopContainer,
  waitContainer,
} from './container-runner.ts';
import { type ImageContext, prepareImage, type ReadyImage } from './images.ts';
import { nodeMismatch } from './node.ts';
import { emptyObjectSet, type ObjectSet } from './object-set.ts';
import { prepareVolumes } from './volumes.ts';

export type PodPhase = 'Succeeded' | 'Failed';

export interface ContainerResult extends ContainerExit {
  name: string;
  type: ContainerType;
  id?: string;
}

export interface PodResult {
  name: string;
  phase: PodPhase;
  /** True when the run was stopped by the caller (Ctrl-C) before the pod ended by itself. */
  interrupted: boolean;
  containers: ContainerResult[];
}

/** What happens during a run, for the CLI to show. */
export type PodEvent =
  | { type: 'image'; pod: string; image: string; manifestDigest: string }
  | { type: 'started'; pod: string; container: RunningContainer }
  | { type: 'exited'; pod: string; container: RunningContainer | undefined; result: ContainerResult }
  | { type: 'warning'; pod: string; message: string }
  | { type: 'stopping'; pod: string; graceSeconds: number };

export interface RunPodOptions {
  deps: RuntimeDeps;
  images: ImageContext;
  /** Aborting stops the pod gracefully (`terminationGracePeriodSeconds`). */
  signal?: AbortSignal;
  /** Keep the container logs and records under `<root>/containers/` (default true). */
  keepLogs?: boolean;
  /** ConfigMaps and Secrets the pod's volumes and env may use. */
  objects?: ObjectSet;
  onEvent?: (e: PodEvent) => void;
}

/**
 * Checks that hostpod can run the pod on this node; throws FailedPrecondition (not HostProcess,
 * node mismatch).
 */
export function admitPod(pod: Pod, deps: Pick<RuntimeDeps, 'node'>): void {
  const name = pod.metadata.name ?? '';
  if (!isHostProcessPod(pod)) {
    throw new RuntimeError(
      'FailedPrecondition',
      `Cannot run pod "${name}": it has no HostProcess containers`,
      {
        hint: 'hostpod runs HostProcess pods: set spec.securityContext.windowsOptions.hostProcess: true and spec.hostNetwork: true',
      },
    );
  }
  const mismatch = nodeMismatch(pod.spec, deps.node);
  if (mismatch) {
    throw new RuntimeError('FailedPrecondition', `Cannot run pod "${name}" on this node: ${mismatch}`, {
      hint: "change the pod's node selection, or give this node the label (hostpod run --node-label KEY=VALUE)",
    });
  }
}

/**
 * Runs the pod to its end. Resolves with each container's result; throws only for failures
 * before any container started (admission, images). Nothing of the pod is left running or
 * mounted when it resolves.
 */
export async function runPod(pod: Pod, options: RunPodOptions): Promise<PodResult> {
  const { deps } = options;
  const name = pod.metadata.name ?? '';
  const emit = (e: PodEvent) => options.onEvent?.(e);
  admitPod(pod, deps);

  const images = new Map<string, ReadyImage>();
  for (const { container } of containersWithPath(pod.spec, [])) {
    const ref = container.image ?? '';
    if (images.has(ref)) continue;
    const ready = await prepareImage(ref, container.imagePullPolicy, options.images);
    images.set(ref, ready);
    emit({ type: 'image', pod: name, image: ref, manifestDigest: ready.manifestDigest });
  }

  const objects = options.objects ?? emptyObjectSet();
  const volumes = await prepareVolumes(pod, { root: deps.root, node: deps.node, objects });

  const results: ContainerResult[] = [];
  const running = new Set<RunningContainer>();
  let interrupted = false;
  const graceMs = pod.spec.terminationGracePeriodSeconds * 1000;

  const finish = async (c: RunningContainer, exit: ContainerExit): Promise<ContainerResult> => {
    running.delete(c);
    const result: ContainerResult = { ...exit, name: c.name, type: c.type, id: c.id };
    await recordExit(deps.root, c, exit).catch(() => {});
    const problems = await removeContainer(
      deps,
      { id: c.id, task: c.task },
      { keepLogs: options.keepLogs ?? true },
    );
    for (const p of problems)
      emit({ type: 'warning', pod: name, message: `cleaning up container "${c.name}": ${p}` });
    results.push(result);
    emit({ type: 'exited', pod: name, container: c, result });
    return result;
  };

  const start = async (container: (typeof pod.spec.containers)[number], type: ContainerType) => {
    try {
      const c = await startContainer(deps, pod, container, type, images.get(container.image ?? '')!, {
        mounts: volumes.mountsFor(container.name),
        objects,
      });
      running.add(c);
      for (const w of c.warnings)
        emit({ type: 'warning', pod: name, message: `container "${c.name}": ${w}` });
      emit({ type: 'started', pod: name, container: c });
      return c;
    } catch (e) {
      const result: ContainerResult = {
        name: container.name,
        type,
        exitCode: 128,
        reason: 'StartError',
        message: describeError(e),
        finishedAt: new Date().toISOString(),
      };
      results.push(result);
      emit({ type: 'exited', pod: name, container: undefined, result });
      return undefined;
    }
  };

  const aborted = () => options.signal?.aborted === true;
  const stopAll = async () => {
    emit({ type: 'stopping', pod: name, graceSeconds: pod.spec.terminationGracePeriodSeconds });
    await Promise.all(
      [...running].map(async (c) => {
        const exit = await stopContainer(c, graceMs).catch((e: unknown) => ({
          exitCode: 137,
          reason: 'Unknown' as const,
          message: describeError(e),
          finishedAt: new Date().toISOString(),
        }));
        await finish(c, exit);
      }),
    );
  };

  try {
    // Init containers: in order, each to success.
    for (const init of pod.spec.initContainers ?? []) {
      if (aborted()) break;
      const c = await start(init, 'init_container');
      if (!c) return done('Failed');
      const exit = await waitOrAbort(c, options.signal);
      if (exit === 'aborted') {
        interrupted = true;
        await stopAll();
        return done('Failed');
      }
      const r = await finish(c, exit);
      if (r.exitCode !== 0) return done('Failed');
    }
    if (aborted()) {
      interrupted = true;
      return done('Failed');
    }
    // Containers: all started, then waited for together.
    const started: RunningContainer[] = [];
    for (const ctr of pod.spec.containers) {
      const c = await start(ctr, 'container');
      if (c) started.push(c);
    }
    if (started.length < pod.spec.containers.length) {
      // One could not start: the pod cannot run as specified.
      await stopAll();
      return done('Failed');
    }
    await Promise.all(
      started.map(async (c) => {
        const exit = await waitOrAbort(c, options.signal);
        if (exit === 'aborted') return;
        await finish(c, exit);
      }),
    );
    if (running.size > 0) {
      interrupted = true;
      await stopAll();
    }
    const failed = results.some((r) => r.exitCode !== 0);
    return done(failed ? 'Failed' : 'Succeeded');
  } finally {
    // Whatever happened (an exception included), nothing of the pod stays.
    if (running.size > 0) await stopAll().catch(() => {});
    await volumes
      .cleanup()
      .catch((e: unknown) =>
        emit({ type: 'warning', pod: name, message: `removing volumes: ${describeError(e)}` }),
      );
  }

  function done(phase: PodPhase): PodResult {
    return { name, phase, interrupted, containers: results };
  }
}

async function waitOrAbort(
  c: RunningContainer,
  signal: AbortSignal | undefined,
): Promise<ContainerExit | 'aborted'> {
  if (!signal) return waitContainer(c);
  if (signal.aborted) return 'aborted';
  try {
    return await waitContainer(c, signal);
  } catch (e) {
    if (isRuntimeError(e, 'Canceled')) return 'aborted';
    throw e;
  }
}
