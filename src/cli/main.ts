#!/usr/bin/env node
// The `hostpod` executable: the only place that reads process.argv/env and calls process.exit.
import { runCli } from './program.ts';

const ctx = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  exitCode: 0,
};
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  // A closed pipe (`hostpod lint … | head`) is not an error worth a stack trace.
  if (e.code === 'EPIPE') process.exit(0);
});
const code = await runCli(process.argv.slice(2), ctx);
process.exitCode = code;
