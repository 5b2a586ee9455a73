import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  readManifestObjects,
  resourceOf
} from "./chunk-26WOM5FZ.js";
import {
  daemonClient,
  socketOption
} from "./chunk-IGGLMBAQ.js";
import "./chunk-GXFOKUN3.js";
import "./chunk-TUMEQKHW.js";
import {
  err,
  out
} from "./chunk-WDHOOICP.js";
import "./chunk-QNVZHYAH.js";
import "./chunk-V2FUKUIU.js";
import "./chunk-EZCFANLO.js";
import "./chunk-HJSDXBBU.js";
import "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/cli/commands/apply.ts
var collect = (v, prev) => [...prev, v];
function registerApply(program, ctx) {
  const cmd = program.command("apply").summary("create or update pods on the daemon from manifests (kubectl apply)").description(
    "Read manifests (files, directories, - for stdin), validate them here as hostpod lint does,\nthen hand them to the daemon, which runs every Pod and the pod template of every workload\n(DaemonSet, Deployment, \u2026) once on this node, and keeps ConfigMaps and Secrets for their\nvolumes and env. Applying again is idempotent; a changed spec replaces the pod.\nPrints pod/NAME created|configured|unchanged per object.\n\nExit codes: 0 ok, 2 invalid manifests, 4 the daemon refused (node selection, \u2026),\n5 socket not accessible, 6 no daemon."
  ).requiredOption("-f, --filename <file>", "manifest file, directory or - (repeatable)", collect, []).option("--dry-run", "validate on the daemon and print what would change; change nothing");
  socketOption(cmd);
  cmd.action(async (flags) => {
    const entries = await readManifestObjects(flags.filename, ctx, "applied");
    const client = await daemonClient(flags, ctx);
    const r = await client.apply({
      objects: entries.map((e) => e.raw),
      ...flags.dryRun ? { dryRun: true } : {}
    });
    for (const w of r.warnings) err(ctx, `Warning: ${w}`);
    for (const x of r.results)
      out(ctx, `${resourceOf(x.kind)}/${x.name} ${x.change}${flags.dryRun ? " (server dry run)" : ""}`);
    for (const s of r.skipped) err(ctx, `Warning: ${resourceOf(s.kind)}/${s.name} skipped: ${s.reason}`);
  });
}
export {
  registerApply
};
