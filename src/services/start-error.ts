/**
 * Why a pod's containers could not be started, as the services know it: the stage that failed
 * and the waiting reason the kubelet would show. Thrown by `runPod` for every failure before its
 * first container starts, so a supervisor (the daemon) decides from data, never from message text:
 * an `admission` failure is final (the pod cannot run on this node), the others are retried with
 * back-off while the containers show `reason`.
 */
import { describeError, isRuntimeError, RuntimeError } from '../errors.ts';

export type PodStartStage = 'admission' | 'image' | 'volumes';

/** The kubelet's waiting reasons for these stages. */
export type PodStartReason =
  | 'PodAdmissionFailed'
  | 'ErrImagePull'
  | 'ErrImageNeverPull'
  | 'ContainerCreating'
  | 'CreateContainerConfigError';

export class PodStartError extends RuntimeError {
  readonly stage: PodStartStage;
  readonly reason: PodStartReason;

  constructor(stage: PodStartStage, reason: PodStartReason, cause: unknown) {
    const e = isRuntimeError(cause) ? cause : undefined;
    super(e?.code ?? 'Internal', describeError(cause), {
      cause,
      ...(e?.hint ? { hint: e.hint } : {}),
      ...(e?.details ? { details: e.details } : {}),
    });
    this.name = 'PodStartError';
    this.stage = stage;
    this.reason = reason;
  }
}

/**
 * Runs one stage of a pod's start; what it throws becomes a `PodStartError` of that stage (a
 * `PodStartError` thrown inside keeps its own, more precise reason).
 */
export async function startStage<T>(
  stage: PodStartStage,
  reason: PodStartReason,
  fn: () => T | Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof PodStartError) throw e;
    throw new PodStartError(stage, reason, e);
  }
}
