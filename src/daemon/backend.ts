/**
 * What the daemon's API server (`api-server.ts`) asks of the daemon's core (`node-agent.ts`):
 * one interface so the HTTP layer (routing, request checks, error answers, streaming) knows
 * nothing of pods and the core knows nothing of HTTP. Every method throws `RuntimeError`s only;
 * the server turns their code into an HTTP status (docs/api.md).
 */
import type {
  ApplyRequest,
  ApplyResponse,
  ContainerStatsView,
  DeleteResponse,
  EventView,
  ExecTarget,
  Health,
  ImageView,
  LogQuery,
  PodView,
  PodWatchEvent,
  VersionInfo,
} from '../api/protocol.ts';

export interface DaemonBackend {
  version(): VersionInfo;
  health(): Health;

  /** Validates every object first (all or nothing), then creates or replaces pods and objects. */
  apply(request: ApplyRequest): Promise<ApplyResponse>;
  listPods(filter: { namespace?: string }): PodView[];
  /** Throws `NotFound`. */
  getPod(namespace: string, name: string): PodView;
  /**
   * Stops the pod (preStop, `gracePeriodSeconds` or the pod's own, SIGKILL at once with
   * `force`) and removes it. Resolves once it is gone, or at once with `terminating` when
   * `wait` is false. Throws `NotFound`, `FailedPrecondition` (a static pod: remove its file).
   */
  deletePod(
    namespace: string,
    name: string,
    options: { gracePeriodSeconds?: number; force?: boolean; wait?: boolean },
  ): Promise<DeleteResponse>;
  /** Calls `fn` for every change of a pod from now on; returns the unsubscribe. */
  watchPods(fn: (e: PodWatchEvent) => void, filter: { namespace?: string }): () => void;

  /** Events, oldest first, with an id above `after`; of one pod when `pod` is given. */
  listEvents(filter: { namespace?: string; pod?: string; after?: number }): EventView[];
  /** Calls `fn` for every new event; returns the unsubscribe. */
  watchEvents(fn: (e: EventView) => void, filter: { namespace?: string; pod?: string }): () => void;

  /**
   * Writes the container's log (`LogQuery`) as text lines to `write` (awaited: back-pressure).
   * Without `follow` it resolves at the end of the log; with it, when the container's run ends
   * (after its last line) or `signal` aborts. Throws `NotFound` (pod, container, no previous run),
   * `InvalidArgument` (bad query).
   */
  logs(
    namespace: string,
    name: string,
    query: LogQuery,
    write: (chunk: Buffer) => Promise<void>,
    signal: AbortSignal,
  ): Promise<void>;

  /** CPU, memory and log bytes of every running container (of one namespace when given). */
  stats(filter: { namespace?: string }): Promise<ContainerStatsView[]>;
  /** The running container an exec goes into. Throws `NotFound`, `FailedPrecondition` (not running). */
  execTarget(namespace: string, name: string, container?: string): ExecTarget;

  listImages(): Promise<ImageView[]>;
  pullImage(reference: string, platform?: string): Promise<ImageView>;
  /** Throws `NotFound`, `FailedPrecondition` (a pod uses it). */
  removeImage(reference: string): Promise<{ removed: string[] }>;
}
