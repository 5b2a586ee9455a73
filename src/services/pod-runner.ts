/**
 * Runs one pod in the foreground, as the kubelet would on this node (the services layer of
 * `hostpod run`): admit → images → volumes → init containers in order, each to success →
 * containers, each supervised (restart per `restartPolicy` with back-off, probes) → stop on
 * abort (preStop, grace period) → clean up. The pod status (`pod-status.ts`) changes only
 * here, and every change is reported as a `status` event.
 */
import type { Container, Pod, Probe } from '../api/types.ts';
import type { ContainerType } from '../api/visit-containers.ts';
import { containersWithPath } from '../api/visit-containers.ts';
import { isHostProcessPod } from '../api/warnings.ts';
import { describeError, isRuntimeError, RuntimeError } from '../errors.ts';
import { type BackoffPolicy, backoffMessage, KUBELET_BACKOFF, nextBackoff } from './backoff.ts';
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
import {
  conditionTrue,
  initialPodStatus,
  markPodFinished,
  markProbed,
  markStarted,
  markTerminated,
  markWaiting,
  type PodStatus,
  type RestartPolicy,
  restartPolicyOf,
  shouldRestart,
} from './pod-status.ts';
import { appendCriLog, type HandlerTarget, type ProbeKind, Prober, runHandler } from './probes.ts';
import { prepareVolumes } from './volumes.ts';

export type { PodStatus } from './pod-status.ts';

/** How a pod ended. */
export type PodPhase = 'Succeeded' | 'Failed';

export interface ContainerResult extends ContainerExit {
  name: string;
  type: ContainerType;
  id?: string;
  /** How many times it was restarted before this (its last) run. */
  restartCount?: number;
}

export interface PodResult {
  name: string;
  phase: PodPhase;
  /** True when the run was stopped by the caller (Ctrl-C) before the pod ended by itself. */
  interrupted: boolean;
  /** The last run of each container that ran or tried to (init containers first, in order). */
  containers: ContainerResult[];
  /** The final pod status. */
  status: PodStatus;
}

/** What happens during a run, for the CLI to show. */
export type PodEvent =
  | { type: 'image'; pod: string; image: string; manifestDigest: string }
  | { type: 'started'; pod: string; container: RunningContainer; restartCount: number }
  | { type: 'exited'; pod: string; container: RunningContainer | undefined; result: ContainerResult }
  | { type: 'warning'; pod: string; message: string }
  | { type: 'stopping'; pod: string; graceSeconds: number }
  /** A container waits before its next start (`CrashLoopBackOff`). */
  | {
      type: 'backoff';
      pod: string;
      container: string;
      delayMs: number;
      message: string;
      nextAttemptAt: string;
      restartCount: number;
    }
  /** A probe's result changed (readiness both ways, startup to success, any to failure). */
  | {
      type: 'probe';
      pod: string;
      container: string;
      probe: ProbeKind;
      result: 'success' | 'failure';
      message: string;
    }
  /** A failed liveness or startup probe stops the container: `Liveness probe failed: …`. */
  | { type: 'killing'; pod: string; container: string; message: string }
  /** The pod's `Ready` condition changed. */
  | { type: 'ready'; pod: string; ready: boolean }
  /** The pod status changed (a copy: the caller may keep it). */
  | { type: 'status'; pod: string; status: PodStatus };

/** The time constants of a run (the kubelet's by default; tests scale them down). */
export interface PodTiming extends BackoffPolicy {
  /** How long one second of a probe's `initialDelaySeconds` / `periodSeconds` / `timeoutSeconds` lasts. */
  probeSecondMs: number;
}

export const DEFAULT_TIMING: Readonly<PodTiming> = { ...KUBELET_BACKOFF, probeSecondMs: 1000 };

/** After a preStop hook, a container always gets at least this long after SIGTERM (kubelet: 2 s). */
const MIN_GRACE_AFTER_PRESTOP_MS = 2000;

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
  onEvent?: (e: PodEvent) => void;
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
      hint: "change the pod's node selection, or give this node the label (hostpod run --node-label KEY=VALUE)",
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
 * with each container's last result and the final status; throws only for failures before any
 * container started (admission, images, volumes). Nothing of the pod is left running or mounted
 * when it resolves.
 */
export async function runPod(pod: Pod, options: RunPodOptions): Promise<PodResult> {
  const { deps } = options;
  const { spec } = pod;
  const name = pod.metadata.name ?? '';
  const timing: PodTiming = { ...DEFAULT_TIMING, ...options.timing };
  const emit = (e: PodEvent) => options.onEvent?.(e);
  admitPod(pod, deps);

  const images = new Map<string, ReadyImage>();
  for (const { container } of containersWithPath(spec, [])) {
    const ref = container.image ?? '';
    if (images.has(ref)) continue;
    const ready = await prepareImage(ref, container.imagePullPolicy, options.images);
    images.set(ref, ready);
    emit({ type: 'image', pod: name, image: ref, manifestDigest: ready.manifestDigest });
  }

  const objects = options.objects ?? emptyObjectSet();
  const volumes = await prepareVolumes(pod, { root: deps.root, node: deps.node, objects });

  for (const { container } of containersWithPath(spec, [])) {
    if (container.lifecycle?.postStart)
      emit({
        type: 'warning',
        pod: name,
        message: `container "${container.name}": lifecycle.postStart is not run by hostpod yet`,
      });
  }

  const status = initialPodStatus(spec);
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

  const results = new Map<string, ContainerResult>();
  /** Running containers and the grace period their stop uses. */
  const live = new Map<RunningContainer, { ctr: Container; restartCount: number }>();
  const podGraceMs = spec.terminationGracePeriodSeconds * 1000;
  let interrupted = false;

  // Stopping the pod: the caller's abort. Sidecars stop on their own signal once the containers end.
  const podStop = new AbortController();
  const onAbort = () => {
    interrupted = true;
    if (live.size > 0)
      emit({ type: 'stopping', pod: name, graceSeconds: spec.terminationGracePeriodSeconds });
    podStop.abort();
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  const sidecarStop = new AbortController();
  const sidecarSignal = AbortSignal.any([podStop.signal, sidecarStop.signal]);

  const keyOf = (type: ContainerType, n: string) => `${type}/${n}`;

  const finish = async (
    c: RunningContainer,
    exit: ContainerExit,
    restartCount: number,
  ): Promise<ContainerResult> => {
    live.delete(c);
    const result: ContainerResult = { ...exit, name: c.name, type: c.type, id: c.id, restartCount };
    await recordExit(deps.root, c, exit).catch(() => {});
    const problems = await removeContainer(
      deps,
      { id: c.id, task: c.task },
      { keepLogs: options.keepLogs ?? true },
    );
    for (const p of problems)
      emit({ type: 'warning', pod: name, message: `cleaning up container "${c.name}": ${p}` });
    results.set(keyOf(c.type, c.name), result);
    markTerminated(status, spec, c.type, c.name, { ...terminatedOf(exit), restartCount });
    emit({ type: 'exited', pod: name, container: c, result });
    changed();
    return result;
  };

  const targetOf = (c: RunningContainer, ctr: Container): HandlerTarget => ({
    task: c.task,
    record: c.record,
    ports: ctr.ports ?? [],
    podIp: deps.node.ip,
  });

  /** preStop within the grace period, then SIGTERM, SIGKILL at what is left of it. */
  const stopGracefully = async (c: RunningContainer, ctr: Container, graceMs: number) => {
    const t0 = Date.now();
    let termGraceMs = graceMs;
    const preStop = ctr.lifecycle?.preStop;
    if (preStop && graceMs > 0) {
      const out = await runHandler(preStop, targetOf(c, ctr), graceMs);
      if (out.output) {
        await appendCriLog(c.logPath, 'stdout', out.output.stdout).catch(() => {});
        await appendCriLog(c.logPath, 'stderr', out.output.stderr).catch(() => {});
      }
      if (!out.ok)
        emit({
          type: 'warning',
          pod: name,
          message: `container "${c.name}": PreStop hook failed: ${out.message}`,
        });
      termGraceMs = Math.max(graceMs - (Date.now() - t0), MIN_GRACE_AFTER_PRESTOP_MS);
    }
    return stopContainer(c, termGraceMs).catch((e: unknown) => ({
      exitCode: 137,
      reason: 'Unknown' as const,
      message: describeError(e),
      finishedAt: new Date().toISOString(),
    }));
  };

  /** One run of a container: start, probe, wait (or stop); its result. */
  const runOnce = async (
    ctr: Container,
    type: ContainerType,
    restartCount: number,
    stop: AbortSignal,
    onStarted: () => void,
  ): Promise<ContainerResult> => {
    let c: RunningContainer;
    try {
      c = await startContainer(deps, pod, ctr, type, images.get(ctr.image ?? '')!, {
        mounts: volumes.mountsFor(ctr.name),
        objects,
      });
    } catch (e) {
      const result: ContainerResult = {
        name: ctr.name,
        type,
        exitCode: 128,
        reason: 'StartError',
        message: describeError(e),
        finishedAt: new Date().toISOString(),
        restartCount,
      };
      results.set(keyOf(type, ctr.name), result);
      markTerminated(status, spec, type, ctr.name, { ...terminatedOf(result), restartCount });
      emit({ type: 'exited', pod: name, container: undefined, result });
      changed();
      return result;
    }
    live.set(c, { ctr, restartCount });
    for (const w of c.warnings) emit({ type: 'warning', pod: name, message: `container "${c.name}": ${w}` });
    const longRunning = type === 'container' || ctr.restartPolicy === 'Always';
    const probes = longRunning ? probesOf(ctr) : {};
    markStarted(status, spec, type, ctr.name, {
      containerID: c.id,
      startedAt: c.task.startedAt,
      restartCount,
      startupProbe: probes.startup !== undefined,
      readinessProbe: probes.readiness !== undefined,
    });
    emit({ type: 'started', pod: name, container: c, restartCount });
    changed();
    if (!probes.startup) onStarted();

    // A failed liveness/startup probe stops this run; the restart policy decides what follows.
    const runStop = new AbortController();
    let killed: { message: string; graceMs: number } | undefined;
    const prober =
      probes.startup || probes.liveness || probes.readiness
        ? new Prober({
            target: targetOf(c, ctr),
            probes,
            secondMs: timing.probeSecondMs,
            onChange: (kind, result, message) => {
              if (runStop.signal.aborted || stop.aborted) return;
              emit({ type: 'probe', pod: name, container: ctr.name, probe: kind, result, message });
              if (kind === 'readiness') {
                if (markProbed(status, spec, type, ctr.name, { ready: result === 'success' })) changed();
              } else if (result === 'success') {
                markProbed(status, spec, type, ctr.name, {
                  started: true,
                  ready: probes.readiness === undefined,
                });
                changed();
                onStarted();
              } else {
                const probe = probes[kind]!;
                const why = `${kind === 'liveness' ? 'Liveness' : 'Startup'} probe failed: ${message}`;
                killed = {
                  message: why,
                  graceMs: (probe.terminationGracePeriodSeconds ?? spec.terminationGracePeriodSeconds) * 1000,
                };
                emit({ type: 'killing', pod: name, container: ctr.name, message: why });
                runStop.abort();
              }
            },
          }).start()
        : undefined;

    let exit = await waitOrCancel(c, AbortSignal.any([stop, runStop.signal]));
    await prober?.stop();
    if (exit === 'canceled') {
      exit = await stopGracefully(c, ctr, killed && !stop.aborted ? killed.graceMs : podGraceMs);
      if (killed && !stop.aborted) exit = { ...exit, message: killed.message };
    }
    return finish(c, exit, restartCount);
  };

  /** Runs a container and restarts it per `policy`, with back-off, until it ends for good or `stop`. */
  const supervise = async (
    ctr: Container,
    type: ContainerType,
    policy: RestartPolicy,
    stop: AbortSignal,
    onStarted: () => void = () => {},
  ): Promise<ContainerResult | undefined> => {
    let delay: number | undefined;
    let last: ContainerResult | undefined;
    for (let attempt = 0; !stop.aborted; attempt++) {
      last = await runOnce(ctr, type, attempt, stop, onStarted);
      if (stop.aborted || !shouldRestart(policy, last.exitCode)) break;
      const ranMs = last.startedAt ? Date.parse(last.finishedAt) - Date.parse(last.startedAt) : 0;
      delay = nextBackoff(timing, delay, ranMs);
      const nextAttemptAt = new Date(Date.now() + delay).toISOString();
      const message = backoffMessage(delay, ctr.name, name);
      markWaiting(status, spec, type, ctr.name, { reason: 'CrashLoopBackOff', message, nextAttemptAt });
      emit({
        type: 'backoff',
        pod: name,
        container: ctr.name,
        delayMs: delay,
        message,
        nextAttemptAt,
        restartCount: (last.restartCount ?? 0) + 1,
      });
      changed();
      if (!(await sleep(delay, stop))) break;
    }
    return last;
  };

  const podPolicy = restartPolicyOf(spec, {});
  const sidecars: Promise<unknown>[] = [];
  let failed = false;
  try {
    // Init containers in order, each to success (restarted unless the pod's policy is Never);
    // a sidecar (restartPolicy: Always) is started and kept running, the next one starts once
    // it has started (its startup probe succeeded).
    for (const init of spec.initContainers ?? []) {
      if (podStop.signal.aborted) break;
      if (init.restartPolicy === 'Always') {
        let started!: () => void;
        const startedOnce = new Promise<void>((r) => {
          started = r;
        });
        sidecars.push(supervise(init, 'init_container', 'Always', sidecarSignal, started));
        await Promise.race([startedOnce, aborted(podStop.signal)]);
        continue;
      }
      const r = await supervise(
        init,
        'init_container',
        podPolicy === 'Never' ? 'Never' : 'OnFailure',
        podStop.signal,
      );
      if (r?.exitCode !== 0) {
        failed = true;
        break;
      }
    }
    if (!failed && !podStop.signal.aborted) {
      const ends = await Promise.all(
        spec.containers.map((ctr) => supervise(ctr, 'container', podPolicy, podStop.signal)),
      );
      failed = ends.some((r) => r?.exitCode !== 0);
    }
    sidecarStop.abort();
    await Promise.all(sidecars);
    markPodFinished(status, spec, failed || interrupted);
    changed();
    return {
      name,
      phase: status.phase === 'Succeeded' ? 'Succeeded' : 'Failed',
      interrupted,
      containers: orderedResults(),
      status: structuredClone(status),
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    // Whatever happened (an exception included), nothing of the pod stays.
    sidecarStop.abort();
    podStop.abort();
    await Promise.all(
      [...live].map(async ([c, { ctr, restartCount }]) =>
        finish(c, await stopGracefully(c, ctr, podGraceMs), restartCount),
      ),
    ).catch(() => {});
    await volumes
      .cleanup()
      .catch((e: unknown) =>
        emit({ type: 'warning', pod: name, message: `removing volumes: ${describeError(e)}` }),
      );
  }

  function orderedResults(): ContainerResult[] {
    const out: ContainerResult[] = [];
    for (const c of spec.initContainers ?? []) {
      const r = results.get(keyOf('init_container', c.name));
      if (r) out.push(r);
    }
    for (const c of spec.containers) {
      const r = results.get(keyOf('container', c.name));
      if (r) out.push(r);
    }
    return out;
  }
}

function probesOf(ctr: Container): { startup?: Probe; liveness?: Probe; readiness?: Probe } {
  return {
    ...(ctr.startupProbe ? { startup: ctr.startupProbe } : {}),
    ...(ctr.livenessProbe ? { liveness: ctr.livenessProbe } : {}),
    ...(ctr.readinessProbe ? { readiness: ctr.readinessProbe } : {}),
  };
}

function terminatedOf(exit: ContainerExit) {
  return {
    exitCode: exit.exitCode,
    reason: exit.reason,
    finishedAt: exit.finishedAt,
    ...(exit.signal ? { signal: exit.signal } : {}),
    ...(exit.message ? { message: exit.message } : {}),
    ...(exit.startedAt ? { startedAt: exit.startedAt } : {}),
  };
}

/** Resolves once `signal` aborts (never rejects). */
function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((r) => signal.addEventListener('abort', () => r(), { once: true }));
}

/** Waits `ms`; false when `signal` aborted first (at once). */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function waitOrCancel(c: RunningContainer, signal: AbortSignal): Promise<ContainerExit | 'canceled'> {
  if (signal.aborted) return 'canceled';
  try {
    return await waitContainer(c, signal);
  } catch (e) {
    if (isRuntimeError(e, 'Canceled')) return 'canceled';
    throw e;
  }
}
