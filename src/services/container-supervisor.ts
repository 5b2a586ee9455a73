/**
 * Keeps the containers of one pod running as the kubelet does: each run is a new container
 * (start → probes → wait, or stop with preStop and the grace period → remove, log kept), and a
 * container that ended is started again per its restart policy after the back-off. Every change
 * goes into the pod status it is given, followed by `changed()`.
 */
import { rm } from 'node:fs/promises';
import type { Container, Pod, Probe } from '../api/types.ts';
import type { ContainerType } from '../api/visit-containers.ts';
import { describeError, isRuntimeError } from '../errors.ts';
import { sleepUnlessAborted } from '../lib/sleep.ts';
import { type PodUid, parseContainerId } from '../state/ids.ts';
import { backoffMessage, nextBackoff } from './backoff.ts';
import { startErrorExit, terminatedState, vanishedExit } from './container-exit.ts';
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
import type { ReadyImage } from './images.ts';
import type { ObjectSet } from './object-set.ts';
import type { ContainerResult, PodEvent, PodTiming } from './pod-events.ts';
import {
  markProbed,
  markStarted,
  markTerminated,
  markWaiting,
  type PodStatus,
  type RestartPolicy,
  shouldRestart,
} from './pod-status.ts';
import { appendCriLog, type HandlerTarget, Prober, runHandler } from './probes.ts';
import { containerDir, newContainerId } from './records.ts';
import type { PodVolumes } from './volumes.ts';

/** The longest a timer can wait (Node fires longer ones at once): "no limit" for a hook. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** After a preStop hook, a container always gets at least this long after SIGTERM (kubelet: 2 s). */
const MIN_GRACE_AFTER_PRESTOP_MS = 2000;

export interface SupervisorContext {
  deps: RuntimeDeps;
  pod: Pod;
  /** The daemon's pod uid (the container records belong to its row); absent under `hostpod run`. */
  podUid?: PodUid;
  images: ReadonlyMap<string, ReadyImage>;
  volumes: Pick<PodVolumes, 'mountsFor' | 'gid'>;
  objects: ObjectSet;
  keepLogs: boolean;
  timing: PodTiming;
  /** The pod status this supervisor changes (in place). */
  status: PodStatus;
  emit: (e: PodEvent) => void;
  /** Called after every change of `status`. */
  changed: () => void;
  /**
   * Aborting stops supervising without stopping anything (the daemon going away): running
   * containers keep running, and `supervise` resolves with `undefined`.
   */
  detach?: AbortSignal;
}

/** Where a container stands when supervision resumes (the daemon restarted). */
export interface ContainerResume {
  /** The attempt number (restart count) of the container's latest run. */
  attempt: number;
  /** That run still runs: it is supervised instead of starting one. */
  running?: RunningContainer;
  /** That run ended while nobody watched: the restart policy decides what follows. */
  ended?: ContainerResult;
}

/** `#runOnce` stopped watching because supervision was detached. */
const DETACHED = Symbol('detached');

export class ContainerSupervisor {
  readonly #x: SupervisorContext;
  readonly #name: string;
  /** The last run of each container, by `type/name`. */
  readonly #results = new Map<string, ContainerResult>();
  /** Running containers, with what stopping them needs. */
  readonly #live = new Map<RunningContainer, { ctr: Container; restartCount: number }>();
  /** Runs that a failed liveness or startup probe stopped. */
  readonly #probeKilled = new WeakSet<ContainerResult>();

  constructor(context: SupervisorContext) {
    this.#x = context;
    this.#name = context.pod.metadata.name ?? '';
  }

  /** Whether any container runs now. */
  get running(): boolean {
    return this.#live.size > 0;
  }

  /** The last run of each container that ran or tried to, in the pod's order (init containers first). */
  results(): ContainerResult[] {
    const { spec } = this.#x.pod;
    const out: ContainerResult[] = [];
    for (const c of spec.initContainers ?? []) {
      const r = this.#results.get(keyOf('init_container', c.name));
      if (r) out.push(r);
    }
    for (const c of spec.containers) {
      const r = this.#results.get(keyOf('container', c.name));
      if (r) out.push(r);
    }
    return out;
  }

  /**
   * Runs a container and restarts it per `policy`, with back-off, until it ends for good or
   * `stop` aborts (at once during a back-off wait; gracefully while it runs). `onStarted` is
   * called when a run has started (its startup probe passed, when it has one). Resolves with
   * its last run.
   */
  async supervise(
    ctr: Container,
    type: ContainerType,
    policy: RestartPolicy,
    stop: AbortSignal,
    onStarted: () => void = () => {},
    resume?: ContainerResume,
  ): Promise<ContainerResult | undefined> {
    const { status, timing, pod } = this.#x;
    const detach = this.#x.detach ?? new AbortController().signal;
    const waitStop = AbortSignal.any([stop, detach]);
    let delay: number | undefined;
    let attempt = resume?.attempt ?? 0;
    let last: ContainerResult;
    if (resume?.ended && !resume.running) {
      last = resume.ended;
      this.#results.set(keyOf(type, ctr.name), last);
      markTerminated(status, pod.spec, type, ctr.name, { ...terminatedState(last), restartCount: attempt });
      this.#x.changed();
    } else {
      if (stop.aborted && !resume?.running) return undefined;
      const run = await this.#runOnce(ctr, type, attempt, stop, onStarted, resume?.running);
      if (run === DETACHED) return undefined;
      last = run;
    }
    for (;;) {
      // As the kubelet: a container stopped by a failed probe restarts unless the policy is
      // Never, whatever its exit code.
      const restart =
        shouldRestart(policy, last.exitCode) || (this.#probeKilled.has(last) && policy !== 'Never');
      if (stop.aborted || detach.aborted || !restart) break;
      const ranMs = last.startedAt ? Date.parse(last.finishedAt) - Date.parse(last.startedAt) : 0;
      delay = nextBackoff(timing, delay, ranMs);
      const nextAttemptAt = new Date(Date.now() + delay).toISOString();
      const message = backoffMessage(delay, ctr.name, this.#name);
      markWaiting(status, pod.spec, type, ctr.name, { reason: 'CrashLoopBackOff', message, nextAttemptAt });
      this.#x.emit({
        type: 'backoff',
        pod: this.#name,
        container: ctr.name,
        delayMs: delay,
        message,
        nextAttemptAt,
        restartCount: attempt + 1,
      });
      this.#x.changed();
      if (!(await sleepUnlessAborted(delay, waitStop))) break;
      attempt++;
      const run = await this.#runOnce(ctr, type, attempt, stop, onStarted);
      if (run === DETACHED) return undefined;
      last = run;
    }
    return detach.aborted ? undefined : last;
  }

  /** Stops every running container (preStop, the pod's grace period) and removes it. Never throws. */
  async stopAll(): Promise<void> {
    const graceMs = this.#x.pod.spec.terminationGracePeriodSeconds * 1000;
    await Promise.all(
      [...this.#live].map(async ([c, { ctr, restartCount }]) =>
        this.#finish(c, await this.#stopGracefully(c, ctr, graceMs), restartCount),
      ),
    ).catch(() => {});
  }

  /** One run of a container: start, probe, wait (or stop); its result. */
  async #runOnce(
    ctr: Container,
    type: ContainerType,
    restartCount: number,
    stop: AbortSignal,
    onStarted: () => void,
    adopt?: RunningContainer,
  ): Promise<ContainerResult | typeof DETACHED> {
    const { deps, pod, status, emit, changed } = this.#x;
    const detach = this.#x.detach ?? new AbortController().signal;
    const { spec } = pod;
    const name = this.#name;
    let c: RunningContainer;
    const id = parseContainerId(newContainerId());
    try {
      c =
        adopt ??
        (await startContainer(deps, pod, ctr, type, this.#x.images.get(ctr.image ?? '')!, {
          attempt: restartCount,
          id,
          ...(this.#x.podUid ? { podUid: this.#x.podUid } : {}),
          mounts: this.#x.volumes.mountsFor(ctr.name),
          objects: this.#x.objects,
          podGroup: this.#x.volumes.gid,
        }));
    } catch (e) {
      const result: ContainerResult = {
        ...startErrorExit(e),
        name: ctr.name,
        type,
        id,
        restartCount,
        errorCode: isRuntimeError(e) ? e.code : 'Internal',
      };
      this.#results.set(keyOf(type, ctr.name), result);
      markTerminated(status, spec, type, ctr.name, { ...terminatedState(result, id), restartCount });
      emit({ type: 'exited', pod: name, container: undefined, result });
      changed();
      return result;
    }
    this.#live.set(c, { ctr, restartCount });
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
    emit({ type: 'started', pod: name, container: c, restartCount, ...(adopt ? { adopted: true } : {}) });
    changed();

    // A failed postStart hook or liveness/startup probe stops this run; the restart policy
    // decides what follows.
    const runStop = new AbortController();
    let killed: { message: string; graceMs: number; byProbe: boolean } | undefined;
    // Read when used: a delete may shorten the grace period (--grace-period, --force) meanwhile.
    const podGraceMs = () => spec.terminationGracePeriodSeconds * 1000;
    const postStart = adopt ? undefined : ctr.lifecycle?.postStart;
    if (postStart) {
      // As the kubelet: the start is complete (next init container, probes) once the hook
      // returned; it has no time limit of its own, but a pod stop does not wait for it.
      const out = await Promise.race([
        runHandler(postStart, this.#targetOf(c, ctr), MAX_TIMER_MS),
        aborted(AbortSignal.any([stop, detach])).then(() => undefined),
      ]);
      if (out?.output) await this.#appendOutput(c, out.output);
      if (out && !out.ok && !stop.aborted) {
        killed = { message: `PostStart hook failed: ${out.message}`, graceMs: podGraceMs(), byProbe: false };
        emit({ type: 'killing', pod: name, container: ctr.name, message: killed.message });
        runStop.abort();
      }
    }
    if (!killed && !probes.startup) onStarted();
    const prober =
      !killed && (probes.startup || probes.liveness || probes.readiness)
        ? new Prober({
            target: this.#targetOf(c, ctr),
            probes,
            secondMs: this.#x.timing.probeSecondMs,
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
                  byProbe: true,
                };
                emit({ type: 'killing', pod: name, container: ctr.name, message: why });
                runStop.abort();
              }
            },
          }).start()
        : undefined;

    let exit = await waitOrCancel(c, AbortSignal.any([stop, runStop.signal, detach]));
    await prober?.stop();
    if (exit === 'canceled' && detach.aborted && !stop.aborted && !runStop.signal.aborted) {
      // Left running: the next daemon adopts it.
      this.#live.delete(c);
      return DETACHED;
    }
    if (exit === 'canceled') {
      const own = killed !== undefined && !stop.aborted;
      exit = await this.#stopGracefully(c, ctr, own ? killed!.graceMs : podGraceMs());
      if (own) exit = { ...exit, message: killed!.message };
    }
    const result = await this.#finish(c, exit, restartCount);
    if (killed?.byProbe) this.#probeKilled.add(result);
    return result;
  }

  async #finish(c: RunningContainer, exit: ContainerExit, restartCount: number): Promise<ContainerResult> {
    const { deps, pod, status, emit } = this.#x;
    this.#live.delete(c);
    const result: ContainerResult = { ...exit, name: c.name, type: c.type, id: c.id, restartCount };
    try {
      recordExit(deps, c.id, exit);
    } catch (e) {
      emit({
        type: 'warning',
        pod: this.#name,
        message: `recording the end of "${c.name}": ${describeError(e)}`,
      });
    }
    const problems = await removeContainer(deps, { id: c.id, task: c.task }, { keepLogs: this.#x.keepLogs });
    for (const p of problems)
      emit({ type: 'warning', pod: this.#name, message: `cleaning up container "${c.name}": ${p}` });
    this.#results.set(keyOf(c.type, c.name), result);
    await this.#pruneRuns(c, restartCount);
    markTerminated(status, pod.spec, c.type, c.name, { ...terminatedState(exit), restartCount });
    emit({ type: 'exited', pod: this.#name, container: c, result });
    this.#x.changed();
    return result;
  }

  /**
   * Keeps the records and directories (log) of a container's last two runs — the one that just
   * ended and the one before, for `logs --previous` — and removes older ones, as the kubelet's
   * container GC keeps one dead container per container besides the current one. Without
   * `keepLogs` (`run --rm`) the run that ended goes at once.
   */
  async #pruneRuns(c: RunningContainer, attempt: number): Promise<void> {
    const { deps, pod } = this.#x;
    const warn = (e: unknown) =>
      this.#x.emit({
        type: 'warning',
        pod: this.#name,
        message: `removing an earlier run of container "${c.name}": ${describeError(e)}`,
      });
    try {
      const ids = this.#x.podUid
        ? deps.records.pruneAttempts({ uid: this.#x.podUid }, c, attempt - 1)
        : deps.records.pruneAttempts(
            { namespace: pod.metadata.namespace ?? 'default', name: this.#name, ownerPid: deps.owner.pid },
            c,
            this.#x.keepLogs ? attempt - 1 : attempt + 1,
          );
      for (const id of ids)
        await rm(containerDir(deps.root, id), { recursive: true, force: true }).catch(warn);
    } catch (e) {
      warn(e);
    }
  }

  /** A hook's output goes into the container's log, after what the container wrote so far. */
  async #appendOutput(c: RunningContainer, output: { stdout: Buffer; stderr: Buffer }): Promise<void> {
    await appendCriLog(c.logPath, 'stdout', output.stdout).catch(() => {});
    await appendCriLog(c.logPath, 'stderr', output.stderr).catch(() => {});
  }

  #targetOf(c: RunningContainer, ctr: Container): HandlerTarget {
    return {
      task: c.task,
      exec: c.exec,
      container: c.name,
      ports: ctr.ports ?? [],
      podIp: this.#x.deps.node.ip,
    };
  }

  /** preStop within the grace period, then SIGTERM, SIGKILL at what is left of it. */
  async #stopGracefully(c: RunningContainer, ctr: Container, graceMs: number): Promise<ContainerExit> {
    const t0 = Date.now();
    let termGraceMs = graceMs;
    const preStop = ctr.lifecycle?.preStop;
    if (preStop && graceMs > 0) {
      const out = await runHandler(preStop, this.#targetOf(c, ctr), graceMs);
      if (out.output) await this.#appendOutput(c, out.output);
      if (!out.ok)
        this.#x.emit({
          type: 'warning',
          pod: this.#name,
          message: `container "${c.name}": PreStop hook failed: ${out.message}`,
        });
      termGraceMs = Math.max(graceMs - (Date.now() - t0), MIN_GRACE_AFTER_PRESTOP_MS);
    }
    return stopContainer(c, termGraceMs).catch((e: unknown) => vanishedExit(describeError(e)));
  }
}

const keyOf = (type: ContainerType, name: string) => `${type}/${name}`;

function probesOf(ctr: Container): { startup?: Probe; liveness?: Probe; readiness?: Probe } {
  return {
    ...(ctr.startupProbe ? { startup: ctr.startupProbe } : {}),
    ...(ctr.livenessProbe ? { liveness: ctr.livenessProbe } : {}),
    ...(ctr.readinessProbe ? { readiness: ctr.readinessProbe } : {}),
  };
}

/** Resolves once `signal` aborts (never rejects). */
function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((r) => signal.addEventListener('abort', () => r(), { once: true }));
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
