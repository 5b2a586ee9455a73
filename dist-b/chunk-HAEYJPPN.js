import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/daemon/agent-types.ts
var CRASH_POINTS = ["pod-stored", "task-started", "container-started", "status-transition"];

export {
  CRASH_POINTS
};
