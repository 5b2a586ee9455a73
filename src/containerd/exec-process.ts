import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, constants as fsc, openSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import type { Readable } from 'node:stream';
import { RuntimeError } from '../errors.ts';
import { execCommand, writeExecSpec } from '../runtime/task/exec-task.ts';
import { parseShimError } from '../runtime/task/shim.ts';
import { nowTimestamp, type Timestamp } from './protos.ts';

export interface Stdio {
  stdin: string;
  stdout: string;
  stderr: string;
}

/**
 * Opens containerd's stdio paths for a child: output FIFOs read-write (the open never blocks,
 * and the pipe keeps a reader), files for append; the input FIFO read-only without waiting for
 * a writer (`hostpod-shim exec` makes it blocking again for the program). "" → /dev/null. The
 * caller closes the fds once the child has them.
 */
export function openStdio(stdio: Stdio): [number, number, number] {
  const fds: number[] = [];
  try {
    fds.push(
      stdio.stdin === '' ? openSync('/dev/null', 'r') : openSync(stdio.stdin, fsc.O_RDONLY | fsc.O_NONBLOCK),
    );
    for (const path of [stdio.stdout, stdio.stderr]) {
      if (path === '') fds.push(openSync('/dev/null', 'w'));
      else if (path === stdio.stdout && fds.length === 2) fds.push(fds[1] as number);
      else fds.push(openSync(path.replace(/^file:\/\//, ''), path.startsWith('file://') ? 'a' : fsc.O_RDWR));
    }
    return fds as [number, number, number];
  } catch (err) {
    closeFds(fds);
    throw err;
  }
}

export function closeFds(fds: readonly number[]): void {
  for (const fd of new Set(fds)) {
    try {
      closeSync(fd);
    } catch {}
  }
}

/** One exec'd process of a task (`ctr task exec`, CRI Exec/ExecSync). */
export class ExecProcess {
  pid = 0;
  status: 'created' | 'running' | 'stopped' = 'created';
  exitStatus = 0;
  exitedAt: Timestamp | undefined;
  /** Resolves once it has exited (or will never start). */
  readonly done: Promise<void>;
  private resolveDone: () => void = () => {};
  private child: ChildProcess | undefined;

  constructor(
    readonly id: string,
    readonly stdio: Stdio,
    readonly terminal: boolean,
    private readonly cmd: { argv: string[]; env: string[]; cwd: string },
  ) {
    this.done = new Promise((r) => {
      this.resolveDone = r;
    });
  }

  /**
   * Starts it in the task's job, mount namespace and user (`hostpod-shim exec`, a child of this
   * server, with a pty when `terminal`); resolves with its pid. Throws TaskStartError naming
   * the failed step.
   */
  async start(task: { dir: string; initPid: number }, onExit: (p: ExecProcess) => void): Promise<number> {
    const specPath = await writeExecSpec(task, { ...this.cmd, tty: this.terminal });
    let fds: [number, number, number];
    try {
      fds = openStdio(this.terminal ? { ...this.stdio, stderr: '' } : this.stdio);
    } catch (err) {
      await rm(specPath, { force: true });
      throw new RuntimeError('FailedPrecondition', `Cannot open the exec's stdio: ${(err as Error).message}`);
    }
    const [cmd, ...args] = execCommand(specPath, { tty: this.terminal }) as [string, ...string[]];
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, { stdio: [fds[0], fds[1], fds[2], 'pipe'] });
    } finally {
      closeFds(fds);
    }
    this.child = child;
    const report = await new Promise<string>((resolve) => {
      let s = '';
      (child.stdio[3] as Readable).setEncoding('utf8').on('data', (d: string) => {
        s += d;
        if (s.includes('\n')) resolve(s);
      });
      child.once('exit', () => resolve(s));
    });
    const line = report.split('\n')[0] ?? '';
    child.once('exit', (code, signal) => {
      this.exitStatus = code ?? 128 + (signal ? (signalNumber(signal) ?? 0) : 0);
      this.exitedAt = nowTimestamp();
      this.status = 'stopped';
      void rm(specPath, { force: true });
      onExit(this);
      this.resolveDone();
    });
    const m = /^ok (\d+)$/.exec(line.trim());
    if (!m) {
      throw (
        parseShimError(line, `exec of "${this.cmd.argv[0]}"`) ??
        new RuntimeError('Internal', `Cannot exec "${this.cmd.argv[0]}": the shim said "${line.trim()}"`)
      );
    }
    this.pid = Number(m[1]);
    this.status = 'running';
    return this.pid;
  }

  /** Marks an exec that never started as ended. */
  abandon(): void {
    if (this.status !== 'created') return;
    this.status = 'stopped';
    this.exitStatus = 255;
    this.exitedAt = nowTimestamp();
    this.resolveDone();
  }

  get running(): boolean {
    return this.status === 'running' && this.child !== undefined;
  }
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return (os.constants.signals as Record<string, number>)[signal];
}
