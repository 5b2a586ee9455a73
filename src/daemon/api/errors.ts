/**
 * Error answers of the daemon API: one table from `RuntimeError` code to HTTP status, and the
 * `{ "error": ApiError }` body. An exception that is not a `RuntimeError` is a bug: the client
 * gets a generic 500 `Internal`, the log gets the stack.
 */
import type { ServerResponse } from 'node:http';
import type { ApiError } from '../../api/protocol.ts';
import { type ErrorCode, isRuntimeError } from '../../errors.ts';

/** The HTTP status of each error code (docs/api.md). */
export function statusFor(code: ErrorCode): number {
  switch (code) {
    case 'InvalidArgument':
      return 400;
    case 'NotFound':
      return 404;
    case 'AlreadyExists':
    case 'FailedPrecondition':
      return 409;
    case 'PermissionDenied':
      return 403;
    case 'Unavailable':
      return 503;
    case 'ResourceExhausted':
      return 507;
    case 'NotImplemented':
      return 501;
    case 'DeadlineExceeded':
      return 504;
    case 'Canceled':
      return 499;
    case 'DataLoss':
    case 'Internal':
      return 500;
  }
}

/**
 * A protocol-level refusal whose HTTP status is more specific than its code's (405 wrong method,
 * 413 body too large, 415 not JSON, 408 body too slow). Thrown inside the server only.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly apiError: ApiError,
    readonly headers: Record<string, string> = {},
  ) {
    super(apiError.message);
  }
}

/** What an error thrown by a handler or the backend becomes on the wire. */
export function toApiError(e: unknown): { status: number; body: ApiError; internal: boolean } {
  if (e instanceof HttpError) return { status: e.status, body: e.apiError, internal: false };
  if (isRuntimeError(e)) {
    const body: ApiError = { code: e.code, message: e.message };
    if (e.hint) body.hint = e.hint;
    if (e.details && e.details.length > 0) body.details = e.details.map((d) => ({ ...d }));
    return { status: statusFor(e.code), body, internal: e.code === 'Internal' };
  }
  return {
    status: 500,
    body: {
      code: 'Internal',
      message: 'internal error in the hostpod daemon',
      hint: "the daemon's log (stderr, or journalctl -u hostpod) has the details; this is a bug worth reporting",
    },
    internal: true,
  };
}

/** Sends `{ "error": … }` with its status, unless the headers are already out. */
export function sendError(
  res: ServerResponse,
  status: number,
  body: ApiError,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify({ error: body });
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}
