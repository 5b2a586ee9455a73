/**
 * The pod status as it is kept: only what the container records do not hold. A container's
 * state, last state, restart count and id are its records' (`state/containers.ts`, one per run);
 * the pod keeps its phase, conditions and start time, and per container what the kubelet knows
 * besides the runs — `ready` and `started` (from probes) and a waiting reason between runs
 * (`CrashLoopBackOff`, `ErrImagePull`) — each tagged with the attempt it is about. `composeStatus`
 * puts the two back together into the Kubernetes `PodStatus`, so no fact is stored twice.
 */
import type { ContainerState, ContainerStatus, PodStatus, WaitingState } from '../api/pod-status-types.ts';
import type { ContainerType } from '../api/visit-containers.ts';
import { parseReference } from '../oci/reference.ts';
import { derivePodStatus, initialPodStatus, type StatusSpec } from './pod-status.ts';

/** What a container's status holds besides its runs. */
export interface StoredContainer {
  /** The attempt (restart count) these are about; stale once a newer run is recorded. */
  attempt: number;
  ready: boolean;
  started: boolean;
  /** Waiting for its next start (or its first): the reason and message shown. */
  waiting?: WaitingState;
}

export interface StoredPodStatus {
  phase: PodStatus['phase'];
  conditions: PodStatus['conditions'];
  startTime: string;
  /** By `init_container/NAME` and `container/NAME`. */
  containers: Record<string, StoredContainer>;
}

const key = (type: ContainerType, name: string) => `${type}/${name}`;

/** The part of a status that is kept (the rest is in the container records). */
export function storedStatus(status: PodStatus): StoredPodStatus {
  const containers: Record<string, StoredContainer> = {};
  const add = (type: ContainerType, c: ContainerStatus) => {
    containers[key(type, c.name)] = {
      attempt: c.restartCount,
      ready: c.ready,
      started: c.started,
      ...('waiting' in c.state ? { waiting: c.state.waiting } : {}),
    };
  };
  for (const c of status.initContainerStatuses) add('init_container', c);
  for (const c of status.containerStatuses) add('container', c);
  return { phase: status.phase, conditions: status.conditions, startTime: status.startTime, containers };
}

/** A stored status from the database (`unknown`): the kept form, or undefined. */
export function parseStoredStatus(v: unknown): StoredPodStatus | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const s = v as Partial<StoredPodStatus>;
  if (typeof s.phase !== 'string' || !Array.isArray(s.conditions) || typeof s.containers !== 'object')
    return undefined;
  return s as StoredPodStatus;
}

/**
 * The pod status from what is kept and the pod's container records (every kept run; older
 * attempts give the last state). A container with no run and nothing kept waits with the reason
 * a new pod shows (`ContainerCreating`, `PodInitializing`).
 */
export function composeStatus(
  spec: StatusSpec,
  stored: StoredPodStatus | undefined,
  rows: readonly {
    id: string;
    type: ContainerType;
    name: string;
    attempt: number;
    state: ContainerState;
    image?: string;
    imageDigest?: string;
  }[],
): PodStatus {
  const status = initialPodStatus(spec, stored?.startTime);
  const fill = (type: ContainerType, c: ContainerStatus) => {
    const mine = rows
      .filter((r) => r.type === type && r.name === c.name)
      .sort((a, b) => b.attempt - a.attempt);
    const latest = mine[0];
    const previous = latest ? mine.find((r) => r.attempt === latest.attempt - 1) : undefined;
    const kept = stored?.containers[key(type, c.name)];
    const current = kept !== undefined && (latest === undefined || kept.attempt === latest.attempt);
    if (!latest) {
      if (current && kept.waiting) c.state = { waiting: kept.waiting };
      return;
    }
    c.containerID = latest.id;
    if (latest.imageDigest) c.imageID = imageId(latest.image ?? '', latest.imageDigest);
    c.restartCount = latest.attempt;
    const last: ContainerState | Record<string, never> =
      previous && 'terminated' in previous.state ? previous.state : {};
    if (current && kept.waiting && 'terminated' in latest.state) {
      c.state = { waiting: kept.waiting };
      c.lastState = latest.state;
    } else {
      c.state = latest.state;
      c.lastState = last;
    }
    const running = 'running' in c.state;
    c.ready = running && current && kept.ready;
    c.started = running && current && kept.started;
  };
  for (const c of status.initContainerStatuses) fill('init_container', c);
  for (const c of status.containerStatuses) fill('container', c);
  if (stored) {
    status.phase = stored.phase;
    status.conditions = stored.conditions;
  } else derivePodStatus(status, spec, status.startTime);
  return status;
}

/** kubectl's imageID: the repository of the reference with the manifest digest (`docker.io/library/busybox@sha256:…`). */
function imageId(reference: string, digest: string): string {
  try {
    return `${parseReference(reference).name}@${digest}`;
  } catch {
    return digest;
  }
}
