import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  formatColumns
} from "./chunk-YHHYGPZI.js";

// src/cli/commands/pod-print.ts
function humanDuration(ms) {
  const seconds = Math.floor(ms / 1e3);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${years}y`;
}
function age(iso, now) {
  if (!iso) return "<unknown>";
  const t = Date.parse(iso);
  return Number.isNaN(t) ? "<unknown>" : humanDuration(now.getTime() - t);
}
function specContainerCount(p) {
  const spec = p.manifest.spec;
  return Array.isArray(spec?.containers) ? spec.containers.length : p.status?.containerStatuses.length ?? 0;
}
function specInitCount(p) {
  const spec = p.manifest.spec;
  return Array.isArray(spec?.initContainers) ? spec.initContainers.length : p.status?.initContainerStatuses.length ?? 0;
}
function terminatedReason(t, prefix) {
  if (t.reason) return `${prefix}${t.reason}`;
  return t.signal ? `${prefix}Signal:${t.signal}` : `${prefix}ExitCode:${t.exitCode}`;
}
function podColumns(p, now) {
  const status = p.status;
  let reason = p.phase;
  let restarts = 0;
  let lastRestart = 0;
  let ready = 0;
  const noteRestart = (c) => {
    restarts += c.restartCount;
    if ("terminated" in c.lastState) {
      const t = Date.parse(c.lastState.terminated.finishedAt);
      if (!Number.isNaN(t) && t > lastRestart) lastRestart = t;
    }
  };
  let initializing = false;
  const inits = status?.initContainerStatuses ?? [];
  for (const [i, c] of inits.entries()) {
    noteRestart(c);
    const s = c.state;
    if ("terminated" in s && s.terminated.exitCode === 0) continue;
    if ("terminated" in s) reason = terminatedReason(s.terminated, "Init:");
    else if ("waiting" in s && s.waiting.reason && s.waiting.reason !== "PodInitializing")
      reason = `Init:${s.waiting.reason}`;
    else reason = `Init:${i}/${specInitCount(p)}`;
    initializing = true;
    break;
  }
  const initialized = status?.conditions.some((c) => c.type === "Initialized" && c.status === "True") ?? false;
  if (!initializing || initialized) {
    restarts = 0;
    lastRestart = 0;
    let hasRunning = false;
    const cs = status?.containerStatuses ?? [];
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i];
      noteRestart(c);
      const s = c.state;
      if ("waiting" in s && s.waiting.reason) reason = s.waiting.reason;
      else if ("terminated" in s) reason = terminatedReason(s.terminated, "");
      else if (c.ready && "running" in s) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      reason = status?.conditions.some((c) => c.type === "Ready" && c.status === "True") ? "Running" : "NotReady";
    }
  }
  if (p.deletedAt && p.phase !== "Succeeded" && p.phase !== "Failed") reason = "Terminating";
  const restartText = restarts !== 0 && lastRestart > 0 ? `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)` : String(restarts);
  return { ready: `${ready}/${specContainerCount(p)}`, status: reason, restarts: restartText };
}
function podHeader(o) {
  return [
    ...o.namespaces ? ["NAMESPACE"] : [],
    "NAME",
    "READY",
    "STATUS",
    "RESTARTS",
    "AGE",
    ...o.wide ? ["NODE", "SOURCE"] : []
  ];
}
function podRow(p, o, now) {
  const c = podColumns(p, now);
  const source = p.source.kind === "static" ? `static:${p.source.path}` : "apply";
  return [
    ...o.namespaces ? [p.namespace] : [],
    p.name,
    c.ready,
    c.status,
    c.restarts,
    age(p.createdAt, now),
    ...o.wide ? [o.wide.node, source] : []
  ];
}
function formatPodTable(pods, o, now) {
  return formatColumns(
    podHeader(o),
    pods.map((p) => podRow(p, o, now)),
    o.noHeader
  );
}
function toKubePod(p) {
  const m = p.manifest;
  const meta = m.metadata && typeof m.metadata === "object" ? m.metadata : {};
  const metadata = {
    ...meta,
    name: p.name,
    namespace: p.namespace,
    uid: p.uid,
    generation: p.generation,
    creationTimestamp: p.createdAt
  };
  if (p.deletedAt) metadata.deletionTimestamp = p.deletedAt;
  if (p.source.kind === "static") {
    metadata.annotations = {
      ...meta.annotations ?? {},
      "kubernetes.io/config.source": "file",
      "hostpod.io/config.path": p.source.path
    };
  }
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata,
    spec: m.spec ?? {},
    status: p.status ? { ...p.status, phase: p.phase } : { phase: p.phase }
  };
}
function toKubeList(pods) {
  return { apiVersion: "v1", kind: "List", items: pods.map(toKubePod), metadata: { resourceVersion: "" } };
}

export {
  age,
  podColumns,
  formatPodTable,
  toKubePod,
  toKubeList
};
