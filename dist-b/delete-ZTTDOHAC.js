import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  daemonClient,
  namespaceOf,
  namespaceOptions,
  podNames,
  socketOption
} from "./chunk-IGGLMBAQ.js";
import {
  exitCodeFor
} from "./chunk-Q3JZVMAS.js";
import {
  err,
  out
} from "./chunk-WDHOOICP.js";
import "./chunk-QNVZHYAH.js";
import {
  RuntimeError,
  isRuntimeError
} from "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/cli/commands/delete.ts
var collect = (v, prev) => [...prev, v];
function parseBool(v) {
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new RuntimeError("InvalidArgument", `--wait="${v}" is not true or false`);
}
async function podsOfManifests(files, ctx, node) {
  const { readManifestObjects, resourceOf } = await import("./manifest-objects-MQDERRUK.js");
  const entries = await readManifestObjects(files, ctx, "deleted");
  const { isWorkloadKind } = await import("./objects-RVCKRS2K.js");
  const pods = [];
  for (const e of entries) {
    if (e.kind === "Pod") pods.push({ namespace: e.namespace, name: e.name });
    else if (isWorkloadKind(e.kind)) {
      const { templatePodName } = await import("./names-SSBDOC6Y.js");
      pods.push({ namespace: e.namespace, name: templatePodName(e.name, await node()) });
    } else err(ctx, `Warning: ${resourceOf(e.kind)}/${e.name} skipped: hostpod deletes pods only`);
  }
  return pods;
}
function registerDelete(program, ctx) {
  const cmd = program.command("delete").summary("stop and remove pods (kubectl delete)").description(
    "Stop pods gracefully (preStop, SIGTERM, SIGKILL after the grace period: the pod's\nterminationGracePeriodSeconds or --grace-period) and remove them; --force kills at once.\nWaits until they are gone unless --wait=false. -f deletes the pods a manifest set made.\nA static pod cannot be deleted: remove its file from the manifest directory.\n\nExit codes: 0 ok, 2 bad input, 3 no such pod, 4 a static pod, 5 socket not accessible, 6 no daemon."
  ).argument("[args...]", "pod NAME\u2026 or pod/NAME\u2026").option("-f, --filename <file>", "delete the pods of these manifests (repeatable)", collect, []).option("--grace-period <seconds>", "seconds to wait after SIGTERM (default: the pod's own)").option("--force", "kill the containers at once (SIGKILL), without a grace period").option("--wait [bool]", "wait until the pods are gone (--wait=false returns at once)", parseBool, true).option("--ignore-not-found", "treat a pod that does not exist as deleted");
  namespaceOptions(cmd, false);
  socketOption(cmd);
  cmd.action(async (args, flags) => {
    const options = {};
    if (flags.gracePeriod !== void 0 && flags.gracePeriod !== "-1") {
      if (!/^\d+$/.test(flags.gracePeriod))
        throw new RuntimeError(
          "InvalidArgument",
          `--grace-period "${flags.gracePeriod}" is not a number of seconds`
        );
      options.gracePeriodSeconds = Number(flags.gracePeriod);
    }
    if (flags.force) options.force = true;
    if (flags.wait === false) options.wait = false;
    const client = await daemonClient(flags, ctx);
    let targets;
    if (flags.filename.length > 0) {
      if (args.length > 0) throw new RuntimeError("InvalidArgument", "give pod names or -f, not both");
      targets = await podsOfManifests(flags.filename, ctx, async () => (await client.version()).node.name);
    } else {
      const namespace = namespaceOf(flags) ?? "default";
      const names = args.length > 0 ? podNames(args, "delete") : [];
      if (names.length === 0)
        throw new RuntimeError("InvalidArgument", "name the pods to delete, or give -f", {
          hint: "hostpod delete pod NAME\u2026 (or -f FILE)"
        });
      targets = names.map((name) => ({ namespace, name }));
    }
    let failed;
    for (const t of targets) {
      try {
        await client.deletePod(t.namespace, t.name, options);
        out(ctx, `pod "${t.name}" deleted`);
      } catch (e) {
        if (flags.ignoreNotFound && isRuntimeError(e, "NotFound")) continue;
        if (!isRuntimeError(e) || targets.length === 1) throw e;
        err(ctx, `hostpod: ${e.message}`);
        if (e.hint) err(ctx, `hint: ${e.hint}`);
        failed ??= exitCodeFor(e.code);
      }
    }
    if (failed !== void 0) ctx.exitCode = failed;
  });
}
export {
  registerDelete
};
