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
    // A relative directory named like a request word must not be read as one.
    return this.send(/^(mount|unmount) /.test(dir) ? `./${dir}` : dir);
  }

  /**
   * Mounts an overlay at `m.target` from the server (mount(2), no mount(8) spawn): the option
   * string is `lowerdir=L1:L2…,upperdir=U,workdir=W` with `lowers` highest first, relative
   * paths resolved against `m.cwd` when given. The server refuses `,` `:` `\` in a dir and
   * options longer than a page. Resolves with the outcome; rejects with `Internal` when the
   * server ended, `NotImplemented` when the shim binary predates these requests.
   */
  async mount(m: ServerMount): Promise<ServerAnswer> {
    return answer(
      await this.send(`mount ${fields([m.cwd ?? '', m.target, ...m.lowers, m.upper, m.work])}`),
      'mount',
    );
  }

  /** umount2(target); when busy, a lazy detach (`detached: true`), as `umount -l` does. */
  async unmount(target: string): Promise<ServerAnswer> {
    return answer(await this.send(`unmount ${fields([target])}`), 'unmount');
  }

  private send(body: string): Promise<string> {
    const child = this.ensure();
    const tag = String(this.next++);
    return new Promise<string>((resolve, reject) => {
      this.pending.set(tag, { resolve, reject });
      this.ref(true);
      child.stdin.write(`${tag} ${body}\n`);
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

export interface ServerMount {
  /** Directory the dirs are relative to; absolute dirs when undefined. */
  cwd?: string | undefined;
  target: string;
  /** Lower dirs, highest first (as in the option string). */
  lowers: readonly string[];
  upper: string;
  work: string;
}

export type ServerAnswer =
  | { ok: true; detached: boolean }
  /** `what`: the step that failed (`mount`, `umount`, `chdir`, `path`, `options`, `request`). */
  | { ok: false; what: string; errno: number; message: string };

/** Length-prefixed fields (`LEN:BYTES`, LEN in UTF-8 bytes), so any byte but NUL passes. */
function fields(values: readonly string[]): string {
  for (const v of values) {
    if (v.includes('\0')) {
      throw new RuntimeError('InvalidArgument', `Cannot pass "${v}" to the shim server: it holds a NUL byte`);
    }
  }
  return values.map((v) => `${Buffer.byteLength(v)}:${v}`).join(' ');
}

function answer(line: string, request: string): ServerAnswer {
  if (line === 'ok') return { ok: true, detached: false };
  if (line === 'ok detached') return { ok: true, detached: true };
  const m = /^error (\w+) (\d+) (.*)$/.exec(line);
  if (m) return { ok: false, what: m[1] as string, errno: Number(m[2]), message: m[3] as string };
  if (/^error spec \d+$/.test(line)) {
    // An older binary took the request for a task directory.
    throw new RuntimeError('NotImplemented', `The shim server does not know ${request} requests`, {
      hint: 'rebuild the shim with `npm run build:native`',
    });
  }
  throw new RuntimeError('Internal', `The shim server answered a ${request} request with "${line}"`);
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
