/**
 * The one error type of hostpod. Every failure that crosses a module boundary is a
 * `RuntimeError` with a `code` from a closed set; the edges (CLI exit codes, CRI gRPC
 * statuses, daemon HTTP statuses) map codes in one table each.
 */

/** The closed set of error codes (the gRPC canonical codes hostpod uses). */
export const ERROR_CODES = [
  'InvalidArgument',
  'NotFound',
  'AlreadyExists',
  'FailedPrecondition',
  'Unavailable',
  'ResourceExhausted',
  'PermissionDenied',
  'NotImplemented',
  'DataLoss',
  'Canceled',
  'DeadlineExceeded',
  'Internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface RuntimeErrorOptions {
  /** What the user can do about it, one sentence. */
  hint?: string;
  cause?: unknown;
  /** Field problems of invalid input: a Kubernetes field path, the message, the object. */
  details?: readonly ErrorDetail[];
}

export interface ErrorDetail {
  path: string;
  message: string;
  object?: string;
}

/**
 * An error with a stable code, a message that says what was wrong and where, and an
 * optional hint that says what to do. Messages follow one style:
 * `Cannot start container "web": status is exited`.
 */
export class RuntimeError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: readonly ErrorDetail[] | undefined;

  constructor(code: ErrorCode, message: string, options: RuntimeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RuntimeError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** True when `err` is a RuntimeError, optionally with the given code. */
export function isRuntimeError(err: unknown, code?: ErrorCode): err is RuntimeError {
  return err instanceof RuntimeError && (code === undefined || err.code === code);
}

/** The `code` of a Node.js system error (`ENOENT`, `EEXIST`, …), or undefined. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const c = (err as { code: unknown }).code;
    return typeof c === 'string' ? c : undefined;
  }
  return undefined;
}

/** A readable one-line description of any thrown value. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
