#!/usr/bin/env node
import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  runCli
} from "./chunk-BVOMBKK5.js";
import "./chunk-XR4JUFQJ.js";
import "./chunk-2FNJJ65N.js";
import "./chunk-Q3JZVMAS.js";
import "./chunk-WDHOOICP.js";
import "./chunk-QNVZHYAH.js";
import "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/cli/main.ts
var ctx = {
  stdout: process.stdout,
  stderr: process.stderr,
  // A getter: creating process.stdin costs milliseconds, and most commands never read it.
  get stdin() {
    return process.stdin;
  },
  env: process.env,
  cwd: process.cwd(),
  exitCode: 0,
  pid: process.pid,
  uid: process.getuid?.() ?? 0,
  onInterrupt: (handler) => {
    const on = (sig) => handler(sig);
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
    process.on("SIGHUP", on);
    return () => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      process.off("SIGHUP", on);
    };
  }
};
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(0);
});
var code = await runCli(process.argv.slice(2), ctx);
process.exitCode = code;
