/**
 * One pod kept running by the daemon: the services' `runPod` in a loop, and what each event of
 * the run becomes — its status written (after the container records it shows, by the writer),
 * Kubernetes-style events (`Started`, `BackOff`, `Unhealthy`, `Killing`, `Failed` …), metrics and
 * log lines. A failure before the containers start (`PodStartError`) is retried with back-off
 * while the containers show the kubelet's waiting reason (`ErrImagePull`, then
 * `ImagePullBackOff`; `ContainerCreating` for volumes), except an admission failure: the pod may
 * not run on this node, so what still runs of it is stopped and the pod fails.
 */
import type { Pod } from '../api/types.ts';
import type { ContainerType } from '../api/visit-containers.ts';
import { describeError } from '../errors.ts';
import { sleepUnlessAborted } from '../lib/sleep.ts';
import type { ImageContext } from '../services/images.ts';
import type { ObjectSet } from '../services/object-set.ts';
import { type PodEvent, type PodResume, type PodTiming, runPod } from '../services/pod-runner.ts';
import { initialPodStatus, markWaiting, type PodStatus } from '../services/pod-status.ts';
import type { RuntimeDeps } from '../services/runtime-deps.ts';
import { PodStartError } from '../services/start-error.ts';
import type { PodUid } from '../state/ids.ts';
import type { AgentLogger, AgentMetrics, CrashPoint } from './agent-types.ts';
import type { Reconciler } from './reconcile.ts';
import type { StateWriter } from './state-writer.ts';

export interface PodWorkerContext {
  deps: RuntimeDeps;
  images: ImageContext;
  writer: StateWriter;
  reconciler: Pick<Reconciler, 'standing' | 'stopRunning'>;
  /** The ConfigMaps and Secrets applied so far (read at each start). */
  objects: () => ObjectSet;
  timing: PodTiming;
  serviceAccountTokenFile?: string;
  /** Aborted when the daemon goes away: the worker lets go of the pod without stopping it. */
  detach: AbortSignal;
  log: AgentLogger;
  metrics?: AgentMetrics;
  crashPoint?: (point: CrashPoint) => void;
}

export class PodWorker {
  readonly uid: PodUid;
  readonly pod: Pod;
  /** Aborted to stop the pod (delete, replace). */
  readonly stop = new AbortController();
  /**
   * Settles when the worker ended (the pod stopped, finished, or was let go) and its last status
   * and events were written (or held back by a full disk). Never rejects.
   */
  readonly done: Promise<void>;
  readonly #x: PodWorkerContext;
  #status: PodStatus | undefined;

  constructor(x: PodWorkerContext, uid: PodUid, pod: Pod, resume: PodResume | undefined) {
    this.#x = x;
    this.uid = uid;
    this.pod = pod;
    pod.metadata.uid = uid;
    this.done = this.#run(resume)
      .catch((e: unknown) => x.log.error({ pod: this.name, err: describeError(e) }, 'pod worker failed'))
      // The writer queues statuses and events for the end of the turn: the last ones are
      // written by the time the worker is done.
      .then(() => {
        try {
          x.writer.flush();
        } catch (e) {
          x.log.error({ pod: this.name, err: describeError(e) }, 'cannot write the last status');
        }
      });
  }

  get name(): string {
    return `${this.pod.metadata.namespace ?? 'default'}/${this.pod.metadata.name ?? ''}`;
  }

  async #run(resume: PodResume | undefined): Promise<void> {
    const x = this.#x;
    let delay = 0;
    let attempts = 0;
    const wake = AbortSignal.any([this.stop.signal, x.detach]);
    while (!wake.aborted) {
      try {
        const r = await runPod(this.pod, {
          deps: x.deps,
          // A delete or the daemon's stop ends a pull at once — except for a resumed pod whose
          // containers still run (their images are present): stopped at once, it must still reach
          // their supervision, which stops them gracefully (preStop, the grace period).
          images: { ...x.images, signal: resumeRunning(resume) ? x.detach : wake },
          signal: this.stop.signal,
          detach: x.detach,
          podUid: this.uid,
          objects: x.objects(),
          timing: x.timing,
          ...(x.serviceAccountTokenFile ? { serviceAccountTokenFile: x.serviceAccountTokenFile } : {}),
          ...(resume ? { resume } : {}),
          onEvent: (e) => {
            try {
              this.#record(e);
            } catch (err) {
              x.log.error({ pod: this.name, event: e.type, err: describeError(err) }, 'event handler');
            }
          },
        });
        if (!r.detached) x.log.info({ pod: this.name, phase: r.phase }, 'pod ended');
        return;
      } catch (e) {
        attempts++;
        const failure = e instanceof PodStartError ? e : undefined;
        const message = describeError(e);
        const status = structuredClone(this.#status ?? resume?.status ?? initialPodStatus(this.pod.spec));
        const show = (reason: string, text: string) => {
          for (const [type, list] of [
            ['init_container', status.initContainerStatuses],
            ['container', status.containerStatuses],
          ] as const)
            for (const c of list)
              if ('waiting' in c.state)
                markWaiting(status, this.pod.spec, type as ContainerType, c.name, { reason, message: text });
          this.#setStatus(status);
        };
        x.writer.addEvent(this.uid, 'Warning', eventReason(failure), message);
        if (failure?.stage === 'admission') {
          // The pod may no longer run here (the node's labels changed): containers an earlier
          // daemon started are stopped, not left running unwatched.
          await x.reconciler.stopRunning(this.uid, `the pod cannot run on this node any more: ${message}`);
          show(failure.reason, message);
          status.phase = 'Failed';
          this.#setStatus(status);
          return;
        }
        show(failure?.reason ?? 'CreateContainerError', message);
        delay = delay === 0 ? x.timing.initialMs : Math.min(delay * 2, x.timing.maxMs);
        // As the kubelet: after a failed pull the containers show ImagePullBackOff while it waits.
        const backoff =
          failure?.reason === 'ErrImagePull'
            ? setTimeout(
                () => show('ImagePullBackOff', `Back-off pulling image: ${message}`),
                attempts === 1 ? Math.min(delay / 2, 5000) : 0,
              )
            : undefined;
        const slept = await sleepUnlessAborted(delay, wake);
        clearTimeout(backoff);
        if (!slept) return;
        // Containers may have run (and been stopped) before the failure: start from what the
        // records and the host say now, not from the resume of the first try.
        const rec = x.writer.db.pods.get(this.uid);
        if (!rec || rec.deletedAt !== undefined) return;
        try {
          resume = await x.reconciler.standing(rec, this.pod);
        } catch (err) {
          // Keep the last resume and go on backing off (a full disk while recording an exit).
          x.log.error({ pod: this.name, err: describeError(err) }, 'cannot rebuild the resume');
        }
      }
    }
  }

  #setStatus(status: PodStatus): void {
    this.#status = status;
    this.#x.writer.setStatus(this.uid, status);
  }

  /** What one event of the run becomes. */
  #record(e: PodEvent): void {
    const { writer, log, metrics } = this.#x;
    const event = (type: 'Normal' | 'Warning', reason: string, message: string) =>
      writer.addEvent(this.uid, type, reason, message);
    switch (e.type) {
      case 'image':
        event('Normal', 'Pulled', `Container image "${e.image}" is ready (${e.manifestDigest})`);
        return;
      case 'started': {
        const c = e.container;
        if (e.adopted) {
          log.info({ pod: this.name, container: c.name, id: c.id }, 'adopted');
          return;
        }
        this.#x.crashPoint?.('container-started');
        metrics?.containerStarted(c.type);
        event('Normal', 'Started', `Started container ${c.name}`);
        log.info(
          { pod: this.name, container: c.name, id: c.id, restartCount: e.restartCount },
          'container started',
        );
        return;
      }
      case 'exited': {
        const r = e.result;
        if (!e.container) {
          metrics?.containerStartFailed(r.type, r.errorCode ?? 'Unknown');
          event('Warning', 'Failed', `Error: ${r.message ?? r.reason}`);
        }
        log.info(
          { pod: this.name, container: r.name, exitCode: r.exitCode, reason: r.reason, message: r.message },
          'container exited',
        );
        return;
      }
      case 'warning':
        event('Warning', e.reason ?? 'Warning', e.message);
        return;
      case 'stopping':
        event('Normal', 'Killing', `Stopping the pod's containers (grace period ${e.graceSeconds}s)`);
        return;
      case 'backoff':
        event(
          'Warning',
          'BackOff',
          `Back-off restarting failed container ${e.container} in pod ${this.pod.metadata.name}`,
        );
        return;
      case 'probe':
        if (e.result === 'failure')
          event(
            'Warning',
            'Unhealthy',
            `${e.probe[0]!.toUpperCase()}${e.probe.slice(1)} probe failed: ${e.message}`,
          );
        return;
      case 'killing':
        event('Normal', 'Killing', `Container ${e.container} ${e.message}, will be restarted`);
        return;
      case 'ready':
        return;
      case 'status':
        this.#setStatus(e.status);
        return;
    }
  }
}

/** The kubelet's event reason for a failed start: `Failed` (image), `FailedMount`, `FailedCreate`. */
function eventReason(failure: PodStartError | undefined): string {
  if (failure?.stage === 'image') return 'Failed';
  if (failure?.stage === 'volumes') return 'FailedMount';
  return 'FailedCreate';
}

/** Whether a resumed pod has containers still running (adopted from the daemon before). */
function resumeRunning(resume: PodResume | undefined): boolean {
  if (!resume) return false;
  for (const c of resume.containers.values()) if (c.running) return true;
  return false;
}
