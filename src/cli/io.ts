import type { Writable } from 'node:stream';

/**
 * What a command may touch of the outside world. Only `cli/main.ts` builds the real one from
 * `process`; tests build their own, so commands never read `process.*` themselves.
 */
export interface CliContext {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Set by a command to the exit code the process should end with. */
  exitCode: number;
  /** This process's pid and uid (default: unknown; commands that need them say so). */
  pid?: number;
  uid?: number;
  /**
   * Subscribes to Ctrl-C / SIGTERM; returns the unsubscribe function. Absent in contexts that
   * cannot be interrupted.
   */
  onInterrupt?: (handler: (signal: string) => void) => () => void;
}

/** Writes a line to the context's stdout. */
export function out(ctx: CliContext, line: string): void {
  ctx.stdout.write(`${line}\n`);
}

/** Writes a line to the context's stderr. */
export function err(ctx: CliContext, line: string): void {
  ctx.stderr.write(`${line}\n`);
}
