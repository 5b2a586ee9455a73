import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  loadCommands
} from "./chunk-XR4JUFQJ.js";
import {
  VERSION
} from "./chunk-2FNJJ65N.js";
import {
  EXIT,
  exitCodeFor
} from "./chunk-Q3JZVMAS.js";
import {
  err
} from "./chunk-WDHOOICP.js";
import {
  Command,
  CommanderError
} from "./chunk-QNVZHYAH.js";
import {
  RuntimeError,
  describeError
} from "./chunk-4ZL3ZTLI.js";

// src/cli/program.ts
function buildProgram(ctx, commands) {
  const program = new Command("hostpod").description(
    "Run Kubernetes HostProcess pods on a Linux host: same pod spec, validation and behaviour as the Windows reference runtime (containerd + hcsshim job containers)."
  ).version(VERSION, "-V, --version", "print the version and exit").helpOption("-h, --help", "show help for a command").showHelpAfterError("(run with --help for usage)").configureOutput({
    writeOut: (s) => ctx.stdout.write(s),
    writeErr: (s) => ctx.stderr.write(s)
  }).exitOverride();
  program.addHelpText(
    "after",
    "\nExit codes: 0 ok, 1 failure found (lint errors, pod failed), 2 bad input, 3 not found,\n4 precondition, 5 permission, 6 unavailable, 7 internal, 130 interrupted. See docs/cli.md."
  );
  for (const register of commands) register(program, ctx);
  return program;
}
async function runCli(argv, ctx) {
  try {
    const program = buildProgram(ctx, await loadCommands(argv));
    await program.parseAsync([...argv], { from: "user" });
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") {
        return EXIT.ok;
      }
      return EXIT.usage;
    }
    if (e instanceof RuntimeError) {
      err(ctx, `hostpod: ${e.message}`);
      if (e.hint) err(ctx, `hint: ${e.hint}`);
      return exitCodeFor(e.code);
    }
    err(ctx, `hostpod: internal error: ${describeError(e)}`);
    if (ctx.env.HOSTPOD_DEBUG && e instanceof Error && e.stack) err(ctx, e.stack);
    else err(ctx, "hint: this is a bug in hostpod; run again with HOSTPOD_DEBUG=1 for details and report it");
    return EXIT.internal;
  }
}

export {
  buildProgram,
  runCli
};
