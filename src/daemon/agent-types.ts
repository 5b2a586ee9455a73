/**
 * The daemon core's configuration and the ports it reports through (metrics, logger), and the
 * crash points tests inject.
 */
import type { ContainerType } from '../api/visit-containers.ts';
import type { Layout } from '../runtime/spec/types.ts';
import type { LogRotation } from '../runtime/task/launch-spec.ts';
import type { ServiceAccountNames } from '../runtime/users/accounts.ts';
import type { PodTiming } from '../services/pod-runner.ts';
import type { DnsSettings } from '../services/resolv-conf.ts';

/** What the daemon's core needs from its configuration. */
export interface AgentConfig {
  root: string;
  layout: Layout;
  cgroupParent?: string;
  nodeName?: string;
  nodeLabels?: Record<string, string>;
  nodeIp?: string;
  serviceAccounts?: Partial<ServiceAccountNames>;
  workspace?: 'auto' | 'overlay' | 'copy';
  logRotation?: LogRotation;
  insecureRegistries?: string[];
  /** The certs.d folder of registry hosts.toml files. */
  registryConfigDir?: string;
  serviceAccountTokenFile?: string;
  /** Back-off and probe time constants (tests scale them down). */
  timing?: Partial<PodTiming>;
  /** After a container's first process exits: time the rest of its job gets (default 5 s). */
  shutdownGraceMs?: number;
  /** Pods' resolv.conf settings (default: the kubelet's). */
  dns?: DnsSettings;
}

/** What the core reports to the daemon's metrics (a subset of `DaemonMetrics`). */
export interface AgentMetrics {
  containerStarted(type: ContainerType): void;
  containerStartFailed(type: ContainerType, code: string): void;
  observeImagePull?(seconds: number, outcome: 'success' | 'failure'): void;
  stateWriteFailed?(): void;
  logWriteFailed?(): void;
  logBytesDropped?(bytes: number): void;
}

/** The structured logger the core writes to (pino's shape). */
export interface AgentLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface AgentOptions {
  /** This process's pid (the daemon's `main` passes `process.pid`). */
  pid: number;
  version: string;
  metrics?: AgentMetrics;
  logger?: AgentLogger;
  /** Test hook: SIGKILL this process at that point (crash-consistency tests). */
  crashAt?: CrashPoint;
}

/**
 * Where a crash can be injected: after a pod row is committed and before its worker starts;
 * after a container's task started and before its record says it runs; after its record says it
 * runs and before the pod status shows it; inside the transition that writes the container
 * changes and the pod status, before it commits.
 */
export const CRASH_POINTS = ['pod-stored', 'task-started', 'container-started', 'status-transition'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];
