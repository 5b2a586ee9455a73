import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  formatColumns
} from "./chunk-YHHYGPZI.js";
import {
  daemonClient,
  namespaceOf,
  namespaceOptions,
  podNames,
  socketOption
} from "./chunk-IGGLMBAQ.js";
import {
  out
} from "./chunk-WDHOOICP.js";
import "./chunk-QNVZHYAH.js";
import "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/cli/commands/top.ts
function cpuCell(millicores) {
  return millicores === void 0 ? "<unknown>" : `${Math.round(millicores)}m`;
}
function memoryCell(bytes) {
  return `${Math.floor(bytes / (1024 * 1024))}Mi`;
}
function formatTop(stats, options) {
  const ns = options.namespaces ? ["NAMESPACE"] : [];
  if (options.containers) {
    const rows2 = stats.map((s) => [
      ...options.namespaces ? [s.namespace] : [],
      s.pod,
      s.container,
      cpuCell(s.cpuMillicores),
      memoryCell(s.memoryWorkingSetBytes)
    ]);
    return formatColumns([...ns, "POD", "NAME", "CPU(cores)", "MEMORY(bytes)"], rows2);
  }
  const pods = /* @__PURE__ */ new Map();
  for (const s of stats) {
    const key = `${s.namespace}/${s.pod}`;
    const p = pods.get(key) ?? { namespace: s.namespace, pod: s.pod, cpu: 0, mem: 0 };
    p.cpu = p.cpu === void 0 || s.cpuMillicores === void 0 ? void 0 : p.cpu + s.cpuMillicores;
    p.mem += s.memoryWorkingSetBytes;
    pods.set(key, p);
  }
  const rows = [...pods.values()].map((p) => [
    ...options.namespaces ? [p.namespace] : [],
    p.pod,
    cpuCell(p.cpu),
    memoryCell(p.mem)
  ]);
  return formatColumns([...ns, "NAME", "CPU(cores)", "MEMORY(bytes)"], rows);
}
function registerTop(program, ctx) {
  const cmd = program.command("top").summary("show pods' CPU and memory use (kubectl top pods)").description(
    "CPU (millicores over the daemon's last sampling window) and memory (working set) of each\npod's running containers, from their jobs (cgroups). --containers shows each container.\n\nExit codes: 0 ok, 5 socket not accessible, 6 no daemon."
  ).argument("<type>", "pods (or pod, po)").argument("[names...]", "only these pods").option("--containers", "a row per container");
  namespaceOptions(cmd, true);
  socketOption(cmd);
  cmd.action(
    async (type, rest, flags) => {
      const names = new Set(podNames([type, ...rest], "top"));
      const namespace = namespaceOf(flags);
      const client = await daemonClient(flags, ctx);
      const stats = (await client.stats(namespace === void 0 ? {} : { namespace })).filter((s) => names.size === 0 || names.has(s.pod)).sort(
        (a, b) => a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod) || a.container.localeCompare(b.container)
      );
      if (stats.length === 0) {
        ctx.stderr.write(
          namespace === void 0 ? "No resources found\n" : `No resources found in ${namespace} namespace.
`
        );
        return;
      }
      const opts = {};
      if (flags.containers) opts.containers = true;
      if (flags.allNamespaces) opts.namespaces = true;
      for (const l of formatTop(stats, opts)) out(ctx, l);
    }
  );
}
export {
  cpuCell,
  formatTop,
  memoryCell,
  registerTop
};
