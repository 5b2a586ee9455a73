import { type ChildProcess, type IOType, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { RuntimeError } from '../../errors.ts';
import { readExit } from './exit-record.ts';
import { decodeLaunchSpec, encodeLaunchSpec } from './launch-spec.ts';
import { parseShimError, shimPath } from './shim.ts';
import type { TaskHandle } from './start-task.ts';

export interface ExecOptions {
  /** The command; `argv[0]` is an absolute path. */
  argv: readonly string[];
  /** The environment; default: the task's. */
  env?: readonly string[];
  /** The working directory; default: the task's. */
  cwd?: string;
  /** A pseudo-terminal for the process (the shim relays it to its own stdin/stdout). */
  tty?: boolean;
  /** Overrides where the shim binary is. */
  shim?: string;
}

/** How an exec'd process ended: its code, 128 + n when signal n killed it. */
export interface ExecResult {
  exitCode: number;
}

/**
 * Writes the spec of an exec into the task's directory: the task's job, user, environment,
 * working dir and (when it has one) mount namespace, with `options.argv`. Returns its path;
 * the caller removes it. Throws `InvalidArgument` for a bad command, `FailedPrecondition` when
 * the task's first process has exited.
 */
export async function writeExecSpec(
  task: Pick<TaskHandle, 'dir' | 'initPid'>,
  options: ExecOptions,
): Promise<string> {
  if ((await readExit(task.dir)) !== undefined) {
    throw new RuntimeError(
      'FailedPrecondition',
      `Cannot exec in the task in ${task.dir}: its first process has exited`,
      {
        hint: 'Exec works only while the container runs.',
      },
    );
  }
  const decoded = decodeLaunchSpec(await readFile(join(task.dir, 'spec')));
  const spec = {
    ...decoded.spec,
    argv: options.argv,
    env: options.env ?? decoded.spec.env,
    cwd: options.cwd ?? decoded.spec.cwd,
  };
  const data = encodeLaunchSpec(
    spec,
    { procsFiles: decoded.procsFiles, killFile: decoded.killFile },
    decoded.privateMounts ? task.initPid : undefined,
  );
  const path = join(task.dir, `exec-${randomBytes(6).toString('hex')}.spec`);
  await writeFile(path, data, { mode: 0o600 });
  return path;
}

/** The shim's command line for an exec spec written by `writeExecSpec`. */
export function execCommand(specPath: string, options: { tty?: boolean; shim?: string } = {}): string[] {
  return [shimPath(options.shim), 'exec', ...(options.tty ? ['--tty'] : []), '--status-fd', '3', specPath];
}

/** One of the exec's stdio: a spawn keyword or a file descriptor. */
export type ExecStdio = IOType | number;

/** A started exec: the shim process (its stdio as asked) and how it ends. */
export interface ExecProcess {
  child: ChildProcess;
  /** Resolves with the exit code; rejects `TaskStartError` when the process could not start. */
  result: Promise<ExecResult>;
}

/**
 * Runs one more process in the task's job, as a child of the caller, with `stdio` as given to
 * `child_process.spawn` (default: inherit). See `ExecProcess`.
 */
export async function spawnExec(
  task: Pick<TaskHandle, 'dir' | 'initPid'>,
  options: ExecOptions & { stdio?: [ExecStdio, ExecStdio, ExecStdio] },
): Promise<ExecProcess> {
  const specPath = await writeExecSpec(task, options);
  const [cmd, ...args] = execCommand(specPath, options) as [string, ...string[]];
  const stdio = options.stdio ?? ['inherit', 'inherit', 'inherit'];
  const child: ChildProcess = spawn(cmd, args, { stdio: [...stdio, 'pipe'] });
  const result = new Promise<ExecResult>((resolve, reject) => {
    let status = '';
    (child.stdio[3] as Readable).setEncoding('utf8').on('data', (s: string) => {
      status += s;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      void rm(specPath, { force: true });
      const err = parseShimError(status.split('\n')[0] ?? '', `exec of "${options.argv[0]}"`);
      if (err) return reject(err);
      if (!status.startsWith('ok ')) {
        return reject(
          new RuntimeError('Internal', `Cannot exec in the task: the shim ended with ${code ?? signal}`),
        );
      }
      resolve({ exitCode: code ?? 128 + (signal ? constants.signals[signal] : 0) });
    });
  });
  result.catch(() => {});
  return { child, result };
}

/**
 * Runs a command in the task and collects its output (ExecSync): `input` goes to its stdin.
 * Throws `TaskStartError` when it cannot start.
 */
export async function execInTask(
  task: Pick<TaskHandle, 'dir' | 'initPid'>,
  options: ExecOptions & { input?: string | Buffer },
): Promise<ExecResult & { stdout: Buffer; stderr: Buffer }> {
  const { child, result } = await spawnExec(task, { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  (child.stdout as Readable).on('data', (b: Buffer) => out.push(b));
  (child.stderr as Readable).on('data', (b: Buffer) => err.push(b));
  const stdin = child.stdin as Writable;
  stdin.on('error', () => {});
  stdin.end(options.input ?? '');
  const { exitCode } = await result;
  return { exitCode, stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
}
