import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  RuntimeError
} from "./chunk-4ZL3ZTLI.js";

// src/services/backoff.ts
var KUBELET_BACKOFF = {
  initialMs: 1e4,
  maxMs: 3e5,
  resetAfterMs: 6e5
};
function nextBackoff(policy, previousMs, ranMs) {
  if (previousMs === void 0 || ranMs >= policy.resetAfterMs) return policy.initialMs;
  return Math.min(previousMs * 2, policy.maxMs);
}
function formatDelay(ms) {
  if (ms < 1e3) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1e3);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return `${m}m${s % 60}s`;
}
function backoffMessage(delayMs, container, pod) {
  return `back-off ${formatDelay(delayMs)} restarting failed container=${container} pod=${pod}`;
}

// src/services/pod-events.ts
var DEFAULT_TIMING = { ...KUBELET_BACKOFF, probeSecondMs: 1e3 };
function parsePodTiming(text) {
  let v;
  try {
    v = JSON.parse(text);
  } catch {
    throw new RuntimeError("InvalidArgument", "the test timing is not JSON");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new RuntimeError("InvalidArgument", "the test timing must be a JSON object");
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    if (!(k in DEFAULT_TIMING))
      throw new RuntimeError("InvalidArgument", `unknown test timing key "${k}"`, {
        hint: `known keys: ${Object.keys(DEFAULT_TIMING).join(", ")}`
      });
    if (typeof x !== "number" || !Number.isFinite(x) || x < 0)
      throw new RuntimeError("InvalidArgument", `test timing "${k}" must be a number of 0 or more`);
    out[k] = x;
  }
  return out;
}

export {
  nextBackoff,
  backoffMessage,
  DEFAULT_TIMING,
  parsePodTiming
};
