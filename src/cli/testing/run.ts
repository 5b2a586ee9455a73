/** Runs the CLI in-process with captured output, for tests. */
import { PassThrough, Readable } from 'node:stream';
import type { CliContext } from '../io.ts';
import { runCli } from '../program.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCliCaptured(
  argv: string[],
  options: { cwd?: string; stdin?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const outChunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => outChunks.push(c));
  stderr.on('data', (c: Buffer) => errChunks.push(c));
  const ctx: CliContext = {
    stdout,
    stderr,
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    exitCode: 0,
  };
  const code = await runCli(argv, ctx);
  return { code, stdout: Buffer.concat(outChunks).toString(), stderr: Buffer.concat(errChunks).toString() };
}
