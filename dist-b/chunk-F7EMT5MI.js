import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  ensurePrivateDir
} from "./chunk-3EFU52EX.js";
import {
  formatIdentity,
  isAlive,
  parseIdentity,
  selfIdentity
} from "./chunk-AVR7YWR3.js";
import {
  parseImageConfig,
  parseJson,
  parseManifest
} from "./chunk-2TIRU24N.js";
import {
  sleep
} from "./chunk-EY5AGAN5.js";
import {
  DIGEST_ALGORITHMS,
  DigestMismatchError,
  digestAlgorithm,
  digestHex,
  hasherFor,
  isDigest,
  parseReference,
  sha256Of
} from "./chunk-4PE76O5T.js";
import {
  RuntimeError,
  errnoCode
} from "./chunk-4ZL3ZTLI.js";

// src/image/content-store.ts
import { createReadStream } from "node:fs";
import {
  mkdir,
  open as open2,
  readdir,
  readFile as readFile2,
  rename as rename3,
  stat as stat2,
  unlink as unlink3,
  writeFile as writeFile2
} from "node:fs/promises";
import { join as join2 } from "node:path";

// src/lib/atomic-write.ts
import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
async function writeFileAtomic(path, data, options = {}) {
  const sync = options.sync ?? true;
  const dir = dirname(path);
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
  const fh = await open(tmp, "wx", options.mode ?? 420);
  try {
    await fh.writeFile(data);
    if (sync) await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {
    });
    await unlink(tmp).catch(() => {
    });
    throw err;
  } finally {
    await fh.close().catch(() => {
    });
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {
    });
    throw err;
  }
  if (sync) await syncDir(dir);
}
async function syncDir(dir) {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

// src/lib/file-lock.ts
import { link, readFile, rename as rename2, stat, unlink as unlink2, writeFile } from "node:fs/promises";
async function holder(path) {
  try {
    return parseIdentity(await readFile(path, "utf8"));
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return void 0;
    throw e;
  }
}
function same(a, b) {
  return a.pid === b.pid && a.startTime === b.startTime;
}
async function tryFileLock(path) {
  const tmp = `${path}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  const me = selfIdentity();
  await writeFile(tmp, `${formatIdentity(me)}
`, { mode: 384, flag: "wx" });
  try {
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        await link(tmp, path);
        const ino = (await stat(path)).ino;
        let released = false;
        return {
          path,
          async release() {
            if (released) return;
            released = true;
            const st = await stat(path).catch(() => void 0);
            if (st?.ino === ino) await unlink2(path).catch(() => {
            });
          }
        };
      } catch (e) {
        if (errnoCode(e) !== "EEXIST") throw e;
      }
      const held = await holder(path);
      if (held === void 0) continue;
      if (same(held, me) || await isAlive(held)) return { heldBy: held.pid };
      const aside = `${path}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
      try {
        await rename2(path, aside);
      } catch (e) {
        if (errnoCode(e) === "ENOENT") continue;
        throw e;
      }
      const moved = await holder(aside);
      if (moved !== void 0 && !same(moved, held) && await isAlive(moved)) {
        await link(aside, path).catch(() => {
        });
        await unlink2(aside).catch(() => {
        });
        return { heldBy: moved.pid };
      }
      await unlink2(aside).catch(() => {
      });
    }
  } finally {
    await unlink2(tmp).catch(() => {
    });
  }
  throw new RuntimeError("Unavailable", `Cannot take lock ${path}: it keeps changing hands`, {
    hint: "another hostpod process is working on the same content; try again"
  });
}
async function acquireFileLock(path, opts = {}) {
  let waited = false;
  for (; ; ) {
    opts.signal?.throwIfAborted();
    const r = await tryFileLock(path);
    if ("release" in r) return r;
    if (!waited) {
      waited = true;
      opts.onWait?.(r.heldBy);
    }
    await sleep(opts.pollMs ?? 50, opts.signal);
  }
}
async function withFileLock(path, fn, signal) {
  const lock = await acquireFileLock(path, signal ? { signal } : {});
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

// src/image/content-store.ts
var DEFAULT_MAX_READ_BYTES = 8 * 1024 * 1024;
var MAX_PENDING_WRITE = 8 * 1024 * 1024;
var WRITE_BATCH = 1024 * 1024;
var BATCH_MAX_AGE_MS = 50;
var inFlight = /* @__PURE__ */ new Map();
function skipBytes(bufs, n) {
  let i = 0;
  while (i < bufs.length && n >= bufs[i].length) n -= bufs[i++].length;
  const rest = bufs.slice(i);
  if (n > 0 && rest.length > 0) rest[0] = rest[0].subarray(n);
  return rest;
}
var LocalContentStore = class {
  root;
  constructor(root) {
    this.root = root;
  }
  /**
   * Makes the store's root exist, readable and traversable by its owner only (0700), tightening
   * a root made with a wider mode: blobs are image content, which other local users must not
   * read. Every write calls it; readers that want an existing store tightened call it too.
   */
  secure() {
    return ensurePrivateDir(this.root);
  }
  /** Where the committed blob is (whether or not it exists). */
  path(d) {
    return join2(this.root, "blobs", digestAlgorithm(d), digestHex(d));
  }
  #ingestBase(d) {
    return join2(this.root, "ingest", `${digestAlgorithm(d)}-${digestHex(d)}`);
  }
  /** The committed blob's digest and size, or undefined when it is not in the store. */
  async info(d) {
    try {
      const st = await stat2(this.path(d));
      return { digest: d, size: st.size };
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return void 0;
      throw e;
    }
  }
  /** Bytes of a partial (uncommitted) ingest of `d`; 0 when there is none. */
  async partialSize(d) {
    try {
      return (await stat2(`${this.#ingestBase(d)}.partial`)).size;
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return 0;
      throw e;
    }
  }
  /**
   * Opens a writer for `expected`, or returns undefined when the blob is already committed (also
   * after waiting for another ingest of it, in this process or another, that committed it).
   * `onWait` is called when another ingest holds the blob. A partial file left by an earlier,
   * interrupted ingest is kept (its bytes re-hashed) so the caller can resume at `offset`.
   */
  async openWriter(expected, opts = {}) {
    const blobPath = this.path(expected.digest);
    for (; ; ) {
      opts.signal?.throwIfAborted();
      const pending = inFlight.get(blobPath);
      if (pending === void 0) break;
      opts.onWait?.();
      await pending.catch(() => {
      });
      if (await this.info(expected.digest)) return void 0;
    }
    if (await this.info(expected.digest)) return void 0;
    let done;
    inFlight.set(
      blobPath,
      new Promise((r) => {
        done = r;
      })
    );
    const finish = () => {
      inFlight.delete(blobPath);
      done();
    };
    let lock;
    try {
      await this.secure();
      await mkdir(join2(this.root, "ingest"), { recursive: true });
      await mkdir(join2(this.root, "blobs", digestAlgorithm(expected.digest)), { recursive: true });
      const lockOpts = {};
      if (opts.signal) lockOpts.signal = opts.signal;
      if (opts.onWait) lockOpts.onWait = opts.onWait;
      lock = await acquireFileLock(`${this.#ingestBase(expected.digest)}.lock`, lockOpts);
      if (await this.info(expected.digest)) {
        await lock.release();
        finish();
        return void 0;
      }
      return await this.#writer(expected, lock, finish);
    } catch (e) {
      await lock?.release();
      finish();
      throw e;
    }
  }
  async #writer(expected, lock, finish) {
    const partial = `${this.#ingestBase(expected.digest)}.partial`;
    const blobPath = this.path(expected.digest);
    const blobDir = join2(this.root, "blobs", digestAlgorithm(expected.digest));
    const fh = await open2(partial, "a+", 384);
    let hasher = hasherFor(expected.digest);
    let offset = 0;
    let closed = false;
    let pending = Promise.resolve();
    let pendingBytes = 0;
    let writeError;
    let batch = [];
    let batched = 0;
    let batchTimer;
    const enqueue = (bufs, len) => {
      pendingBytes += len;
      pending = pending.then(async () => {
        try {
          if (writeError !== void 0) return;
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
      batchTimer = void 0;
      if (batched > 0) enqueue(batch, batched);
      batch = [];
      batched = 0;
    };
    const flush = async () => {
      sendBatch();
      await pending;
      if (writeError !== void 0) throw writeError;
    };
    const st = await fh.stat();
    if (st.size > 0) {
      if (expected.size !== void 0 && st.size > expected.size) {
        await fh.truncate(0);
      } else {
        for await (const chunk of createReadStream("", {
          fd: fh.fd,
          start: 0,
          end: st.size - 1,
          autoClose: false
        })) {
          hasher.update(chunk);
        }
        offset = st.size;
      }
    }
    const end = async (discard) => {
      if (closed) return;
      closed = true;
      if (discard) batched = 0;
      sendBatch();
      await pending;
      await fh.close().catch(() => {
      });
      if (discard) await unlink3(partial).catch(() => {
      });
      await lock.release();
      finish();
    };
    const mismatch = async (actual) => {
      await end(true);
      const detail = {
        expected: expected.digest,
        actualSize: offset
      };
      if (actual) detail.actual = actual;
      if (expected.size !== void 0) detail.expectedSize = expected.size;
      return new DigestMismatchError("blob", detail);
    };
    const writer = {
      digest: expected.digest,
      get offset() {
        return offset;
      },
      async write(chunk) {
        if (closed) throw new RuntimeError("Internal", `Ingest of ${expected.digest} is closed`);
        if (writeError !== void 0) throw writeError;
        if (expected.size !== void 0 && offset + chunk.length > expected.size) {
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
        writeError = void 0;
        await fh.truncate(0);
        hasher = hasherFor(expected.digest);
        offset = 0;
      },
      complete() {
        return (expected.size === void 0 || offset === expected.size) && hasher.peek() === expected.digest;
      },
      async commit() {
        if (closed) throw new RuntimeError("Internal", `Ingest of ${expected.digest} is closed`);
        if (expected.size !== void 0 && offset !== expected.size) throw await mismatch();
        const actual = hasher.digest();
        if (actual !== expected.digest) throw await mismatch(actual);
        try {
          await flush();
          await fh.datasync();
          await fh.chmod(292);
          await rename3(partial, blobPath);
          await syncDir(blobDir);
        } catch (e) {
          await end(true);
          const hint = errnoCode(e) === "ENOSPC" ? "the disk is full; free space and try again" : "";
          throw new RuntimeError(
            "Unavailable",
            `Cannot commit blob ${expected.digest}: ${e.message}`,
            {
              cause: e,
              ...hint ? { hint } : {}
            }
          );
        }
        await end(false);
        return { digest: expected.digest, size: offset };
      },
      async close(o = {}) {
        await end(o.discard === true);
      }
    };
    return writer;
  }
  /**
   * Stores the bytes of `source` as blob `expected.digest`, hashing while writing. Returns at once
   * (reading nothing) when the blob is already present. Throws DigestMismatchError (code
   * `DataLoss`) when the bytes or size do not match — nothing becomes visible; `Canceled`-style
   * abort errors from `signal`.
   */
  async ingest(expected, source, opts = {}) {
    const w = await this.openWriter(expected, opts);
    if (!w) return await this.info(expected.digest);
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
  async writeBlob(bytes, expected) {
    const buf = typeof bytes === "string" ? Buffer.from(bytes) : bytes;
    const digest = expected ?? sha256Of(buf);
    return this.ingest({ digest, size: buf.length }, [buf]);
  }
  /**
   * Reads a whole blob (manifests, configs), at most `maxBytes`, and checks its digest again.
   * Throws `NotFound` when absent, `ResourceExhausted` when bigger, `DataLoss` when corrupted.
   */
  async readBytes(d, maxBytes = DEFAULT_MAX_READ_BYTES) {
    const info = await this.info(d);
    if (!info) throw new RuntimeError("NotFound", `Blob ${d} is not in the content store`);
    if (info.size > maxBytes) {
      throw new RuntimeError(
        "ResourceExhausted",
        `Blob ${d} is ${info.size} bytes, more than ${maxBytes} allowed`
      );
    }
    const buf = await readFile2(this.path(d));
    const h = hasherFor(d);
    h.update(buf);
    const actual = h.digest();
    if (actual !== d) {
      throw new RuntimeError(
        "DataLoss",
        `Blob ${d} in the content store is corrupted (content is ${actual})`,
        {
          hint: "remove it with `hostpod image prune` or delete the file, then pull again"
        }
      );
    }
    return buf;
  }
  /** A stream of the committed blob's bytes (emits ENOENT when absent). */
  createReadStream(d, opts = {}) {
    return createReadStream(this.path(d), opts.start !== void 0 ? { start: opts.start } : {});
  }
  /** Removes a committed blob; absent is not an error. */
  async delete(d) {
    try {
      await unlink3(this.path(d));
    } catch (e) {
      if (errnoCode(e) !== "ENOENT") throw e;
    }
  }
  /** Every committed blob's digest (files with malformed names are skipped). */
  async *list() {
    for (const alg of Object.keys(DIGEST_ALGORITHMS)) {
      let names;
      try {
        names = await readdir(join2(this.root, "blobs", alg));
      } catch (e) {
        if (errnoCode(e) === "ENOENT") continue;
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
  async listPartials() {
    let names;
    try {
      names = await readdir(join2(this.root, "ingest"));
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return [];
      throw e;
    }
    const out = [];
    for (const n of names) {
      const m = /^(sha256|sha512)-([0-9a-f]+)\.partial$/.exec(n);
      if (!m) continue;
      const d = `${m[1]}:${m[2]}`;
      if (!isDigest(d)) continue;
      const p = join2(this.root, "ingest", n);
      const st = await stat2(p).catch(() => void 0);
      if (st) out.push({ digest: d, size: st.size, path: p });
    }
    return out;
  }
  /** Removes a partial ingest unless a live process (or this one) is writing it; true when removed. */
  async deletePartial(d) {
    if (inFlight.has(this.path(d))) return false;
    const lock = await tryFileLock(`${this.#ingestBase(d)}.lock`);
    if (!("release" in lock)) return false;
    try {
      await unlink3(`${this.#ingestBase(d)}.partial`).catch(() => {
      });
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
  async lease() {
    const dir = join2(this.root, "leases");
    await this.secure();
    await mkdir(dir, { recursive: true });
    const me = selfIdentity();
    const p = join2(dir, `${me.pid}.${me.startTime}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
    await writeFile2(p, "");
    return { release: () => unlink3(p).catch(() => {
    }) };
  }
  /** Start time (ms) of the oldest lease held by a live process; undefined when none. Stale leases are removed. */
  async oldestLiveLease() {
    const dir = join2(this.root, "leases");
    let names;
    try {
      names = await readdir(dir);
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return void 0;
      throw e;
    }
    let oldest;
    for (const n of names) {
      const [pid = "", startTime = ""] = (n.split("-")[0] ?? "").split(".");
      if (!await isAlive({ pid: Number.parseInt(pid, 10), startTime })) {
        await unlink3(join2(dir, n)).catch(() => {
        });
        continue;
      }
      const st = await stat2(join2(dir, n)).catch(() => void 0);
      if (st && (oldest === void 0 || st.mtimeMs < oldest)) oldest = st.mtimeMs;
    }
    return oldest;
  }
};

// src/image/image-store.ts
import { mkdir as mkdir2, readFile as readFile3 } from "node:fs/promises";
import { dirname as dirname2, join as join3 } from "node:path";
var chains = /* @__PURE__ */ new Map();
var ImageStore = class {
  file;
  content;
  constructor(root, content) {
    this.file = join3(root, "images.json");
    this.content = content;
  }
  async #read() {
    let text;
    try {
      text = await readFile3(this.file, "utf8");
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return { version: 1, images: [] };
      throw e;
    }
    const v = parseJson(text, `image store ${this.file}`);
    if (v.version !== 1 || !Array.isArray(v.images)) {
      throw new RuntimeError("DataLoss", `Image store ${this.file} has an unknown format`, {
        hint: "move the file away; images can be pulled or imported again"
      });
    }
    return { version: 1, images: v.images.filter((r) => isDigest(r?.digest) && typeof r.name === "string") };
  }
  async #update(fn) {
    const prev = chains.get(this.file) ?? Promise.resolve();
    const run = prev.catch(() => {
    }).then(async () => {
      await mkdir2(dirname2(this.file), { recursive: true });
      return withFileLock(`${this.file}.lock`, async () => {
        const s = await this.#read();
        const r = await fn(s);
        await writeFileAtomic(this.file, `${JSON.stringify(s, null, 2)}
`, { mode: 384 });
        return r;
      });
    });
    chains.set(this.file, run);
    try {
      return await run;
    } finally {
      if (chains.get(this.file) === run) chains.delete(this.file);
    }
  }
  /**
   * Points `name` (a reference, normalised here; '' for digest-only) at the manifest `manifestDigest`,
   * which must already be in the content store with its config. Replaces what the name pointed at.
   * Throws `InvalidArgument` for a bad name, `NotFound` when the manifest or config is missing.
   */
  async put(name, manifestDigest, opts = {}) {
    const norm = name === "" ? "" : parseReference(name).string();
    const manifest = parseManifest(parseJson(await this.content.readBytes(manifestDigest), "image manifest"));
    const config = parseImageConfig(
      parseJson(await this.content.readBytes(manifest.config.digest), "image config")
    );
    const rec = {
      name: norm,
      digest: manifestDigest,
      configDigest: manifest.config.digest,
      platform: [config.os, config.architecture, config.variant].filter((x) => x).join("/"),
      size: manifest.config.size + manifest.layers.reduce((a, l) => a + l.size, 0),
      updatedAt: (/* @__PURE__ */ new Date()).toISOString()
    };
    if (opts.indexDigest) rec.indexDigest = opts.indexDigest;
    if (config.created) rec.created = config.created;
    await this.#update((s) => {
      s.images = s.images.filter(
        (r) => norm === "" ? !(r.name === "" && r.digest === manifestDigest) : r.name !== norm
      );
      s.images.push(rec);
    });
    return rec;
  }
  /** Every record, sorted by name (digest-only ones last). */
  async list() {
    const s = await this.#read();
    return s.images.sort(
      (a, b) => (a.name === "" ? 1 : 0) - (b.name === "" ? 1 : 0) || a.name.localeCompare(b.name)
    );
  }
  /**
   * Finds every record that `query` names: an exact reference (normalised: `busybox` finds
   * `docker.io/library/busybox:latest`), a reference with a digest (`name@sha256:…`), a full
   * manifest, index or config digest, or a hex prefix (≥ 4) of the config or manifest digest.
   */
  async find(query) {
    const all = await this.#read();
    const q = query.trim();
    if (isDigest(q)) {
      return all.images.filter((r) => r.digest === q || r.configDigest === q || r.indexDigest === q);
    }
    let byName = [];
    try {
      const ref = parseReference(q);
      byName = all.images.filter((r) => r.name === ref.string());
      if (byName.length > 0) return byName;
      if (ref.digest) {
        byName = all.images.filter(
          (r) => (r.digest === ref.digest || r.indexDigest === ref.digest) && (r.name === "" || r.name.startsWith(`${ref.name}:`))
        );
      } else byName = all.images.filter((r) => r.name === ref.string());
    } catch {
    }
    if (byName.length > 0) return byName;
    const hex = q.replace(/^sha256:/, "");
    if (/^[0-9a-f]{4,64}$/.test(hex)) {
      return all.images.filter(
        (r) => digestHex(r.configDigest).startsWith(hex) || digestHex(r.digest).startsWith(hex)
      );
    }
    return [];
  }
  /**
   * The one image `query` names (see {@link find}); undefined when none. Throws
   * `FailedPrecondition` when an id prefix names several different images.
   */
  async get(query) {
    const found = await this.find(query);
    const distinct = new Set(found.map((r) => r.digest));
    if (distinct.size > 1) {
      throw new RuntimeError(
        "FailedPrecondition",
        `Image id "${query}" is ambiguous: it matches ${distinct.size} images`,
        {
          hint: "give more digits of the id, or the image name"
        }
      );
    }
    return found[0];
  }
  /**
   * Removes the records `query` names (see {@link find}): a name removes that name only; an id
   * or digest removes every name of that image. Returns what was removed (empty when nothing
   * matched). Blobs stay until garbage collection.
   */
  async remove(query) {
    const found = await this.find(query);
    if (found.length === 0) return [];
    const keys = new Set(found.map((r) => `${r.name}\0${r.digest}`));
    return this.#update((s) => {
      const removed = s.images.filter((r) => keys.has(`${r.name}\0${r.digest}`));
      s.images = s.images.filter((r) => !keys.has(`${r.name}\0${r.digest}`));
      return removed;
    });
  }
};

// src/lib/state-root.ts
import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join as join4 } from "node:path";
var STATE_ROOT_MODE = 457;
var TRAVERSED = /* @__PURE__ */ new Set(["pods", "sandboxes"]);
var KNOWN = ["containers", "content", "layers", "pods", "sandboxes", "trash"];
function prepareStateRoot(root, uid = process.getuid?.()) {
  try {
    mkdirSync(root, { recursive: true, mode: STATE_ROOT_MODE });
  } catch (err) {
    const code = errnoCode(err);
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
      throw new RuntimeError("PermissionDenied", `Cannot create the state root ${root}: ${code}`, {
        hint: "run as root, or give another --root (or $HOSTPOD_ROOT) you may write",
        cause: err
      });
    }
    if (code !== "EEXIST") throw err;
  }
  const st = statSync(root);
  if (!st.isDirectory()) {
    throw new RuntimeError("FailedPrecondition", `Cannot use ${root} as the state root: not a directory`);
  }
  if (uid !== void 0 && st.uid !== uid) {
    if (uid !== 0) return;
    throw new RuntimeError(
      "FailedPrecondition",
      `Cannot use ${root} as the state root: it belongs to uid ${st.uid}, not to root`,
      { hint: `whoever owns it controls what hostpod (root) reads and deletes there: chown root ${root}` }
    );
  }
  if ((st.mode & 4095) !== STATE_ROOT_MODE) chmodSync(root, STATE_ROOT_MODE);
  for (const name of KNOWN) {
    try {
      mkdirSync(join4(root, name), { mode: 448 });
    } catch (err) {
      if (errnoCode(err) !== "EEXIST") throw err;
    }
  }
  for (const name of readdirSync(root)) {
    const path = join4(root, name);
    let entry;
    try {
      entry = lstatSync(path);
    } catch (err) {
      if (errnoCode(err) === "ENOENT") continue;
      throw err;
    }
    const want = entry.isDirectory() ? TRAVERSED.has(name) ? 457 : 448 : entry.isFile() ? 384 : void 0;
    if (want !== void 0 && (entry.mode & 4095) !== want && entry.uid === st.uid) chmodSync(path, want);
  }
}

export {
  tryFileLock,
  withFileLock,
  writeFileAtomic,
  LocalContentStore,
  ImageStore,
  prepareStateRoot
};
