#!/usr/bin/env node
// The `hostpod` executable: the only place that reads process.argv/env and calls process.exit.
import { runCli } from './program.ts';

const ctx = {
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
  onInterrupt: (handler: (signal: string) => void) => {
    const on = (sig: NodeJS.Signals) => handler(sig);
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
    process.on('SIGHUP', on);
    return () => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      process.off('SIGHUP', on);
    };
  },
};
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  // A closed pipe (`hostpod lint … | head`) is not an error worth a stack trace.
  if (e.code === 'EPIPE') process.exit(0);
});
// On Windows the state database is node:sqlite, which Node 22 calls experimental on first use:
// that notice is not for hostpod's users. Every other warning is printed as Node prints it.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name === 'ExperimentalWarning' && /SQLite/i.test(w.message)) return;
  process.stderr.write(`(node:${process.pid}) ${w.name}: ${w.message}\n`);
});
const code = await runCli(process.argv.slice(2), ctx);
process.exitCode = code;
