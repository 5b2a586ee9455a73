import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  daemonClient,
  interruptSignal,
  namespaceOf,
  namespaceOptions,
  socketOption
} from "./chunk-IGGLMBAQ.js";
import "./chunk-QNVZHYAH.js";
import {
  RuntimeError
} from "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/cli/commands/logs.ts
function parseGoDuration(text) {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const unit = { ns: 1e-9, us: 1e-6, \u00B5s: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * unit[m[2]];
    matched = re.lastIndex;
  }
  if (text === "" || matched !== text.length || total <= 0) {
    throw new RuntimeError("InvalidArgument", `--since "${text}" is not a duration`, {
      hint: "give a duration such as 30s, 5m or 1h30m"
    });
  }
  return Math.ceil(total);
}
function logQueryOf(flags) {
  const q = {};
  if (flags.container) q.container = flags.container;
  if (flags.follow) q.follow = true;
  if (flags.previous) q.previous = true;
  if (flags.timestamps) q.timestamps = true;
  if (flags.tail !== void 0 && flags.tail !== "-1") {
    if (!/^\d+$/.test(flags.tail))
      throw new RuntimeError("InvalidArgument", `--tail "${flags.tail}" is not a line count`);
    q.tailLines = Number(flags.tail);
  }
  if (flags.since !== void 0 && flags.sinceTime !== void 0)
    throw new RuntimeError("InvalidArgument", "give at most one of --since and --since-time");
  if (flags.since !== void 0) q.sinceSeconds = parseGoDuration(flags.since);
  if (flags.sinceTime !== void 0) q.sinceTime = flags.sinceTime;
  return q;
}
function registerLogs(program, ctx) {
  const cmd = program.command("logs").summary("print a container's log (kubectl logs)").description(
    "Print the log of a pod's container (-c; default the pod's first container) from the daemon.\n-f follows it until the container ends or Ctrl-C; -p shows the previous run (after a restart).\n\nExit codes: 0 ok (also after Ctrl-C with -f), 2 bad flags, 3 no such pod, container or\nprevious run, 5 socket not accessible, 6 no daemon."
  ).argument("<pod>", "pod name (or pod/NAME)").option("-c, --container <name>", "the container").option("-f, --follow", "keep printing new lines").option("-p, --previous", "the previous run's log").option("--tail <lines>", "only the last N lines (-1: all)", "-1").option("--since <duration>", "only lines newer than this (5s, 2m, 3h)").option("--since-time <time>", "only lines after this RFC 3339 time").option("--timestamps", "prefix each line with its time");
  namespaceOptions(cmd, false);
  socketOption(cmd);
  cmd.action(async (pod, flags) => {
    const name = pod.startsWith("pod/") ? pod.slice(4) : pod.startsWith("pods/") ? pod.slice(5) : pod;
    const query = logQueryOf(flags);
    const namespace = namespaceOf(flags) ?? "default";
    const client = await daemonClient(flags, ctx);
    const { signal, dispose } = interruptSignal(ctx);
    try {
      for await (const chunk of client.logs(namespace, name, query, signal)) {
        if (!ctx.stdout.write(chunk)) await new Promise((r) => ctx.stdout.once("drain", r));
      }
    } finally {
      dispose();
    }
  });
}
export {
  logQueryOf,
  parseGoDuration,
  registerLogs
};
