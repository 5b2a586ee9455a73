import { type ErrorCode, isRuntimeError } from '../errors.ts';

/** gRPC canonical codes, as ttrpc carries them in `google.rpc.Status.code`. */
export const GRPC = {
  OK: 0,
  Canceled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  DataLoss: 15,
} as const;

const BY_CODE: Record<ErrorCode, number> = {
  InvalidArgument: GRPC.InvalidArgument,
  NotFound: GRPC.NotFound,
  AlreadyExists: GRPC.AlreadyExists,
  FailedPrecondition: GRPC.FailedPrecondition,
  Unavailable: GRPC.Unavailable,
  ResourceExhausted: GRPC.ResourceExhausted,
  PermissionDenied: GRPC.PermissionDenied,
  NotImplemented: GRPC.Unimplemented,
  DataLoss: GRPC.DataLoss,
  Canceled: GRPC.Canceled,
  DeadlineExceeded: GRPC.DeadlineExceeded,
  Internal: GRPC.Internal,
};

/**
 * The one table from hostpod's error codes to the status containerd receives (containerd maps
 * NotFound, AlreadyExists, FailedPrecondition, Unimplemented … back to its errdefs). The
 * message keeps the hint, since containerd shows only the message.
 */
export function toStatus(err: unknown): { code: number; message: string } {
  if (isRuntimeError(err)) {
    return { code: BY_CODE[err.code], message: err.hint ? `${err.message} (${err.hint})` : err.message };
  }
  return { code: GRPC.Unknown, message: err instanceof Error ? err.message : String(err) };
}
