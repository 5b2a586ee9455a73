/**
 * The pod status as the kubelet reports it (core/v1 PodStatus, the fields hostpod fills): the
 * phase, the `Initialized` / `ContainersReady` / `Ready` conditions, and per container its state,
 * last state, restart count, `ready` and `started`. A plain serialisable object; every transition
 * is a function here that changes one container and then re-derives the pod's phase and
 * conditions, so the rules live in one place.
 */

import type {
  ConditionType,
  ContainerStatus,
  PodPhase,
  PodStatus,
  TerminatedState,
  WaitingState,
} from '../api/pod-status-types.ts';
import type { ContainerType } from '../api/visit-containers.ts';

export type {
  ConditionType,
  ContainerState,
  ContainerStatus,
  PodCondition,
  PodPhase,
  PodStatus,
  RunningState,
  TerminatedState,
  WaitingState,
} from '../api/pod-status-types.ts';

/** What of a pod spec its status depends on: the containers (names, images, sidecars) and the restart policy. */
export interface StatusSpec {
  restartPolicy: string;
  initContainers?: readonly { name: string; image?: string; restartPolicy?: string }[];
  containers: readonly { name: string; image?: string }[];
}

/** The restart policy a container follows: its own (sidecar init containers) or the pod's. */
export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export function restartPolicyOf(spec: StatusSpec, container: { restartPolicy?: string }): RestartPolicy {
  const p = container.restartPolicy ?? spec.restartPolicy;
  return p === 'Always' || p === 'OnFailure' ? p : 'Never';
}

/** Whether a container that ended with `exitCode` is started again under `policy`. */
export function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

const now = () => new Date().toISOString();

/** The status of a pod about to start: every container waiting. */
export function initialPodStatus(spec: StatusSpec, at = now()): PodStatus {
  const inits = spec.initContainers ?? [];
  const waiting = (reason: string) => ({ waiting: { reason } });
  const status = (c: { name: string; image?: string }, reason: string): ContainerStatus => ({
    name: c.name,
    image: c.image ?? '',
    state: waiting(reason),
    lastState: {},
    restartCount: 0,
    ready: false,
    started: false,
  });
  const s: PodStatus = {
    phase: 'Pending',
    conditions: (['Initialized', 'ContainersReady', 'Ready'] as const).map((type) => ({
      type,
      status: 'False',
      lastTransitionTime: at,
    })),
    startTime: at,
    initContainerStatuses: inits.map((c) => status(c, 'PodInitializing')),
    containerStatuses: spec.containers.map((c) =>
      status(c, inits.length > 0 ? 'PodInitializing' : 'ContainerCreating'),
    ),
  };
  derivePodStatus(s, spec, at);
  return s;
}

/** The status entry of a container; throws when the pod has no such container (a bug). */
export function containerStatus(s: PodStatus, type: ContainerType, name: string): ContainerStatus {
  const list = type === 'init_container' ? s.initContainerStatuses : s.containerStatuses;
  const c = list.find((x) => x.name === name);
  if (!c) throw new Error(`no ${type} "${name}" in the pod status`);
  return c;
}

/**
 * A new container of `name` runs, after `restartCount` earlier attempts (the last one's end
 * stays as `lastState`). `started` is true at once unless it has a startup probe; `ready` is true
 * at once unless it has a readiness probe (regular and sidecar containers; never for init ones).
 */
export function markStarted(
  s: PodStatus,
  spec: StatusSpec,
  type: ContainerType,
  name: string,
  run: {
    containerID: string;
    startedAt: string;
    restartCount: number;
    startupProbe: boolean;
    readinessProbe: boolean;
  },
): void {
  const c = containerStatus(s, type, name);
  if ('terminated' in c.state) c.lastState = c.state;
  c.restartCount = run.restartCount;
  c.containerID = run.containerID;
  c.state = { running: { startedAt: run.startedAt } };
  const longRunning = type === 'container' || isSidecar(spec, name, type);
  c.started = !run.startupProbe;
  c.ready = longRunning && c.started && !run.readinessProbe;
  derivePodStatus(s, spec, run.startedAt);
}

/** The container ended, or its attempt number `restartCount` could not start. */
export function markTerminated(
  s: PodStatus,
  spec: StatusSpec,
  type: ContainerType,
  name: string,
  end: TerminatedState & { restartCount: number },
): void {
  const c = containerStatus(s, type, name);
  if ('terminated' in c.state) c.lastState = c.state;
  const { restartCount, ...terminated } = end;
  // A run that could not start still had an id (its record's): it is the container's now.
  if (terminated.containerID) c.containerID = terminated.containerID;
  c.restartCount = restartCount;
  c.state = { terminated: { ...terminated, ...(c.containerID ? { containerID: c.containerID } : {}) } };
  c.ready = false;
  c.started = false;
  derivePodStatus(s, spec, end.finishedAt);
}

/** The container waits for its next start (`CrashLoopBackOff`): its end becomes `lastState`. */
export function markWaiting(
  s: PodStatus,
  spec: StatusSpec,
  type: ContainerType,
  name: string,
  waiting: WaitingState,
  at = now(),
): void {
  const c = containerStatus(s, type, name);
  if ('terminated' in c.state) c.lastState = c.state;
  c.state = { waiting };
  c.ready = false;
  c.started = false;
  derivePodStatus(s, spec, at);
}

/** A probe result changed the container's `started` or `ready`. Returns whether anything changed. */
export function markProbed(
  s: PodStatus,
  spec: StatusSpec,
  type: ContainerType,
  name: string,
  change: { started?: boolean; ready?: boolean },
  at = now(),
): boolean {
  const c = containerStatus(s, type, name);
  if (!('running' in c.state)) return false;
  const before = `${c.started}/${c.ready}`;
  if (change.started !== undefined) c.started = change.started;
  if (change.ready !== undefined) c.ready = change.ready && c.started;
  derivePodStatus(s, spec, at);
  return before !== `${c.started}/${c.ready}`;
}

/** The pod ends: the phase is final (`Succeeded` when every regular container's last run exited 0). */
export function markPodFinished(s: PodStatus, spec: StatusSpec, failed: boolean, at = now()): void {
  derivePodStatus(s, spec, at);
  const ok =
    !failed && s.containerStatuses.every((c) => 'terminated' in c.state && c.state.terminated.exitCode === 0);
  s.phase = ok ? 'Succeeded' : 'Failed';
  for (const c of s.conditions)
    if (c.type !== 'Initialized') setCondition(s, c.type, false, at, 'PodCompleted');
}

function isSidecar(spec: StatusSpec, name: string, type: ContainerType): boolean {
  return (
    type === 'init_container' && spec.initContainers?.find((c) => c.name === name)?.restartPolicy === 'Always'
  );
}

function setCondition(s: PodStatus, type: ConditionType, value: boolean, at: string, reason?: string): void {
  const c = s.conditions.find((x) => x.type === type);
  const status = value ? 'True' : 'False';
  if (!c) {
    s.conditions.push({ type, status, lastTransitionTime: at, ...(reason ? { reason } : {}) });
    return;
  }
  if (c.status === status) return;
  c.status = status;
  c.lastTransitionTime = at;
  if (reason) c.reason = reason;
  else delete c.reason;
}

/** The value of a pod condition. */
export function conditionTrue(s: PodStatus, type: ConditionType): boolean {
  return s.conditions.some((c) => c.type === type && c.status === 'True');
}

/**
 * Re-derives the phase and conditions from the container statuses (kubelet's `getPhase` and
 * status manager): `Initialized` once every init container succeeded (a sidecar: started);
 * `ContainersReady` when every regular container is ready (and every sidecar); `Ready` = that.
 */
export function derivePodStatus(s: PodStatus, spec: StatusSpec, at = now()): void {
  const initialized = s.initContainerStatuses.every((c) =>
    isSidecar(spec, c.name, 'init_container')
      ? c.started
      : 'terminated' in c.state && c.state.terminated.exitCode === 0,
  );
  setCondition(s, 'Initialized', initialized, at);
  const sidecarsReady = s.initContainerStatuses.every(
    (c) => !isSidecar(spec, c.name, 'init_container') || c.ready,
  );
  const ready = initialized && sidecarsReady && s.containerStatuses.every((c) => c.ready);
  setCondition(s, 'ContainersReady', ready, at);
  setCondition(s, 'Ready', ready, at);
  s.phase = podPhase(s, spec, initialized);
}

function podPhase(s: PodStatus, spec: StatusSpec, initialized: boolean): PodPhase {
  const policy = restartPolicyOf(spec, {});
  if (!initialized) {
    const failedInit = s.initContainerStatuses.some(
      (c) =>
        !isSidecar(spec, c.name, 'init_container') &&
        'terminated' in c.state &&
        c.state.terminated.exitCode !== 0,
    );
    return failedInit && policy === 'Never' ? 'Failed' : 'Pending';
  }
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of s.containerStatuses) {
    if ('running' in c.state) running++;
    else if ('terminated' in c.state) {
      stopped++;
      if (c.state.terminated.exitCode === 0) succeeded++;
    } else if ('terminated' in c.lastState) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (policy === 'Always') return 'Running';
  if (stopped === succeeded) return 'Succeeded';
  if (policy === 'Never') return 'Failed';
  return 'Running';
}
