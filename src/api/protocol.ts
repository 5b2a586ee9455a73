/**
 * The daemon's local API (`docs/api.md`): what travels between `hostpod daemon` and its clients
 * as JSON over HTTP/1.1 on a unix socket. Types only, shared by `daemon/` (serves them) and
 * `client/` (sends and reads them). Version 1: every path starts with `/v1/`.
 */
import type { PodPhase, PodStatus } from './pod-status-types.ts';

/** Every error answer: `{ "error": ApiError }`, with the HTTP status of its code (see docs/api.md). */
export interface ApiError {
  /** A `RuntimeError` code (`src/errors.ts`): `InvalidArgument`, `NotFound`, … */
  code: string;
  message: string;
  hint?: string;
  /** Field problems of an invalid request or object: `path` is a Kubernetes field path. */
  details?: { path: string; message: string; object?: string }[];
}

/** `GET /v1/version`. */
export interface VersionInfo {
  version: string;
  api: 'v1';
  /** The state database's schema version. */
  schema: number;
  pid: number;
  startedAt: string;
  /** The node name and labels pods are matched against; its IP (a HostProcess pod's IP too). */
  node: { name: string; ip?: string; labels: Record<string, string> };
}

/** `POST /v1/apply` body. `objects`: Kubernetes objects as JSON (Pod, workloads with a pod template, ConfigMap, Secret, List). */
export interface ApplyRequest {
  objects: unknown[];
  /** Validate and report what would change, change nothing. */
  dryRun?: boolean;
  /** What an unknown field is: `strict` refuses the request, `warn` (the default) returns warnings, `ignore` drops them. */
  fieldValidation?: 'strict' | 'warn' | 'ignore';
}

/** What apply did to one object, in kubectl's words. */
export interface ApplyResult {
  kind: string;
  namespace: string;
  name: string;
  change: 'created' | 'configured' | 'unchanged';
}

export interface ApplyResponse {
  results: ApplyResult[];
  /** Objects of kinds hostpod does not run (Service, …), and why. */
  skipped: { kind: string; name: string; reason: string }[];
  warnings: string[];
}

export type PodSourceView = { kind: 'apply' } | { kind: 'static'; path: string };

/** A pod as the API shows it (`GET /v1/pods`, `GET /v1/namespaces/NS/pods/NAME`). */
export interface PodView {
  uid: string;
  namespace: string;
  name: string;
  /** The Pod as applied (apiVersion, kind, metadata, spec). */
  manifest: Record<string, unknown>;
  source: PodSourceView;
  createdAt: string;
  /** Set while the pod is being deleted (kubectl shows `Terminating`). */
  deletedAt?: string;
  generation: number;
  phase: PodPhase;
  status?: PodStatus;
  /** The workload that runs the pod (`metadata.ownerReferences`, "Controlled By"); absent for a bare Pod. */
  owner?: OwnerView;
}

/** The workload a pod belongs to. */
export interface OwnerView {
  kind: string;
  apiVersion: string;
  name: string;
  uid: string;
}

/**
 * A workload kept as an object (`GET /v1/workloads`, `GET /v1/namespaces/NS/RESOURCE/NAME`,
 * RESOURCE one of `daemonsets`, `deployments`, `replicasets`, `statefulsets`, `jobs`,
 * `cronjobs`): the object as applied and the pods it runs on this node.
 */
export interface WorkloadView {
  uid: string;
  kind: string;
  namespace: string;
  name: string;
  /** The object as applied (apiVersion, kind, metadata, spec; no status). */
  manifest: Record<string, unknown>;
  createdAt: string;
  generation: number;
  /** The pods it runs (on this node: one), by name. */
  pods: PodView[];
}

export interface WorkloadList {
  items: WorkloadView[];
}

export interface PodList {
  items: PodView[];
}

/** One line of `GET /v1/pods?watch=1` (newline-delimited JSON, as `kubectl get -w`). */
export interface PodWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: PodView;
}

/** `DELETE /v1/namespaces/NS/pods/NAME?gracePeriod=S&force=1`. */
export interface DeleteResponse {
  namespace: string;
  name: string;
  /** `deleted` once gone (after its containers stopped), `terminating` when not waited for. */
  status: 'deleted' | 'terminating';
}

/** An event (`GET /v1/events?namespace=&pod=&after=ID&watch=1`). */
export interface EventView {
  id: number;
  /** The pod it is about; absent for a node event. */
  pod?: { namespace: string; name: string; uid: string };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  firstTime: string;
  time: string;
  count: number;
}

export interface EventList {
  items: EventView[];
}

/** `GET /v1/stats/pods`: what `hostpod top pods` shows, from each container's job. */
export interface ContainerStatsView {
  namespace: string;
  pod: string;
  container: string;
  containerId: string;
  /** CPU time used, all CPUs, nanoseconds (a cumulative counter). */
  cpuUsageNs: number;
  /** CPU use over the last sampling window, in millicores (absent before two samples). */
  cpuMillicores?: number;
  memoryWorkingSetBytes: number;
  processCount: number;
  /** Bytes in the container's CRI log files (all rotations). */
  logBytes: number;
}

export interface StatsList {
  items: ContainerStatsView[];
}

/**
 * `GET /v1/containers`: one container run (an attempt) as `hostpod ps` and `hostpod inspect` show
 * it, in crictl's words (`CONTAINER_RUNNING`, `podSandboxId`, `mounts`, `logPath`).
 */
export interface ContainerView {
  id: string;
  /** The daemon's pod uid; absent for a pod of `hostpod run` (it has none). */
  podSandboxId?: string;
  pod: { namespace: string; name: string };
  name: string;
  type: 'init_container' | 'container' | 'ephemeral_container';
  attempt: number;
  image: string;
  /** The image id (config digest) the image name has in the store now. */
  imageRef?: string;
  state: 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  reason?: string;
  message?: string;
  /** The kubelet's labels of a container (`io.kubernetes.pod.name`, …). */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Container path → host path, as the container's private view has them. */
  mounts: { containerPath: string; hostPath: string }[];
  logPath: string;
  /** Of a running container: its first process, its job's cgroup (v2 path), its workspace. */
  pid?: number;
  cgroupPath?: string;
  workspace?: { containerPath: string; hostPath?: string };
  taskDir: string;
  /** Who supervises it: the daemon, or a `hostpod run` (its pid; `ownerAlive` false once it is gone). */
  owner: { kind: 'daemon' | 'run'; pid: number; alive: boolean };
}

export interface ContainerList {
  items: ContainerView[];
}

/**
 * `GET /v1/namespaces/NS/pods/NAME/exec?container=C`: the running container an exec goes into.
 * The CLI (root) starts the process itself in the container's job with this.
 */
export interface ExecTarget {
  containerId: string;
  container: string;
  /** The container's task directory (its shim's pids). */
  taskDir: string;
  /** What the command is resolved and run with, as in the container's record. */
  mountPoint: string;
  mappings: { source: string; target: string }[];
  env: string[];
  cwd: string;
}

/** Query of `GET /v1/namespaces/NS/pods/NAME/log` (text/plain, streamed while `follow`). */
export interface LogQuery {
  container?: string;
  previous?: boolean;
  follow?: boolean;
  /** Only the last N lines. */
  tailLines?: number;
  /** Only lines newer than this many seconds, or than this RFC 3339 time. */
  sinceSeconds?: number;
  sinceTime?: string;
  /** Prefix each line with its RFC 3339 time. */
  timestamps?: boolean;
}

/** `GET /v1/images`. */
export interface ImageView {
  reference: string;
  manifestDigest: string;
  configDigest: string;
  size: number;
  os: string;
  architecture: string;
  createdAt?: string;
}

export interface ImageList {
  items: ImageView[];
}

/** `POST /v1/images/pull` body. */
export interface PullRequest {
  reference: string;
  /** `os/arch[/variant]`; default this host's. */
  platform?: string;
}

/** `GET /v1/healthz`. */
export interface Health {
  ok: boolean;
  /** Conditions that need an operator (disk full, state database unwritable). */
  problems: string[];
}
