/**
 * What each event of a pod's run becomes in the daemon: container rows (queued, to be committed
 * with the pod status that follows in one transition), Kubernetes-style events (`Started`,
 * `BackOff`, `Unhealthy`, `Killing`, `Failed` …), metrics and log lines.
 */
import type { TerminatedState } from '../api/pod-status-types.ts';
import type { Pod } from '../api/types.ts';
import type { ContainerType } from '../api/visit-containers.ts';
import type { PodEvent, PodStatus } from '../services/pod-runner.ts';
import { newContainerId } from '../services/records.ts';
import { type PodUid, parseContainerId } from '../state/ids.ts';
import type { StateDb } from '../state/state-db.ts';
import type { AgentLogger, AgentMetrics, CrashPoint } from './agent-types.ts';
import { imageOf, nameOf } from './views.ts';

export interface RecorderContext {
  db: StateDb;
  log: AgentLogger;
  metrics?: AgentMetrics;
  addEvent(uid: PodUid, type: 'Normal' | 'Warning', reason: string, message: string): void;
  pruneRows(uid: PodUid, type: ContainerType, name: string, attempt: number): void;
  crashPoint(point: CrashPoint): void;
  /** Commits the queued rows with this status. */
  writeStatus(status: PodStatus): void;
}

/** The pod being recorded: its uid, its spec, and the rows queued for the next status. */
export interface RecordedPod {
  uid: PodUid;
  pod: Pod;
  pending: (() => void)[];
}

export function recordPodEvent(ctx: RecorderContext, w: RecordedPod, e: PodEvent): void {
  const pod = nameOf(w.pod);
  switch (e.type) {
    case 'image':
      ctx.addEvent(w.uid, 'Normal', 'Pulled', `Container image "${e.image}" is ready (${e.manifestDigest})`);
      return;
    case 'started': {
      const c = e.container;
      if (e.adopted) {
        ctx.log.info({ pod, container: c.name, id: c.id }, 'adopted');
        return;
      }
      ctx.crashPoint('container-started');
      const row = {
        id: parseContainerId(c.id),
        podUid: w.uid,
        name: c.name,
        type: c.type,
        attempt: e.restartCount,
        image: c.record.image,
        state: { running: { startedAt: c.task.startedAt } },
        taskDir: c.task.dir,
        groupId: c.task.group.id,
      };
      w.pending.push(() => {
        ctx.db.containers.create(row);
        ctx.pruneRows(w.uid, c.type, c.name, e.restartCount);
      });
      ctx.metrics?.containerStarted(c.type);
      ctx.addEvent(w.uid, 'Normal', 'Started', `Started container ${c.name}`);
      ctx.log.info({ pod, container: c.name, id: c.id, restartCount: e.restartCount }, 'container started');
      return;
    }
    case 'exited': {
      const r = e.result;
      const terminated: TerminatedState = {
        exitCode: r.exitCode,
        reason: r.reason,
        finishedAt: r.finishedAt,
        ...(r.signal ? { signal: r.signal } : {}),
        ...(r.message ? { message: r.message.slice(0, 4096) } : {}),
        ...(r.startedAt ? { startedAt: r.startedAt } : {}),
      };
      if (e.container) {
        const id = parseContainerId(e.container.id);
        w.pending.push(() => {
          if (ctx.db.containers.get(id))
            ctx.db.containers.update(id, { state: { terminated: { ...terminated, containerID: id } } });
        });
      } else {
        const id = parseContainerId(newContainerId());
        w.pending.push(() => {
          ctx.pruneRows(w.uid, r.type, r.name, r.restartCount ?? 0);
          ctx.db.containers.create({
            id,
            podUid: w.uid,
            name: r.name,
            type: r.type,
            attempt: r.restartCount ?? 0,
            image: imageOf(w.pod, r.type, r.name),
            state: { terminated },
          });
        });
        ctx.metrics?.containerStartFailed(r.type, r.errorCode ?? 'Unknown');
        ctx.addEvent(w.uid, 'Warning', 'Failed', `Error: ${r.message ?? r.reason}`);
      }
      ctx.log.info(
        { pod, container: r.name, exitCode: r.exitCode, reason: r.reason, message: r.message },
        'container exited',
      );
      return;
    }
    case 'warning':
      ctx.addEvent(w.uid, 'Warning', 'Warning', e.message);
      return;
    case 'stopping':
      ctx.addEvent(
        w.uid,
        'Normal',
        'Killing',
        `Stopping the pod's containers (grace period ${e.graceSeconds}s)`,
      );
      return;
    case 'backoff':
      ctx.addEvent(
        w.uid,
        'Warning',
        'BackOff',
        `Back-off restarting failed container ${e.container} in pod ${w.pod.metadata.name}`,
      );
      return;
    case 'probe':
      if (e.result === 'failure')
        ctx.addEvent(
          w.uid,
          'Warning',
          'Unhealthy',
          `${e.probe[0]!.toUpperCase()}${e.probe.slice(1)} probe failed: ${e.message}`,
        );
      return;
    case 'killing':
      ctx.addEvent(w.uid, 'Normal', 'Killing', `Container ${e.container} ${e.message}, will be restarted`);
      return;
    case 'ready':
      return;
    case 'status':
      ctx.writeStatus(e.status);
      return;
  }
}
