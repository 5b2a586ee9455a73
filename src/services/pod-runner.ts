/**
 * Runs one pod in the foreground, as the kubelet would on this node (the services layer of
 * `hostpod run`): admit → images → volumes → init containers in order, each to success →
 * containers, each supervised by `ContainerSupervisor` (restart per `restartPolicy` with
 * back-off, probes) → stop on abort (preStop, grace period) → clean up. The pod status
 * (`pod-status.ts`) is changed only here and by the supervisor, and every change is reported as
 * a `status` event.
 */
import type { Pod } from '../api/types.ts';
import { containersWithPath } from '../api/visit-containers.ts';
import { isHostProcessPod } from '../api/warnings.ts';
import { describeError, RuntimeError } from '../errors.ts';
import type { PodUid } from '../state/ids.ts';
import { platformOf, type RuntimeDeps } from './container-runner.ts';
import { type ContainerResume, ContainerSupervisor } from './container-supervisor.ts';
import { type ImageContext, prepareImage, type ReadyImage } from './images.ts';
import { nodeMismatch } from './node.ts';
import { emptyObjectSet, type ObjectSet } from './object-set.ts';
import { preparePodDns, withPodDns } from './pod-dns.ts';
import { type ContainerResult, DEFAULT_TIMING, type PodEvent, type PodTiming } from './pod-events.ts';
import {
  conditionTrue,
  initialPodStatus,
  markPodFinished,
  type PodStatus,
  restartPolicyOf,
} from './pod-status.ts';
import { startStage } from './start-error.ts';
import { prepareVolumes } from './volumes.ts';

export type { ContainerResume } from './container-supervisor.ts';
export type { ContainerResult, PodEvent, PodTiming } from './pod-events.ts';
export { DEFAULT_TIMING } from './pod-events.ts';
export type { PodStatus } from './pod-status.ts';

/** How a pod ended. */
export type PodPhase = 'Succeeded' | 'Failed';

export interface PodResult {
  name: string;
  phase: PodPhase;
  /** True when the run was stopped by the caller (Ctrl-C) before the pod ended by itself. */
  interrupted: boolean;
  /** The last run of each container that ran or tried to (init containers first, in order). */
  containers: ContainerResult[];
  /** The final pod status. */
  status: PodStatus;
  /** True when supervision was detached (`RunPodOptions.detach`): the pod still runs. */
  detached?: boolean;
}

export interface RunPodOptions {
  deps: RuntimeDeps;
  images: ImageContext;
  /** Aborting stops the pod gracefully (preStop, `terminationGracePeriodSeconds`). */
  signal?: AbortSignal;
  /** Keep the container logs and records under `<root>/containers/` (default true). */
  keepLogs?: boolean;
  /** ConfigMaps and Secrets the pod's volumes and env may use. */
  objects?: ObjectSet;
  /** Back-off and probe time constants (default `DEFAULT_TIMING`). */
  timing?: Partial<PodTiming>;
  /** The token file projected `serviceAccountToken` volumes use (left out, with a warning, when unset). */
  serviceAccountTokenFile?: string;
  onEvent?: (e: PodEvent) => void;
  /**
   * Aborting stops running the pod without stopping it (the daemon going away): containers keep
   * running, volumes stay, and `runPod` resolves with `detached: true`.
   */
  detach?: AbortSignal;
  /** Resume a pod an earlier process ran (the daemon after a restart). */
  resume?: PodResume;
  /** The daemon's pod uid: the container records belong to its row. Absent under `hostpod run`. */
  podUid?: PodUid;
}

/** Where a pod stood when its earlier supervisor went away. */
export interface PodResume {
  /** The pod status last recorded. */
  status: PodStatus;
  /** Per container (`init_container/NAME`, `container/NAME`): its latest run. */
  containers: ReadonlyMap<string, ContainerResume>;
}

/**
 * Checks that hostpod can run the pod on this node; throws FailedPrecondition (not HostProcess,
 * node mismatch), NotImplemented (gRPC probes).
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
      hint:
        pod.spec.nodeSelector?.['kubernetes.io/os'] === 'windows'
          ? 'the manifest was written for Windows nodes: remove its kubernetes.io/os selector or set it to linux, or give this node the label (hostpod run --node-label kubernetes.io/os=windows; the daemon: hostpod daemon --node-label or nodeLabels in its config)'
          : "change the pod's node selection, or give this node the label (hostpod run --node-label KEY=VALUE; the daemon: hostpod daemon --node-label KEY=VALUE or nodeLabels in its config)",
    });
  }
  for (const { container, path } of containersWithPath(pod.spec, ['spec'])) {
    for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) {
      if (container[kind]?.grpc) {
        throw new RuntimeError(
          'NotImplemented',
          `Cannot run pod "${name}": ${[...path, kind, 'grpc'].join('.')}: gRPC probes are not supported by hostpod`,
          { hint: 'use an exec probe (e.g. grpc_health_probe), an httpGet or a tcpSocket probe' },
        );
      }
    }
  }
}

/**
 * Runs the pod to its end: for `restartPolicy: Always` that is when the caller aborts. Resolves
 * with each container's last result and the final status; throws a `PodStartError` (its stage and
 * waiting reason) only for failures before any container started (admission, images, volumes). Nothing of the pod is left running or mounted
 * when it resolves.
 */
export async function runPod(pod: Pod, options: RunPodOptions): Promise<PodResult> {
  const { deps } = options;
  const { spec } = pod;
  const name = pod.metadata.name ?? '';
  const timing: PodTiming = { ...DEFAULT_TIMING, ...options.timing };
  const emit = (e: PodEvent) => options.onEvent?.(e);
  await startStage('admission', 'PodAdmissionFailed', () => admitPod(pod, deps));

  const images = new Map<string, ReadyImage>();
  for (const { container } of containersWithPath(spec, [])) {
    const ref = container.image ?? '';
    if (images.has(ref)) continue;
    // Resuming, an image once pulled is not pulled again (`Always` means at each container start).
    const policy =
      options.resume && container.imagePullPolicy === 'Always' ? 'IfNotPresent' : container.imagePullPolicy;
    const ready = await startStage('image', 'ErrImagePull', () =>
      prepareImage(ref, policy, { ...options.images, hostOs: platformOf(deps).os }),
    );
    images.set(ref, ready);
    emit({ type: 'image', pod: name, image: ref, manifestDigest: ready.manifestDigest });
  }

  const objects = options.objects ?? emptyObjectSet();
  const { volumes, dns } = await startStage('volumes', 'ContainerCreating', async () => {
    const prepared = await prepareVolumes(pod, {
      root: deps.root,
      node: deps.node,
      objects,
      owner: deps.owner,
      ...(options.resume ? { reuse: true } : {}),
      ...(options.serviceAccountTokenFile
        ? { serviceAccountTokenFile: options.serviceAccountTokenFile }
        : {}),
    });
    try {
      const podDns = platformOf(deps).podResolvConf
        ? await preparePodDns(pod, {
            ...(deps.dns ? { settings: deps.dns } : {}),
            layout: deps.layout,
            podDir: prepared.dir,
          })
        : { warnings: [] };
      return { volumes: withPodDns(prepared, podDns), dns: podDns };
    } catch (err) {
      // A resumed pod's directory is in use by its running containers: kept.
      if (!options.resume) await prepared.cleanup().catch(() => {});
      throw err;
    }
  });
  for (const w of volumes.warnings) emit({ type: 'warning', pod: name, message: w });
  for (const w of dns.warnings) emit({ type: 'warning', pod: name, message: w.message, reason: w.reason });

  const status = options.resume ? structuredClone(options.resume.status) : initialPodStatus(spec);
  let wasReady = false;
  const changed = () => {
    emit({ type: 'status', pod: name, status: structuredClone(status) });
    const ready = conditionTrue(status, 'Ready');
    if (ready !== wasReady) {
      wasReady = ready;
      emit({ type: 'ready', pod: name, ready });
    }
  };
  changed();

  const supervisor = new ContainerSupervisor({
    deps,
    pod,
    images,
    volumes,
    objects,
    keepLogs: options.keepLogs ?? true,
    ...(options.podUid ? { podUid: options.podUid } : {}),
    timing,
    status,
    emit,
    changed,
    ...(options.detach ? { detach: options.detach } : {}),
  });
  const detach = options.detach;
  const resumeOf = (type: string, n: string) => options.resume?.containers.get(`${type}/${n}`);
  let interrupted = false;

  // Stopping the pod: the caller's abort. Sidecars stop on their own signal once the containers end.
  const podStop = new AbortController();
  const onAbort = () => {
    interrupted = true;
    if (supervisor.running)
      emit({ type: 'stopping', pod: name, graceSeconds: spec.terminationGracePeriodSeconds });
    podStop.abort();
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  const sidecarStop = new AbortController();
  const sidecarSignal = AbortSignal.any([podStop.signal, sidecarStop.signal]);
  const supervise = supervisor.supervise.bind(supervisor);

  const podPolicy = restartPolicyOf(spec, {});
  const sidecars: Promise<unknown>[] = [];
  let failed = false;
  try {
    // Init containers in order, each to success (restarted unless the pod's policy is Never);
    // a sidecar (restartPolicy: Always) is started and kept running, the next one starts once
    // it has started (its startup probe succeeded).
    for (const init of spec.initContainers ?? []) {
      if (podStop.signal.aborted || detach?.aborted) break;
      if (init.restartPolicy === 'Always') {
        let started!: () => void;
        const startedOnce = new Promise<void>((r) => {
          started = r;
        });
        // Caught at once: a failure while the next init containers run must not go unhandled.
        sidecars.push(
          supervise(
            init,
            'init_container',
            'Always',
            sidecarSignal,
            started,
            resumeOf('init_container', init.name),
          ).catch((e: unknown) => {
            emit({ type: 'warning', pod: name, message: `sidecar "${init.name}": ${describeError(e)}` });
            return undefined;
          }),
        );
        await Promise.race([startedOnce, aborted(podStop.signal), ...(detach ? [aborted(detach)] : [])]);
        continue;
      }
      const r = await supervise(
        init,
        'init_container',
        podPolicy === 'Never' ? 'Never' : 'OnFailure',
        podStop.signal,
        undefined,
        resumeOf('init_container', init.name),
      );
      if (detach?.aborted) break;
      if (r?.exitCode !== 0) {
        failed = true;
        break;
      }
    }
    // Stopped before its containers were supervised — a resumed pod stopped right after the
    // daemon started (a system shutdown) — the containers still running are stopped the graceful
    // way all the same: preStop, SIGTERM, the grace period; not just killed with the job.
    const toSupervise = podStop.signal.aborted
      ? spec.containers.filter((ctr) => resumeOf('container', ctr.name)?.running)
      : spec.containers;
    if (!failed && !detach?.aborted && toSupervise.length > 0) {
      const ends = await Promise.all(
        toSupervise.map((ctr) =>
          supervise(ctr, 'container', podPolicy, podStop.signal, undefined, resumeOf('container', ctr.name)),
        ),
      );
      failed = ends.some((r) => r?.exitCode !== 0);
    }
    const result = (detached: boolean): PodResult => ({
      name,
      phase: status.phase === 'Succeeded' ? 'Succeeded' : 'Failed',
      interrupted,
      containers: supervisor.results(),
      status: structuredClone(status),
      ...(detached ? { detached } : {}),
    });
    if (detach?.aborted) {
      await Promise.all(sidecars);
      return result(true);
    }
    sidecarStop.abort();
    await Promise.all(sidecars);
    // As the kubelet ends a deleted pod: Succeeded when every container exited 0, even after Ctrl-C.
    markPodFinished(status, spec, failed);
    changed();
    return result(false);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    // Whatever happened (an exception included), nothing of the pod stays — unless detached.
    if (!detach?.aborted) {
      sidecarStop.abort();
      podStop.abort();
      await supervisor.stopAll();
      await volumes
        .cleanup()
        .catch((e: unknown) =>
          emit({ type: 'warning', pod: name, message: `removing volumes: ${describeError(e)}` }),
        );
    }
  }
}

/** Resolves once `signal` aborts (never rejects). */
function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((r) => signal.addEventListener('abort', () => r(), { once: true }));
}
