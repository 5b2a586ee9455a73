/**
 * What a pod run reports: the events (for the CLI, later the daemon's event log), each
 * container's result, and the run's time constants.
 */
import type { ContainerType } from '../api/visit-containers.ts';
import { RuntimeError } from '../errors.ts';
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

/**
 * Scaled time constants from text (the daemon's test hook): a JSON object with only the keys of
 * `PodTiming`, each a number ≥ 0. Throws `InvalidArgument` naming what is wrong — a misspelt key
 * must not silently leave the kubelet's constant in place.
 */
export function parsePodTiming(text: string): Partial<PodTiming> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new RuntimeError('InvalidArgument', 'the test timing is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new RuntimeError('InvalidArgument', 'the test timing must be a JSON object');
  const out: Partial<PodTiming> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!(k in DEFAULT_TIMING))
      throw new RuntimeError('InvalidArgument', `unknown test timing key "${k}"`, {
        hint: `known keys: ${Object.keys(DEFAULT_TIMING).join(', ')}`,
      });
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0)
      throw new RuntimeError('InvalidArgument', `test timing "${k}" must be a number of 0 or more`);
    out[k as keyof PodTiming] = x;
  }
  return out;
}
