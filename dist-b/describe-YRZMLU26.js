import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  describePod
} from "./chunk-VZY6PFTW.js";
import "./chunk-EYUEIJFC.js";
import "./chunk-YHHYGPZI.js";
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

// src/cli/commands/describe.ts
function registerDescribe(program, ctx) {
  const cmd = program.command("describe").summary("show a pod in detail: containers, conditions, volumes, events (kubectl describe)").description(
    "Show pods in kubectl describe's layout: name, namespace, node, start time, labels, status,\neach container (state, last state, ready, restart count, image), conditions, volumes and the\npod's events. Without a name: every pod of the namespace.\n\nExit codes: 0 ok, 3 no such pod, 5 socket not accessible, 6 no daemon."
  ).argument("<type>", "pod (or pods, po, pod/NAME)").argument("[names...]", "pod names");
  namespaceOptions(cmd, false);
  socketOption(cmd);
  cmd.action(async (type, rest, flags) => {
    const names = podNames([type, ...rest], "describe");
    const namespace = namespaceOf(flags) ?? "default";
    const client = await daemonClient(flags, ctx);
    const node = (await client.version()).node.name;
    const pods = names.length > 0 ? await Promise.all(names.map((n) => client.getPod(namespace, n))) : await client.listPods({ namespace });
    const now = /* @__PURE__ */ new Date();
    for (const [i, p] of pods.entries()) {
      const events = (await client.listEvents({ namespace: p.namespace, pod: p.name })).filter(
        (e) => !e.pod?.uid || e.pod.uid === p.uid
      );
      if (i > 0) out(ctx, "");
      for (const l of describePod(p, events, node, now)) out(ctx, l);
    }
  });
}
export {
  registerDescribe
};
