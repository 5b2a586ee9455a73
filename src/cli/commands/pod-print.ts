/**
 * How kubectl shows pods, for `hostpod get pods`: the STATUS and RESTARTS columns computed as
 * kubectl's printer does (pkg/printers/internalversion), ages as `HumanDuration`, and a PodView
 * as a Kubernetes Pod object for `-o json|yaml`.
 */

import type { ContainerState, ContainerStatus } from '../../api/pod-status-types.ts';
import type { PodView } from '../../api/protocol.ts';
import { withPodSpecDefaults } from '../../api/spec-defaults.ts';
import { formatColumns } from './table.ts';

/** kubectl's `duration.HumanDuration`: `45s`, `3m20s`, `15m`, `5h4m`, `12h`, `3d4h`, `20d`, `2y30d`. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${years}y`;
}

/** The age of an RFC 3339 time at `now`, as kubectl prints it (`<unknown>` when absent). */
export function age(iso: string | undefined, now: Date): string {
  if (!iso) return '<unknown>';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now.getTime() - t);
}

const isTerminated = (s: ContainerState | Record<string, never>) => 'terminated' in s;

function specContainerCount(p: PodView): number {
  const spec = p.manifest.spec as { containers?: unknown[] } | undefined;
  return Array.isArray(spec?.containers) ? spec.containers.length : (p.status?.containerStatuses.length ?? 0);
}

function specInitCount(p: PodView): number {
  const spec = p.manifest.spec as { initContainers?: unknown[] } | undefined;
  return Array.isArray(spec?.initContainers)
    ? spec.initContainers.length
    : (p.status?.initContainerStatuses.length ?? 0);
}

function terminatedReason(t: { reason: string; signal?: string; exitCode: number }, prefix: string): string {
  if (t.reason) return `${prefix}${t.reason}`;
  return t.signal ? `${prefix}Signal:${t.signal}` : `${prefix}ExitCode:${t.exitCode}`;
}

/** READY, STATUS and RESTARTS of a pod, as kubectl computes them. */
export function podColumns(p: PodView, now: Date): { ready: string; status: string; restarts: string } {
  const status = p.status;
  let reason: string = p.phase;
  let restarts = 0;
  let lastRestart = 0;
  let ready = 0;
  const noteRestart = (c: ContainerStatus) => {
    restarts += c.restartCount;
    if ('terminated' in c.lastState) {
      const t = Date.parse(c.lastState.terminated.finishedAt);
      if (!Number.isNaN(t) && t > lastRestart) lastRestart = t;
    }
  };
  let initializing = false;
  const inits = status?.initContainerStatuses ?? [];
  for (const [i, c] of inits.entries()) {
    noteRestart(c);
    const s = c.state;
    if ('terminated' in s && s.terminated.exitCode === 0) continue;
    if ('terminated' in s) reason = terminatedReason(s.terminated, 'Init:');
    else if ('waiting' in s && s.waiting.reason && s.waiting.reason !== 'PodInitializing')
      reason = `Init:${s.waiting.reason}`;
    else reason = `Init:${i}/${specInitCount(p)}`;
    initializing = true;
    break;
  }
  const initialized =
    status?.conditions.some((c) => c.type === 'Initialized' && c.status === 'True') ?? false;
  if (!initializing || initialized) {
    restarts = 0;
    lastRestart = 0;
    let hasRunning = false;
    const cs = status?.containerStatuses ?? [];
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i]!;
      noteRestart(c);
      const s = c.state;
      if ('waiting' in s && s.waiting.reason) reason = s.waiting.reason;
      else if ('terminated' in s) reason = terminatedReason(s.terminated, '');
      else if (c.ready && 'running' in s) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True')
        ? 'Running'
        : 'NotReady';
    }
  }
  if (p.deletedAt && p.phase !== 'Succeeded' && p.phase !== 'Failed') reason = 'Terminating';
  const restartText =
    restarts !== 0 && lastRestart > 0
      ? `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`
      : String(restarts);
  return { ready: `${ready}/${specContainerCount(p)}`, status: reason, restarts: restartText };
}

export interface PodTableOptions {
  /** Adds NODE and SOURCE. */
  wide?: { node: string };
  /** Adds a NAMESPACE column first (`-A`). */
  namespaces?: boolean;
  /** Leaves out the header (rows of a watch after the first). */
  noHeader?: boolean;
}

export function podHeader(o: PodTableOptions): string[] {
  return [
    ...(o.namespaces ? ['NAMESPACE'] : []),
    'NAME',
    'READY',
    'STATUS',
    'RESTARTS',
    'AGE',
    ...(o.wide ? ['NODE', 'SOURCE'] : []),
  ];
}

export function podRow(p: PodView, o: PodTableOptions, now: Date): string[] {
  const c = podColumns(p, now);
  const source = p.source.kind === 'static' ? `static:${p.source.path}` : 'apply';
  return [
    ...(o.namespaces ? [p.namespace] : []),
    p.name,
    c.ready,
    c.status,
    c.restarts,
    age(p.createdAt, now),
    ...(o.wide ? [o.wide.node, source] : []),
  ];
}

/** `hostpod get pods` as text lines (kubectl's columns: three spaces between). */
export function formatPodTable(pods: readonly PodView[], o: PodTableOptions, now: Date): string[] {
  return formatColumns(
    podHeader(o),
    pods.map((p) => podRow(p, o, now)),
    o.noHeader,
  );
}

/** The node a pod runs on, as `-o json|yaml` shows it (`spec.nodeName`, `status.hostIP`/`podIP`). */
export interface NodeInfoView {
  name: string;
  ip?: string;
}

/**
 * A PodView as the Kubernetes Pod object kubectl prints with `-o json|yaml`: the spec with the
 * API server's defaults, `ownerReferences`
 * naming its workload, `spec.nodeName`, and the node's IP as `status.hostIP` and `podIP` (a
 * HostProcess pod has the node's network).
 */
export function toKubePod(p: PodView, node?: NodeInfoView): Record<string, unknown> {
  const m = p.manifest;
  const meta = (m.metadata && typeof m.metadata === 'object' ? m.metadata : {}) as Record<string, unknown>;
  const metadata: Record<string, unknown> = {
    ...meta,
    name: p.name,
    namespace: p.namespace,
    uid: p.uid,
    generation: p.generation,
    creationTimestamp: p.createdAt,
  };
  if (p.deletedAt) metadata.deletionTimestamp = p.deletedAt;
  if (p.owner) {
    metadata.ownerReferences = [
      {
        apiVersion: p.owner.apiVersion,
        kind: p.owner.kind,
        name: p.owner.name,
        uid: p.owner.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ];
  }
  if (p.source.kind === 'static') {
    metadata.annotations = {
      ...((meta.annotations as Record<string, string> | undefined) ?? {}),
      'kubernetes.io/config.source': 'file',
      'hostpod.io/config.path': p.source.path,
    };
  }
  const spec = withPodSpecDefaults(m.spec);
  if (node) spec.nodeName = node.name;
  const status: Record<string, unknown> = p.status ? { ...p.status, phase: p.phase } : { phase: p.phase };
  // kubectl shows a container id with its runtime's scheme (`containerd://…`): ours is hostpod://.
  for (const key of ['containerStatuses', 'initContainerStatuses'] as const) {
    const list = p.status?.[key];
    if (list)
      status[key] = list.map((c) =>
        c.containerID && !c.containerID.includes('://')
          ? { ...c, containerID: `hostpod://${c.containerID}` }
          : c,
      );
  }
  if (node?.ip && p.status) {
    status.hostIP = node.ip;
    status.hostIPs = [{ ip: node.ip }];
    status.podIP = node.ip;
    status.podIPs = [{ ip: node.ip }];
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec, status };
}

/** Several pods as a `List` (kubectl's shape for `get pods -o json`). */
export function toKubeList(pods: readonly PodView[], node?: NodeInfoView): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'List',
    items: pods.map((p) => toKubePod(p, node)),
    metadata: { resourceVersion: '' },
  };
}

export { isTerminated };
