import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/errors.ts
var ERROR_CODES = [
  "InvalidArgument",
  "NotFound",
  "AlreadyExists",
  "FailedPrecondition",
  "Unavailable",
  "ResourceExhausted",
  "PermissionDenied",
  "NotImplemented",
  "DataLoss",
  "Canceled",
  "DeadlineExceeded",
  "Internal"
];
var RuntimeError = class extends Error {
  code;
  hint;
  details;
  constructor(code, message, options = {}) {
    super(message, options.cause === void 0 ? void 0 : { cause: options.cause });
    this.name = "RuntimeError";
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }
};
function isRuntimeError(err, code) {
  return err instanceof RuntimeError && (code === void 0 || err.code === code);
}
function errnoCode(err) {
  if (typeof err === "object" && err !== null && "code" in err) {
    const c = err.code;
    return typeof c === "string" ? c : void 0;
  }
  return void 0;
}
function describeError(err) {
  if (err instanceof Error) return err.message;
  return String(err);
}

export {
  ERROR_CODES,
  RuntimeError,
  isRuntimeError,
  errnoCode,
  describeError
};
