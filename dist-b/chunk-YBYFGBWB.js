import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  hostRuntimeDeps
} from "./chunk-A75RLU2C.js";
import {
  RuntimeError
} from "./chunk-4ZL3ZTLI.js";

// src/cli/foreground.ts
function requireRoot(ctx, what) {
  if (ctx.uid !== void 0 && ctx.uid !== 0) {
    throw new RuntimeError(
      "PermissionDenied",
      `${what} needs root: it creates cgroups, mount namespaces and users for the container`,
      {
        hint: "run it as root (sudo hostpod \u2026); hostpod lint and the image commands work without root"
      }
    );
  }
}
function foregroundDeps(ctx, options) {
  return hostRuntimeDeps({ ...options, pid: ctx.pid ?? 0 });
}

export {
  requireRoot,
  foregroundDeps
};
