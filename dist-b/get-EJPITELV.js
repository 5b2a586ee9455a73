import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  formatPodTable,
  toKubeList,
  toKubePod
} from "./chunk-EYUEIJFC.js";
import "./chunk-YHHYGPZI.js";
import {
  daemonClient,
  interruptSignal,
  namespaceOf,
  namespaceOptions,
  outputOption,
  podNames,
  socketOption
} from "./chunk-IGGLMBAQ.js";
import {
  out
} from "./chunk-WDHOOICP.js";
import "./chunk-QNVZHYAH.js";
import {
  RuntimeError
} from "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/cli/commands/get.ts
async function renderPods(pods, format, table, single, now) {
  switch (format) {
    case "name":
      return pods.map((p) => `pod/${p.name}`);
    case "json":
      return [JSON.stringify(single && pods[0] ? toKubePod(pods[0]) : toKubeList(pods), null, 4)];
    case "yaml": {
      const { stringify } = await import("./dist-ILCDJBJU.js");
      return [stringify(single && pods[0] ? toKubePod(pods[0]) : toKubeList(pods)).trimEnd()];
    }
    default:
      return formatPodTable(pods, table, now);
  }
}
function registerGet(program, ctx) {
  const cmd = program.command("get").summary("list pods the daemon runs (kubectl get pods)").description(
    `List the pods of a namespace (-n, default "default") or of all (-A), or the pods named, with
kubectl's columns: NAME READY STATUS RESTARTS AGE (-o wide adds NODE and SOURCE: apply or the
static pod file). -o json|yaml prints Kubernetes Pod objects (a List without a name), -o name
pod/NAME lines. -w prints a row for every change until Ctrl-C.

Exit codes: 0 ok, 2 bad flags, 3 a named pod does not exist, 5 socket not accessible, 6 no daemon.`
  ).argument("<type>", "pods (or pod, po, pod/NAME)").argument("[names...]", "pod names").addOption(outputOption(["wide", "json", "yaml", "name"])).option("-w, --watch", "after listing, print each change until Ctrl-C");
  namespaceOptions(cmd, true);
  socketOption(cmd);
  cmd.action(async (type, rest, flags) => {
    const names = podNames([type, ...rest], "get");
    if (names.length > 0 && flags.allNamespaces)
      throw new RuntimeError("InvalidArgument", "a pod cannot be named across all namespaces (-A)", {
        hint: "give its namespace with -n"
      });
    const namespace = namespaceOf(flags);
    const client = await daemonClient(flags, ctx);
    const table = {};
    if (flags.allNamespaces) table.namespaces = true;
    if (flags.output === "wide") table.wide = { node: (await client.version()).node.name };
    let pods;
    if (names.length > 0) {
      const ns = namespace ?? "default";
      pods = await Promise.all(names.map((n) => client.getPod(ns, n)));
    } else {
      pods = await client.listPods(namespace === void 0 ? {} : { namespace });
      pods.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    }
    const single = names.length === 1;
    if (!flags.watch) {
      if (pods.length === 0 && (flags.output === void 0 || flags.output === "wide")) {
        ctx.stderr.write(
          namespace === void 0 ? "No resources found\n" : `No resources found in ${namespace} namespace.
`
        );
        return;
      }
      for (const l of await renderPods(pods, flags.output, table, single, /* @__PURE__ */ new Date())) out(ctx, l);
      return;
    }
    const { signal, dispose } = interruptSignal(ctx);
    try {
      const wanted = new Set(names);
      let first = true;
      for await (const e of client.watchPods(namespace === void 0 ? {} : { namespace }, signal)) {
        if (wanted.size > 0 && !wanted.has(e.object.name)) continue;
        const lines = await renderPods(
          [e.object],
          flags.output,
          { ...table, noHeader: !first },
          true,
          /* @__PURE__ */ new Date()
        );
        if (flags.output === void 0 || flags.output === "wide") first = false;
        for (const l of lines) out(ctx, l);
      }
    } finally {
      dispose();
    }
  });
}
export {
  registerGet,
  renderPods
};
