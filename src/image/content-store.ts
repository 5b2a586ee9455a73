import { createReadStream, type ReadStream } from 'node:fs';
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, RuntimeError } from '../errors.ts';
import { syncDir } from '../lib/atomic-write.ts';
import { acquireFileLock, type FileLock, tryFileLock } from '../lib/file-lock.ts';
import { isAlive, selfIdentity } from '../lib/process-identity.ts';
import {
  DIGEST_ALGORITHMS,
  type Digest,
  DigestMismatchError,
  digestAlgorithm,
  digestHex,
  hasherFor,
  isDigest,
  sha256Of,
} from '../oci/digest.ts';
import { ensurePrivateDir } from './private-dir.ts';

/** What a committed blob is. */
export interface BlobInfo {
  digest: Digest;
  size: number;
}

/** What an ingest must produce; `size` is checked when given. */
export interface ExpectedBlob {
  digest: Digest;
  size?: number;
}

/** Default bound for {@link LocalContentStore.readBytes}: manifests and configs are small. */
export const DEFAULT_MAX_READ_BYTES = 8 * 1024 * 1024;

/**
 * An open ingest of one blob: bytes appended at `offset`, hashed as they are written. A writer
 * holds the blob's ingest lock (in-process and across processes) until `commit()` or `close()`.
 */
export interface IngestWriter {
  readonly digest: Digest;
  /** Bytes already in the partial file (a resumed ingest starts past 0). */
  readonly offset: number;
  /**
   * Appends bytes (hashed now, written to disk in the background, in order; `chunk` must not be
   * reused by the caller). Throws DigestMismatchError (and discards the partial file) past the
   * expected size, or the error of an earlier background write.
   */
  write(chunk: Uint8Array): Promise<void>;
  /** Drops what was written so far (the source restarts from byte 0). */
  reset(): Promise<void>;
  /** True when the bytes written so far are the whole blob (size and digest match): commit needs no more. */
  complete(): boolean;
  /**
   * size check → digest check → fdatasync → chmod 0444 → rename → fsync dir. On mismatch the partial
   * file is removed and DigestMismatchError thrown: nothing becomes visible.
   */
  commit(): Promise<BlobInfo>;
  /** Gives up without committing; keeps the partial file for a later resume unless `discard`. */
  close(opts?: { discard?: boolean }): Promise<void>;
}

/** Bytes of an ingest waiting to be written before `write()` waits for the disk. */
const MAX_PENDING_WRITE = 8 * 1024 * 1024;

/**
 * Small chunks (a network body arrives in pieces of 16–64 KiB) are gathered into writes of at
 * least this size: one writev and one thread-pool round trip per MiB instead of one per chunk,
 * and no copy.
 */
const WRITE_BATCH = 1024 * 1024;

/** A batch is written out after this long even when not full (a slow or stalled download). */
const BATCH_MAX_AGE_MS = 50;

/** In-flight ingests of this process, by blob path: a second ingest waits for the first. */
const inFlight = new Map<string, Promise<void>>();

/** `bufs` without its first `n` bytes (after a short writev). */
function skipBytes(bufs: Uint8Array[], n: number): Uint8Array[] {
  let i = 0;
  while (i < bufs.length && n >= bufs[i]!.length) n -= bufs[i++]!.length;
  const rest = bufs.slice(i);
  if (n > 0 && rest.length > 0) rest[0] = rest[0]!.subarray(n);
  return rest;
}

/**
 * containerd-style content store on the local filesystem. Committed blobs live at
 * `<root>/blobs/<alg>/<hex>` as read-only files whose bytes always match their name; partial
 * ingests at `<root>/ingest/<alg>-<hex>.partial` (kept across a crash so a pull can resume),
 * guarded by `<root>/ingest/<alg>-<hex>.lock` (O_EXCL, holder pid; a dead holder's lock is broken).
 */
export class LocalContentStore {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  /**
   * Makes the store's root exist, readable and traversable by its owner only (0700), tightening
   * a root made with a wider mode: blobs are image content, which other local users must not
   * read. Every write calls it; readers that want an existing store tightened call it too.
   */
  secure(): Promise<void> {
    return ensurePrivateDir(this.root);
  }

  /** Where the committed blob is (whether or not it exists). */
  path(d: Digest): string {
    return join(this.root, 'blobs', digestAlgorithm(d), digestHex(d));
  }

  #ingestBase(d: Digest): string {
    return join(this.root, 'ingest', `${digestAlgorithm(d)}-${digestHex(d)}`);
  }

  /** The committed blob's digest and size, or undefined when it is not in the store. */
  async info(d: Digest): Promise<BlobInfo | undefined> {
    try {
      const st = await stat(this.path(d));
      return { digest: d, size: st.size };
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Bytes of a partial (uncommitted) ingest of `d`; 0 when there is none. */
  async partialSize(d: Digest): Promise<number> {
    try {
      return (await stat(`${this.#ingestBase(d)}.partial`)).size;
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return 0;
      throw e;
    }
  }

  /**
   * Opens a writer for `expected`, or returns undefined when the blob is already committed (also
   * after waiting for another ingest of it, in this process or another, that committed it).
   * `onWait` is called when another ingest holds the blob. A partial file left by an earlier,
   * interrupted ingest is kept (its bytes re-hashed) so the caller can resume at `offset`.
   */
  async openWriter(
    expected: ExpectedBlob,
    opts: { signal?: AbortSignal; onWait?: () => void } = {},
  ): Promise<IngestWriter | undefined> {
    const blobPath = this.path(expected.digest);
    for (;;) {
      opts.signal?.throwIfAborted();
      const pending = inFlight.get(blobPath);
      if (pending === undefined) break;
      opts.onWait?.();
      await pending.catch(() => {});
      if (await this.info(expected.digest)) return undefined;
    }
    if (await this.info(expected.digest)) return undefined;
    let done!: () => void;
    inFlight.set(
      blobPath,
      new Promise<void>((r) => {
        done = r;
      }),
    );
    const finish = () => {
      inFlight.delete(blobPath);
      done();
    };
    let lock: FileLock | undefined;
    try {
      await this.secure();
      await mkdir(join(this.root, 'ingest'), { recursive: true });
      await mkdir(join(this.root, 'blobs', digestAlgorithm(expected.digest)), { recursive: true });
      const lockOpts: Parameters<typeof acquireFileLock>[1] = {};
      if (opts.signal) lockOpts.signal = opts.signal;
      if (opts.onWait) lockOpts.onWait = opts.onWait;
      lock = await acquireFileLock(`${this.#ingestBase(expected.digest)}.lock`, lockOpts);
      if (await this.info(expected.digest)) {
        await lock.release();
        finish();
        return undefined;
      }
      return await this.#writer(expected, lock, finish);
    } catch (e) {
      await lock?.release();
      finish();
      throw e;
    }
  }

  async #writer(expected: ExpectedBlob, lock: FileLock, finish: () => void): Promise<IngestWriter> {
    const partial = `${this.#ingestBase(expected.digest)}.partial`;
    const blobPath = this.path(expected.digest);
    const blobDir = join(this.root, 'blobs', digestAlgorithm(expected.digest));
    const fh: FileHandle = await open(partial, 'a+', 0o600);
    let hasher = hasherFor(expected.digest);
    let offset = 0;
    let closed = false;
    let pending: Promise<void> = Promise.resolve();
    let pendingBytes = 0;
    let writeError: unknown;
    /** Chunks hashed and counted in `offset` but not yet handed to the disk (one writev each batch). */
    let batch: Uint8Array[] = [];
    let batched = 0;
    /** Writes out a batch that has waited BATCH_MAX_AGE_MS, so a stall or a kill loses nothing. */
    let batchTimer: NodeJS.Timeout | undefined;
    // The disk write runs on the thread pool while the next chunks are hashed; at most
    // MAX_PENDING_WRITE bytes wait, so memory stays flat whatever the blob size.
    const enqueue = (bufs: Uint8Array[], len: number) => {
      pendingBytes += len;
      pending = pending.then(async () => {
        try {
          if (writeError !== undefined) return;
          let rest = bufs;
          for (let left = len; left > 0; ) {
            const { bytesWritten } = await fh.writev(rest);
            left -= bytesWritten;
            if (left > 0) rest = skipBytes(rest, bytesWritten);
          }
        } catch (e) {
          writeError = e;
        } finally {
          pendingBytes -= len;
        }
      });
    };
    const sendBatch = () => {
      if (batchTimer) clearTimeout(batchTimer);
      batchTimer = undefined;
      if (batched > 0) enqueue(batch, batched);
      batch = [];
      batched = 0;
    };
    const flush = async () => {
      sendBatch();
      await pending;
      if (writeError !== undefined) throw writeError;
    };
    // Re-hash what an earlier ingest left, so the final digest covers the whole blob.
    const st = await fh.stat();
    if (st.size > 0) {
      if (expected.size !== undefined && st.size > expected.size) {
        await fh.truncate(0);
      } else {
        for await (const chunk of createReadStream('', {
          fd: fh.fd,
          start: 0,
          end: st.size - 1,
          autoClose: false,
        })) {
          hasher.update(chunk as Buffer);
        }
        offset = st.size;
      }
    }
    const end = async (discard: boolean) => {
      if (closed) return;
      closed = true;
      // Kept for a resume: what was hashed goes to the partial file too.
      if (discard) batched = 0;
      sendBatch();
      await pending;
      await fh.close().catch(() => {});
      if (discard) await unlink(partial).catch(() => {});
      await lock.release();
      finish();
    };
    const mismatch = async (actual?: Digest) => {
      await end(true);
      const detail: ConstructorParameters<typeof DigestMismatchError>[1] = {
        expected: expected.digest,
        actualSize: offset,
      };
      if (actual) detail.actual = actual;
      if (expected.size !== undefined) detail.expectedSize = expected.size;
      return new DigestMismatchError('blob', detail);
    };
    const writer: IngestWriter = {
      digest: expected.digest,
      get offset() {
        return offset;
      },
      async write(chunk) {
        if (closed) throw new RuntimeError('Internal', `Ingest of ${expected.digest} is closed`);
        if (writeError !== undefined) throw writeError;
        if (expected.size !== undefined && offset + chunk.length > expected.size) {
          offset += chunk.length;
          throw await mismatch();
        }
        hasher.update(chunk);
        offset += chunk.length;
        batch.push(chunk);
        batched += chunk.length;
        if (batched >= WRITE_BATCH) sendBatch();
        else if (!batchTimer) batchTimer = setTimeout(sendBatch, BATCH_MAX_AGE_MS).unref();
        if (pendingBytes > MAX_PENDING_WRITE) await flush();
      },
      async reset() {
        batched = 0;
        sendBatch();
        await pending;
        writeError = undefined;
        await fh.truncate(0);
        hasher = hasherFor(expected.digest);
        offset = 0;
      },
      complete() {
        return (expected.size === undefined || offset === expected.size) && hasher.peek() === expected.digest;
      },
      async commit() {
        if (closed) throw new RuntimeError('Internal', `Ingest of ${expected.digest} is closed`);
        if (expected.size !== undefined && offset !== expected.size) throw await mismatch();
        const actual = hasher.digest();
        if (actual !== expected.digest) throw await mismatch(actual);
        try {
          await flush();
          await fh.datasync();
          await fh.chmod(0o444);
          await rename(partial, blobPath);
          await syncDir(blobDir);
        } catch (e) {
          await end(true);
          const hint = errnoCode(e) === 'ENOSPC' ? 'the disk is full; free space and try again' : '';
          throw new RuntimeError(
            'Unavailable',
            `Cannot commit blob ${expected.digest}: ${(e as Error).message}`,
            {
              cause: e,
              ...(hint ? { hint } : {}),
            },
          );
        }
        await end(false);
        return { digest: expected.digest, size: offset };
      },
      async close(o = {}) {
        await end(o.discard === true);
      },
    };
    return writer;
  }

  /**
   * Stores the bytes of `source` as blob `expected.digest`, hashing while writing. Returns at once
   * (reading nothing) when the blob is already present. Throws DigestMismatchError (code
   * `DataLoss`) when the bytes or size do not match — nothing becomes visible; `Canceled`-style
   * abort errors from `signal`.
   */
  async ingest(
    expected: ExpectedBlob,
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    opts: { signal?: AbortSignal } = {},
  ): Promise<BlobInfo> {
    const w = await this.openWriter(expected, opts);
    if (!w) return (await this.info(expected.digest))!;
    try {
      if (w.offset > 0) await w.reset();
      for await (const chunk of source) {
        opts.signal?.throwIfAborted();
        await w.write(chunk);
      }
      return await w.commit();
    } finally {
      await w.close({ discard: true });
    }
  }

  /** Stores `bytes`, checking them against `expected` when given; returns the blob's info. */
  async writeBlob(bytes: Uint8Array | string, expected?: Digest): Promise<BlobInfo> {
    const buf = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    const digest = expected ?? sha256Of(buf);
    return this.ingest({ digest, size: buf.length }, [buf]);
  }

  /**
   * Reads a whole blob (manifests, configs), at most `maxBytes`, and checks its digest again.
   * Throws `NotFound` when absent, `ResourceExhausted` when bigger, `DataLoss` when corrupted.
   */
  async readBytes(d: Digest, maxBytes = DEFAULT_MAX_READ_BYTES): Promise<Buffer> {
    const info = await this.info(d);
    if (!info) throw new RuntimeError('NotFound', `Blob ${d} is not in the content store`);
    if (info.size > maxBytes) {
      throw new RuntimeError(
        'ResourceExhausted',
        `Blob ${d} is ${info.size} bytes, more than ${maxBytes} allowed`,
      );
    }
    const buf = await readFile(this.path(d));
    const h = hasherFor(d);
    h.update(buf);
    const actual = h.digest();
    if (actual !== d) {
      throw new RuntimeError(
        'DataLoss',
        `Blob ${d} in the content store is corrupted (content is ${actual})`,
        {
          hint: 'remove it with `hostpod image prune` or delete the file, then pull again',
        },
      );
    }
    return buf;
  }

  /** A stream of the committed blob's bytes (emits ENOENT when absent). */
  createReadStream(d: Digest, opts: { start?: number } = {}): ReadStream {
    return createReadStream(this.path(d), opts.start !== undefined ? { start: opts.start } : {});
  }

  /** Removes a committed blob; absent is not an error. */
  async delete(d: Digest): Promise<void> {
    try {
      await unlink(this.path(d));
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
    }
  }

  /** Every committed blob's digest (files with malformed names are skipped). */
  async *list(): AsyncIterable<Digest> {
    for (const alg of Object.keys(DIGEST_ALGORITHMS)) {
      let names: string[];
      try {
        names = await readdir(join(this.root, 'blobs', alg));
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') continue;
        throw e;
      }
      for (const n of names.sort()) {
        const d = `${alg}:${n}`;
        if (isDigest(d)) yield d;
      }
    }
  }

  /**
   * Partial ingests not held by a live process: `{ digest, size, path }`. Garbage collection
   * removes them; a pull would otherwise resume them.
   */
  async listPartials(): Promise<{ digest: Digest; size: number; path: string }[]> {
    let names: string[];
    try {
      names = await readdir(join(this.root, 'ingest'));
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return [];
      throw e;
    }
    const out: { digest: Digest; size: number; path: string }[] = [];
    for (const n of names) {
      const m = /^(sha256|sha512)-([0-9a-f]+)\.partial$/.exec(n);
      if (!m) continue;
      const d = `${m[1]}:${m[2]}`;
      if (!isDigest(d)) continue;
      const p = join(this.root, 'ingest', n);
      const st = await stat(p).catch(() => undefined);
      if (st) out.push({ digest: d, size: st.size, path: p });
    }
    return out;
  }

  /** Removes a partial ingest unless a live process (or this one) is writing it; true when removed. */
  async deletePartial(d: Digest): Promise<boolean> {
    if (inFlight.has(this.path(d))) return false;
    const lock = await tryFileLock(`${this.#ingestBase(d)}.lock`);
    if (!('release' in lock)) return false;
    try {
      await unlink(`${this.#ingestBase(d)}.partial`).catch(() => {});
      return true;
    } finally {
      await lock.release();
    }
  }

  /**
   * Marks the start of work that commits blobs before an image record names them (a pull).
   * While a lease is held by a live process, garbage collection keeps every blob committed
   * since the lease began. Release it when the work is recorded (or failed).
   */
  async lease(): Promise<{ release(): Promise<void> }> {
    const dir = join(this.root, 'leases');
    await this.secure();
    await mkdir(dir, { recursive: true });
    // <pid>.<start time>-<ms>-<random>: a reused pid does not keep a dead lease alive.
    const me = selfIdentity();
    const p = join(dir, `${me.pid}.${me.startTime}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
    await writeFile(p, '');
    return { release: () => unlink(p).catch(() => {}) };
  }

  /** Start time (ms) of the oldest lease held by a live process; undefined when none. Stale leases are removed. */
  async oldestLiveLease(): Promise<number | undefined> {
    const dir = join(this.root, 'leases');
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return undefined;
      throw e;
    }
    let oldest: number | undefined;
    for (const n of names) {
      const [pid = '', startTime = ''] = (n.split('-')[0] ?? '').split('.');
      if (!(await isAlive({ pid: Number.parseInt(pid, 10), startTime }))) {
        await unlink(join(dir, n)).catch(() => {});
        continue;
      }
      const st = await stat(join(dir, n)).catch(() => undefined);
      if (st && (oldest === undefined || st.mtimeMs < oldest)) oldest = st.mtimeMs;
    }
    return oldest;
  }
}
