import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/cli/exit-codes.ts
var EXIT = {
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
  /** Interrupted by the user (Ctrl-C) before finishing. */
  interrupted: 130
};
function exitCodeFor(code) {
  switch (code) {
    case "InvalidArgument":
      return EXIT.usage;
    case "NotFound":
      return EXIT.notFound;
    case "AlreadyExists":
    case "FailedPrecondition":
    case "NotImplemented":
      return EXIT.precondition;
    case "PermissionDenied":
      return EXIT.permission;
    case "Unavailable":
    case "ResourceExhausted":
    case "DeadlineExceeded":
      return EXIT.unavailable;
    case "Canceled":
      return EXIT.interrupted;
    case "DataLoss":
    case "Internal":
      return EXIT.internal;
  }
}

export {
  EXIT,
  exitCodeFor
};
