import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  Option
} from "./chunk-QNVZHYAH.js";
import {
  RuntimeError
} from "./chunk-4ZL3ZTLI.js";

// src/cli/commands/daemon-common.ts
var SOCKET_HELP = "the daemon's API socket (default $HOSTPOD_SOCKET or /run/hostpod/hostpod.sock)";
function socketOption(cmd) {
  return cmd.option("--socket <path>", SOCKET_HELP);
}
function rootOption(what = "state root") {
  return new Option(
    "--root <dir>",
    `${what} (default: the daemon's when one runs, else $HOSTPOD_ROOT or /var/lib/hostpod)`
  );
}
function socketFlag() {
  return new Option("--socket <path>", SOCKET_HELP);
}
function namespaceOptions(cmd, all) {
  cmd.option("-n, --namespace <ns>", 'the namespace (default "default")');
  if (all) cmd.option("-A, --all-namespaces", "every namespace");
  return cmd;
}
function namespaceOf(flags) {
  if (flags.allNamespaces) {
    if (flags.namespace) throw new RuntimeError("InvalidArgument", "give -n or -A, not both");
    return void 0;
  }
  return flags.namespace ?? "default";
}
async function daemonClient(flags, ctx) {
  const { DaemonClient, resolveSocket } = await import("./client-E4WQ22YT.js");
  return new DaemonClient({ socketPath: resolveSocket(flags.socket, ctx.env) });
}
function interruptSignal(ctx) {
  const ac = new AbortController();
  const off = ctx.onInterrupt?.(() => ac.abort());
  return { signal: ac.signal, dispose: () => off?.() };
}
function outputOption(choices) {
  return new Option("-o, --output <format>", "output format").choices(choices);
}
function podNames(args, command) {
  const names = [];
  let typed = false;
  for (const [i, a] of args.entries()) {
    const slash = a.indexOf("/");
    if (slash > 0) {
      checkPodType(a.slice(0, slash), command);
      names.push(a.slice(slash + 1));
    } else if (i === 0 && ["pod", "pods", "po"].includes(a)) {
      typed = true;
    } else if (i === 0) {
      checkPodType(a, command);
    } else if (typed) {
      names.push(a);
    }
  }
  return names;
}
function checkPodType(type, command) {
  if (!["pod", "pods", "po"].includes(type)) {
    throw new RuntimeError("InvalidArgument", `hostpod ${command} knows pods only, not "${type}"`, {
      hint: `hostpod ${command} pods [NAME\u2026]`
    });
  }
}
async function daemonIfRunning(flags, ctx) {
  if (flags.root !== void 0 || ctx.env.HOSTPOD_ROOT) return void 0;
  const client = await daemonClient(flags, ctx);
  try {
    await client.version();
    return client;
  } catch (e) {
    if (flags.socket === void 0 && e instanceof RuntimeError && e.code === "Unavailable") return void 0;
    throw e;
  }
}

export {
  socketOption,
  rootOption,
  socketFlag,
  namespaceOptions,
  namespaceOf,
  daemonClient,
  interruptSignal,
  outputOption,
  podNames,
  daemonIfRunning
};
