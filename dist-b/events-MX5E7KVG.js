import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  eventAge
} from "./chunk-VZY6PFTW.js";
import "./chunk-EYUEIJFC.js";
import {
  formatColumns
} from "./chunk-YHHYGPZI.js";
import {
  daemonClient,
  interruptSignal,
  namespaceOf,
  namespaceOptions,
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

// src/cli/commands/events.ts
function formatEvents(events, options, now) {
  const header = [
    ...options.namespaces ? ["NAMESPACE"] : [],
    "LAST SEEN",
    "TYPE",
    "REASON",
    "OBJECT",
    "MESSAGE"
  ];
  const rows = events.map((e) => [
    ...options.namespaces ? [e.pod?.namespace ?? ""] : [],
    eventAge(e, now),
    e.type,
    e.reason,
    e.pod ? `pod/${e.pod.name}` : `node/${options.node}`,
    e.message
  ]);
  return formatColumns(header, rows, options.noHeader);
}
function registerEvents(program, ctx) {
  const cmd = program.command("events").summary("list events (kubectl events)").description(
    'List the events of a namespace (-n, default "default"), of all (-A), or of one pod\n(--for pod/NAME), oldest first: LAST SEEN TYPE REASON OBJECT MESSAGE. -w prints new events\nuntil Ctrl-C.\n\nExit codes: 0 ok, 2 bad flags, 5 socket not accessible, 6 no daemon.'
  ).option("--for <object>", "only the events of this object (pod/NAME)").option("-w, --watch", "after listing, print each new event until Ctrl-C");
  namespaceOptions(cmd, true);
  socketOption(cmd);
  cmd.action(async (flags) => {
    const namespace = namespaceOf(flags);
    const filter = namespace === void 0 ? {} : { namespace };
    if (flags.for !== void 0) {
      const m = /^(?:pod|pods|po)\/(.+)$/.exec(flags.for);
      if (!m)
        throw new RuntimeError("InvalidArgument", `--for "${flags.for}" is not pod/NAME`, {
          hint: "hostpod keeps events of pods (and of the node, shown without --for)"
        });
      filter.pod = m[1];
    }
    const client = await daemonClient(flags, ctx);
    let nodeName;
    const node = async (events) => {
      if (nodeName === void 0 && events.some((e) => !e.pod)) nodeName = (await client.version()).node.name;
      return nodeName ?? "";
    };
    const table = (events, n, noHeader) => {
      const o = { node: n, noHeader };
      if (flags.allNamespaces) o.namespaces = true;
      return formatEvents(events, o, /* @__PURE__ */ new Date());
    };
    const listed = await client.listEvents(filter);
    if (listed.length === 0 && !flags.watch) {
      ctx.stderr.write(
        namespace === void 0 ? "No events found.\n" : `No events found in ${namespace} namespace.
`
      );
      return;
    }
    if (listed.length > 0) for (const l of table(listed, await node(listed), false)) out(ctx, l);
    if (!flags.watch) return;
    const { signal, dispose } = interruptSignal(ctx);
    let header = listed.length === 0;
    try {
      const after = listed.at(-1)?.id;
      for await (const e of client.watchEvents(after === void 0 ? filter : { ...filter, after }, signal)) {
        for (const l of table([e], await node([e]), !header)) out(ctx, l);
        header = false;
      }
    } finally {
      dispose();
    }
  });
}
export {
  formatEvents,
  registerEvents
};
