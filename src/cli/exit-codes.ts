import type { ErrorCode } from '../errors.ts';

/**
 * The documented exit codes of the `hostpod` command (docs/cli.md). One table, at the edge.
 */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** The command ran and found a failure: lint errors, a pod that failed. */
  failure: 1,
  /** Unusable input: bad flags, unreadable file, not YAML, invalid reference. */
  usage: 2,
  /** Something named does not exist (image, pod, container). */
  notFound: 3,
  /** The state does not allow it (already exists, wrong status, host lacks a feature). */
  precondition: 4,
  /** Not permitted (needs root, socket not accessible). */
  permission: 5,
  /** A service or resource is unavailable (registry unreachable, timeout, disk full). */
  unavailable: 6,
  /** A bug or corrupted data in hostpod itself. */
  internal: 7,
  /** `exec`: the command was found but cannot be executed (docker's and podman's 126). */
  cannotExecute: 126,
  /** `exec`: the command was not found in the container (docker's and podman's 127). */
  commandNotFound: 127,
  /** Interrupted by the user (Ctrl-C) before finishing. */
  interrupted: 130,
} as const;

/** Maps an error code to the CLI exit code (docs/cli.md). */
export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'InvalidArgument':
      return EXIT.usage;
    case 'NotFound':
      return EXIT.notFound;
    case 'AlreadyExists':
    case 'FailedPrecondition':
    case 'NotImplemented':
      return EXIT.precondition;
    case 'PermissionDenied':
      return EXIT.permission;
    case 'Unavailable':
    case 'ResourceExhausted':
    case 'DeadlineExceeded':
      return EXIT.unavailable;
    case 'Canceled':
      return EXIT.interrupted;
    case 'DataLoss':
    case 'Internal':
      return EXIT.internal;
  }
}
