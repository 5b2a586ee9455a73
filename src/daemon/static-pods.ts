/**
 * Follows the static pod directory the way the kubelet's file source does: every `*.yaml`,
 * `*.yml` and `*.json` file directly in it (dotfiles, editor backups `*~` and swap files `*.swp`
 * ignored; sub-directories not entered), symbolic links followed to regular files only. The
 * caller gets the whole set each time it changes and turns it into pods.
 *
 * Change detection is inotify (`fs.watch`) for speed plus a poll (default every second) for what
 * inotify does not see: a symlinked file edited elsewhere, a directory created or replaced, an
 * NFS mount. A file is read only once it has not changed for `debounceMs` (its ctime is that
 * old), so an editor's or `cp`'s half-written file is not parsed; reading is bounded (32 MiB) and
 * never blocks (FIFOs and devices are skipped before and after opening).
 */
import { createHash } from 'node:crypto';
import { type BigIntStats, constants, type FSWatcher, watch } from 'node:fs';
import { lstat, open, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { FieldValidation } from '../api/field-validation.ts';
import { lintDocuments } from '../api/lint.ts';
import { MANIFEST_LIMITS, parseManifestText } from '../api/manifests.ts';
import { describeError, errnoCode, RuntimeError } from '../errors.ts';

/** One manifest file of the static pod directory. */
export interface StaticFile {
  /** `dir/name` (symbolic links not resolved: the name is what identifies the file's pods). */
  path: string;
  /** sha256 (hex) of the content; `''` when the file could not be read. */
  hash: string;
  /** The documents' values (plain JSON: maps, lists, scalars), one per non-empty YAML/JSON document; Lists not unpacked. Empty when `error` is set. */
  objects: unknown[];
  /**
   * `path:line:col: message` (or `path: message`) when the file is unreadable, too large or not
   * YAML, or its objects are invalid (every problem, `; `-separated, each with its position).
   */
  error?: string;
  /** Unknown fields under `validate: warn`, as `path:line:col: field: unknown field "…" (ignored)`. */
  warnings?: string[];
}

export interface StaticPodWatcherOptions {
  dir: string;
  /** Called with the whole set, sorted by path, after `start()` and then on every change of the set or of a file's content or error. */
  onChange: (files: ReadonlyMap<string, StaticFile>) => void;
  /**
   * Validate the objects as `hostpod lint` does, with this meaning of an unknown field (kubectl's
   * `--validate`): an invalid file is reported as `error`. Unset: files are only read.
   */
  validate?: FieldValidation;
  /** Poll period; default 1000 ms. */
  pollMs?: number;
  /** How long a file must be unchanged before it is read; default 100 ms. */
  debounceMs?: number;
  /** Failures not tied to one file (the directory unreadable, `onChange` threw); default `process.emitWarning`. */
  onError?: (err: RuntimeError) => void;
}

/** True for a name the static pod directory takes: `*.yaml`, `*.yml`, `*.json`, not hidden, not a backup or swap file. */
export function isManifestName(name: string): boolean {
  if (name.startsWith('.') || name.endsWith('~') || name.endsWith('.swp')) return false;
  return ['.yaml', '.yml', '.json'].includes(extname(name).toLowerCase());
}

type ReadOutcome = { kind: 'file'; file: StaticFile } | { kind: 'changed' } | { kind: 'skip' };

/**
 * Watches one directory. `start()` resolves after the first scan has been reported; `stop()`
 * resolves once no scan is running and no timer or watcher is left.
 */
export class StaticPodWatcher {
  readonly #dir: string;
  readonly #onChange: (files: ReadonlyMap<string, StaticFile>) => void;
  readonly #onError: (err: RuntimeError) => void;
  readonly #pollMs: number;
  readonly #validate: FieldValidation | undefined;
  readonly #debounceMs: number;
  /** What was last reported. */
  #files = new Map<string, StaticFile>();
  /** The stat fingerprint each reported file had when it was read. */
  readonly #readAt = new Map<string, string>();
  /** Files seen changed but not yet still for `debounceMs`: fingerprint and when it was first seen. */
  readonly #pending = new Map<string, { fingerprint: string; since: number }>();
  #watcher: FSWatcher | undefined;
  #watchedDir: string | undefined;
  #poll: NodeJS.Timeout | undefined;
  #soon: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  /** Report the next scan's set even when unchanged (the first one). */
  #mustReport = false;
  #firstReportBy = 0;
  #started = false;
  #stopped = false;

  constructor(options: StaticPodWatcherOptions) {
    this.#dir = options.dir;
    this.#onChange = options.onChange;
    this.#onError = options.onError ?? ((err) => process.emitWarning(err.message, { code: err.code }));
    this.#pollMs = options.pollMs ?? 1000;
    this.#validate = options.validate;
    this.#debounceMs = options.debounceMs ?? 100;
  }

  /** Scans once and reports the set (even empty), then follows changes. Throws `FailedPrecondition` when called twice. */
  async start(): Promise<void> {
    if (this.#started)
      throw new RuntimeError('FailedPrecondition', 'Cannot start the static pod watcher: already started');
    this.#started = true;
    this.#mustReport = true;
    this.#firstReportBy = Date.now() + 10 * this.#debounceMs;
    await this.#kick();
    if (this.#stopped) return;
    this.#poll = setInterval(() => void this.#kick(), this.#pollMs);
    this.#poll.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#poll);
    clearTimeout(this.#soon);
    this.#unwatch();
    await this.#running;
  }

  /** Runs a scan now, or once more right after the running one: one scan at a time. */
  #kick(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#scan();
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  #scanIn(ms: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#soon);
    this.#soon = setTimeout(() => void this.#kick(), Math.max(0, ms));
    this.#soon.unref();
  }

  #watch(dirKey: string): void {
    if (this.#watchedDir === dirKey || this.#stopped) return;
    this.#unwatch();
    try {
      const w = watch(this.#dir, { persistent: false }, () => this.#scanIn(this.#debounceMs));
      w.on('error', () => this.#unwatch()); // the directory went away: the poll takes over
      this.#watcher = w;
      this.#watchedDir = dirKey;
    } catch {
      // No inotify watch left (fs.inotify.max_user_watches): the poll alone still finds every change.
    }
  }

  #unwatch(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#watchedDir = undefined;
  }

  async #scan(): Promise<void> {
    let names: string[];
    try {
      const d = await stat(this.#dir, { bigint: true });
      if (!d.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      this.#watch(`${d.dev}:${d.ino}`);
      names = await readdir(this.#dir);
    } catch (e) {
      const code = errnoCode(e);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        // Unreadable for now (EACCES, EIO): keep the pods we have rather than stop them all.
        this.#onError(
          new RuntimeError(
            'Unavailable',
            `Cannot read the static pod directory "${this.#dir}": ${describeError(e)}`,
            {
              hint: 'Its pods are kept as they are until the directory can be read again.',
              cause: e,
            },
          ),
        );
        if (this.#mustReport) this.#report(this.#files);
        return;
      }
      this.#unwatch();
      names = [];
    }
    const next = new Map<string, StaticFile>();
    let retryMs: number | undefined;
    const candidates = names.filter(isManifestName).sort();
    if (candidates.length > MANIFEST_LIMITS.maxFiles) {
      next.set(this.#dir, {
        path: this.#dir,
        hash: '',
        objects: [],
        error: `${this.#dir}: more than ${MANIFEST_LIMITS.maxFiles} manifest files; only the first ${MANIFEST_LIMITS.maxFiles} (by name) are used`,
      });
      candidates.length = MANIFEST_LIMITS.maxFiles;
    }
    for (const name of candidates) {
      if (this.#stopped) return;
      const path = join(this.#dir, name);
      const previous = this.#files.get(path);
      let st: BigIntStats;
      try {
        st = await stat(path, { bigint: true });
      } catch (e) {
        const problem = await statProblem(path, e);
        if (problem !== undefined)
          next.set(path, { path, hash: '', objects: [], error: `${path}: ${problem}` });
        continue;
      }
      if (!st.isFile()) continue; // a sub-directory, FIFO, socket or device
      const fp = fingerprint(st);
      if (previous && this.#readAt.get(path) === fp) {
        next.set(path, previous);
        continue;
      }
      const wait = this.#unsettledFor(path, fp, st);
      if (wait > 0) {
        if (previous) next.set(path, previous); // the old content stands until the new one is complete
        retryMs = Math.min(retryMs ?? wait, wait);
        continue;
      }
      const outcome = await readStaticFile(path, fp, this.#validate);
      if (outcome.kind === 'skip') continue;
      if (outcome.kind === 'changed') {
        if (previous) next.set(path, previous);
        retryMs = Math.min(retryMs ?? this.#debounceMs, this.#debounceMs);
        continue;
      }
      this.#pending.delete(path);
      this.#readAt.set(path, fp);
      next.set(path, outcome.file);
    }
    const listed = new Set(candidates.map((n) => join(this.#dir, n)));
    for (const p of this.#readAt.keys()) if (!next.has(p)) this.#readAt.delete(p);
    for (const p of this.#pending.keys()) if (!listed.has(p)) this.#pending.delete(p);
    if (this.#stopped) return;
    if (this.#mustReport && retryMs !== undefined && Date.now() + retryMs <= this.#firstReportBy) {
      // The first set is reported complete: files still being written are waited for, briefly.
      await new Promise((r) => setTimeout(r, retryMs));
      this.#again = true;
      return;
    }
    this.#report(next);
    if (retryMs !== undefined) this.#scanIn(retryMs);
  }

  /** How many more ms to wait before reading a changed file; 0 when it has been still long enough. */
  #unsettledFor(path: string, fp: string, st: BigIntStats): number {
    const now = Date.now();
    const ageMs = now - Number(st.ctimeNs / 1_000_000n);
    if (ageMs >= this.#debounceMs) return 0;
    // A ctime in the future (the clock stepped back) never ages: then the same fingerprint seen
    // for debounceMs settles it.
    const seen = this.#pending.get(path);
    if (seen?.fingerprint === fp) {
      const stillFor = now - seen.since;
      if (stillFor >= this.#debounceMs) return 0;
      return Math.min(this.#debounceMs - ageMs, this.#debounceMs - stillFor);
    }
    this.#pending.set(path, { fingerprint: fp, since: now });
    return Math.min(this.#debounceMs - ageMs, this.#debounceMs);
  }

  #report(next: Map<string, StaticFile>): void {
    const changed =
      this.#mustReport ||
      next.size !== this.#files.size ||
      [...next].some(([p, f]) => {
        const old = this.#files.get(p);
        return old === undefined || old.hash !== f.hash || old.error !== f.error;
      });
    this.#files = next;
    this.#mustReport = false;
    if (!changed) return;
    try {
      this.#onChange(new Map(next));
    } catch (e) {
      this.#onError(
        new RuntimeError(
          'Internal',
          `Static pod directory "${this.#dir}": applying a change failed: ${describeError(e)}`,
          {
            cause: e,
          },
        ),
      );
    }
  }
}

function fingerprint(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/** Why `stat` failed, as a user reads it; undefined when the file simply went away. */
async function statProblem(path: string, e: unknown): Promise<string | undefined> {
  const code = errnoCode(e);
  if (code === 'ENOENT') {
    const link = await lstat(path).catch(() => undefined);
    return link?.isSymbolicLink() ? 'symbolic link to a file that does not exist' : undefined;
  }
  if (code === 'ELOOP') return 'too many levels of symbolic links';
  if (code === 'EACCES') return 'permission denied';
  return describeError(e);
}

/**
 * Reads and parses one file, refusing more than `MANIFEST_LIMITS.maxFileBytes` without reading
 * it. Opened non-blocking and checked again on the descriptor, so a FIFO or device swapped in
 * after `stat` is skipped, not read; `changed` when the file changed while it was read.
 */
async function readStaticFile(
  path: string,
  expected: string,
  validate: FieldValidation | undefined,
): Promise<ReadOutcome> {
  const limit = MANIFEST_LIMITS.maxFileBytes;
  const failed = (message: string): ReadOutcome => ({
    kind: 'file',
    file: { path, hash: '', objects: [], error: `${path}: ${message}` },
  });
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    return errnoCode(e) === 'ENOENT' ? { kind: 'changed' } : failed(readProblem(e));
  }
  let content: Buffer;
  try {
    const st = await fh.stat({ bigint: true });
    if (!st.isFile()) return { kind: 'skip' };
    if (fingerprint(st) !== expected) return { kind: 'changed' };
    if (st.size > BigInt(limit)) return failed(`file is ${st.size} bytes, more than the ${limit}-byte limit`);
    // Read to the end, not to the size stat gave: /proc-like files report 0 and grow.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1024 * 1024, limit + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit) return failed(`file is more than the ${limit}-byte limit`);
    }
    if (fingerprint(await fh.stat({ bigint: true })) !== expected) return { kind: 'changed' };
    content = Buffer.concat(chunks, total);
  } catch (e) {
    return failed(readProblem(e));
  } finally {
    await fh.close().catch(() => {});
  }
  const hash = createHash('sha256').update(content).digest('hex');
  const parsed = parseManifestText(content.toString('utf8'), path);
  if (parsed.problems.length > 0) {
    const error = parsed.problems
      .map((p) => `${p.file}${p.position ? `:${p.position.line}:${p.position.col}` : ''}: ${p.message}`)
      .join('; ');
    return { kind: 'file', file: { path, hash, objects: [], error } };
  }
  if (validate === undefined)
    return { kind: 'file', file: { path, hash, objects: parsed.documents.map((d) => d.value) } };
  // Validated here, where the positions are known: every problem with its file:line:col.
  const lint = lintDocuments(parsed.documents, [], { validate });
  const errors = lint.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) {
    const error = errors.map((i) => `${i.file}:${i.line}:${i.col}: ${i.path}: ${i.message}`).join('; ');
    return { kind: 'file', file: { path, hash, objects: [], error } };
  }
  const warnings = lint.issues
    .filter((i) => i.code === 'HP007')
    .map((i) => `${i.file}:${i.line}:${i.col}: ${i.path}: unknown field (ignored)`);
  return {
    kind: 'file',
    file: {
      path,
      hash,
      objects: parsed.documents.map((d) => d.value),
      ...(warnings.length > 0 ? { warnings } : {}),
    },
  };
}

function readProblem(e: unknown): string {
  const code = errnoCode(e);
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EAGAIN') return 'would block (not a regular file)';
  if (code === 'EIO') return 'input/output error';
  return describeError(e);
}
