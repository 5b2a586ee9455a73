/**
 * How kubectl shows workloads, for `hostpod get ds|deploy|rs|sts|job|cj`: each kind's columns
 * (DaemonSet: NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE, …) counted from
 * the pods the workload runs on this node (one: hostpod is one node), and a WorkloadView as the
 * Kubernetes object kubectl prints with `-o json|yaml` (its status counted the same way).
 */
import type { PodView, WorkloadView } from '../../api/protocol.ts';
import { withPodSpecDefaults } from '../../api/spec-defaults.ts';
import { age, humanDuration } from './pod-print.ts';

/** The counts every kind's columns and status draw on. */
export interface WorkloadCounts {
  /** Pods wanted on this node (one per workload). */
  desired: number;
  current: number;
  ready: number;
  succeeded: number;
  failed: number;
}

const isReady = (p: PodView) =>
  p.status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True') === true && !p.deletedAt;

export function countsOf(w: WorkloadView): WorkloadCounts {
  const live = w.pods.filter((p) => !p.deletedAt);
  return {
    desired: 1,
    current: live.length,
    ready: live.filter(isReady).length,
    succeeded: w.pods.filter((p) => p.phase === 'Succeeded').length,
    failed: w.pods.filter((p) => p.phase === 'Failed').length,
  };
}

function at(o: unknown, ...path: string[]): unknown {
  let cur = o;
  for (const k of path)
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
  return cur;
}

function templateSpec(w: WorkloadView): unknown {
  return w.kind === 'CronJob'
    ? at(w.manifest, 'spec', 'jobTemplate', 'spec', 'template', 'spec')
    : at(w.manifest, 'spec', 'template', 'spec');
}

function mapText(m: unknown): string {
  if (m === null || typeof m !== 'object') return '<none>';
  const e = Object.entries(m as Record<string, unknown>);
  return e.length === 0 ? '<none>' : e.map(([k, v]) => `${k}=${String(v)}`).join(',');
}

function wideCells(w: WorkloadView): string[] {
  const cs = at(templateSpec(w), 'containers');
  const list = Array.isArray(cs) ? (cs as { name?: unknown; image?: unknown }[]) : [];
  return [
    list.map((c) => String(c.name ?? '')).join(','),
    list.map((c) => String(c.image ?? '')).join(','),
    mapText(at(w.manifest, 'spec', 'selector', 'matchLabels')),
  ];
}

/** kubectl's columns of a kind (without NAMESPACE; `wide` adds CONTAINERS IMAGES SELECTOR). */
export function workloadHeader(kind: string, wide = false): string[] {
  const extra = wide && kind !== 'CronJob' && kind !== 'Job' ? ['CONTAINERS', 'IMAGES', 'SELECTOR'] : [];
  switch (kind) {
    case 'DaemonSet':
      return [
        'NAME',
        'DESIRED',
        'CURRENT',
        'READY',
        'UP-TO-DATE',
        'AVAILABLE',
        'NODE SELECTOR',
        'AGE',
        ...extra,
      ];
    case 'Deployment':
      return ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', ...extra];
    case 'ReplicaSet':
      return ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE', ...extra];
    case 'StatefulSet':
      return ['NAME', 'READY', 'AGE', ...extra];
    case 'Job':
      return ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE'];
    default:
      return ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE'];
  }
}

/** One row under `workloadHeader(w.kind)`; `name` is what the NAME cell shows. */
export function workloadRow(w: WorkloadView, now: Date, wide = false, name = w.name): string[] {
  const c = countsOf(w);
  const a = age(w.createdAt, now);
  const extra = wide && w.kind !== 'CronJob' && w.kind !== 'Job' ? wideCells(w) : [];
  switch (w.kind) {
    case 'DaemonSet':
      return [
        name,
        String(c.desired),
        String(c.current),
        String(c.ready),
        String(c.current),
        String(c.ready),
        mapText(at(templateSpec(w), 'nodeSelector')),
        a,
        ...extra,
      ];
    case 'Deployment':
      return [name, `${c.ready}/${c.desired}`, String(c.current), String(c.ready), a, ...extra];
    case 'ReplicaSet':
      return [name, String(c.desired), String(c.current), String(c.ready), a, ...extra];
    case 'StatefulSet':
      return [name, `${c.ready}/${c.desired}`, a, ...extra];
    case 'Job': {
      const status = c.succeeded > 0 ? 'Complete' : c.failed > 0 ? 'Failed' : 'Running';
      const start = w.pods[0]?.status?.startTime;
      const end = w.pods[0]?.status?.containerStatuses
        .map((s) => ('terminated' in s.state ? Date.parse(s.state.terminated.finishedAt) : 0))
        .reduce((x, y) => Math.max(x, y), 0);
      const t0 = start ? Date.parse(start) : Number.NaN;
      const duration = Number.isNaN(t0)
        ? ''
        : humanDuration((end && c.succeeded > 0 ? end : now.getTime()) - t0);
      return [name, status, `${c.succeeded}/1`, duration, a];
    }
    default:
      return [
        name,
        String(at(w.manifest, 'spec', 'schedule') ?? ''),
        String(at(w.manifest, 'spec', 'timeZone') ?? '<none>'),
        at(w.manifest, 'spec', 'suspend') === true ? 'True' : 'False',
        String(c.current - c.succeeded - c.failed),
        '<none>',
        a,
      ];
  }
}

/** The status kubectl users read, per kind, from the counts. */
function statusOf(w: WorkloadView): Record<string, unknown> {
  const c = countsOf(w);
  switch (w.kind) {
    case 'DaemonSet':
      return {
        currentNumberScheduled: c.current,
        desiredNumberScheduled: c.desired,
        numberAvailable: c.ready,
        numberMisscheduled: 0,
        numberReady: c.ready,
        observedGeneration: w.generation,
        updatedNumberScheduled: c.current,
      };
    case 'Job':
      return { active: c.current - c.succeeded - c.failed, failed: c.failed, succeeded: c.succeeded };
    case 'CronJob':
      return {};
    default:
      return {
        availableReplicas: c.ready,
        observedGeneration: w.generation,
        readyReplicas: c.ready,
        replicas: c.current,
        updatedReplicas: c.current,
      };
  }
}

/** The workload's spec with its pod template's spec defaulted as the API server stores it. */
function specWithDefaults(w: WorkloadView): unknown {
  const spec = w.manifest.spec;
  if (spec === null || typeof spec !== 'object') return {};
  const s = structuredClone(spec) as Record<string, unknown>;
  const holder = (w.kind === 'CronJob' ? at(s, 'jobTemplate', 'spec') : s) as
    | Record<string, unknown>
    | undefined;
  const template = holder?.template;
  if (holder && template !== null && typeof template === 'object')
    holder.template = { ...template, spec: withPodSpecDefaults((template as Record<string, unknown>).spec) };
  return s;
}

/** A WorkloadView as the object kubectl prints (apiVersion, kind, metadata, spec, status). */
export function toKubeWorkload(w: WorkloadView): Record<string, unknown> {
  const meta = (at(w.manifest, 'metadata') ?? {}) as Record<string, unknown>;
  return {
    apiVersion: w.manifest.apiVersion,
    kind: w.kind,
    metadata: {
      ...meta,
      name: w.name,
      namespace: w.namespace,
      uid: w.uid,
      generation: w.generation,
      creationTimestamp: w.createdAt,
    },
    spec: specWithDefaults(w),
    status: statusOf(w),
  };
}
