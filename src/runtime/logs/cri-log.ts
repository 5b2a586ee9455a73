/**
 * The CRI container log format (`<RFC3339Nano> <stdout|stderr> <F|P> <text>\n`, one record per
 * line; a long line is split into `P` records ended by an `F` record), a follower that reads a
 * log as it grows — across the shim's size-based rotations (`log` → `log.1` → `log.2` …) — and
 * `readLogs()`, which reads the rotated files oldest first, then the current one. Bytes are kept
 * as written: binary output passes through.
 */
import type { BigIntStats } from 'node:fs';
import { type FileHandle, open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errnoCode, RuntimeError } from '../../errors.ts';

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

/** The stream name between offsets a+1 and b of a record, compared byte by byte (hot path). */
function streamAt(line: Buffer, a: number, b: number): LogStream | undefined {
  if (b - a !== 7 || line[a + 1] !== 0x73 || line[a + 2] !== 0x74 /* "st" */) return undefined;
  const rest = line.toString('latin1', a + 3, b);
  return rest === 'dout' ? 'stdout' : rest === 'derr' ? 'stderr' : undefined;
}

/** Parses one record (without its trailing newline); undefined when it is not CRI format. */
export function parseCriRecord(line: Buffer): CriRecord | undefined {
  const a = line.indexOf(SPACE);
  const b = a < 0 ? -1 : line.indexOf(SPACE, a + 1);
  if (a <= 0 || b < 0) return undefined;
  const stream = streamAt(line, a, b);
  if (stream === undefined) return undefined;
  // The tag: one byte, then a space or the end of the record.
  const tag = line[b + 1];
  if ((tag !== 0x46 && tag !== 0x50) /* F, P */ || (b + 2 < line.length && line[b + 2] !== SPACE))
    return undefined;
  const c = b + 2 < line.length ? b + 2 : -1;
  return {
    time: line.toString('latin1', 0, a),
    stream,
    partial: tag === 0x50,
    text: c < 0 ? Buffer.alloc(0) : line.subarray(c + 1),
  };
}

/** A whole line of output (partial records joined), without its newline. */
export interface LogLine {
  time: string;
  stream: LogStream;
  text: Buffer;
}

/**
 * The nanoseconds since the epoch of a record's time (RFC 3339 with any number of fractional
 * digits, `Z` or an offset); undefined when it is not such a time.
 */
export function criTimeNanos(time: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** One file of a rotated log: `index` 0 is the current file, 1 the newest rotated one, … */
interface LogFile {
  path: string;
  index: number;
  dev: bigint;
  ino: bigint;
}

const same = (a: { dev: bigint; ino: bigint }, b: { dev: bigint; ino: bigint }) =>
  a.dev === b.dev && a.ino === b.ino;

/** The files of the log at `path` (`path`, `path.1`, `path.2` …) that exist, newest first. */
async function listLogFiles(path: string): Promise<LogFile[]> {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw e;
  }
  const out: LogFile[] = [];
  for (const name of names) {
    let index: number;
    if (name === base) index = 0;
    else if (name.startsWith(`${base}.`) && /^[1-9]\d{0,5}$/.test(name.slice(base.length + 1)))
      index = Number(name.slice(base.length + 1));
    else continue;
    const p = join(dir, name);
    try {
      const st = await stat(p, { bigint: true });
      if (st.isFile()) out.push({ path: p, index, dev: st.dev, ino: st.ino });
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
    }
  }
  return out.sort((a, b) => a.index - b.index);
}

/**
 * `listLogFiles` taken twice with the same result: listing a directory and stat-ing each name is
 * not atomic, and while the shim shifts `.k` → `.k+1` a single listing can show one file under
 * two names and skip its neighbour — following that, a reader would skip a whole file. Two equal
 * listings in a row show a moment with no rename in between. Falls back to the last listing after
 * `tries` attempts (a log rotating that fast is being written faster than it can be read).
 */
async function listLogFilesStable(path: string, tries = 50): Promise<LogFile[]> {
  let prev = await listLogFiles(path);
  for (let i = 0; i < tries; i++) {
    const next = await listLogFiles(path);
    if (next.length === prev.length && next.every((f, j) => f.index === prev[j]?.index && same(f, prev[j]!)))
      return next;
    prev = next;
  }
  return prev;
}

/**
 * Where reads land: slices of a large buffer, each read after the previous one, a new buffer
 * when little is left. A slice is never written again, so lines may point into it (no copy per
 * line); a buffer lives as long as a line from it is kept.
 */
class ReadArena {
  #buf = Buffer.allocUnsafe(READ_SIZE);
  #used = 0;

  async read(fh: FileHandle, position: number): Promise<Buffer> {
    if (this.#buf.length - this.#used < READ_SIZE / 16) {
      this.#buf = Buffer.allocUnsafe(READ_SIZE);
      this.#used = 0;
    }
    const start = this.#used;
    const { bytesRead } = await fh.read(this.#buf, start, this.#buf.length - start, position);
    this.#used += bytesRead;
    return this.#buf.subarray(start, start + bytesRead);
  }
}

/**
 * Splits a byte stream of records into lines and joins partial records per stream. A chunk
 * pushed is the reader's: lines it delivers point into it.
 */
class RecordReader {
  #rest: Buffer = Buffer.alloc(0);
  #partial: Map<LogStream, { time: string; parts: Buffer[] }> = new Map();
  readonly #onLine: (line: LogLine) => void;

  constructor(onLine: (line: LogLine) => void) {
    this.#onLine = onLine;
  }

  push(chunk: Buffer): void {
    const data = this.#rest.length > 0 ? Buffer.concat([this.#rest, chunk]) : chunk;
    let start = 0;
    let nl = data.indexOf(0x0a, start);
    while (nl >= 0) {
      this.#record(data.subarray(start, nl));
      start = nl + 1;
      nl = data.indexOf(0x0a, start);
    }
    this.#rest = Buffer.from(data.subarray(start));
  }

  /** A file ended: a record cut short at its end (never written by the shim) is dropped. */
  endFile(): void {
    this.#rest = Buffer.alloc(0);
  }

  /** Delivers lines whose last partial record has no `F` yet, as they are. */
  flush(): void {
    for (const [stream, p] of this.#partial)
      this.#onLine({ time: p.time, stream, text: Buffer.concat(p.parts) });
    this.#partial.clear();
  }

  #record(line: Buffer): void {
    const r = parseCriRecord(line);
    if (!r) return;
    const open = this.#partial.get(r.stream);
    if (!open && !r.partial) {
      this.#onLine({ time: r.time, stream: r.stream, text: r.text });
      return;
    }
    const p = open ?? { time: r.time, parts: [] };
    p.parts.push(r.text);
    if (r.partial) {
      this.#partial.set(r.stream, p);
      return;
    }
    this.#partial.delete(r.stream);
    this.#onLine({ time: r.time, stream: r.stream, text: Buffer.concat(p.parts) });
  }
}

export interface FollowOptions {
  /** How often the file is read while it grows (default 50 ms). */
  pollMs?: number;
  /**
   * Called once, when the follower first reaches the end of the newest file (or finds no log
   * yet): every line delivered before it was in the log when following began, every later one
   * came after.
   */
  onCaughtUp?: () => void;
}

const READ_SIZE = 1 << 18;

/**
 * Follows a CRI log from its start — the oldest rotated file when there are some — calling
 * `onLine` for every complete line, in order, while it grows; `stop()` reads what is left and
 * ends. A log that does not exist yet is waited for.
 *
 * Rotation: when the path names another file than the one being read (the shim renamed it
 * `<path>.1` and started a new one), the old file is read to its end — it is complete once
 * renamed — and the follower goes on with the next newer file (`.k-1`, …, then the path), so
 * no line is lost or repeated. Only a follower so far behind that its file was deleted (pushed
 * out of the kept window) loses lines: it goes on with the oldest file still there.
 */
export class LogFollower {
  readonly #path: string;
  readonly #pollMs: number;
  readonly #reader: RecordReader;
  #fh: FileHandle | undefined;
  #id: BigIntStats | undefined;
  #offset = 0;
  readonly #arena = new ReadArena();
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> = Promise.resolve();
  #stopped = false;
  #onCaughtUp: (() => void) | undefined;

  constructor(path: string, onLine: (line: LogLine) => void, options: FollowOptions = {}) {
    this.#path = path;
    this.#reader = new RecordReader(onLine);
    this.#pollMs = options.pollMs ?? 50;
    this.#onCaughtUp = options.onCaughtUp;
  }

  #caughtUp(): void {
    const fn = this.#onCaughtUp;
    this.#onCaughtUp = undefined;
    fn?.();
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

  /** Reads the rest of the log, delivers it, and stops. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#reading;
    await this.#read().catch(() => {});
    // A last line without its newline is delivered as it is.
    this.#reader.flush();
    await this.#fh?.close().catch(() => {});
    this.#fh = undefined;
  }

  async #drain(fh: FileHandle): Promise<void> {
    for (;;) {
      const chunk = await this.#arena.read(fh, this.#offset);
      if (chunk.length === 0) return;
      this.#offset += chunk.length;
      this.#reader.push(chunk);
    }
  }

  async #read(): Promise<void> {
    if (!this.#fh) {
      const first = await this.#openOldest();
      if (!first) {
        this.#caughtUp();
        return;
      }
      this.#fh = first.fh;
      this.#id = first.id;
      this.#offset = 0;
    }
    for (;;) {
      const fh = this.#fh;
      const id = this.#id as BigIntStats;
      await this.#drain(fh);
      const current = await stat(this.#path, { bigint: true }).catch((e: unknown) => {
        if (errnoCode(e) === 'ENOENT') return undefined;
        throw e;
      });
      if (current && same(current, id)) {
        this.#caughtUp();
        return;
      }
      // Rotated away: nothing more is written to it. Read what came in since, then move on.
      await this.#drain(fh);
      const next = await this.#nextFile(fh, id);
      if (!next) return;
      this.#reader.endFile();
      await fh.close().catch(() => {});
      this.#fh = next.fh;
      this.#id = next.id;
      this.#offset = 0;
    }
  }

  /** Opens the oldest file of the log (a rotated one when the log rotated before we came). */
  async #openOldest(): Promise<{ fh: FileHandle; id: BigIntStats } | undefined> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const oldest = (await listLogFilesStable(this.#path)).at(-1);
      if (!oldest) return undefined;
      let fh: FileHandle;
      try {
        fh = await open(oldest.path, 'r');
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') continue;
        throw e;
      }
      const id = await fh.stat({ bigint: true });
      if (same(id, oldest)) return { fh, id };
      await fh.close(); // the names moved on meanwhile: look again
    }
    return undefined;
  }

  /** Opens the file that follows the one held (`id`), or undefined when it is not there yet. */
  async #nextFile(fh: FileHandle, id: BigIntStats): Promise<{ fh: FileHandle; id: BigIntStats } | undefined> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const files = await listLogFilesStable(this.#path);
      const links = (await fh.stat({ bigint: true })).nlink;
      const mine = links > 0n ? files.find((f) => same(f, id)) : undefined;
      let next: LogFile | undefined;
      if (mine) next = files.filter((f) => f.index < mine.index).at(-1);
      else if (links > 0n)
        next = files[0]; // renamed outside the scheme: the path is next
      else next = files.at(-1); // deleted (fell out of the window): the oldest one left
      if (!next) return undefined;
      let nfh: FileHandle;
      try {
        nfh = await open(next.path, 'r');
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') continue;
        throw e;
      }
      const nid = await nfh.stat({ bigint: true });
      if (same(nid, next)) return { fh: nfh, id: nid };
      await nfh.close(); // the names moved on meanwhile: look again
    }
    return undefined;
  }
}

export interface ReadLogsOptions {
  /** Only the last N lines. */
  tail?: number;
  /** Only lines logged at or after this time. */
  since?: Date;
  /** Prefix each line with its time (RFC 3339, as logged) and a space (`readLogs` only). */
  timestamps?: boolean;
  /** Only this stream. */
  stream?: LogStream;
}

/**
 * The lines of the log at `path` with its rotated files (`path.N` … `path.1`, then `path`),
 * oldest first; partial records joined; a last line still without its `F` record included as
 * it is. Consistent while the shim rotates: the files are opened newest first and a file seen
 * twice under two names is read once. Empty when there is no log yet.
 */
export async function readLogLines(path: string, options: ReadLogsOptions = {}): Promise<LogLine[]> {
  if (options.tail !== undefined && (!Number.isSafeInteger(options.tail) || options.tail < 0)) {
    throw new RuntimeError(
      'InvalidArgument',
      `Cannot read logs: tail ${options.tail} is not a count of lines`,
    );
  }
  if (options.since !== undefined && Number.isNaN(options.since.getTime())) {
    throw new RuntimeError('InvalidArgument', 'Cannot read logs: the since time is not a valid date');
  }
  const since = options.since === undefined ? undefined : BigInt(options.since.getTime()) * 1_000_000n;
  const files = await listLogFilesStable(path);
  const last = files.at(-1)?.index ?? -1;
  const handles: FileHandle[] = [];
  const seen: BigIntStats[] = [];
  try {
    for (let i = 0; i <= last; i++) {
      let fh: FileHandle;
      try {
        fh = await open(i === 0 ? path : `${path}.${i}`, 'r');
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') continue;
        throw e;
      }
      const id = await fh.stat({ bigint: true });
      if (seen.some((s) => same(s, id))) {
        await fh.close();
        continue;
      }
      seen.push(id);
      handles.push(fh);
    }
    const lines: LogLine[] = [];
    const reader = new RecordReader((l) => {
      if (options.stream !== undefined && l.stream !== options.stream) return;
      if (since !== undefined) {
        const t = criTimeNanos(l.time);
        if (t !== undefined && t < since) return;
      }
      lines.push(l);
      if (options.tail !== undefined && lines.length > 2 * options.tail + 1024)
        lines.splice(0, lines.length - options.tail);
    });
    const arena = new ReadArena();
    for (const fh of handles.reverse()) {
      let offset = 0;
      for (;;) {
        const chunk = await arena.read(fh, offset);
        if (chunk.length === 0) break;
        offset += chunk.length;
        reader.push(chunk);
      }
      reader.endFile();
    }
    reader.flush();
    return options.tail === undefined ? lines : lines.slice(Math.max(0, lines.length - options.tail));
  } finally {
    await Promise.all(handles.map((h) => h.close().catch(() => {})));
  }
}

/**
 * The log as `hostpod logs` prints it: each line's text and a newline, with `timestamps` its
 * time and a space first. Same options and order as `readLogLines()`.
 */
export async function readLogs(path: string, options: ReadLogsOptions = {}): Promise<Buffer> {
  const lines = await readLogLines(path, options);
  const parts: Buffer[] = [];
  const nl = Buffer.from('\n');
  for (const l of lines) {
    if (options.timestamps) parts.push(Buffer.from(`${l.time} `));
    parts.push(l.text, nl);
  }
  return Buffer.concat(parts);
}
