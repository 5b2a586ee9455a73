/**
 * The pod status as the kubelet reports it (core/v1 PodStatus, the fields hostpod fills): types
 * only, shared by the services that change it, the state database that stores it and the daemon
 * API that shows it.
 */

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface WaitingState {
  reason: string;
  message?: string;
  /** When the next start is due (`CrashLoopBackOff`). */
  nextAttemptAt?: string;
}
export interface RunningState {
  startedAt: string;
}
export interface TerminatedState {
  exitCode: number;
  signal?: string;
  reason: string;
  message?: string;
  startedAt?: string;
  finishedAt: string;
  containerID?: string;
}

/** Exactly one key, as in the Kubernetes API. */
export type ContainerState =
  | { waiting: WaitingState }
  | { running: RunningState }
  | { terminated: TerminatedState };

export interface ContainerStatus {
  name: string;
  image: string;
  /** The current (or last) container's id; absent before its first start. */
  containerID?: string;
  /** The image the current (or last) container runs, as `repository@sha256:…` (kubectl's imageID). */
  imageID?: string;
  state: ContainerState;
  /** The previous run's end, once it has been restarted (or is waiting to be). */
  lastState: ContainerState | Record<string, never>;
  restartCount: number;
  ready: boolean;
  started: boolean;
}

export type ConditionType = 'Initialized' | 'ContainersReady' | 'Ready';

export interface PodCondition {
  type: ConditionType;
  status: 'True' | 'False';
  lastTransitionTime: string;
  reason?: string;
}

export interface PodStatus {
  phase: PodPhase;
  conditions: PodCondition[];
  startTime: string;
  initContainerStatuses: ContainerStatus[];
  containerStatuses: ContainerStatus[];
}
