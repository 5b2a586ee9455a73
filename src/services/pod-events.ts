/**
 * What a pod run reports: the events (for the CLI, later the daemon's event log), each
 * container's result, and the run's time constants.
 */
import type { ContainerType } from '../api/visit-containers.ts';
import { type BackoffPolicy, KUBELET_BACKOFF } from './backoff.ts';
import type { ContainerExit, RunningContainer } from './container-runner.ts';
import type { PodStatus } from './pod-status.ts';
import type { ProbeKind } from './probes.ts';

export interface ContainerResult extends ContainerExit {
  name: string;
  type: ContainerType;
  id?: string;
  /** How many times it was restarted before this (its last) run. */
  restartCount?: number;
  /** For a `StartError`: the error's code (`PermissionDenied`, `NotFound`, …). */
  errorCode?: string;
}

/** What happens during a run, for the CLI to show. */
export type PodEvent =
  | { type: 'image'; pod: string; image: string; manifestDigest: string }
  /** A container runs; `adopted` when it was started before (by an earlier daemon) and is supervised again. */
  | { type: 'started'; pod: string; container: RunningContainer; restartCount: number; adopted?: boolean }
  | { type: 'exited'; pod: string; container: RunningContainer | undefined; result: ContainerResult }
  /** `reason`: the Kubernetes event reason when it has its own (`DNSConfigForming`, …). */
  | { type: 'warning'; pod: string; message: string; reason?: string }
  | { type: 'stopping'; pod: string; graceSeconds: number }
  /** A container waits before its next start (`CrashLoopBackOff`). */
  | {
      type: 'backoff';
      pod: string;
      container: string;
      delayMs: number;
      message: string;
      nextAttemptAt: string;
      restartCount: number;
    }
  /** A probe's result changed (readiness both ways, startup to success, any to failure). */
  | {
      type: 'probe';
      pod: string;
      container: string;
      probe: ProbeKind;
      result: 'success' | 'failure';
      message: string;
    }
  /** A failed liveness or startup probe or postStart hook stops the container: `Liveness probe failed: …`. */
  | { type: 'killing'; pod: string; container: string; message: string }
  /** The pod's `Ready` condition changed. */
  | { type: 'ready'; pod: string; ready: boolean }
  /** The pod status changed (a copy: the caller may keep it). */
  | { type: 'status'; pod: string; status: PodStatus };

/** The time constants of a run (the kubelet's by default; tests scale them down). */
export interface PodTiming extends BackoffPolicy {
  /** How long one second of a probe's `initialDelaySeconds` / `periodSeconds` / `timeoutSeconds` lasts. */
  probeSecondMs: number;
}

export const DEFAULT_TIMING: Readonly<PodTiming> = { ...KUBELET_BACKOFF, probeSecondMs: 1000 };
