import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  MAX_SYMLINKS
} from "./chunk-6VMJICQW.js";
import {
  DigestMismatchError,
  hasherFor,
  parseDigest
} from "./chunk-4PE76O5T.js";
import {
  RuntimeError,
  describeError,
  errnoCode
} from "./chunk-4ZL3ZTLI.js";

// src/image/unpack/decompress.ts
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
var CHUNK = 256 * 1024;
function sniffCompression(head) {
  if (head[0] === 31 && head[1] === 139) return "gzip";
  if (head[0] === 40 && head[1] === 181 && head[2] === 47 && head[3] === 253) return "zstd";
  if (head[0] === 66 && head[1] === 90 && head[2] === 104) {
    throw new RuntimeError("NotImplemented", "Cannot unpack a bzip2-compressed layer", {
      hint: "OCI layers are gzip, zstd or uncompressed tar"
    });
  }
  if (head[0] === 253 && head[1] === 55 && head[2] === 122 && head[3] === 88 && head[4] === 90) {
    throw new RuntimeError("NotImplemented", "Cannot unpack an xz-compressed layer", {
      hint: "OCI layers are gzip, zstd or uncompressed tar"
    });
  }
  return "none";
}
async function* decompress(source, onCompression) {
  const it = source[Symbol.asyncIterator]();
  const head = [];
  let headLen = 0;
  let ended = false;
  while (headLen < 6) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.length);
    head.push(b);
    headLen += b.length;
  }
  const first = Buffer.concat(head, headLen);
  const kind = sniffCompression(first);
  onCompression?.(kind);
  async function* rest() {
    if (first.length > 0) yield first;
    if (ended) return;
    for (; ; ) {
      const r = await it.next();
      if (r.done) return;
      yield Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.length);
    }
  }
  if (kind === "none") {
    yield* rest();
    return;
  }
  if (kind === "gzip") {
    const gunzip = createGunzip({ chunkSize: CHUNK });
    const input = Readable.from(rest(), { objectMode: false, highWaterMark: CHUNK });
    input.on("error", (e) => gunzip.destroy(e));
    input.pipe(gunzip);
    try {
      for await (const chunk of gunzip) yield chunk;
    } catch (e) {
      throw wrapCorrupt("gzip", e);
    } finally {
      input.destroy();
      gunzip.destroy();
    }
    return;
  }
  const { Decompress } = await import("./esm-PRB7GULZ.js");
  let out = [];
  const d = new Decompress((chunk) => {
    out.push(Buffer.from(chunk));
  });
  try {
    for await (const b of rest()) {
      d.push(b);
      if (out.length > 0) {
        const o = out;
        out = [];
        yield* o;
      }
    }
    d.push(new Uint8Array(0), true);
  } catch (e) {
    throw wrapCorrupt("zstd", e);
  }
  yield* out;
}
function wrapCorrupt(kind, e) {
  if (e instanceof RuntimeError) return e;
  return new RuntimeError(
    "DataLoss",
    `Cannot unpack a ${kind} layer: ${e instanceof Error ? e.message : String(e)}`,
    {
      cause: e,
      hint: "the blob is corrupt or truncated; fetch or import it again"
    }
  );
}

// src/image/unpack/applier.ts
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeSync
} from "node:fs";

// src/image/unpack/special-files.ts
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
var PERL = "/usr/bin/perl";
var SYSCALLS = {
  x64: { mknodat: 259, lsetxattr: 189 },
  arm64: { mknodat: 33, lsetxattr: 6 },
  riscv64: { mknodat: 33, lsetxattr: 6 },
  loong64: { mknodat: 33, lsetxattr: 6 }
};
var SCRIPT = `
use strict; my ($mk, $sx) = @ARGV; $/ = "\\0"; $| = 0;
while (defined(my $op = <STDIN>)) {
  chomp $op; my $p = <STDIN>; chomp $p; my $r;
  if ($op eq 'w') { $r = syscall($mk + 0, -100, $p . "\\0", 0020000 + 0, 0); }
  else { my $n = <STDIN>; chomp $n; my $v = <STDIN>; chomp $v; $v = pack('H*', $v);
         $r = syscall($sx + 0, $p . "\\0", $n . "\\0", $v, length($v) + 0, 0); }
  print(($r == 0 ? "0" : "$!") . "\\n");
}
`;
async function applySpecialOps(ops) {
  if (ops.length === 0) return [];
  const nums = SYSCALLS[process.arch];
  if (nums && existsSync(PERL)) return runPerl(ops, nums);
  return runFallback(ops);
}
function runPerl(ops, nums) {
  return new Promise((resolve, reject) => {
    const child = spawn(PERL, ["-e", SCRIPT, String(nums.mknodat), String(nums.lsetxattr)], {
      stdio: ["pipe", "pipe", "pipe"]
    });
    const out = [];
    const err = [];
    child.stdout.on("data", (b) => out.push(b));
    child.stderr.on("data", (b) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => {
      const lines = Buffer.concat(out).toString("utf8").split("\n");
      if (code !== 0 || lines.length < ops.length) {
        reject(
          new Error(`special-file helper failed (exit ${code}): ${Buffer.concat(err).toString().trim()}`)
        );
        return;
      }
      const failures = [];
      ops.forEach((op, i) => {
        const l = lines[i] ?? "";
        if (l !== "0") failures.push({ op, error: l });
      });
      resolve(failures);
    });
    const parts = [];
    for (const op of ops) {
      if (op.kind === "whiteout") parts.push("w", op.path);
      else parts.push("x", op.path, op.name, op.value.toString("hex"));
    }
    child.stdin.on("error", () => {
    });
    child.stdin.end(`${parts.join("\0")}\0`);
  });
}
async function runFallback(ops) {
  const failures = [];
  for (const op of ops) {
    if (op.kind === "xattr") {
      failures.push({ op, error: `no xattr helper for architecture ${process.arch}` });
      continue;
    }
    const code = await new Promise((resolve) => {
      const c = spawn("mknod", [op.path, "c", "0", "0"], { stdio: "ignore" });
      c.on("error", () => resolve(-1));
      c.on("close", resolve);
    });
    if (code !== 0) failures.push({ op, error: `mknod exited with ${code}` });
  }
  return failures;
}

// src/image/unpack/xattr-policy.ts
var WRITE = { apply: true };
function xattrDecision(name) {
  if (name.startsWith("trusted.overlay.") || name.startsWith("user.overlay.")) {
    return { apply: false, why: "overlay metadata (only whiteout entries may set it)" };
  }
  if (name.startsWith("trusted.")) {
    return { apply: false, why: "the trusted namespace belongs to host services, not images" };
  }
  if (name === "security.capability") return WRITE;
  if (name.startsWith("security.")) {
    return { apply: false, why: "security labels are the host policy's to set, not an image's" };
  }
  return WRITE;
}

// src/image/unpack/applier.ts
var O_CREATE_EXCL = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
var MAX_NOTES = 20;
var OPAQUE_MARKER = ".wh..wh..opq";
var WHITEOUT_PREFIX = ".wh.";
function cleanName(name) {
  const out = [];
  for (const c of name.split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") {
      if (out.length === 0) return null;
      out.pop();
      continue;
    }
    out.push(c);
  }
  return out;
}
function joinRel(parent, name) {
  return parent === "" ? name : `${parent}/${name}`;
}
function parentOf(rel) {
  const i = rel.lastIndexOf("/");
  return i === -1 ? "" : rel.slice(0, i);
}
function lstatOrUndefined(p) {
  try {
    return lstatSync(p, { throwIfNoEntry: false });
  } catch (e) {
    if (errnoCode(e) === "ENOTDIR") return void 0;
    throw e;
  }
}
function isWhiteoutDevice(st) {
  return st.isCharacterDevice() && st.rdev === 0;
}
var LayerApplier = class {
  #o;
  #top;
  #layers;
  /** Resolved directory path → indices of the layers where it is a visible directory. */
  #visible = /* @__PURE__ */ new Map();
  /** Directories known to exist (as real directories) in the top layer. */
  #topDirs = /* @__PURE__ */ new Set([""]);
  #opaqueTop = /* @__PURE__ */ new Set();
  #pendingWhiteouts = /* @__PURE__ */ new Set();
  /** Paths created by this layer (apply mode: an opaque marker must not delete them). */
  #created = /* @__PURE__ */ new Set();
  #dirMeta = /* @__PURE__ */ new Map();
  #xattrs = [];
  /** Xattr names left out by the policy: first entry, count, why (one note per name). */
  #skippedXattrs = /* @__PURE__ */ new Map();
  #notes = [];
  #extraNotes = 0;
  #fd = -1;
  #cur;
  #entries = 0;
  #files = 0;
  #whiteouts = 0;
  #setuidDropped = 0;
  constructor(opts) {
    this.#o = opts;
    this.#top = opts.target.replace(/\/+$/, "");
    const lowers = opts.mode === "overlay" ? opts.lowers ?? [] : [];
    this.#layers = [{ dir: this.#top, opaque: this.#opaqueTop }, ...lowers.map((l) => ({ ...l }))];
  }
  /** The name of the entry being applied (for error messages), or undefined between entries. */
  current;
  entry(e) {
    this.#entries++;
    this.#cur = void 0;
    this.current = e.name;
    const comps = cleanName(e.name);
    if (comps === null) this.#refuse(e, "its path climbs above the target directory");
    if (comps.length === 0) return;
    const base = comps[comps.length - 1];
    const parentRel = this.#resolveDir(comps.slice(0, -1), e);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      this.#whiteout(e, parentRel, base);
      return;
    }
    const rel = joinRel(parentRel, base);
    if (this.#o.mode === "apply") this.#created.add(rel);
    let makeOpaque = false;
    if (this.#pendingWhiteouts.delete(rel)) makeOpaque = e.type === "dir";
    this.#ensureTopDir(parentRel, e);
    const path = `${this.#top}/${rel}`;
    switch (e.type) {
      case "file":
        this.#openFile(path, rel);
        this.#cur = e;
        this.#files++;
        break;
      case "dir":
        this.#makeDir(path, rel);
        this.#dirMeta.set(rel, { mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime });
        if (makeOpaque) this.#markOpaque(rel);
        break;
      case "symlink":
        if (e.linkname === "") this.#refuse(e, "it is a symlink with an empty target");
        this.#replace(rel, () => symlinkSync(e.linkname, path));
        if (this.#o.chown && (e.uid !== 0 || e.gid !== 0)) lchownSync(path, e.uid, e.gid);
        lutimesSync(path, e.mtime, e.mtime);
        break;
      case "hardlink":
        this.#hardlink(e, rel, path);
        break;
      default:
        this.#note(`skipped ${e.type} device/FIFO "${e.name}"`);
        return;
    }
    if (e.xattrs) {
      for (const [name, value] of e.xattrs) {
        const d = xattrDecision(name);
        if (d.apply) this.#xattrs.push({ rel, name, value });
        else this.#skipXattr(name, e.name, d.why);
      }
    }
  }
  data(chunk) {
    if (this.#fd === -1) return;
    let off = 0;
    while (off < chunk.length) off += writeSync(this.#fd, chunk, off, chunk.length - off);
  }
  entryEnd() {
    const e = this.#cur;
    if (e === void 0) return;
    this.#cur = void 0;
    const fd = this.#fd;
    this.#fd = -1;
    try {
      if (this.#o.chown && (e.uid !== 0 || e.gid !== 0)) fchownSync(fd, e.uid, e.gid);
      fchmodSync(fd, this.#mode(e));
      futimesSync(fd, e.mtime, e.mtime);
    } finally {
      closeSync(fd);
    }
  }
  /** Closes what is open after a failure (the caller removes the target). */
  abort() {
    if (this.#fd !== -1) {
      try {
        closeSync(this.#fd);
      } catch {
      }
      this.#fd = -1;
    }
  }
  /**
   * Finishes the layer: whiteouts and xattrs (one helper process), then directory modes,
   * owners and mtimes, deepest first (writing children changed them).
   */
  async finish() {
    const ok = (rel) => {
      if (this.#parentsAreDirs(rel)) return true;
      this.#note(`skipped a deferred change to "${rel}": its parent was replaced`);
      return false;
    };
    const ops = [];
    for (const rel of this.#pendingWhiteouts) {
      if (ok(rel)) ops.push({ kind: "whiteout", path: `${this.#top}/${rel}` });
    }
    for (const rel of this.#opaqueTop) {
      if (rel !== "" && !ok(rel)) continue;
      ops.push({
        kind: "xattr",
        path: this.#abs(rel),
        name: "trusted.overlay.opaque",
        value: Buffer.from("y")
      });
    }
    for (const x of this.#xattrs) {
      if (ok(x.rel)) ops.push({ kind: "xattr", path: this.#abs(x.rel), name: x.name, value: x.value });
    }
    const failures = await applySpecialOps(ops);
    for (const f of failures) {
      if (f.op.kind === "whiteout" || f.op.name === "trusted.overlay.opaque") {
        throw new RuntimeError(
          "FailedPrecondition",
          `Cannot unpack ${this.#o.what}: cannot create overlay ${f.op.kind === "whiteout" ? "whiteout" : "opaque marker"} ${f.op.path}: ${f.error}`,
          { hint: "overlay-mode unpack needs root and a filesystem with trusted xattrs (ext4, xfs, tmpfs)" }
        );
      }
      this.#note(`xattr ${f.op.name} not set on ${f.op.path}: ${f.error}`);
    }
    const dirs = [...this.#dirMeta.entries()].sort((a, b) => depth(b[0]) - depth(a[0]));
    for (const [rel, m] of dirs) {
      const p = this.#abs(rel);
      const st = lstatOrUndefined(p);
      if (!st?.isDirectory() || !this.#parentsAreDirs(rel)) continue;
      if (this.#o.chown && (m.uid !== 0 || m.gid !== 0)) lchownSync(p, m.uid, m.gid);
      chmodSync(p, m.mode);
      utimesSync(p, m.mtime, m.mtime);
    }
    for (const [name, x] of this.#skippedXattrs) {
      const where = x.count === 1 ? `"${x.first}"` : `${x.count} entries (the first "${x.first}")`;
      this.#note(`ignored xattr ${name} on ${where}: ${x.why}`);
    }
    if (this.#setuidDropped > 0) {
      this.#note(`dropped setuid/setgid bits on ${this.#setuidDropped} entries (keepSetuid not set)`);
    }
    if (!this.#o.chown) this.#note("ownership not applied (not running as root)");
    const notes = [...this.#notes];
    if (this.#extraNotes > 0) notes.push(`\u2026 and ${this.#extraNotes} more notes`);
    return {
      entries: this.#entries,
      files: this.#files,
      opaque: [...this.#opaqueTop].sort(),
      whiteouts: this.#whiteouts,
      notes
    };
  }
  // ---------------------------------------------------------------- helpers
  #abs(rel) {
    return rel === "" ? this.#top : `${this.#top}/${rel}`;
  }
  #mode(e) {
    if (this.#o.keepSetuid || (e.mode & 3072) === 0) return e.mode;
    this.#setuidDropped++;
    return e.mode & ~3072;
  }
  #skipXattr(name, entry, why) {
    const x = this.#skippedXattrs.get(name);
    if (x) x.count++;
    else if (this.#skippedXattrs.size < MAX_NOTES)
      this.#skippedXattrs.set(name, { first: entry, count: 1, why });
    else this.#extraNotes++;
  }
  #note(s) {
    if (this.#notes.length < MAX_NOTES) this.#notes.push(s);
    else this.#extraNotes++;
  }
  #refuse(e, why, hint) {
    throw new RuntimeError("InvalidArgument", `Cannot unpack ${this.#o.what}: entry "${e.name}": ${why}`, {
      hint: hint ?? "the layer is malformed or hostile; it was not unpacked"
    });
  }
  /** The topmost layer that has `rel` (whiteouts and opaque directories respected). */
  #lookup(rel) {
    const layers = this.#visibleDir(parentOf(rel));
    for (const i of layers) {
      if (i === 0 && this.#pendingWhiteouts.has(rel)) return void 0;
      const st = lstatOrUndefined(`${this.#layers[i].dir}/${rel}`);
      if (st === void 0) continue;
      if (i !== 0 && isWhiteoutDevice(st)) return void 0;
      return { layer: i, st };
    }
    return void 0;
  }
  /** Indices of the layers in which the resolved path `rel` is a visible directory. */
  #visibleDir(rel) {
    const cached = this.#visible.get(rel);
    if (cached) return cached;
    let result;
    if (rel === "") {
      result = [];
      for (let i = 0; i < this.#layers.length; i++) {
        result.push(i);
        if (this.#layers[i].opaque.has("")) break;
      }
    } else {
      result = [];
      for (const i of this.#visibleDir(parentOf(rel))) {
        if (i === 0 && this.#pendingWhiteouts.has(rel)) break;
        const st = lstatOrUndefined(`${this.#layers[i].dir}/${rel}`);
        if (st === void 0) continue;
        if (!st.isDirectory()) break;
        result.push(i);
        if (this.#layers[i].opaque.has(rel)) break;
      }
    }
    this.#visible.set(rel, result);
    return result;
  }
  /** Forgets cached facts about `rel` and everything under it (it was replaced or removed). */
  #forget(rel) {
    const had = this.#visible.delete(rel) || this.#topDirs.has(rel);
    this.#topDirs.delete(rel);
    if (!had) return;
    const prefix = rel === "" ? "" : `${rel}/`;
    for (const k of this.#visible.keys()) if (k.startsWith(prefix)) this.#visible.delete(k);
    for (const k of this.#topDirs) if (k.startsWith(prefix) && k !== "") this.#topDirs.delete(k);
  }
  /**
   * Resolves directory components inside the target, following symlinks with the target as
   * the root. Returns the resolved in-target path ('' = the root).
   *
   * Not `lib/walk-path.ts`'s `walkPath`, although the rules are the same (absolute targets
   * re-rooted, `..` stops at the root, MAX_SYMLINKS): each component is looked up in a merged
   * view of several layer directories (the top layer's own entries, whiteouts and opaque
   * directories hide lower ones), through this applier's cache of what it has written, and
   * synchronously — an unpack makes this lookup for every tar entry.
   */
  #resolveDir(comps, e) {
    const queue = comps.slice().reverse();
    const resolved = [];
    let rel = "";
    let links = 0;
    while (queue.length > 0) {
      const c = queue.pop();
      if (c === "" || c === ".") continue;
      if (c === "..") {
        resolved.pop();
        rel = resolved.join("/");
        continue;
      }
      const next = joinRel(rel, c);
      if (this.#visible.has(next) && this.#visible.get(next).length > 0) {
        resolved.push(c);
        rel = next;
        continue;
      }
      const hit = this.#lookup(next);
      if (hit?.st.isSymbolicLink()) {
        if (++links > MAX_SYMLINKS) this.#refuse(e, "too many levels of symbolic links in its parent path");
        const target = readlinkSync(`${this.#layers[hit.layer].dir}/${next}`);
        if (target.startsWith("/")) {
          resolved.length = 0;
          rel = "";
        }
        const parts = target.split("/");
        for (let i = parts.length - 1; i >= 0; i--) queue.push(parts[i]);
        continue;
      }
      if (hit && !hit.st.isDirectory()) this.#refuse(e, `its parent "${next}" is not a directory`);
      resolved.push(c);
      rel = next;
    }
    return rel;
  }
  /** Makes `rel` a real directory in the top layer, copying a lower layer's metadata. */
  #ensureTopDir(rel, e) {
    if (this.#topDirs.has(rel)) return;
    const parts = rel.split("/");
    let cur = "";
    for (const c of parts) {
      cur = joinRel(cur, c);
      if (this.#topDirs.has(cur)) continue;
      const p = `${this.#top}/${cur}`;
      const st = lstatOrUndefined(p);
      if (st?.isDirectory()) {
        this.#topDirs.add(cur);
        continue;
      }
      if (st !== void 0) this.#refuse(e, `its parent "${cur}" is not a directory`);
      const lower = this.#visibleDir(cur).find((i) => i !== 0);
      const wasWhiteout = this.#pendingWhiteouts.delete(cur);
      mkdirSync(p, 493);
      this.#visible.delete(cur);
      this.#topDirs.add(cur);
      if (wasWhiteout) this.#markOpaque(cur);
      else if (lower !== void 0) {
        const ls = lstatSync(`${this.#layers[lower].dir}/${cur}`);
        this.#dirMeta.set(cur, {
          mode: ls.mode & 4095,
          uid: ls.uid,
          gid: ls.gid,
          mtime: ls.mtimeMs / 1e3
        });
      }
    }
  }
  /** Runs `create`; if something is in the way, removes it (never following it) and retries. */
  #replace(rel, create) {
    try {
      create();
      return;
    } catch (err) {
      if (errnoCode(err) !== "EEXIST") throw err;
    }
    this.#remove(rel);
    create();
  }
  #remove(rel) {
    const p = `${this.#top}/${rel}`;
    const st = lstatOrUndefined(p);
    if (st === void 0) return;
    if (st.isDirectory()) rmSync(p, { recursive: true, force: true });
    else unlinkSync(p);
    this.#forget(rel);
    this.#purge(rel, st.isDirectory());
  }
  /**
   * Drops the deferred operations (whiteouts, opaque markers, xattrs, directory metadata) at
   * `rel` and, for a removed directory, under it: they are moot, and done by path at the end
   * they could otherwise go through whatever now stands at `rel` (a symlink, say).
   */
  #purge(rel, wasDir) {
    const under = (k) => k === rel || wasDir && k.startsWith(`${rel}/`);
    for (const set of [this.#pendingWhiteouts, this.#opaqueTop]) {
      if (!wasDir) set.delete(rel);
      else for (const k of set) if (under(k)) set.delete(k);
    }
    if (!wasDir) this.#dirMeta.delete(rel);
    else for (const k of this.#dirMeta.keys()) if (under(k)) this.#dirMeta.delete(k);
    if (this.#xattrs.length > 0) {
      const keep = this.#xattrs.filter((x) => !under(x.rel));
      this.#xattrs.length = 0;
      this.#xattrs.push(...keep);
    }
  }
  /** True when every component of `rel`'s parent is a real directory (no symlink) in the top layer. */
  #parentsAreDirs(rel) {
    let cur = this.#top;
    const parts = rel.split("/");
    for (let i = 0; i < parts.length - 1; i++) {
      cur = `${cur}/${parts[i]}`;
      if (!lstatOrUndefined(cur)?.isDirectory()) return false;
    }
    return true;
  }
  #openFile(path, rel) {
    let fd;
    try {
      fd = openSync(path, O_CREATE_EXCL, 384);
    } catch (err) {
      if (errnoCode(err) !== "EEXIST") throw err;
      this.#remove(rel);
      fd = openSync(path, O_CREATE_EXCL, 384);
    }
    this.#fd = fd;
  }
  #makeDir(path, rel) {
    try {
      mkdirSync(path, 493);
    } catch (err) {
      if (errnoCode(err) !== "EEXIST") throw err;
      const st = lstatSync(path);
      if (!st.isDirectory()) {
        this.#remove(rel);
        mkdirSync(path, 493);
      }
    }
    this.#visible.delete(rel);
    this.#topDirs.add(rel);
  }
  #markOpaque(rel) {
    if (this.#o.mode !== "overlay") return;
    this.#opaqueTop.add(rel);
    this.#forget(rel);
    this.#topDirs.add(rel);
  }
  #hardlink(e, rel, path) {
    const comps = cleanName(e.linkname);
    if (comps === null)
      this.#refuse(e, `its hardlink target "${e.linkname}" climbs above the target directory`);
    if (comps.length === 0) this.#refuse(e, "its hardlink target is the root directory");
    const linkRel = joinRel(this.#resolveDir(comps.slice(0, -1), e), comps[comps.length - 1]);
    if (linkRel === rel) return;
    if (linkRel.startsWith(`${rel}/`))
      this.#refuse(e, `its hardlink target "${e.linkname}" is inside the entry's own path`);
    const hit = this.#lookup(linkRel);
    if (hit === void 0) {
      this.#refuse(e, `its hardlink target "${e.linkname}" does not exist (yet) in the layer`);
    }
    if (hit.st.isDirectory()) this.#refuse(e, `its hardlink target "${e.linkname}" is a directory`);
    if (hit.layer !== 0) {
      this.#ensureTopDir(parentOf(linkRel), e);
      const src = `${this.#layers[hit.layer].dir}/${linkRel}`;
      const dst = `${this.#top}/${linkRel}`;
      if (hit.st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
      else copyFileSync(src, dst, constants.COPYFILE_EXCL);
      if (this.#o.chown) lchownSync(dst, hit.st.uid, hit.st.gid);
      if (!hit.st.isSymbolicLink()) {
        const fd = openSync(dst, constants.O_RDONLY | constants.O_NOFOLLOW);
        try {
          fchmodSync(fd, hit.st.mode & 4095);
          futimesSync(fd, hit.st.mtimeMs / 1e3, hit.st.mtimeMs / 1e3);
        } finally {
          closeSync(fd);
        }
      }
    }
    this.#replace(rel, () => linkSync(`${this.#top}/${linkRel}`, path));
  }
  #whiteout(e, parentRel, base) {
    this.#whiteouts++;
    if (base === OPAQUE_MARKER) {
      if (this.#o.mode === "overlay") {
        this.#ensureTopDir(parentRel, e);
        this.#markOpaque(parentRel);
        return;
      }
      const dir = this.#abs(parentRel);
      const st = lstatOrUndefined(dir);
      if (!st?.isDirectory()) return;
      for (const name2 of readdirSync(dir)) {
        const child = joinRel(parentRel, name2);
        if (!this.#created.has(child)) this.#remove(child);
      }
      return;
    }
    if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) {
      this.#note(`ignored AUFS metadata entry "${e.name}"`);
      return;
    }
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name === "" || name === "." || name === "..") this.#refuse(e, "it is a whiteout of an invalid name");
    const rel = joinRel(parentRel, name);
    if (this.#o.mode === "apply") {
      this.#remove(rel);
      return;
    }
    this.#ensureTopDir(parentRel, e);
    this.#remove(rel);
    this.#forget(rel);
    this.#pendingWhiteouts.add(rel);
  }
};
function depth(rel) {
  let n = 0;
  for (let i = 0; i < rel.length; i++) if (rel.charCodeAt(i) === 47) n++;
  return rel === "" ? -1 : n;
}

// src/image/unpack/apply-layer.ts
import { getuid } from "node:process";

// src/image/unpack/tar-reader.ts
var BLOCK = 512;
var HEADER_ONLY = /* @__PURE__ */ new Set(["hardlink", "symlink", "char", "block", "dir", "fifo"]);
var TarParser = class {
  #h;
  #opts;
  #state = "header";
  #hdr = Buffer.alloc(BLOCK);
  #hdrFill = 0;
  #remaining = 0;
  #padding = 0;
  #meta = [];
  #metaKind = "";
  #metaFill = 0;
  #entries = 0;
  #zeroBlocks = 0;
  #current = "";
  // Pending extensions for the next real entry.
  #pax;
  #global = /* @__PURE__ */ new Map();
  #longName;
  #longLink;
  constructor(handler, opts) {
    this.#h = handler;
    this.#opts = { maxMetaSize: 1 << 20, ...opts };
  }
  /** Number of entries seen so far (meta entries not counted). */
  get entries() {
    return this.#entries;
  }
  /** Feeds the next bytes of the uncompressed tar stream. */
  write(chunk) {
    let off = 0;
    const len = chunk.length;
    while (off < len) {
      switch (this.#state) {
        case "header": {
          if (this.#hdrFill === 0 && len - off >= BLOCK) {
            this.#onHeader(chunk.subarray(off, off + BLOCK));
            off += BLOCK;
          } else {
            const n = Math.min(BLOCK - this.#hdrFill, len - off);
            chunk.copy(this.#hdr, this.#hdrFill, off, off + n);
            this.#hdrFill += n;
            off += n;
            if (this.#hdrFill === BLOCK) {
              this.#hdrFill = 0;
              this.#onHeader(this.#hdr);
            }
          }
          break;
        }
        case "body": {
          const n = Math.min(this.#remaining, len - off);
          this.#h.data(chunk.subarray(off, off + n));
          off += n;
          this.#remaining -= n;
          if (this.#remaining === 0) this.#finishBody();
          break;
        }
        case "meta": {
          const n = Math.min(this.#remaining, len - off);
          this.#meta.push(Buffer.from(chunk.subarray(off, off + n)));
          this.#metaFill += n;
          off += n;
          this.#remaining -= n;
          if (this.#remaining === 0) this.#finishMeta();
          break;
        }
        case "padding": {
          const n = Math.min(this.#padding, len - off);
          off += n;
          this.#padding -= n;
          if (this.#padding === 0) this.#state = "header";
          break;
        }
        case "done":
          return;
      }
    }
  }
  /** Signals the end of the stream; throws DataLoss when it ended inside an entry. */
  end() {
    if (this.#state === "done") return;
    const betweenEntries = this.#state === "header" && this.#hdrFill === 0 || this.#state === "padding" && this.#current === "";
    if (betweenEntries && this.#pax === void 0 && this.#longName === void 0) {
      this.#state = "done";
      return;
    }
    const where = this.#current ? `in entry "${this.#current}"` : "in a header";
    throw new RuntimeError(
      "DataLoss",
      `Cannot unpack ${this.#opts.what}: the archive is truncated ${where}`,
      {
        hint: "the file or download is incomplete; fetch or export it again"
      }
    );
  }
  #onHeader(b) {
    if (isZeroBlock(b)) {
      this.#zeroBlocks++;
      if (this.#zeroBlocks >= 2) this.#state = "done";
      return;
    }
    if (this.#zeroBlocks > 0) {
      this.#zeroBlocks = 0;
    }
    verifyChecksum(b, this.#opts.what);
    const flag = String.fromCharCode(b[156] ?? 0);
    const size = readNumber(b, 124, 12, "size", this.#opts.what);
    if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
      if (size > this.#opts.maxMetaSize) {
        throw new RuntimeError(
          "ResourceExhausted",
          `Cannot unpack ${this.#opts.what}: an extended header of ${size} bytes exceeds the limit of ${this.#opts.maxMetaSize}`
        );
      }
      this.#metaKind = flag;
      this.#meta = [];
      this.#metaFill = 0;
      this.#remaining = size;
      this.#padding = pad(size);
      this.#state = "meta";
      if (size === 0) this.#finishMeta();
      return;
    }
    const e = this.#parseEntry(b, flag, size);
    this.#entries++;
    if (this.#entries > this.#opts.maxEntries) {
      throw new RuntimeError(
        "ResourceExhausted",
        `Cannot unpack ${this.#opts.what}: more than ${this.#opts.maxEntries} entries (limit maxEntries)`,
        { hint: "raise the entry limit if this image is legitimate" }
      );
    }
    if (e.size > this.#opts.maxEntrySize) {
      throw new RuntimeError(
        "ResourceExhausted",
        `Cannot unpack ${this.#opts.what}: entry "${e.name}" is ${e.size} bytes, over the limit of ${this.#opts.maxEntrySize} (maxEntrySize)`,
        { hint: "raise the entry size limit if this image is legitimate" }
      );
    }
    this.#current = e.name;
    this.#h.entry(e);
    const bodySize = HEADER_ONLY.has(e.type) ? 0 : size;
    if (e.type !== "file" && bodySize > 0) {
      this.#padding = bodySize + pad(bodySize);
      this.#state = "padding";
      this.#h.entryEnd();
      this.#current = "";
      return;
    }
    this.#remaining = bodySize;
    this.#padding = pad(bodySize);
    this.#state = "body";
    if (bodySize === 0) this.#finishBody();
  }
  #finishBody() {
    this.#h.entryEnd();
    this.#current = "";
    this.#state = this.#padding > 0 ? "padding" : "header";
  }
  #finishMeta() {
    const body = Buffer.concat(this.#meta, this.#metaFill);
    this.#meta = [];
    switch (this.#metaKind) {
      case "L":
        this.#longName = cString(body);
        break;
      case "K":
        this.#longLink = cString(body);
        break;
      case "x":
        this.#pax = parsePax(body, this.#opts.what);
        break;
      case "g":
        for (const [k, v] of parsePax(body, this.#opts.what)) this.#global.set(k, v);
        break;
    }
    this.#state = this.#padding > 0 ? "padding" : "header";
  }
  #parseEntry(b, flag, rawSize) {
    const what = this.#opts.what;
    const magic = b.toString("latin1", 257, 263);
    let name = cString(b.subarray(0, 100));
    if (magic === "ustar\0") {
      const prefix = cString(b.subarray(345, 500));
      if (prefix) name = `${prefix}/${name}`;
    }
    let linkname = cString(b.subarray(157, 257));
    let size = rawSize;
    let uid = readNumber(b, 108, 8, "uid", what);
    let gid = readNumber(b, 116, 8, "gid", what);
    let mtime = readNumber(b, 136, 12, "mtime", what);
    let xattrs;
    const ext = new Map(this.#global);
    if (this.#pax) for (const [k, v] of this.#pax) ext.set(k, v);
    this.#pax = void 0;
    if (this.#longName !== void 0) name = this.#longName;
    if (this.#longLink !== void 0) linkname = this.#longLink;
    this.#longName = void 0;
    this.#longLink = void 0;
    for (const [k, v] of ext) {
      const s = typeof v === "string" ? v : v.toString("utf8");
      switch (k) {
        case "path":
          name = s;
          break;
        case "linkpath":
          linkname = s;
          break;
        case "size":
          size = paxInt(s, k, what);
          break;
        case "uid":
          uid = paxInt(s, k, what);
          break;
        case "gid":
          gid = paxInt(s, k, what);
          break;
        case "mtime": {
          const t = Number(s);
          if (Number.isFinite(t)) mtime = t;
          break;
        }
        default:
          if (k.startsWith("SCHILY.xattr.")) {
            xattrs ??= /* @__PURE__ */ new Map();
            xattrs.set(k.slice("SCHILY.xattr.".length), typeof v === "string" ? Buffer.from(v) : v);
          } else if (k.startsWith("LIBARCHIVE.xattr.")) {
            xattrs ??= /* @__PURE__ */ new Map();
            const key = decodeURIComponent(k.slice("LIBARCHIVE.xattr.".length));
            xattrs.set(key, Buffer.from(s, "base64"));
          } else if (k.startsWith("GNU.sparse.")) {
            throw new RuntimeError(
              "NotImplemented",
              `Cannot unpack ${what}: entry "${name}" is a sparse file`,
              {
                hint: "sparse tar entries are not supported in image layers"
              }
            );
          }
      }
    }
    let type;
    switch (flag) {
      case "0":
      case "\0":
      case "7":
        type = "file";
        break;
      case "1":
        type = "hardlink";
        break;
      case "2":
        type = "symlink";
        break;
      case "3":
        type = "char";
        break;
      case "4":
        type = "block";
        break;
      case "5":
        type = "dir";
        break;
      case "6":
        type = "fifo";
        break;
      default:
        throw new RuntimeError(
          "InvalidArgument",
          `Cannot unpack ${what}: entry "${name}" has unsupported tar type ${JSON.stringify(flag)}`,
          { hint: "image layers may contain files, directories, links and device nodes only" }
        );
    }
    if (type === "file" && (flag === "\0" || flag === "0") && name.endsWith("/") && size === 0) type = "dir";
    const mode = readNumber(b, 100, 8, "mode", what) & 4095;
    return {
      name,
      type,
      mode,
      uid,
      gid,
      size: type === "file" ? size : 0,
      mtime,
      linkname,
      devmajor: type === "char" || type === "block" ? readNumber(b, 329, 8, "devmajor", what) : 0,
      devminor: type === "char" || type === "block" ? readNumber(b, 337, 8, "devminor", what) : 0,
      xattrs
    };
  }
};
function pad(n) {
  const r = n % BLOCK;
  return r === 0 ? 0 : BLOCK - r;
}
function isZeroBlock(b) {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}
function cString(b) {
  const z = b.indexOf(0);
  return b.toString("utf8", 0, z === -1 ? b.length : z);
}
function verifyChecksum(b, what) {
  const stored = readNumber(b, 148, 8, "checksum", what);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 32 : b[i] ?? 0;
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  if (stored !== unsigned && stored !== signed) {
    throw new RuntimeError("InvalidArgument", `Cannot unpack ${what}: a tar header has a bad checksum`, {
      hint: "the data is not a tar archive or is corrupted"
    });
  }
}
function readNumber(b, off, len, field, what) {
  const first = b[off] ?? 0;
  if (first & 128) {
    if (first === 255) {
      throw new RuntimeError("InvalidArgument", `Cannot unpack ${what}: negative ${field} in a tar header`);
    }
    let v2 = first & 127;
    for (let i = 1; i < len; i++) {
      v2 = v2 * 256 + (b[off + i] ?? 0);
      if (v2 > Number.MAX_SAFE_INTEGER) {
        throw new RuntimeError(
          "InvalidArgument",
          `Cannot unpack ${what}: ${field} in a tar header is too large`
        );
      }
    }
    return v2;
  }
  let v = 0;
  let seen = false;
  for (let i = off; i < off + len; i++) {
    const c = b[i] ?? 0;
    if (c === 0 || c === 32) {
      if (seen) break;
      continue;
    }
    if (c < 48 || c > 55) {
      throw new RuntimeError(
        "InvalidArgument",
        `Cannot unpack ${what}: invalid ${field} field in a tar header`,
        {
          hint: "the data is not a tar archive or is corrupted"
        }
      );
    }
    v = v * 8 + (c - 48);
    seen = true;
  }
  return v;
}
function paxInt(s, key, what) {
  if (!/^\d{1,16}$/.test(s) || !Number.isSafeInteger(Number(s))) {
    throw new RuntimeError(
      "InvalidArgument",
      `Cannot unpack ${what}: invalid PAX ${key} value "${s.slice(0, 40)}"`
    );
  }
  return Number(s);
}
function parsePax(body, what) {
  const out = /* @__PURE__ */ new Map();
  let off = 0;
  while (off < body.length) {
    if (body[off] === 0) break;
    const sp = body.indexOf(32, off);
    const len = sp === -1 ? Number.NaN : Number(body.toString("latin1", off, sp));
    if (!Number.isSafeInteger(len) || len <= 0 || off + len > body.length || body[off + len - 1] !== 10) {
      throw new RuntimeError("InvalidArgument", `Cannot unpack ${what}: malformed PAX extended header`);
    }
    const rec = body.subarray(sp + 1, off + len - 1);
    const eq = rec.indexOf(61);
    if (eq === -1) throw new RuntimeError("InvalidArgument", `Cannot unpack ${what}: malformed PAX record`);
    const key = rec.toString("utf8", 0, eq);
    const raw = rec.subarray(eq + 1);
    out.set(key, key.startsWith("SCHILY.xattr.") ? Buffer.from(raw) : raw.toString("utf8"));
    off += len;
  }
  return out;
}

// src/image/unpack/apply-layer.ts
var DEFAULT_LIMITS = Object.freeze({
  maxEntries: 1 << 20,
  maxTotalSize: 64 * 1024 ** 3,
  maxEntrySize: 16 * 1024 ** 3
});
async function applyLayer(source, opts) {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const what = opts.what ?? "layer";
  const applier = new LayerApplier({
    target: opts.target,
    mode: opts.mode,
    lowers: opts.lowers ?? [],
    keepSetuid: opts.keepSetuid ?? false,
    chown: getuid?.() === 0,
    what
  });
  const parser = new TarParser(applier, {
    maxEntries: limits.maxEntries,
    maxEntrySize: limits.maxEntrySize,
    what
  });
  const hash = hasherFor(opts.expectedDiffId ?? parseDigest(`sha256:${"0".repeat(64)}`));
  let compression = "none";
  let size = 0;
  const stream = decompress(source, (c) => {
    compression = c;
  });
  try {
    for await (const chunk of stream) {
      if (opts.signal?.aborted) {
        throw new RuntimeError("Canceled", `Unpacking ${what} was canceled`, { cause: opts.signal.reason });
      }
      size += chunk.length;
      if (size > limits.maxTotalSize) {
        throw new RuntimeError(
          "ResourceExhausted",
          `Cannot unpack ${what}: more than ${limits.maxTotalSize} bytes uncompressed (limit maxTotalSize)`,
          { hint: "raise the size limit if this image is legitimate" }
        );
      }
      hash.update(chunk);
      parser.write(chunk);
    }
    parser.end();
  } catch (e) {
    applier.abort();
    await stream.return(void 0).catch(() => {
    });
    throw asRuntimeError(e, what, applier.current);
  }
  const diffId = hash.digest();
  if (opts.expectedDiffId !== void 0 && diffId !== opts.expectedDiffId) {
    throw new DigestMismatchError(`${what} (uncompressed content, diffID)`, {
      expected: opts.expectedDiffId,
      actual: diffId,
      actualSize: size
    });
  }
  let summary;
  try {
    summary = await applier.finish();
  } catch (e) {
    throw asRuntimeError(e, what, void 0);
  }
  return { ...summary, diffId, size, compression };
}
function asRuntimeError(e, what, entry) {
  if (e instanceof RuntimeError) return e;
  const code = errnoCode(e);
  if (code === void 0) return e;
  const where = entry === void 0 ? "" : ` at entry "${entry}"`;
  const map = {
    ENOSPC: "ResourceExhausted",
    EDQUOT: "ResourceExhausted",
    EMFILE: "ResourceExhausted",
    EACCES: "PermissionDenied",
    EPERM: "PermissionDenied",
    EROFS: "PermissionDenied",
    ENAMETOOLONG: "InvalidArgument",
    EINVAL: "InvalidArgument",
    ENOTDIR: "InvalidArgument",
    EISDIR: "InvalidArgument"
  };
  return new RuntimeError(map[code] ?? "Internal", `Cannot unpack ${what}${where}: ${describeError(e)}`, {
    cause: e,
    hint: code === "ENOSPC" ? "free disk space under the state root and try again" : "see the cause; the layer was not unpacked"
  });
}

export {
  cleanName,
  sniffCompression,
  decompress,
  applyLayer
};
