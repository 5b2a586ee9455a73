/**
 * The CRI container log format (`<RFC3339Nano> <stdout|stderr> <F|P> <text>\n`, one record per
 * line; a long line is split into `P` records ended by an `F` record) and a follower that reads
 * a log file as it grows. Bytes are kept as written: binary output passes through.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { errnoCode } from '../../errors.ts';

export type LogStream = 'stdout' | 'stderr';

/** One record of the file. */
export interface CriRecord {
  time: string;
  stream: LogStream;
  /** True for a `P` (partial) record: the line goes on in the next record. */
  partial: boolean;
  text: Buffer;
}

const SPACE = 0x20;

/** Parses one record (without its trailing newline); undefined when it is not CRI format. */
export function parseCriRecord(line: Buffer): CriRecord | undefined {
  const a = line.indexOf(SPACE);
  const b = a < 0 ? -1 : line.indexOf(SPACE, a + 1);
  const c = b < 0 ? -1 : line.indexOf(SPACE, b + 1);
  if (a <= 0 || b < 0) return undefined;
  const stream = line.toString('latin1', a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tagEnd = c < 0 ? line.length : c;
  const tag = line.toString('latin1', b + 1, tagEnd);
  if (tag !== 'F' && tag !== 'P') return undefined;
  return {
    time: line.toString('latin1', 0, a),
    stream,
    partial: tag === 'P',
    text: c < 0 ? Buffer.alloc(0) : line.subarray(c + 1),
  };
}

/** A whole line of output (partial records joined), without its newline. */
export interface LogLine {
  time: string;
  stream: LogStream;
  text: Buffer;
}

export interface FollowOptions {
  /** How often the file is read while it grows (default 50 ms). */
  pollMs?: number;
}

/**
 * Follows a CRI log file from its start: calls `onLine` for every complete line, in order,
 * while the file grows; `stop()` reads what is left and ends. A file that does not exist yet is
 * waited for.
 */
export class LogFollower {
  readonly #path: string;
  readonly #onLine: (line: LogLine) => void;
  readonly #pollMs: number;
  #fh: FileHandle | undefined;
  #offset = 0;
  #rest: Buffer = Buffer.alloc(0);
  #partial: Map<LogStream, Buffer[]> = new Map();
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(path: string, onLine: (line: LogLine) => void, options: FollowOptions = {}) {
    this.#path = path;
    this.#onLine = onLine;
    this.#pollMs = options.pollMs ?? 50;
  }

  /** Starts polling. */
  start(): this {
    const tick = () => {
      this.#reading = this.#reading.then(() => this.#read()).catch(() => {});
      if (!this.#stopped) this.#timer = setTimeout(tick, this.#pollMs);
    };
    tick();
    return this;
  }

  /** Reads the rest of the file, delivers it, and stops. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#reading;
    await this.#read().catch(() => {});
    // A last line without its newline is delivered as it is.
    for (const [stream, parts] of this.#partial) {
      if (parts.length > 0) this.#onLine({ time: '', stream, text: Buffer.concat(parts) });
    }
    this.#partial.clear();
    await this.#fh?.close().catch(() => {});
    this.#fh = undefined;
  }

  async #read(): Promise<void> {
    if (!this.#fh) {
      try {
        this.#fh = await open(this.#path, 'r');
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') return;
        throw e;
      }
    }
    const buf = Buffer.allocUnsafe(1 << 16);
    for (;;) {
      const { bytesRead } = await this.#fh.read(buf, 0, buf.length, this.#offset);
      if (bytesRead === 0) return;
      this.#offset += bytesRead;
      let data = Buffer.concat([this.#rest, buf.subarray(0, bytesRead)]);
      let nl = data.indexOf(0x0a);
      while (nl >= 0) {
        this.#record(data.subarray(0, nl));
        data = data.subarray(nl + 1);
        nl = data.indexOf(0x0a);
      }
      this.#rest = Buffer.from(data);
    }
  }

  #record(line: Buffer): void {
    const r = parseCriRecord(line);
    if (!r) return;
    const parts = this.#partial.get(r.stream) ?? [];
    parts.push(Buffer.from(r.text));
    if (r.partial) {
      this.#partial.set(r.stream, parts);
      return;
    }
    this.#partial.delete(r.stream);
    this.#onLine({
      time: r.time,
      stream: r.stream,
      text: parts.length === 1 ? parts[0]! : Buffer.concat(parts),
    });
  }
}
