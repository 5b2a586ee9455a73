/** Runs the CLI from source in a child process (so tests never use a stale build). */
import { type ChildProcess, type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

/** argv for `node --import tsx src/cli/main.ts ARGS`. */
export function cliArgv(args: readonly string[]): string[] {
  return ['--import', 'tsx', MAIN, ...args];
}

/** Runs the CLI to completion. */
export function runCliSync(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeout?: number } = {},
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, cliArgv(args), {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    timeout: options.timeout ?? 60_000,
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
}

/** Starts the CLI in the background; stdout/stderr collected on the returned object. */
export function startCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, cliArgv(args), {
    cwd: REPO,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  return Object.assign(child, { output: () => out });
}

/** Resolves once `predicate(output)` holds, or rejects after `timeoutMs`. */
export async function waitForOutput(
  child: { output: () => string },
  predicate: (out: string) => boolean,
  timeoutMs = 20_000,
): Promise<string> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const o = child.output();
    if (predicate(o)) return o;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting; output so far:\n${child.output()}`);
}
