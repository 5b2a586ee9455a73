import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { RuntimeError } from '../../errors.ts';

interface Pending {
  resolve: (line: string) => void;
  reject: (err: unknown) => void;
}

/**
 * One long-lived `hostpod-shim serve` per shim binary: a task start is a line written to it
 * and a line read back, and each shim is forked from that small process instead of being
 * spawned from Node. The server ends when hostpod does (its stdin closes); the shims it made
 * do not depend on it. It is restarted on the next start if it died.
 */
export class ShimServer {
  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly pending = new Map<string, Pending>();
  private next = 1;
  private buffer = '';
  private stderr = '';

  constructor(private readonly shim: string) {}

  /** Starts the shim for `dir`; resolves with its report (`ok …` / `error …`), tag removed. */
  start(dir: string): Promise<string> {
    if (dir.includes('\n')) {
      return Promise.reject(
        new RuntimeError('InvalidArgument', 'Cannot start a task: its directory has a newline'),
      );
    }
    const child = this.ensure();
    const tag = String(this.next++);
    return new Promise<string>((resolve, reject) => {
      this.pending.set(tag, { resolve, reject });
      this.ref(true);
      child.stdin.write(`${tag} ${dir}\n`);
    });
  }

  private ensure(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn(this.shim, ['serve'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout.setEncoding('utf8').on('data', (s: string) => this.onData(s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      this.stderr = (this.stderr + s).slice(-2000);
    });
    child.stdin.on('error', () => {});
    const fail = (why: string): void => {
      if (this.child !== child) return;
      this.child = undefined;
      const err = new RuntimeError(
        'Internal',
        `The shim server ended (${why}): ${this.stderr.trim() || 'no message'}`,
      );
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    child.on('error', (err) => fail(String(err)));
    child.on('close', (code, signal) => fail(`exit ${code ?? signal}`));
    this.ref(false);
    return child;
  }

  private onData(s: string): void {
    this.buffer += s;
    for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      const space = line.indexOf(' ');
      const p = this.pending.get(line.slice(0, space));
      if (space < 0 || !p) continue;
      this.pending.delete(line.slice(0, space));
      p.resolve(line.slice(space + 1));
    }
    if (this.pending.size === 0) this.ref(false);
  }

  /** Keeps Node alive only while a start is in flight. */
  private ref(on: boolean): void {
    const c = this.child;
    if (!c) return;
    for (const s of [c.stdin, c.stdout, c.stderr] as unknown as { ref?: () => void; unref?: () => void }[]) {
      if (on) s.ref?.();
      else s.unref?.();
    }
    if (on) c.ref();
    else c.unref();
  }

  /** Ends the server (its shims keep running). */
  close(): void {
    this.child?.stdin.end();
  }
}

const servers = new Map<string, ShimServer>();

/** The process-wide server for `shim`. */
export function shimServer(shim: string): ShimServer {
  let s = servers.get(shim);
  if (!s) {
    s = new ShimServer(shim);
    servers.set(shim, s);
  }
  return s;
}
