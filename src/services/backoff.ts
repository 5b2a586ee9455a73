/**
 * The kubelet's restart back-off (pure): the delay before restarting a container that ended
 * starts at 10 s, doubles after each restart up to 5 min, and starts over once a run of the
 * container lasted 10 min.
 */

/** The constants of the back-off; tests scale them down. */
export interface BackoffPolicy {
  /** The first delay (kubelet: 10 s). */
  initialMs: number;
  /** The cap (kubelet: 5 min). */
  maxMs: number;
  /** A run at least this long resets the delay to `initialMs` (kubelet: 10 min). */
  resetAfterMs: number;
}

/** The kubelet's constants. */
export const KUBELET_BACKOFF: Readonly<BackoffPolicy> = {
  initialMs: 10_000,
  maxMs: 300_000,
  resetAfterMs: 600_000,
};

/**
 * The delay before the next start of a container whose last run lasted `ranMs`, given the
 * delay used before that run (`undefined` when it has not been restarted yet).
 */
export function nextBackoff(policy: BackoffPolicy, previousMs: number | undefined, ranMs: number): number {
  if (previousMs === undefined || ranMs >= policy.resetAfterMs) return policy.initialMs;
  return Math.min(previousMs * 2, policy.maxMs);
}

/** A delay as the kubelet writes it in `CrashLoopBackOff` messages: `20s`, `5m0s`, `100ms`. */
export function formatDelay(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return `${m}m${s % 60}s`;
}

/** The kubelet's `CrashLoopBackOff` message. */
export function backoffMessage(delayMs: number, container: string, pod: string): string {
  return `back-off ${formatDelay(delayMs)} restarting failed container=${container} pod=${pod}`;
}
