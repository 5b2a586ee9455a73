/**
 * What a hostpod node offers its clients — one interface, implemented by the daemon's core
 * (`daemon/node-agent.ts`), by the client that reaches it over the socket (`client/client.ts`),
 * and by the in-memory fake the HTTP layer is tested with (`daemon/testing/fake-backend.ts`); the
 * compiler keeps the three in step. The API server (`daemon/api-server.ts`) only translates HTTP
 * to these calls. Every method rejects with `RuntimeError`s only (docs/api.md maps their codes to
 * HTTP statuses).
 */
import type {
  ApplyRequest,
  ApplyResponse,
  ContainerStatsView,
  ContainerView,
  DeleteResponse,
  EventView,
  ExecTarget,
  Health,
  ImageView,
  LogQuery,
  PodView,
  PodWatchEvent,
  VersionInfo,
  WorkloadView,
} from './protocol.ts';

export interface PodFilter {
  namespace?: string;
}

export interface WorkloadFilter {
  namespace?: string;
  /** One kind (`DaemonSet`, …); every kind when absent. */
  kind?: string;
}

export interface EventFilter {
  namespace?: string;
  /** One pod's events (in `namespace`, default `default`); `NotFound` when there is no such pod. */
  pod?: string;
  /** Only events with a higher id. */
  after?: number;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  force?: boolean;
  /** false: answer `terminating` at once instead of waiting until the pod is gone. */
  wait?: boolean;
}

export interface NodeApi {
  version(): Promise<VersionInfo>;
  /** The node's health; problems an operator must see (disk full, state unwritable). */
  health(): Promise<Health>;

  /** Validates every object first (all or nothing), then creates or replaces pods and objects. */
  apply(request: ApplyRequest): Promise<ApplyResponse>;
  listPods(filter?: PodFilter): Promise<PodView[]>;
  /** Rejects `NotFound`. */
  getPod(namespace: string, name: string): Promise<PodView>;
  /**
   * Stops the pod (preStop, `gracePeriodSeconds` or the pod's own, SIGKILL at once with `force`)
   * and removes it. Resolves once it is gone, or at once with `terminating` when `wait` is false.
   * Rejects `NotFound`, `FailedPrecondition` (a static pod: remove its file).
   */
  deletePod(namespace: string, name: string, options?: DeleteOptions): Promise<DeleteResponse>;
  /**
   * Every pod (of the namespace) as `ADDED`, then each change as it happens, until `signal`
   * aborts or the consumer stops iterating. No change falls between the list and the follow.
   */
  watchPods(filter: PodFilter, signal?: AbortSignal): AsyncIterable<PodWatchEvent>;

  /** Workloads kept as objects (DaemonSet, Deployment, …) with their pods. Rejects `InvalidArgument` (a kind that is no workload). */
  listWorkloads(filter?: WorkloadFilter): Promise<WorkloadView[]>;
  /** Rejects `NotFound`, `InvalidArgument` (a kind that is no workload). */
  getWorkload(kind: string, namespace: string, name: string): Promise<WorkloadView>;
  /** Deletes the workload's pods (as `deletePod` does), then the workload. Rejects `NotFound`. */
  deleteWorkload(
    kind: string,
    namespace: string,
    name: string,
    options?: DeleteOptions,
  ): Promise<DeleteResponse>;
  /**
   * `kubectl rollout restart`: stamps `kubectl.kubernetes.io/restartedAt` on the pod template,
   * so its pods are stopped and started again (new containers). Rejects `NotFound`,
   * `FailedPrecondition` (Job and CronJob cannot be restarted, as in kubectl).
   */
  restartWorkload(kind: string, namespace: string, name: string): Promise<WorkloadView>;

  /** Events, oldest first. Rejects `NotFound` (no such pod). */
  listEvents(filter?: EventFilter): Promise<EventView[]>;
  /** The events so far (after `after`), then each new one, until `signal` aborts. */
  watchEvents(filter: EventFilter, signal?: AbortSignal): AsyncIterable<EventView>;

  /**
   * The container's log (`LogQuery`) as chunks of text lines, with back-pressure. Without
   * `follow` it ends at the end of the log; with it, when the container's run ends (after its
   * last line) or `signal` aborts. Rejects (or ends the iteration with) `NotFound` (pod,
   * container, no previous run), `InvalidArgument` (bad query).
   */
  logs(namespace: string, name: string, query: LogQuery, signal?: AbortSignal): AsyncIterable<Buffer>;

  /** CPU, memory and log bytes of every running container (of one namespace when given). */
  stats(filter?: PodFilter): Promise<ContainerStatsView[]>;
  /**
   * Every container run the node's state root records (the daemon's pods' and `hostpod run`'s),
   * newest first (`hostpod ps`, `hostpod inspect`).
   */
  listContainers(): Promise<ContainerView[]>;
  /** The running container an exec goes into. Rejects `NotFound`, `FailedPrecondition` (not running). */
  execTarget(namespace: string, name: string, container?: string): Promise<ExecTarget>;

  listImages(): Promise<ImageView[]>;
  pullImage(reference: string, platform?: string): Promise<ImageView>;
  /** Rejects `NotFound`, `FailedPrecondition` (a pod uses it). */
  removeImage(reference: string): Promise<{ removed: string[] }>;
}
