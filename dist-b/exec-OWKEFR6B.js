import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  execArgv,
  findRunningContainer,
  openStateDb,
  spawnExec,
  stateDbPath,
  targetTask
} from "./chunk-ETMGP5UT.js";
import {
  requireRoot
} from "./chunk-YBYFGBWB.js";
import "./chunk-A75RLU2C.js";
import "./chunk-6VMJICQW.js";
import {
  daemonIfRunning,
  rootOption,
  socketFlag
} from "./chunk-IGGLMBAQ.js";
import {
  resolveStateRoot
} from "./chunk-6GZCWAFW.js";
import "./chunk-F7EMT5MI.js";
import "./chunk-3EFU52EX.js";
import "./chunk-AVR7YWR3.js";
import "./chunk-2TIRU24N.js";
import "./chunk-QNVZHYAH.js";
import "./chunk-HJSDXBBU.js";
import "./chunk-EWJ2BNDP.js";
import "./chunk-EY5AGAN5.js";
import "./chunk-4PE76O5T.js";
import {
  RuntimeError,
  isRuntimeError
} from "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/cli/commands/exec.ts
function registerExec(program, ctx) {
  program.command("exec").summary("run a command in a running container").description(
    "Run COMMAND in a running container of POD: it joins the container's job (cgroup), user, environment,\nworking directory and mount namespace. %CONTAINER_SANDBOX_MOUNT_POINT% and\n$env:CONTAINER_SANDBOX_MOUNT_POINT in the command are replaced. With -t the command gets a terminal\n(which the Windows reference runtime cannot do); without -t it never gets yours: a terminal on\nstdin/stdout/stderr is relayed through pipes. The exit code is the command's (128+n for signal n)."
  ).argument("<pod>", "pod name").argument("<command...>", "the command and its arguments (put -- before it)").option("-c, --container <name>", "container name (default: the first regular container)").option("-n, --namespace <ns>", "pod namespace", "default").option("-i, --interactive", "keep stdin open (always on; accepted for kubectl habits)").option("-t, --tty", "allocate a terminal").addOption(rootOption("state root of a hostpod run's pods")).addOption(socketFlag()).action(async (pod, command, opts) => {
    requireRoot(ctx, "hostpod exec");
    const target = await daemonTarget(ctx, opts, pod) ?? await localTarget(resolveStateRoot(opts.root, ctx), pod, opts.container, opts.namespace);
    const argv = await execArgv(target, target.container, command);
    const task = await targetTask(target);
    const off = ctx.onInterrupt?.(() => {
    });
    try {
      const { result } = await spawnExec(task, { argv, ...opts.tty ? { tty: true } : {} });
      ctx.exitCode = (await result).exitCode;
    } finally {
      off?.();
    }
  });
}
async function localTarget(root, pod, container, namespace) {
  let db;
  try {
    db = openStateDb(stateDbPath(root), { readonly: true });
  } catch (e) {
    if (!isRuntimeError(e, "NotFound")) throw e;
    throw new RuntimeError("NotFound", `Pod "${pod}" not found in namespace "${namespace}"`, {
      hint: `no pod ran under the state root ${root}; start it with hostpod run (or name its --root)`
    });
  }
  try {
    return await findRunningContainer(db, root, pod, container, namespace);
  } finally {
    db.close();
  }
}
async function daemonTarget(ctx, opts, pod) {
  const client = await daemonIfRunning(opts, ctx);
  if (!client) return void 0;
  try {
    return await client.execTarget(opts.namespace, pod, opts.container);
  } catch (e) {
    if (isRuntimeError(e, "NotFound")) return void 0;
    throw e;
  }
}
export {
  registerExec
};
