import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  loadManifests
} from "./chunk-GXFOKUN3.js";
import {
  err
} from "./chunk-WDHOOICP.js";
import {
  decodeConfigMap,
  decodeSecret,
  decodeWorkload,
  errorBody,
  findObjects,
  formatPath,
  isWorkloadKind
} from "./chunk-V2FUKUIU.js";
import {
  RuntimeError
} from "./chunk-4ZL3ZTLI.js";

// src/cli/commands/manifest-objects.ts
async function loadObjects(files, ctx) {
  const loaded = await loadManifests(files, { cwd: ctx.cwd, stdin: ctx.stdin });
  const lines = loaded.problems.map(
    (p) => `${p.position ? `${p.file}:${p.position.line}:${p.position.col}` : p.file}  error: ${p.message}`
  );
  const { objects, problems } = findObjects(loaded.documents);
  for (const p of problems) {
    const pos = p.doc.locate(p.error.path);
    lines.push(`${p.doc.file}:${pos.line}:${pos.col}  ${formatPath(p.error.path)}: ${errorBody(p.error)}`);
  }
  return { objects, lines };
}
function fieldErrorLine(o, e) {
  const pos = o.doc.locate([...o.objectPath, ...e.path]);
  return `${o.doc.file}:${pos.line}:${pos.col}  ${formatPath(e.path)}: ${errorBody(e)}`;
}
async function readManifestObjects(files, ctx, verb) {
  const { objects, lines } = await loadObjects(files, ctx);
  const entries = [];
  for (const o of objects) {
    const errors = o.kind === "ConfigMap" ? decodeConfigMap(o).errors : o.kind === "Secret" ? decodeSecret(o).errors : isWorkloadKind(o.kind) ? decodeWorkload(o).errors : [];
    for (const e of errors) lines.push(fieldErrorLine(o, e));
    entries.push({ kind: o.kind, name: o.name ?? "", namespace: o.namespace ?? "default", raw: o.raw });
  }
  if (lines.length > 0) {
    for (const l of lines) err(ctx, l);
    throw new RuntimeError(
      "InvalidArgument",
      `the manifests have ${lines.length} ${lines.length === 1 ? "error" : "errors"}; nothing was ${verb}`,
      { hint: "fix them (hostpod lint shows the same errors with warnings)" }
    );
  }
  if (entries.length === 0) {
    throw new RuntimeError("InvalidArgument", "the manifests hold no object", {
      hint: "give a file with a Pod, a workload (DaemonSet, Deployment, \u2026), a ConfigMap or a Secret"
    });
  }
  return entries;
}
function resourceOf(kind) {
  const groups = {
    DaemonSet: "apps",
    Deployment: "apps",
    ReplicaSet: "apps",
    StatefulSet: "apps",
    Job: "batch",
    CronJob: "batch"
  };
  const g = groups[kind];
  return g ? `${kind.toLowerCase()}.${g}` : kind.toLowerCase();
}

export {
  loadObjects,
  fieldErrorLine,
  readManifestObjects,
  resourceOf
};
