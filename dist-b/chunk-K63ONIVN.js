import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  DEFAULT_TIMING,
  backoffMessage,
  nextBackoff
} from "./chunk-QL4N77DE.js";
import {
  ensureUnpacked,
  readImage
} from "./chunk-QSRDS6KI.js";
import {
  pullImage
} from "./chunk-XBL2BMSI.js";
import {
  DEFAULT_LOG_ROTATION,
  DEFAULT_PATH,
  buildEnv,
  encodeLaunchSpec,
  execArgv,
  expandArgv,
  getEnv,
  hasSandboxToken,
  makeContainerProbe,
  mkdirInRoot,
  mkdirs,
  normalizeSeparators,
  parseContainerId,
  parseImageEnv,
  parseShimError,
  readExit,
  replaceSandboxTokens,
  resolveExecutable,
  resolveInRoot,
  selectArgv,
  shimIdentity,
  shimPath,
  spawnExec,
  stripTrailingSlash,
  translatePath,
  userBaseEnv,
  waitTask
} from "./chunk-ETMGP5UT.js";
import {
  Rollback,
  containerDir,
  instanceId,
  logPath,
  newContainerId,
  nodeMismatch,
  ownerAlive,
  selfOwner,
  taskDir
} from "./chunk-A75RLU2C.js";
import {
  withFileLock,
  writeFileAtomic
} from "./chunk-F7EMT5MI.js";
import {
  parseIdentity
} from "./chunk-AVR7YWR3.js";
import {
  isHostProcessPod
} from "./chunk-B5CNCMXO.js";
import {
  HOST_PATH_TYPES,
  containersWithPath,
  goQuote
} from "./chunk-V2FUKUIU.js";
import {
  integerValue,
  milliValue
} from "./chunk-EZCFANLO.js";
import {
  envVarNameErrors
} from "./chunk-HJSDXBBU.js";
import {
  RegistryClient
} from "./chunk-EF4ULP4B.js";
import {
  sleepUnlessAborted
} from "./chunk-EY5AGAN5.js";
import {
  RuntimeError,
  describeError,
  errnoCode,
  isRuntimeError
} from "./chunk-4ZL3ZTLI.js";

// src/runtime/logs/cri-log.ts
import { open, readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
var SPACE = 32;
function streamAt(line, a, b) {
  if (b - a !== 7 || line[a + 1] !== 115 || line[a + 2] !== 116) return void 0;
  const rest = line.toString("latin1", a + 3, b);
  return rest === "dout" ? "stdout" : rest === "derr" ? "stderr" : void 0;
}
function parseCriRecord(line) {
  const a = line.indexOf(SPACE);
  const b = a < 0 ? -1 : line.indexOf(SPACE, a + 1);
  if (a <= 0 || b < 0) return void 0;
  const stream = streamAt(line, a, b);
  if (stream === void 0) return void 0;
  const tag = line[b + 1];
  if (tag !== 70 && tag !== 80 || b + 2 < line.length && line[b + 2] !== SPACE)
    return void 0;
  const c = b + 2 < line.length ? b + 2 : -1;
  return {
    time: line.toString("latin1", 0, a),
    stream,
    partial: tag === 80,
    text: c < 0 ? Buffer.alloc(0) : line.subarray(c + 1)
  };
}
function criTimeNanos(time) {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return void 0;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return void 0;
  return BigInt(ms) * 1000000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}
var same = (a, b) => a.dev === b.dev && a.ino === b.ino;
async function listLogFiles(path) {
  const dir = dirname(path);
  const base = basename(path);
  let names;
  try {
    names = await readdir(dir);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return [];
    throw e;
  }
  const out = [];
  for (const name of names) {
    let index;
    if (name === base) index = 0;
    else if (name.startsWith(`${base}.`) && /^[1-9]\d{0,5}$/.test(name.slice(base.length + 1)))
      index = Number(name.slice(base.length + 1));
    else continue;
    const p = join(dir, name);
    try {
      const st = await stat(p, { bigint: true });
      if (st.isFile()) out.push({ path: p, index, dev: st.dev, ino: st.ino });
    } catch (e) {
      if (errnoCode(e) !== "ENOENT") throw e;
    }
  }
  return out.sort((a, b) => a.index - b.index);
}
async function listLogFilesStable(path, tries = 50) {
  let prev = await listLogFiles(path);
  for (let i = 0; i < tries; i++) {
    const next = await listLogFiles(path);
    if (next.length === prev.length && next.every((f, j) => f.index === prev[j]?.index && same(f, prev[j])))
      return next;
    prev = next;
  }
  return prev;
}
var ReadArena = class {
  #buf = Buffer.allocUnsafe(READ_SIZE);
  #used = 0;
  async read(fh, position) {
    if (this.#buf.length - this.#used < READ_SIZE / 16) {
      this.#buf = Buffer.allocUnsafe(READ_SIZE);
      this.#used = 0;
    }
    const start = this.#used;
    const { bytesRead } = await fh.read(this.#buf, start, this.#buf.length - start, position);
    this.#used += bytesRead;
    return this.#buf.subarray(start, start + bytesRead);
  }
};
var RecordReader = class {
  #rest = Buffer.alloc(0);
  #partial = /* @__PURE__ */ new Map();
  #onLine;
  constructor(onLine) {
    this.#onLine = onLine;
  }
  push(chunk) {
    const data = this.#rest.length > 0 ? Buffer.concat([this.#rest, chunk]) : chunk;
    let start = 0;
    let nl = data.indexOf(10, start);
    while (nl >= 0) {
      this.#record(data.subarray(start, nl));
      start = nl + 1;
      nl = data.indexOf(10, start);
    }
    this.#rest = Buffer.from(data.subarray(start));
  }
  /** A file ended: a record cut short at its end (never written by the shim) is dropped. */
  endFile() {
    this.#rest = Buffer.alloc(0);
  }
  /** Delivers lines whose last partial record has no `F` yet, as they are. */
  flush() {
    for (const [stream, p] of this.#partial)
      this.#onLine({ time: p.time, stream, text: Buffer.concat(p.parts) });
    this.#partial.clear();
  }
  #record(line) {
    const r = parseCriRecord(line);
    if (!r) return;
    const open4 = this.#partial.get(r.stream);
    if (!open4 && !r.partial) {
      this.#onLine({ time: r.time, stream: r.stream, text: r.text });
      return;
    }
    const p = open4 ?? { time: r.time, parts: [] };
    p.parts.push(r.text);
    if (r.partial) {
      this.#partial.set(r.stream, p);
      return;
    }
    this.#partial.delete(r.stream);
    this.#onLine({ time: r.time, stream: r.stream, text: Buffer.concat(p.parts) });
  }
};
var READ_SIZE = 1 << 18;
var LogFollower = class {
  #path;
  #pollMs;
  #reader;
  #fh;
  #id;
  #offset = 0;
  #arena = new ReadArena();
  #timer;
  #reading = Promise.resolve();
  #stopped = false;
  #onCaughtUp;
  constructor(path, onLine, options = {}) {
    this.#path = path;
    this.#reader = new RecordReader(onLine);
    this.#pollMs = options.pollMs ?? 50;
    this.#onCaughtUp = options.onCaughtUp;
  }
  #caughtUp() {
    const fn = this.#onCaughtUp;
    this.#onCaughtUp = void 0;
    fn?.();
  }
  /** Starts polling. */
  start() {
    const tick = () => {
      this.#reading = this.#reading.then(() => this.#read()).catch(() => {
      });
      if (!this.#stopped) this.#timer = setTimeout(tick, this.#pollMs);
    };
    tick();
    return this;
  }
  /** Reads the rest of the log, delivers it, and stops. */
  async stop() {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#reading;
    await this.#read().catch(() => {
    });
    this.#reader.flush();
    await this.#fh?.close().catch(() => {
    });
    this.#fh = void 0;
  }
  async #drain(fh) {
    for (; ; ) {
      const chunk = await this.#arena.read(fh, this.#offset);
      if (chunk.length === 0) return;
      this.#offset += chunk.length;
      this.#reader.push(chunk);
    }
  }
  async #read() {
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
    for (; ; ) {
      const fh = this.#fh;
      const id = this.#id;
      await this.#drain(fh);
      const current = await stat(this.#path, { bigint: true }).catch((e) => {
        if (errnoCode(e) === "ENOENT") return void 0;
        throw e;
      });
      if (current && same(current, id)) {
        this.#caughtUp();
        return;
      }
      await this.#drain(fh);
      const next = await this.#nextFile(fh, id);
      if (!next) return;
      this.#reader.endFile();
      await fh.close().catch(() => {
      });
      this.#fh = next.fh;
      this.#id = next.id;
      this.#offset = 0;
    }
  }
  /** Opens the oldest file of the log (a rotated one when the log rotated before we came). */
  async #openOldest() {
    for (let attempt = 0; attempt < 10; attempt++) {
      const oldest = (await listLogFilesStable(this.#path)).at(-1);
      if (!oldest) return void 0;
      let fh;
      try {
        fh = await open(oldest.path, "r");
      } catch (e) {
        if (errnoCode(e) === "ENOENT") continue;
        throw e;
      }
      const id = await fh.stat({ bigint: true });
      if (same(id, oldest)) return { fh, id };
      await fh.close();
    }
    return void 0;
  }
  /** Opens the file that follows the one held (`id`), or undefined when it is not there yet. */
  async #nextFile(fh, id) {
    for (let attempt = 0; attempt < 10; attempt++) {
      const files = await listLogFilesStable(this.#path);
      const links = (await fh.stat({ bigint: true })).nlink;
      const mine = links > 0n ? files.find((f) => same(f, id)) : void 0;
      let next;
      if (mine) next = files.filter((f) => f.index < mine.index).at(-1);
      else if (links > 0n)
        next = files[0];
      else next = files.at(-1);
      if (!next) return void 0;
      let nfh;
      try {
        nfh = await open(next.path, "r");
      } catch (e) {
        if (errnoCode(e) === "ENOENT") continue;
        throw e;
      }
      const nid = await nfh.stat({ bigint: true });
      if (same(nid, next)) return { fh: nfh, id: nid };
      await nfh.close();
    }
    return void 0;
  }
};
async function readLogLines(path, options = {}) {
  if (options.tail !== void 0 && (!Number.isSafeInteger(options.tail) || options.tail < 0)) {
    throw new RuntimeError(
      "InvalidArgument",
      `Cannot read logs: tail ${options.tail} is not a count of lines`
    );
  }
  if (options.since !== void 0 && Number.isNaN(options.since.getTime())) {
    throw new RuntimeError("InvalidArgument", "Cannot read logs: the since time is not a valid date");
  }
  const since = options.since === void 0 ? void 0 : BigInt(options.since.getTime()) * 1000000n;
  const files = await listLogFilesStable(path);
  const last = files.at(-1)?.index ?? -1;
  const handles = [];
  const seen = [];
  try {
    for (let i = 0; i <= last; i++) {
      let fh;
      try {
        fh = await open(i === 0 ? path : `${path}.${i}`, "r");
      } catch (e) {
        if (errnoCode(e) === "ENOENT") continue;
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
    const lines = [];
    const reader = new RecordReader((l) => {
      if (options.stream !== void 0 && l.stream !== options.stream) return;
      if (since !== void 0) {
        const t = criTimeNanos(l.time);
        if (t !== void 0 && t < since) return;
      }
      lines.push(l);
      if (options.tail !== void 0 && lines.length > 2 * options.tail + 1024)
        lines.splice(0, lines.length - options.tail);
    });
    const arena = new ReadArena();
    for (const fh of handles.reverse()) {
      let offset = 0;
      for (; ; ) {
        const chunk = await arena.read(fh, offset);
        if (chunk.length === 0) break;
        offset += chunk.length;
        reader.push(chunk);
      }
      reader.endFile();
    }
    reader.flush();
    return options.tail === void 0 ? lines : lines.slice(Math.max(0, lines.length - options.tail));
  } finally {
    await Promise.all(handles.map((h) => h.close().catch(() => {
    })));
  }
}

// src/services/object-set.ts
function objectKey(namespace, name) {
  return `${namespace ?? "default"}/${name}`;
}
function emptyObjectSet() {
  return { configMaps: /* @__PURE__ */ new Map(), secrets: /* @__PURE__ */ new Map() };
}
function addObject(set, obj) {
  const key = objectKey(obj.metadata.namespace, obj.metadata.name ?? "");
  if (obj.kind === "ConfigMap") set.configMaps.set(key, obj);
  else set.secrets.set(key, obj);
}

// src/services/cleanup.ts
import { readdir as readdir7 } from "node:fs/promises";

// src/runtime/sandbox/safe-fs.ts
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, rename } from "node:fs/promises";
import { basename as basename2, dirname as dirname2, join as join2 } from "node:path";
import { getSystemErrorName } from "node:util";
var SafePathError = class extends RuntimeError {
  constructor(errno, message) {
    super(errno === "EXDEV" || errno === "ELOOP" ? "InvalidArgument" : "FailedPrecondition", message);
    this.errno = errno;
    this.name = "SafePathError";
  }
  errno;
};
function run(args, shim, what) {
  return new Promise((resolve2, reject) => {
    execFile(shimPath(shim), ["fs", ...args], { encoding: "utf8" }, (err, stdout, stderr) => {
      const line = stdout.trim();
      if (!err && line.startsWith("ok")) return resolve2(line.slice(3));
      const m = /^error (\d+) ?(.*)$/.exec(line);
      if (m) {
        let name;
        try {
          name = getSystemErrorName(-Number(m[1]));
        } catch {
          name = `errno ${m[1]}`;
        }
        const why = name === "EXDEV" ? 'it leads out of its directory through a symlink or ".."' : m[2];
        return reject(new SafePathError(name, `Cannot ${what}: ${why} (${name})`));
      }
      reject(new RuntimeError("Internal", `Cannot ${what}: the shim failed: ${(stderr || line).trim()}`));
    });
  });
}
async function safeMkdir(base, rel, options = {}) {
  const args = ["mkdir"];
  if (options.resolve === "beneath") args.push("--beneath");
  if (options.mode !== void 0) args.push("--mode", options.mode.toString(8));
  if (options.owner) args.push("--owner", `${options.owner.uid}:${options.owner.gid}`);
  args.push(base, rel);
  const out = await run(args, options.shim, `make "${rel}" in ${base}`);
  const space = out.indexOf(" ");
  return { kind: out.slice(0, space) === "dir" ? "dir" : "file", path: out.slice(space + 1) };
}
async function safeRemove(base, name, options = {}) {
  await run(["rm", base, name], options.shim, `remove ${base}/${name}`);
}
async function removeTreeSafely(path, trash, options = {}) {
  await mkdir(trash, { recursive: true, mode: 448 });
  const aside = `${basename2(path)}.${randomBytes(4).toString("hex")}`;
  try {
    await rename(path, join2(trash, aside));
  } catch (err) {
    const code = errnoCode(err);
    if (code === "ENOENT") return;
    if (code !== "EXDEV" && code !== "EBUSY") throw err;
    await safeRemove(dirname2(path), basename2(path), options);
    return;
  }
  await safeRemove(trash, aside, options);
}

// src/runtime/sandbox/sandbox.ts
import {
  chmod,
  chown,
  lstat as lstat3,
  mkdir as mkdir4,
  readdir as readdir4,
  readFile as readFile3,
  rename as rename2,
  rmdir as rmdir2,
  symlink,
  unlink as unlink2,
  writeFile as writeFile2
} from "node:fs/promises";
import { basename as basename3, dirname as dirname5, join as join7 } from "node:path";

// src/runtime/host-state.ts
import { join as join3 } from "node:path";
var HOST_STATE_DIR = "/var/lib/hostpod-host";
function mountTargetRegistry(hostState = HOST_STATE_DIR) {
  return join3(hostState, "mount-targets");
}

// src/runtime/spec/types.ts
var ANNOTATION_INHERIT_USER = "microsoft.com/hostprocess-inherit-user";
var ANNOTATION_ROOTFS_LOCATION = "microsoft.com/hostprocess-rootfs-location";

// src/runtime/spec/mount-point.ts
var BIND_MOUNT_POINT = "/hpc";
function resolveMountPoint(options) {
  const sandboxRootfs = `${stripTrailingSlash(options.root)}/sandboxes/${options.id}/rootfs`;
  const location = options.rootfsLocation === void 0 || options.rootfsLocation === "" ? void 0 : parseRootfsLocation(options.rootfsLocation);
  if (options.layout === "bind") {
    return { mountPoint: `${location ?? BIND_MOUNT_POINT}/`, workspaceHostPath: sandboxRootfs };
  }
  const host = location === void 0 ? sandboxRootfs : `${location}/${options.id}`;
  return { mountPoint: `${host}/`, workspaceHostPath: host };
}
function parseRootfsLocation(value) {
  const p = stripTrailingSlash(normalizeSeparators(value));
  const bad = (why) => new RuntimeError(
    "InvalidArgument",
    `Invalid annotation ${ANNOTATION_ROOTFS_LOCATION}="${value}": ${why}`,
    {
      hint: "use an absolute directory path such as /opt/hpc"
    }
  );
  if (!p.startsWith("/")) throw bad("the path must be absolute");
  if (p === "/") throw bad("the workspace cannot replace the root directory");
  if (p.split("/").some((c) => c === ".." || c === ".")) throw bad('the path must not contain "." or ".."');
  if (p.includes("\0")) throw bad("the path must not contain NUL");
  return p;
}

// src/runtime/sandbox/copy-layers.ts
import { lstat, readdir as readdir2, rm } from "node:fs/promises";
import { join as join4 } from "node:path";

// src/runtime/sandbox/exec-tool.ts
import { execFile as execFile2 } from "node:child_process";
function runTool(file, args, options = {}) {
  return new Promise((resolve2, reject) => {
    execFile2(
      file,
      args,
      { cwd: options.cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== "number") {
          reject(
            err.code === "ENOENT" ? new RuntimeError("Unavailable", `Cannot run ${file}: it is not installed`, {
              hint: `install it (${file === "getfattr" ? 'Debian package "attr"' : 'Debian packages "mount" and "coreutils"'})`,
              cause: err
            }) : err
          );
          return;
        }
        resolve2({ exitCode: err ? err.code : 0, stdout, stderr });
      }
    );
  });
}

// src/runtime/sandbox/copy-layers.ts
var AUFS_OPAQUE = ".wh..wh..opq";
function layerDir(layer) {
  return typeof layer === "string" ? layer : layer.dir;
}
var AUFS_PREFIX = ".wh.";
async function copyLayers(layers, target) {
  const warnings = [];
  for (const input of layers) {
    const layer = layerDir(input);
    const known = typeof input === "string" ? void 0 : input.opaque;
    const opaque = known ? new Set(known) : await readOpaqueDirs(layer, warnings);
    const markers = [];
    await prepare(layer, target, "", opaque, markers);
    const r = await runTool("cp", [
      "-a",
      "--reflink=auto",
      "--remove-destination",
      `${layer}/.`,
      `${target}/`
    ]);
    if (r.exitCode !== 0) {
      throw new RuntimeError(
        "Internal",
        `Cannot copy layer "${layer}" into the workspace: ${r.stderr.trim()}`
      );
    }
    for (const m of markers) await rm(join4(target, m), { recursive: true, force: true });
  }
  return warnings;
}
async function kindOf(path) {
  try {
    const st = await lstat(path);
    return st.isDirectory() ? "dir" : st.isSymbolicLink() ? "symlink" : "other";
  } catch (err) {
    if (errnoCode(err) === "ENOENT" || errnoCode(err) === "ENOTDIR") return "missing";
    throw err;
  }
}
async function clearDir(dir) {
  for (const name of await readdir2(dir)) await rm(join4(dir, name), { recursive: true, force: true });
}
async function prepare(layer, target, rel, opaque, markers) {
  const dst = join4(target, rel);
  const dstKind = await kindOf(dst);
  if (opaque.has(rel) && dstKind === "dir") await clearDir(dst);
  if (dstKind !== "dir" && dstKind !== "missing") await rm(dst, { force: true });
  const entries = await readdir2(join4(layer, rel), { withFileTypes: true });
  if (entries.some((e) => e.name === AUFS_OPAQUE) && dstKind === "dir") await clearDir(dst);
  const dstLive = dstKind === "dir";
  for (const e of entries) {
    const childRel = rel === "" ? e.name : `${rel}/${e.name}`;
    const childDst = join4(target, childRel);
    if (e.name === AUFS_OPAQUE) {
      markers.push(childRel);
      continue;
    }
    if (e.name.startsWith(AUFS_PREFIX)) {
      markers.push(childRel);
      const victim = e.name.slice(AUFS_PREFIX.length);
      const safe = victim !== "" && victim !== "." && victim !== "..";
      if (dstLive && safe) await rm(join4(dst, victim), { recursive: true, force: true });
      continue;
    }
    if (e.isCharacterDevice() && (await lstat(join4(layer, childRel))).rdev === 0) {
      markers.push(childRel);
      if (dstLive) await rm(childDst, { recursive: true, force: true });
      continue;
    }
    if (e.isDirectory()) {
      if (dstLive) await prepare(layer, target, childRel, opaque, markers);
      else await collectMarkers(layer, childRel, markers);
      continue;
    }
    if (dstLive && await kindOf(childDst) === "dir") await rm(childDst, { recursive: true, force: true });
  }
}
async function collectMarkers(layer, rel, markers) {
  for (const e of await readdir2(join4(layer, rel), { withFileTypes: true })) {
    const childRel = `${rel}/${e.name}`;
    if (e.name.startsWith(AUFS_PREFIX)) markers.push(childRel);
    else if (e.isCharacterDevice() && (await lstat(join4(layer, childRel))).rdev === 0) markers.push(childRel);
    else if (e.isDirectory()) await collectMarkers(layer, childRel, markers);
  }
}
async function readOpaqueDirs(layer, warnings) {
  let r;
  try {
    r = await runTool("getfattr", ["-R", "-P", "-h", "-m", "^trusted\\.overlay\\.opaque$", "-d", "."], {
      cwd: layer
    });
  } catch (err) {
    if (!isRuntimeError(err, "Unavailable")) throw err;
    const w = 'getfattr is not installed (Debian package "attr"): opaque directories of overlay-format layers are not applied';
    if (!warnings.includes(w)) warnings.push(w);
    return /* @__PURE__ */ new Set();
  }
  const out = /* @__PURE__ */ new Set();
  let file;
  for (const line of r.stdout.split("\n")) {
    if (line.startsWith("# file: ")) file = unescapeGetfattr(line.slice(8));
    else if (file !== void 0 && line === 'trusted.overlay.opaque="y"') out.add(file === "." ? "" : file);
  }
  return out;
}
function unescapeGetfattr(s) {
  return s.replace(
    /\\(\\|[0-7]{3})/g,
    (_, x) => x === "\\" ? "\\" : String.fromCharCode(Number.parseInt(x, 8))
  );
}

// src/runtime/sandbox/mountinfo.ts
import { readFile } from "node:fs/promises";
function parseMountInfo(text) {
  const out = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const fields2 = line.split(" ");
    const sep = fields2.indexOf("-", 6);
    if (sep < 0 || fields2.length < sep + 3) continue;
    out.push({
      mountPoint: unescapeOctal(fields2[4]),
      options: fields2[5].split(","),
      fsType: unescapeOctal(fields2[sep + 1]),
      source: unescapeOctal(fields2[sep + 2])
    });
  }
  return out;
}
function unescapeOctal(s) {
  return s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(Number.parseInt(o, 8)));
}
async function mountsUnder(dir, mountInfoPath = "/proc/self/mountinfo") {
  const all = parseMountInfo(await readFile(mountInfoPath, "utf8"));
  const base = dir.endsWith("/") ? dir.slice(0, -1) : dir;
  return all.filter((m) => m.mountPoint === base || m.mountPoint.startsWith(`${base}/`)).sort((a, b) => b.mountPoint.length - a.mountPoint.length);
}
async function mountPointsInAllNamespaces() {
  const { readdir: readdir8, readlink: readlink2 } = await import("node:fs/promises");
  const seen = /* @__PURE__ */ new Set();
  const points = /* @__PURE__ */ new Set();
  for (const pid of await readdir8("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const ns = await readlink2(`/proc/${pid}/ns/mnt`);
      if (seen.has(ns)) continue;
      seen.add(ns);
      for (const m of parseMountInfo(await readFile(`/proc/${pid}/mountinfo`, "utf8")))
        points.add(m.mountPoint);
    } catch {
    }
  }
  return points;
}

// src/runtime/sandbox/overlay.ts
import { randomBytes as randomBytes2 } from "node:crypto";
import { mkdir as mkdir2, rm as rm2 } from "node:fs/promises";
import { dirname as dirname3, join as join5, relative, resolve } from "node:path";

// src/runtime/task/shim-server.ts
import { spawn } from "node:child_process";
var ShimServer = class {
  constructor(shim) {
    this.shim = shim;
  }
  shim;
  child;
  pending = /* @__PURE__ */ new Map();
  next = 1;
  buffer = "";
  stderr = "";
  /** Starts the shim for `dir`; resolves with its report (`ok …` / `error …`), tag removed. */
  start(dir) {
    if (dir.includes("\n")) {
      return Promise.reject(
        new RuntimeError("InvalidArgument", "Cannot start a task: its directory has a newline")
      );
    }
    return this.send(/^(mount|unmount) /.test(dir) ? `./${dir}` : dir);
  }
  /**
   * Mounts an overlay at `m.target` from the server (mount(2), no mount(8) spawn): the option
   * string is `lowerdir=L1:L2…,upperdir=U,workdir=W` with `lowers` highest first, relative
   * paths resolved against `m.cwd` when given. The server refuses `,` `:` `\` in a dir and
   * options longer than a page. Resolves with the outcome; rejects with `Internal` when the
   * server ended, `NotImplemented` when the shim binary predates these requests.
   */
  async mount(m) {
    return answer(
      await this.send(`mount ${fields([m.cwd ?? "", m.target, ...m.lowers, m.upper, m.work])}`),
      "mount"
    );
  }
  /** umount2(target); when busy, a lazy detach (`detached: true`), as `umount -l` does. */
  async unmount(target) {
    return answer(await this.send(`unmount ${fields([target])}`), "unmount");
  }
  send(body) {
    const child = this.ensure();
    const tag = String(this.next++);
    return new Promise((resolve2, reject) => {
      this.pending.set(tag, { resolve: resolve2, reject });
      this.ref(true);
      child.stdin.write(`${tag} ${body}
`);
    });
  }
  ensure() {
    if (this.child) return this.child;
    const child = spawn(this.shim, ["serve"], { stdio: ["pipe", "pipe", "pipe"] });
    this.child = child;
    child.stdout.setEncoding("utf8").on("data", (s) => this.onData(s));
    child.stderr.setEncoding("utf8").on("data", (s) => {
      this.stderr = (this.stderr + s).slice(-2e3);
    });
    child.stdin.on("error", () => {
    });
    const fail = (why) => {
      if (this.child !== child) return;
      this.child = void 0;
      const err = new RuntimeError(
        "Internal",
        `The shim server ended (${why}): ${this.stderr.trim() || "no message"}`
      );
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    child.on("error", (err) => fail(String(err)));
    child.on("close", (code, signal) => fail(`exit ${code ?? signal}`));
    this.ref(false);
    return child;
  }
  onData(s) {
    this.buffer += s;
    for (let nl = this.buffer.indexOf("\n"); nl >= 0; nl = this.buffer.indexOf("\n")) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      const space = line.indexOf(" ");
      const p = this.pending.get(line.slice(0, space));
      if (space < 0 || !p) continue;
      this.pending.delete(line.slice(0, space));
      p.resolve(line.slice(space + 1));
    }
    if (this.pending.size === 0) this.ref(false);
  }
  /** Keeps Node alive only while a start is in flight. */
  ref(on) {
    const c = this.child;
    if (!c) return;
    for (const s of [c.stdin, c.stdout, c.stderr]) {
      if (on) s.ref?.();
      else s.unref?.();
    }
    if (on) c.ref();
    else c.unref();
  }
  /** Ends the server (its shims keep running). */
  close() {
    this.child?.stdin.end();
  }
};
function fields(values) {
  for (const v of values) {
    if (v.includes("\0")) {
      throw new RuntimeError("InvalidArgument", `Cannot pass "${v}" to the shim server: it holds a NUL byte`);
    }
  }
  return values.map((v) => `${Buffer.byteLength(v)}:${v}`).join(" ");
}
function answer(line, request) {
  if (line === "ok") return { ok: true, detached: false };
  if (line === "ok detached") return { ok: true, detached: true };
  const m = /^error (\w+) (\d+) (.*)$/.exec(line);
  if (m) return { ok: false, what: m[1], errno: Number(m[2]), message: m[3] };
  if (/^error spec \d+$/.test(line)) {
    throw new RuntimeError("NotImplemented", `The shim server does not know ${request} requests`, {
      hint: "rebuild the shim with `npm run build:native`"
    });
  }
  throw new RuntimeError("Internal", `The shim server answered a ${request} request with "${line}"`);
}
var servers = /* @__PURE__ */ new Map();
function shimServer(shim) {
  let s = servers.get(shim);
  if (!s) {
    s = new ShimServer(shim);
    servers.set(shim, s);
  }
  return s;
}

// src/runtime/sandbox/workspace-mount.ts
import { realpath } from "node:fs/promises";
var WORKSPACE_MOUNT_FLAGS = ["nosuid", "nodev"];
async function bindWorkspace(dir) {
  const r = await runTool("mount", ["--bind", "-o", WORKSPACE_MOUNT_FLAGS.join(","), dir, dir]);
  if (r.exitCode !== 0) {
    throw new RuntimeError(
      "Internal",
      `Cannot mount the workspace "${dir}" nosuid,nodev: ${r.stderr.trim()}`
    );
  }
}
async function checkWorkspaceMount(dir, mountInfoPath) {
  const real = await realpath(dir);
  const top = (await mountsUnder(real, mountInfoPath)).filter((m) => m.mountPoint === real).at(-1);
  const missing = WORKSPACE_MOUNT_FLAGS.filter((f) => !top?.options.includes(f));
  if (missing.length === 0) return;
  throw new RuntimeError(
    "Internal",
    top === void 0 ? `The workspace "${dir}" is not a mount point` : `The workspace "${dir}" is mounted without ${missing.join(",")}`,
    { hint: "rebuild the native shim (npm run build:native) and start the container again" }
  );
}

// src/runtime/sandbox/overlay.ts
var MAX_OPTIONS = 4e3;
function overlayOptions(dirs) {
  const all = [...dirs.layers, dirs.upper, dirs.work];
  for (const p of all) {
    if (/[,:\\]/.test(p)) {
      throw new RuntimeError(
        "InvalidArgument",
        `Cannot mount an overlay over "${p}": the path holds "," ":" or "\\"`
      );
    }
  }
  const build = (f) => `lowerdir=${[...dirs.layers].reverse().map(f).join(":")},upperdir=${f(dirs.upper)},workdir=${f(dirs.work)}`;
  const absolute = build((p) => p);
  if (absolute.length <= MAX_OPTIONS) return { options: absolute, cwd: void 0 };
  const cwd = commonParent(all);
  const rel = build((p) => relative(cwd, p) || ".");
  if (rel.length > MAX_OPTIONS) {
    throw new RuntimeError(
      "ResourceExhausted",
      `Cannot mount an overlay of ${dirs.layers.length} layers: too many layers`,
      {
        hint: "squash the image into fewer layers"
      }
    );
  }
  return { options: rel, cwd };
}
function commonParent(paths) {
  let common = dirname3(paths[0]);
  while (!paths.every((p) => p.startsWith(common === "/" ? "/" : `${common}/`))) common = dirname3(common);
  return common;
}
async function viaServer(ask) {
  let server;
  try {
    server = shimServer(shimPath());
  } catch {
    return void 0;
  }
  try {
    return await ask(server);
  } catch (err) {
    if (isRuntimeError(err, "Internal") || isRuntimeError(err, "NotImplemented")) return void 0;
    throw err;
  }
}
async function mountOverlay(dirs) {
  const { options, cwd } = overlayOptions(dirs);
  const fail = (why) => new RuntimeError("FailedPrecondition", `Cannot mount the workspace overlay at "${dirs.target}": ${why}`, {
    hint: "the file system under the state root does not allow overlayfs here; use the copy mode"
  });
  const rel = (p) => cwd ? relative(cwd, p) || "." : p;
  const r = await viaServer(
    (s) => s.mount({
      cwd,
      target: resolve(dirs.target),
      lowers: [...dirs.layers].reverse().map(rel),
      upper: rel(dirs.upper),
      work: rel(dirs.work)
    })
  );
  if (r?.ok) return;
  if (r) throw fail(r.message);
  const t = await runTool(
    "mount",
    ["-t", "overlay", "overlay", "-o", `${WORKSPACE_MOUNT_FLAGS.join(",")},${options}`, dirs.target],
    cwd ? { cwd } : {}
  );
  if (t.exitCode !== 0) throw fail(t.stderr.trim());
}
async function unmount(target) {
  const s = await viaServer((server) => server.unmount(resolve(target)));
  if (s?.ok) return;
  if (s) throw new RuntimeError("Internal", `Cannot unmount "${target}": ${s.message}`);
  const r = await runTool("umount", [target]);
  if (r.exitCode === 0) return;
  const lazy = await runTool("umount", ["-l", target]);
  if (lazy.exitCode !== 0) {
    throw new RuntimeError(
      "Internal",
      `Cannot unmount "${target}": ${r.stderr.trim() || lazy.stderr.trim()}`
    );
  }
}
var probes = /* @__PURE__ */ new Map();
function probeOverlay(dir) {
  let p = probes.get(dir);
  if (p === void 0) {
    p = doProbe(dir);
    probes.set(dir, p);
  }
  return p;
}
async function doProbe(dir) {
  const base = join5(dir, `.probe-${randomBytes2(4).toString("hex")}`);
  const d = {
    lower: join5(base, "l"),
    upper: join5(base, "u"),
    work: join5(base, "w"),
    target: join5(base, "m")
  };
  try {
    for (const p of Object.values(d)) await mkdir2(p, { recursive: true });
    await mountOverlay({ layers: [d.lower], upper: d.upper, work: d.work, target: d.target });
    await unmount(d.target);
    return true;
  } catch {
    return false;
  } finally {
    await rm2(base, { recursive: true, force: true }).catch(() => {
    });
  }
}

// src/runtime/sandbox/rootfs-mounts.ts
var TYPES = /* @__PURE__ */ new Set(["overlay", "bind", "rbind"]);
async function mountRootfs(mounts, target) {
  for (const m of mounts) {
    const type = m.type === "" && m.options.some((o) => o === "bind" || o === "rbind") ? "bind" : m.type;
    if (!TYPES.has(type)) {
      throw new RuntimeError(
        "InvalidArgument",
        `Cannot mount the rootfs: mount type "${m.type}" is not supported`,
        {
          hint: "hostpod takes overlay and bind rootfs mounts (containerd's overlayfs or native snapshotter)"
        }
      );
    }
    if ([m.source, ...m.options].some((f) => f.includes("\0")))
      throw new RuntimeError("InvalidArgument", "Cannot mount the rootfs: a field holds a NUL byte");
    if (type !== "overlay" && !m.source.startsWith("/"))
      throw new RuntimeError(
        "InvalidArgument",
        `Cannot mount the rootfs: bind source "${m.source}" is not absolute`
      );
  }
  let made = 0;
  try {
    for (const m of mounts) {
      const bind = m.type !== "overlay";
      const flags = WORKSPACE_MOUNT_FLAGS.join(",");
      const args = bind ? ["--bind", "-o", m.options.includes("ro") ? `ro,${flags}` : flags, m.source, target] : ["-t", "overlay", m.source || "overlay", "-o", [...m.options, flags].join(","), target];
      if (bind && m.options.includes("rbind")) args[0] = "--rbind";
      const r = await runTool("mount", args);
      if (r.exitCode !== 0) {
        throw new RuntimeError(
          "FailedPrecondition",
          `Cannot mount the rootfs at "${target}": ${r.stderr.trim()}`
        );
      }
      made++;
    }
  } catch (err) {
    for (; made > 0; made--) await unmount(target).catch(() => {
    });
    throw err;
  }
}

// src/runtime/sandbox/target-registry.ts
import { createHash } from "node:crypto";
import { lstat as lstat2, mkdir as mkdir3, readdir as readdir3, readFile as readFile2, rm as rm3, rmdir, stat as stat2, unlink, writeFile } from "node:fs/promises";
import { dirname as dirname4, join as join6 } from "node:path";
function entryDir(registry, target) {
  return join6(registry, ".targets", createHash("sha256").update(target).digest("hex").slice(0, 32));
}
function madeEntry(registry, path) {
  return join6(registry, ".made", createHash("sha256").update(path).digest("hex").slice(0, 32));
}
async function locked(registry, fn) {
  await mkdir3(registry, { recursive: true, mode: 448 });
  return withFileLock(join6(registry, ".lock"), fn);
}
async function noteMade(registry, paths) {
  if (paths.length === 0) return;
  await mkdir3(join6(registry, ".made"), { recursive: true, mode: 448 });
  for (const p of paths) await writeFile(madeEntry(registry, p), `${p}
`);
}
async function removeIfMade(registry, path, mounted, owned = false) {
  const entry = madeEntry(registry, path);
  if (!owned && !await exists(entry) || mounted.has(path)) return false;
  try {
    const st = await lstat2(path);
    if (st.isDirectory()) await rmdir(path);
    else if (st.isFile() && st.size === 0) await unlink(path);
    else return false;
  } catch (err) {
    const code = errnoCode(err);
    if (code === "ENOTEMPTY" || code === "EEXIST" || code === "EBUSY") return false;
    if (code !== "ENOENT") throw err;
  }
  await rm3(entry, { force: true });
  return true;
}
function acquireTarget(registry, user, target, kind) {
  return locked(registry, () => acquire(registry, user, target, kind));
}
async function acquire(registry, user, target, kind) {
  const entry = entryDir(registry, target);
  await mkdir3(join6(entry, "users"), { recursive: true, mode: 448 });
  await writeFile(join6(entry, "path"), `${target}
`);
  await writeFile(join6(entry, "users", user), "");
  let existing;
  try {
    existing = await stat2(target);
  } catch (err) {
    if (errnoCode(err) !== "ENOENT") throw err;
  }
  if (existing !== void 0) {
    if (existing.isDirectory() !== (kind === "dir")) {
      await release(registry, user, target);
      throw new RuntimeError(
        "InvalidArgument",
        `Cannot mount a ${kind === "dir" ? "directory" : "file"} at "${target}": the host has a ${existing.isDirectory() ? "directory" : "file"} there`
      );
    }
    return { existed: true, owned: await exists(join6(entry, "owned")) };
  }
  const created = await mkdirs(kind === "dir" ? target : dirname4(target), { mode: 493 });
  if (kind === "file") {
    try {
      await writeFile(target, "", { flag: "wx", mode: 420 });
      created.push(target);
    } catch (err) {
      if (errnoCode(err) !== "EEXIST") throw err;
    }
  }
  await noteMade(registry, created);
  if (created.length > 0) await writeFile(join6(entry, "owned"), `${created.join("\n")}
`);
  return { existed: false, owned: created.length > 0 || await exists(join6(entry, "owned")) };
}
function releaseTarget(registry, user, target) {
  return locked(registry, () => release(registry, user, target));
}
async function release(registry, user, target) {
  const entry = entryDir(registry, target);
  await rm3(join6(entry, "users", user), { force: true });
  let users;
  try {
    users = await readdir3(join6(entry, "users"));
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return;
    throw err;
  }
  if (users.length > 0) return;
  let owned = [];
  try {
    owned = (await readFile2(join6(entry, "owned"), "utf8")).split("\n").filter((p) => p.startsWith("/"));
  } catch (err) {
    if (errnoCode(err) !== "ENOENT") throw err;
  }
  const mounted = await mountPointsInAllNamespaces();
  for (const m of await mountsUnder("/")) mounted.add(m.mountPoint);
  for (const p of [...owned].reverse()) await removeIfMade(registry, p, mounted, true);
  for (let dir = dirname4(target); dir !== "/" && dir !== "."; dir = dirname4(dir)) {
    if (!await removeIfMade(registry, dir, mounted) && await exists(dir)) break;
  }
  await rm3(entry, { recursive: true, force: true });
}
async function exists(path) {
  try {
    await lstat2(path);
    return true;
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return false;
    throw err;
  }
}

// src/runtime/sandbox/volumes.ts
import { stat as stat3 } from "node:fs/promises";
import { posix as posix2 } from "node:path";

// src/runtime/spec/working-dir.ts
import { posix } from "node:path";
function resolveWorkingDir(input) {
  const workspace = stripTrailingSlash(input.mountPoint);
  const raw = nonEmpty(input.workingDir) ?? nonEmpty(input.imageWorkingDir);
  if (raw === void 0) return workspace;
  const hadToken = hasSandboxToken(raw);
  const p = toLinuxPath(replaceSandboxTokens(raw, input.mountPoint));
  if (!p.startsWith("/")) return stripTrailingSlash(`${workspace}${posix.normalize(`/${p}`)}`);
  if (input.layout === "symlink" && !hadToken) return stripTrailingSlash(`${workspace}${posix.normalize(p)}`);
  return stripTrailingSlash(posix.normalize(p));
}
function toLinuxPath(path) {
  const p = normalizeSeparators(path);
  return /^[A-Za-z]:(\/|$)/.test(p) ? p.slice(2) || "/" : p;
}
function nonEmpty(s) {
  return s === void 0 || s === "" ? void 0 : s;
}

// src/runtime/sandbox/volumes.ts
async function checkVolumeMounts(mounts, options) {
  const out = [];
  const workspace = stripTrailingSlash(options.mountPoint);
  for (const m of mounts) {
    const invalid = (msg, hint) => new RuntimeError(
      "InvalidArgument",
      `Cannot mount "${m.hostPath}" at "${m.mountPath}" in container "${options.container}": ${msg}`,
      hint ? { hint } : {}
    );
    if (m.hostPath === "" || m.mountPath === "") {
      throw invalid(
        `invalid OCI spec - a mount must have both source and a destination: {source: "${m.hostPath}", destination: "${m.mountPath}"}`
      );
    }
    if (m.hostPath.includes("\0") || m.mountPath.includes("\0"))
      throw invalid("the path contains a NUL byte");
    if (m.hostPath.startsWith("\\\\.\\pipe\\")) throw unsupported(invalid, "named pipe");
    const mountPath = toLinuxPath(m.mountPath);
    if (!mountPath.startsWith("/")) throw invalid("the mount path must be absolute");
    if (mountPath.split("/").includes("..")) throw invalid('the mount path must not contain ".."');
    const target = stripTrailingSlash(posix2.normalize(mountPath));
    if (target === workspace || workspace.startsWith(target === "/" ? "/" : `${target}/`)) {
      throw invalid(`the mount path would hide the workspace at "${workspace}"`);
    }
    if (!m.hostPath.startsWith("/")) throw invalid("the host path must be absolute");
    let st;
    try {
      st = await stat3(m.hostPath);
    } catch (err) {
      if (errnoCode(err) === "ENOENT") {
        throw new RuntimeError(
          "NotFound",
          `Cannot mount "${m.hostPath}" in container "${options.container}": it does not exist`,
          {
            cause: err
          }
        );
      }
      throw err;
    }
    if (st.isSocket()) throw unsupported(invalid, "socket");
    if (st.isFIFO()) throw unsupported(invalid, "FIFO");
    out.push({
      hostPath: m.hostPath,
      mountPath: target,
      readOnly: m.readOnly,
      kind: st.isDirectory() ? "dir" : "file",
      ...m.propagation === void 0 ? {} : { propagation: m.propagation },
      ...m.subPath ? { subPath: m.subPath } : {}
    });
  }
  return out;
}
function unsupported(invalid, kind) {
  return invalid(
    `${kind} mounts not supported for job containers - interact with the ${kind} directly`,
    `the container shares the host's filesystem: use the ${kind}'s host path from the container instead of a volume`
  );
}

// src/runtime/sandbox/sandbox.ts
var RECORD = "sandbox.json";
var SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
function sandboxesDir(root) {
  return join7(stripTrailingSlash(root), "sandboxes");
}
function checkId(id) {
  if (!SAFE_ID.test(id) || id.includes("..")) {
    throw new RuntimeError("InvalidArgument", `Invalid container id "${id}": not a safe path component`);
  }
}
async function createSandbox(options) {
  const { root, id, layout } = options;
  const container = options.container ?? id;
  checkId(id);
  const { mountPoint, workspaceHostPath: workspace } = resolveMountPoint({
    layout,
    id,
    root,
    rootfsLocation: options.rootfsLocation
  });
  const mounts = await checkVolumeMounts(options.mounts, { container, mountPoint });
  const base = sandboxesDir(root);
  const dir = join7(base, id);
  await mkdir4(base, { recursive: true, mode: 457 });
  try {
    await mkdir4(dir, { mode: 448 });
    if (options.group !== void 0) await chown(dir, process.getuid?.() ?? 0, options.group);
    await chmod(dir, options.group === void 0 ? 457 : 456);
  } catch (err) {
    if (errnoCode(err) === "EEXIST") {
      throw new RuntimeError(
        "AlreadyExists",
        `Cannot create the sandbox of container "${container}": ${dir} exists`,
        {
          hint: "remove the container first (its sandbox is removed with it)"
        }
      );
    }
    throw err;
  }
  const record = {
    version: 1,
    id,
    layout,
    mode: void 0,
    workspace: join7(dir, "rootfs"),
    bindTargets: [],
    targetRegistry: {
      dir: mountTargetRegistry(options.hostState),
      user: `${instanceId(root)}-${id}`
    }
  };
  const rollback = new Rollback();
  rollback.add("sandbox", () => removeSandbox({ root, id }));
  try {
    const mode = options.mode === void 0 || options.mode === "auto" ? await pickMode(base) : options.mode;
    record.mode = mode;
    await saveRecord(dir, record);
    if (workspace !== join7(dir, "rootfs")) {
      await mkdir4(dirname5(workspace), { recursive: true });
      try {
        await mkdir4(workspace, { mode: 493 });
      } catch (err) {
        if (errnoCode(err) === "EEXIST") {
          throw new RuntimeError(
            "AlreadyExists",
            `Cannot create the workspace of container "${container}": ${workspace} exists`
          );
        }
        throw err;
      }
      record.workspace = workspace;
      await saveRecord(dir, record);
    } else {
      await mkdir4(workspace, { mode: 493 });
    }
    const warnings = [];
    if (options.rootfsMounts !== void 0) {
      await mountRootfs(options.rootfsMounts, workspace);
    } else if (mode === "overlay") {
      const upper = join7(dir, "upper");
      const work = join7(dir, "work");
      await mkdir4(upper, { mode: 493 });
      await mkdir4(work, { mode: 448 });
      let layers = options.layers.map(layerDir);
      if (layers.length === 0) {
        layers = [join7(dir, "empty")];
        await mkdir4(layers[0], { mode: 493 });
      }
      await mountOverlay({ layers, upper, work, target: workspace });
    } else {
      warnings.push(...await copyLayers(options.layers, workspace));
      await bindWorkspace(workspace);
    }
    await checkWorkspaceMount(workspace);
    for (const m of mounts) {
      try {
        await linkVolume(workspace, m, layout === "bind" ? m.mountPath : m.hostPath);
      } catch (err) {
        const msg = `failed to setup mount for job container: cannot link "${m.mountPath}" to "${m.hostPath}" in the workspace: ${describe(err)}`;
        if (layout === "symlink")
          throw new RuntimeError("FailedPrecondition", `Cannot start container "${container}": ${msg}`, {
            cause: err
          });
        warnings.push(msg);
      }
    }
    let plan;
    let mappings = [];
    if (layout === "bind") {
      const target = stripTrailingSlash(mountPoint);
      const byDepth = [...mounts].sort((a, b) => depth(a.mountPath) - depth(b.mountPath));
      const volumeMappings = [];
      const where = byDepth.map((m) => {
        const inVolume = translatePath(m.mountPath, volumeMappings);
        volumeMappings.push({ source: m.hostPath, target: m.mountPath });
        if (m.mountPath.startsWith(`${target}/`)) return { kind: "workspace" };
        if (inVolume !== m.mountPath) return { kind: "volume", hostPath: inVolume };
        return { kind: "host" };
      });
      record.bindTargets = [
        target,
        ...byDepth.filter((_, i) => where[i].kind === "host").map((m) => m.mountPath)
      ];
      await saveRecord(dir, record);
      const registry = record.targetRegistry;
      const acquire2 = async (path, kind) => {
        rollback.add(`mount target ${path}`, () => releaseTarget(registry.dir, registry.user, path));
        return acquireTarget(registry.dir, registry.user, path, kind);
      };
      const mp = await acquire2(target, "dir");
      if (mp.existed && !mp.owned && (await readdir4(target).catch(() => [])).length > 0) {
        warnings.push(
          `the workspace at "${target}" shadows the existing host directory "${target}" inside container "${container}" (the host's copy is unchanged)`
        );
      }
      plan = {
        binds: [{ source: workspace, destination: target, readOnly: false }],
        createdMountPoint: mp.owned
      };
      for (const [i, m] of byDepth.entries()) {
        const w = where[i];
        let destination = m.mountPath;
        let within;
        if (w.kind === "workspace") {
          const hostPath = await makeTargetInWorkspace(workspace, m.mountPath.slice(target.length), m.kind);
          destination = `${target}${hostPath.slice(workspace.length)}`;
          within = { base: target, path: destination.slice(target.length + 1) };
        } else if (w.kind === "volume") {
          const outer = byDepth.slice(0, i).filter((o) => m.mountPath.startsWith(`${o.mountPath}/`)).reduce((a, b) => b.mountPath.length > a.mountPath.length ? b : a);
          within = { base: outer.mountPath, path: m.mountPath.slice(outer.mountPath.length + 1) };
        } else {
          const t = await acquire2(m.mountPath, m.kind);
          if (t.existed && !t.owned) {
            warnings.push(
              `the volume at "${m.mountPath}" shadows the existing host ${m.kind === "dir" ? "directory" : "file"} "${m.mountPath}" inside container "${container}" (the host's copy is unchanged)`
            );
          }
        }
        const bind = { source: m.hostPath, destination, readOnly: m.readOnly };
        if (within !== void 0 || m.subPath !== void 0) {
          bind.within = {
            sourceBase: m.subPath?.volume ?? m.hostPath,
            sourcePath: m.subPath?.path ?? "",
            destinationBase: within?.base ?? m.mountPath,
            destinationPath: within?.path ?? ""
          };
        }
        if (m.propagation !== void 0) bind.propagation = m.propagation;
        plan.binds.push(bind);
      }
      mappings = plan.binds.map((b) => ({ source: b.source, target: b.destination }));
    }
    if (options.owner) await chown(workspace, options.owner.uid, options.owner.gid);
    rollback.commit();
    return { id, dir, layout, mode, workspace, mountPoint, plan, mappings, mounts, warnings };
  } catch (err) {
    await rollback.rollback();
    throw err;
  }
}
async function pickMode(base) {
  return await probeOverlay(base) ? "overlay" : "copy";
}
function depth(path) {
  return path.split("/").filter((c) => c !== "").length;
}
async function makeTargetInWorkspace(workspace, rel, kind) {
  const { hostPath, kind: found } = await resolveInRoot(workspace, rel);
  if (found !== "missing" && found !== kind) {
    throw new RuntimeError(
      "InvalidArgument",
      `Cannot mount a ${kind === "dir" ? "directory" : "file"} at "${rel}" in the workspace: the image has a ${found === "dir" ? "directory" : "file"} there`
    );
  }
  if (kind === "dir") {
    await mkdirs(hostPath, { mode: 493 });
  } else {
    await mkdirs(dirname5(hostPath), { mode: 493 });
    if (found === "missing") await writeFile2(hostPath, "", { flag: "wx", mode: 420 });
  }
  return hostPath;
}
async function linkVolume(workspace, m, target) {
  const { hostPath } = await mkdirInRoot(workspace, dirname5(m.mountPath));
  const link = join7(hostPath, basename3(m.mountPath));
  try {
    await symlink(target, link);
  } catch (err) {
    if (errnoCode(err) !== "EEXIST") throw err;
    const st = await lstat3(link);
    if (st.isSymbolicLink()) await unlink2(link);
    else if (st.isDirectory() && (await readdir4(link)).length === 0) await rmdir2(link);
    else throw new Error(`the image has a non-empty ${st.isDirectory() ? "directory" : "file"} there`);
    await symlink(target, link);
  }
}
async function removeSandbox(options) {
  checkId(options.id);
  const dir = join7(sandboxesDir(options.root), options.id);
  const record = await loadRecord(dir);
  const workspace = record?.workspace ?? join7(dir, "rootfs");
  const areas = workspace.startsWith(`${dir}/`) ? [dir] : [dir, workspace];
  for (const area of areas) {
    const mounted = await mountsUnder(area);
    for (const m of mounted) await unmount(m.mountPoint);
    const left = mounted.length === 0 ? [] : await mountsUnder(area);
    if (left.length > 0) {
      throw new RuntimeError(
        "Internal",
        `Cannot remove sandbox "${options.id}": "${left[0].mountPoint}" is still mounted`,
        {
          hint: `unmount it (umount -l ${left[0].mountPoint}) and retry`
        }
      );
    }
  }
  const trash = trashDir(options.root);
  if (areas.length === 2) await removeTreeSafely(workspace, trash);
  const registry = record?.targetRegistry ?? { dir: sandboxesDir(options.root), user: options.id };
  for (const t of record?.bindTargets ?? []) await releaseTarget(registry.dir, registry.user, t);
  await removeTreeSafely(dir, trash);
}
function trashDir(root) {
  return join7(stripTrailingSlash(root), "trash");
}
async function listSandboxes(root) {
  try {
    const entries = await readdir4(sandboxesDir(root), { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && SAFE_ID.test(e.name)).map((e) => e.name).sort();
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return [];
    throw err;
  }
}
async function saveRecord(dir, record) {
  const tmp = join7(dir, `.${RECORD}.tmp`);
  await writeFile2(tmp, `${JSON.stringify(record, null, 2)}
`, { mode: 384 });
  await rename2(tmp, join7(dir, RECORD));
}
async function loadRecord(dir) {
  let text;
  try {
    text = await readFile3(join7(dir, RECORD), "utf8");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return void 0;
    throw err;
  }
  const v = JSON.parse(text);
  if (!isRecord(v)) {
    throw new RuntimeError("DataLoss", `Cannot read ${join7(dir, RECORD)}: not a sandbox record`);
  }
  return v;
}
function isRecord(v) {
  if (typeof v !== "object" || v === null) return false;
  const r = v;
  const strings = (x) => Array.isArray(x) && x.every((s) => typeof s === "string" && s.startsWith("/"));
  return r.version === 1 && typeof r.id === "string" && typeof r.workspace === "string" && r.workspace.startsWith("/") && strings(r.bindTargets) && (r.targetRegistry === void 0 || isRegistry(r.targetRegistry));
}
function isRegistry(v) {
  if (typeof v !== "object" || v === null) return false;
  const r = v;
  return typeof r.dir === "string" && r.dir.startsWith("/") && typeof r.user === "string" && r.user !== "";
}
function describe(err) {
  return err instanceof Error ? err.message : String(err);
}

// src/runtime/spec/account.ts
var LOGON_FAILURE = "failed to create user process token: failed to logon user";
var NT_AUTHORITY = "NT AUTHORITY";
var SERVICE_ACCOUNTS = {
  system: { kind: "system" },
  localservice: { kind: "local-service" },
  networkservice: { kind: "network-service" }
};
var TRUE_VALUES = /* @__PURE__ */ new Set(["1", "t", "T", "TRUE", "true", "True"]);
function parseRunAsUserName(runAsUserName, annotations = {}) {
  const inherit = annotations[ANNOTATION_INHERIT_USER];
  if (inherit !== void 0 && TRUE_VALUES.has(inherit)) return { kind: "inherit" };
  if (runAsUserName === void 0 || runAsUserName === "") {
    throw new RuntimeError("InvalidArgument", "runAsUserName is required for a HostProcess container", {
      hint: 'set securityContext.windowsOptions.runAsUserName, e.g. "NT AUTHORITY\\SYSTEM"'
    });
  }
  const parts = runAsUserName.split("\\");
  if (parts.length > 2) {
    throw new RuntimeError("InvalidArgument", `invalid user string "${runAsUserName}"`, {
      hint: "use DOMAIN\\user or a group name, with at most one backslash"
    });
  }
  if (parts.length === 1) return { kind: "group", name: runAsUserName };
  const [domain, user] = parts;
  if (domain === NT_AUTHORITY) {
    const known = SERVICE_ACCOUNTS[user.toLowerCase().replace(/ /g, "")];
    if (known !== void 0) return known;
  }
  throw new RuntimeError("FailedPrecondition", `${LOGON_FAILURE}: unknown account "${runAsUserName}"`, {
    hint: 'use "NT AUTHORITY\\SYSTEM", "NT AUTHORITY\\Local Service", "NT AUTHORITY\\Network Service", the name of a local group, or the annotation microsoft.com/hostprocess-inherit-user: "true"'
  });
}

// src/runtime/users/etc-files.ts
import { readFile as readFile4 } from "node:fs/promises";
import { join as join8 } from "node:path";
var ID = /^(0|[1-9][0-9]{0,9})$/;
function parsePasswd(text) {
  const out = [];
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length !== 7 || f[0] === "" || /^[#+-]/.test(line)) continue;
    const [name, , uid, gid, gecos, home, shell] = f;
    if (!ID.test(uid) || !ID.test(gid)) continue;
    out.push({ name, uid: Number(uid), gid: Number(gid), gecos, home, shell });
  }
  return out;
}
function parseGroup(text) {
  const out = [];
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length !== 4 || f[0] === "" || /^[#+-]/.test(line)) continue;
    const [name, , gid, members] = f;
    if (!ID.test(gid)) continue;
    out.push({
      name,
      gid: Number(gid),
      members: members === "" ? [] : members.split(",").filter((m) => m !== "")
    });
  }
  return out;
}
async function readHostAccounts(etcDir = "/etc") {
  const [p, g] = await Promise.all([
    readFile4(join8(etcDir, "passwd"), "utf8"),
    readFile4(join8(etcDir, "group"), "utf8")
  ]);
  return { users: parsePasswd(p), groups: parseGroup(g) };
}
function groupsOf(accounts, user) {
  const gids = [user.gid];
  for (const g of accounts.groups)
    if (g.members.includes(user.name) && !gids.includes(g.gid)) gids.push(g.gid);
  return gids;
}

// src/runtime/users/id-allocator.ts
import { mkdir as mkdir5, readFile as readFile5 } from "node:fs/promises";
import { join as join9 } from "node:path";
var HOSTPOD_ID_BLOCK = { first: 19e8, last: 1999999999 };
var SERVICE_ACCOUNT_IDS = { localService: 1900000019, networkService: 1900000020 };
var EPHEMERAL_ID_RANGE = { first: 1900001e3, last: HOSTPOD_ID_BLOCK.last };
function idStateDir(hostState = HOST_STATE_DIR) {
  return join9(hostState, "ids");
}
async function allocateId(options = {}) {
  const range = options.range ?? EPHEMERAL_ID_RANGE;
  const etcDir = options.etcDir ?? "/etc";
  const dir = options.stateDir ?? idStateDir();
  await checkRangeIsFree(range, etcDir);
  await mkdir5(dir, { recursive: true, mode: 448 });
  return withFileLock(join9(dir, ".lock"), async () => {
    const counter = join9(dir, "next");
    let next = range.first;
    try {
      const n = Number((await readFile5(counter, "utf8")).trim());
      if (Number.isSafeInteger(n) && n > next) next = n;
    } catch (err) {
      if (errnoCode(err) !== "ENOENT") throw err;
    }
    const accounts = await readHostAccounts(etcDir);
    for (const id of [...accounts.users.map((u) => u.uid), ...accounts.groups.map((g) => g.gid)]) {
      if (id >= range.first && id <= range.last && id >= next) next = id + 1;
    }
    if (next > range.last) {
      throw new RuntimeError(
        "ResourceExhausted",
        `Cannot allocate an id for an ephemeral user or pod group: the range ${range.first}-${range.last} is used up`,
        {
          hint: `hostpod never reuses an id (files may still belong to it); give it a new range, or reset ${counter} once no file on the host belongs to an id of the range`
        }
      );
    }
    await writeFileAtomic(counter, `${next + 1}
`, { mode: 384 });
    return next;
  });
}
async function checkRangeIsFree(range, etcDir = "/etc") {
  const taken = [];
  const defs = parseLoginDefs(await readOptional(join9(etcDir, "login.defs")));
  for (const k of ["UID", "GID"]) {
    const first = defs.get(`SYS_${k}_MIN`) ?? 101;
    const last = defs.get(`${k}_MAX`) ?? 6e4;
    taken.push({ what: `login.defs SYS_${k}_MIN..${k}_MAX`, first, last });
  }
  for (const file of ["subuid", "subgid"]) {
    for (const line of (await readOptional(join9(etcDir, file))).split("\n")) {
      const m = /^[^:#]+:(\d+):(\d+)\s*$/.exec(line);
      if (!m) continue;
      const first = Number(m[1]);
      taken.push({ what: `/etc/${file} "${line.trim()}"`, first, last: first + Number(m[2]) - 1 });
    }
  }
  const hit = taken.find((t) => t.first <= range.last && range.first <= t.last);
  if (hit) {
    throw new RuntimeError(
      "FailedPrecondition",
      `Cannot allocate ids in ${range.first}-${range.last}: the range overlaps ${hit.what} (${hit.first}-${hit.last})`,
      { hint: "move that range, or give hostpod another id range that nothing else on the host uses" }
    );
  }
}
function parseLoginDefs(text) {
  const out = /* @__PURE__ */ new Map();
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Z_]+)\s+(\d+)\s*$/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}
async function readOptional(path) {
  try {
    return await readFile5(path, "utf8");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return "";
    throw err;
  }
}

// src/runtime/users/shadow-tools.ts
import { execFile as execFile3 } from "node:child_process";
import { existsSync } from "node:fs";
var queue = Promise.resolve();
function runShadowTool(tool, args) {
  const run2 = queue.then(() => runWithRetry(tool, args));
  queue = run2.catch(() => {
  });
  return run2;
}
async function runWithRetry(tool, args) {
  for (let attempt = 0; ; attempt++) {
    const r = await once(tool, args);
    const locked2 = r.exitCode !== 0 && /cannot lock|try again later/i.test(r.stderr);
    if (!locked2 || attempt >= 20) return r;
    await new Promise((resolve2) => setTimeout(resolve2, 25 * (attempt + 1)));
  }
}
function once(tool, args) {
  return new Promise((resolve2, reject) => {
    const file = existsSync(`/usr/sbin/${tool}`) ? `/usr/sbin/${tool}` : tool;
    execFile3(file, args, { encoding: "utf8" }, (err, _stdout, stderr) => {
      if (err && typeof err.code !== "number") {
        reject(
          new RuntimeError("Unavailable", `Cannot run ${tool}: ${err.message}`, {
            hint: `install Debian's "passwd" package (useradd, userdel, groupadd)`,
            cause: err
          })
        );
        return;
      }
      resolve2({ exitCode: err ? err.code : 0, stderr: stderr.trim() });
    });
  });
}

// src/runtime/users/accounts.ts
var EPHEMERAL_MARKER = "hostpod ephemeral";
function ephemeralScope(root) {
  return instanceId(root);
}
function markerFor(scope) {
  return scope === void 0 ? EPHEMERAL_MARKER : `${EPHEMERAL_MARKER} ${scope}`;
}
function isEphemeral(gecos, scope) {
  if (scope !== void 0) return gecos === markerFor(scope);
  return gecos === EPHEMERAL_MARKER || gecos.startsWith(`${EPHEMERAL_MARKER} `);
}
var EPHEMERAL_NAME_LENGTH = 20;
var DEFAULT_SERVICE_ACCOUNTS = {
  localService: "hostpod-localsvc",
  networkService: "hostpod-netsvc"
};
function currentIdentity() {
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, groups: process.getgroups?.() ?? [] };
}
async function resolveAccount(spec, options) {
  const self = options.self ?? currentIdentity();
  const etcDir = options.etcDir ?? "/etc";
  const container = options.container ?? options.containerId;
  let accounts = await readHostAccounts(etcDir);
  if (spec.kind === "inherit") {
    const me = accounts.users.find((u) => u.uid === self.uid);
    return {
      name: me?.name ?? String(self.uid),
      uid: self.uid,
      gid: self.gid,
      groups: self.groups.length > 0 ? [...self.groups] : [self.gid],
      home: me?.home ?? "/",
      shell: me?.shell ?? "/bin/sh",
      ephemeral: false
    };
  }
  let group;
  if (spec.kind === "group") {
    group = accounts.groups.find((g) => g.name === spec.name);
    if (group === void 0) {
      const isUser = accounts.users.some((u) => u.name === spec.name);
      throw new RuntimeError(
        "FailedPrecondition",
        `${LOGON_FAILURE}: ${isUser ? `"${spec.name}" is a user, not a local group` : `no local group or account named "${spec.name}"`}`,
        {
          hint: 'set runAsUserName to "NT AUTHORITY\\SYSTEM", "NT AUTHORITY\\Local Service", "NT AUTHORITY\\Network Service" or the name of an existing host group (create it first, e.g. with groupadd in an init container)'
        }
      );
    }
  }
  requireRoot(self, spec, container);
  if (spec.kind === "system") {
    const root = accounts.users.find((u) => u.uid === 0) ?? rootFallback();
    return fromEntry(accounts, root, false);
  }
  if (spec.kind === "local-service" || spec.kind === "network-service") {
    const names = { ...DEFAULT_SERVICE_ACCOUNTS, ...options.serviceAccounts };
    const name2 = spec.kind === "local-service" ? names.localService : names.networkService;
    let user2 = accounts.users.find((u) => u.name === name2);
    if (user2 === void 0) {
      const ids = { ...SERVICE_ACCOUNT_IDS, ...options.serviceAccountIds };
      await createServiceAccount(
        name2,
        accounts,
        spec.kind,
        ids[spec.kind === "local-service" ? "localService" : "networkService"]
      );
      accounts = await readHostAccounts(etcDir);
      user2 = mustFind(accounts, name2);
    }
    return fromEntry(accounts, user2, false);
  }
  const name = ephemeralUserName(options.containerId);
  const existing = accounts.users.find((u) => u.name === name);
  if (existing !== void 0 && !isEphemeral(existing.gecos, void 0)) {
    throw new RuntimeError("AlreadyExists", `${LOGON_FAILURE}: a host user named "${name}" already exists`, {
      hint: `it was not made by hostpod; remove it or use another container id`
    });
  }
  if (existing === void 0) {
    let r;
    for (let attempt = 0; ; attempt++) {
      const uid = await allocateId(options.ids);
      r = await runShadowTool("useradd", [
        "--system",
        "--no-create-home",
        "--home-dir",
        "/nonexistent",
        "--shell",
        "/usr/sbin/nologin",
        "--comment",
        markerFor(options.scope),
        "--uid",
        String(uid),
        "--gid",
        String(group.gid),
        name
      ]);
      if (r.exitCode !== 4 || attempt >= 3) break;
    }
    if (r.exitCode !== 0) {
      throw new RuntimeError(
        "Internal",
        `${LOGON_FAILURE}: useradd ${name} failed (exit ${r.exitCode}): ${r.stderr}`
      );
    }
    accounts = await readHostAccounts(etcDir);
  }
  const user = mustFind(accounts, name);
  const resolved = fromEntry(accounts, user, true);
  if (!resolved.groups.includes(group.gid)) resolved.groups.push(group.gid);
  return resolved;
}
function ephemeralUserName(containerId) {
  return containerId.slice(0, EPHEMERAL_NAME_LENGTH);
}
function accountBaseEnv(account) {
  const nologin = /\/(nologin|false)$/.test(account.shell);
  const base = {
    name: account.name,
    home: account.home,
    shell: nologin ? "/bin/sh" : account.shell
  };
  return userBaseEnv(base);
}
async function removeEphemeralUser(containerId, options = {}) {
  const name = ephemeralUserName(containerId);
  const accounts = await readHostAccounts(options.etcDir);
  const user = accounts.users.find((u) => u.name === name);
  if (user === void 0 || !isEphemeral(user.gecos, options.scope)) return false;
  return deleteUser(name);
}
async function cleanupEphemeralUsers(liveIds, options = {}) {
  const live = new Set([...liveIds].map(ephemeralUserName));
  const accounts = await readHostAccounts(options.etcDir);
  const removed = [];
  const failed2 = [];
  for (const u of accounts.users) {
    if (!isEphemeral(u.gecos, options.scope) || live.has(u.name)) continue;
    try {
      if (await deleteUser(u.name)) removed.push(u.name);
    } catch (error) {
      failed2.push({ name: u.name, error });
    }
  }
  return { removed, failed: failed2 };
}
async function deleteUser(name) {
  const r = await runShadowTool("userdel", [name]);
  if (r.exitCode === 0) return true;
  if (r.exitCode === 6) return false;
  if (r.exitCode === 8) {
    throw new RuntimeError("FailedPrecondition", `Cannot delete user "${name}": a process of it still runs`, {
      hint: "stop the container (its whole job) first"
    });
  }
  throw new RuntimeError(
    "Internal",
    `Cannot delete user "${name}": userdel exited ${r.exitCode}: ${r.stderr}`
  );
}
async function createServiceAccount(name, accounts, kind, id) {
  const label = kind === "local-service" ? "Local Service" : "Network Service";
  const taken = accounts.users.find((u) => u.uid === id);
  if (taken !== void 0) {
    throw new RuntimeError(
      "FailedPrecondition",
      `${LOGON_FAILURE}: cannot create the ${label} account "${name}" with its fixed uid ${id}: user "${taken.name}" has it`,
      {
        hint: `remove or renumber "${taken.name}", or create "${name}" yourself (hostpod uses an existing account as it is)`
      }
    );
  }
  let group = accounts.groups.find((g) => g.name === name);
  if (group === void 0) {
    const g = await runShadowTool("groupadd", ["--system", "--gid", String(id), name]);
    if (g.exitCode !== 0 && g.exitCode !== 9) {
      throw new RuntimeError(
        "Internal",
        `${LOGON_FAILURE}: cannot create the group "${name}" (gid ${id}): groupadd exited ${g.exitCode}: ${g.stderr}`
      );
    }
    group = (await readHostAccounts()).groups.find((x) => x.name === name);
  }
  const r = await runShadowTool("useradd", [
    "--system",
    "--no-create-home",
    "--home-dir",
    "/nonexistent",
    "--shell",
    "/usr/sbin/nologin",
    "--comment",
    `hostpod ${label}`,
    "--uid",
    String(id),
    "--gid",
    String(group?.gid ?? id),
    name
  ]);
  if (r.exitCode !== 0 && r.exitCode !== 9) {
    throw new RuntimeError(
      "Internal",
      `${LOGON_FAILURE}: cannot create the account "${name}": useradd exited ${r.exitCode}: ${r.stderr}`
    );
  }
}
function requireRoot(self, spec, container) {
  if (self.uid === 0) return;
  const what = spec.kind === "group" ? `creating an ephemeral user in group "${spec.name}"` : spec.kind === "system" ? "running as NT AUTHORITY\\SYSTEM (root)" : `running as ${spec.kind === "local-service" ? "NT AUTHORITY\\Local Service" : "NT AUTHORITY\\Network Service"}`;
  throw new RuntimeError(
    "PermissionDenied",
    `Cannot start container "${container}": ${what} needs root (hostpod runs as uid ${self.uid})`,
    {
      hint: `run as root, or use runAsUserName of hostpod's own user via the inherit-user annotation (microsoft.com/hostprocess-inherit-user: "true")`
    }
  );
}
function fromEntry(accounts, user, ephemeral) {
  return {
    name: user.name,
    uid: user.uid,
    gid: user.gid,
    groups: groupsOf(accounts, user),
    home: user.home,
    shell: user.shell,
    ephemeral
  };
}
function mustFind(accounts, name) {
  const u = accounts.users.find((x) => x.name === name);
  if (u === void 0)
    throw new RuntimeError(
      "Internal",
      `${LOGON_FAILURE}: user "${name}" is missing right after it was created`
    );
  return u;
}
function rootFallback() {
  return { name: "root", uid: 0, gid: 0, gecos: "", home: "/root", shell: "/bin/sh" };
}

// src/runtime/users/pod-groups.ts
function podGroupName(instance, gid) {
  return `hp${instance}-${gid}`;
}
async function createPodGroup(instance, ids) {
  for (let attempt = 0; ; attempt++) {
    const gid = await allocateId(ids);
    const r = await runShadowTool("groupadd", [
      "--system",
      "--gid",
      String(gid),
      podGroupName(instance, gid)
    ]);
    if (r.exitCode === 0) return gid;
    if (r.exitCode !== 4 || attempt >= 3) {
      throw new RuntimeError(
        "Internal",
        `Cannot create the pod group (gid ${gid}): groupadd exited ${r.exitCode}: ${r.stderr}`
      );
    }
  }
}
async function removePodGroup(instance, gid) {
  const name = podGroupName(instance, gid);
  const accounts = await readHostAccounts();
  if (!accounts.groups.some((g) => g.gid === gid && g.name === name)) return false;
  const r = await runShadowTool("groupdel", [name]);
  if (r.exitCode === 0 || r.exitCode === 6) return r.exitCode === 0;
  throw new RuntimeError(
    "Internal",
    `Cannot delete the pod group "${name}": groupdel exited ${r.exitCode}: ${r.stderr}`
  );
}
async function cleanupPodGroups(instance, live) {
  const keep = new Set(live);
  const prefix = `hp${instance}-`;
  const out = { removed: [], failed: [] };
  for (const g of (await readHostAccounts()).groups) {
    if (!g.name.startsWith(prefix) || g.name !== podGroupName(instance, g.gid) || keep.has(g.gid)) continue;
    try {
      if (await removePodGroup(instance, g.gid)) out.removed.push(g.name);
    } catch (error) {
      out.failed.push({ name: g.name, error });
    }
  }
  return out;
}

// src/services/container-exit.ts
var UNKNOWN_EXIT_CODE = 137;
var START_ERROR_EXIT_CODE = 128;
function exitFromRecord(rec, oomKilled) {
  const reason = oomKilled && rec.exitCode !== 0 ? "OOMKilled" : rec.exitCode === 0 ? "Completed" : "Error";
  return {
    exitCode: rec.exitCode,
    reason,
    ...rec.signal ? { signal: rec.signal } : {},
    startedAt: rec.startedAt,
    finishedAt: rec.finishedAt
  };
}
function vanishedExit(message, startedAt) {
  return {
    exitCode: UNKNOWN_EXIT_CODE,
    reason: "Unknown",
    message,
    ...startedAt ? { startedAt } : {},
    finishedAt: (/* @__PURE__ */ new Date()).toISOString()
  };
}
function killedExit(message, startedAt) {
  return { ...vanishedExit(message, startedAt), reason: "Error" };
}
function startErrorExit(error) {
  return {
    exitCode: START_ERROR_EXIT_CODE,
    reason: "StartError",
    message: describeError(error),
    finishedAt: (/* @__PURE__ */ new Date()).toISOString()
  };
}
async function readTaskExit(dir, group) {
  let rec;
  try {
    rec = await readExit(dir);
  } catch (e) {
    if (!isRuntimeError(e, "DataLoss")) throw e;
    return vanishedExit(describeError(e));
  }
  if (!rec) return void 0;
  const stats = await group.stats().catch(() => void 0);
  return exitFromRecord(rec, (stats?.oomKillCount ?? 0) > 0);
}
function terminatedState(exit, containerID) {
  return {
    exitCode: exit.exitCode,
    reason: exit.reason,
    finishedAt: exit.finishedAt,
    ...exit.signal ? { signal: exit.signal } : {},
    ...exit.message ? { message: exit.message.slice(0, 4096) } : {},
    ...exit.startedAt ? { startedAt: exit.startedAt } : {},
    ...containerID ? { containerID } : {}
  };
}
function exitOfTerminated(t) {
  const known = ["Completed", "Error", "OOMKilled", "StartError", "Unknown"];
  const { containerID: _, ...rest } = t;
  return { ...rest, reason: known.includes(t.reason) ? t.reason : "Error" };
}

// src/services/container-runner.ts
import { mkdir as mkdir6, rm as rm4 } from "node:fs/promises";

// src/runtime/spec/process-config.ts
async function buildProcessConfig(container, image, options) {
  const { mountPoint } = options;
  const argv = expandArgv(
    selectArgv({
      name: container.name,
      command: container.command,
      args: container.args,
      entrypoint: image.Entrypoint,
      cmd: image.Cmd
    }),
    mountPoint
  );
  const env = buildEnv({
    base: options.baseEnv,
    image: parseImageEnv(image.Env),
    container: container.env,
    mountPoint
  });
  const cwd = resolveWorkingDir({
    layout: options.layout,
    mountPoint,
    workingDir: container.workingDir,
    imageWorkingDir: image.WorkingDir
  });
  checkValues(container.name, argv, env, cwd);
  const executable = await resolveExecutable(argv[0], {
    cwd,
    path: getEnv(env, "PATH") ?? DEFAULT_PATH,
    probe: options.probe,
    container: container.name
  });
  return { executable, argv, env, cwd, mountPoint };
}
function checkValues(name, argv, env, cwd) {
  const bad = (what) => new RuntimeError("InvalidArgument", `Cannot start container "${name}": ${what}`, {
    hint: "remove the offending character from the pod spec or the image config"
  });
  argv.forEach((a, i) => {
    if (a.includes("\0")) throw bad(`argument ${i} contains a NUL byte`);
  });
  for (const v of env) {
    if (v.name === "" || v.name.includes("=") || v.name.includes("\0")) {
      throw bad(`invalid environment variable name "${v.name.replace(/\0/g, "\\0")}"`);
    }
    if (v.value.includes("\0")) throw bad(`environment variable ${v.name} contains a NUL byte`);
  }
  if (cwd.includes("\0")) throw bad("the working directory contains a NUL byte");
}

// src/runtime/sandbox/prepare-container.ts
var WORKING_DIR_MODE = 448;

// src/runtime/task/start-task.ts
import { spawn as spawn2 } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { readFile as readFile6 } from "node:fs/promises";
import { join as join10 } from "node:path";
function spawnStart(shim, dir) {
  return new Promise((resolve2, reject) => {
    const child = spawn2(shim, ["start", dir], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (s) => {
      out += s;
    });
    child.stderr.setEncoding("utf8").on("data", (s) => {
      err += s;
    });
    child.on("error", reject);
    child.on("close", (c) => resolve2({ code: c, stdout: out, stderr: err }));
  });
}
async function startTask(spec, options) {
  const { group, dir } = options;
  const data = encodeLaunchSpec(spec, { procsFiles: group.procsFiles, killFile: group.killFile });
  const shim = shimPath(options.shim);
  try {
    mkdirSync(dir, { recursive: true, mode: 448 });
    writeFileSync(join10(dir, "spec"), data, { mode: 384 });
  } catch (err) {
    throw new RuntimeError(
      "FailedPrecondition",
      `Cannot write the task spec in ${dir}: ${errnoCode(err) ?? String(err)}`,
      {
        cause: err
      }
    );
  }
  const what = `process "${spec.argv[0]}"`;
  const { code, stdout, stderr } = options.launch === "spawn" ? await spawnStart(shim, dir) : { code: 0, stdout: await shimServer(shim).start(dir), stderr: "" };
  const line = stdout.trim();
  const m = /^ok (\d+) (\d+) (\S+)$/.exec(line);
  if (code === 0 && m) {
    const shimPid = Number(m[1]);
    group.adopt(shimPid);
    return { dir, shimPid, initPid: Number(m[2]), startedAt: m[3], group };
  }
  throw parseShimError(line, what) ?? new RuntimeError(
    "Internal",
    `Cannot start ${what}: the shim failed: ${(stderr || line || `exit ${code}`).trim()}`
  );
}
async function openTask(dir, groups, groupId) {
  const read = async (name) => {
    try {
      return await readFile6(join10(dir, name), "utf8");
    } catch (err) {
      if (errnoCode(err) === "ENOENT") {
        throw new RuntimeError("NotFound", `Cannot open the task in ${dir}: no ${name}`, {
          hint: "The task was never started there."
        });
      }
      throw err;
    }
  };
  const [shim, init] = await Promise.all([read("shim.pid"), read("init.pid")]);
  const [initPid, startedAt = ""] = init.trim().split(" ");
  const id = parseIdentity(shim);
  const shimPid = id?.pid ?? Number.parseInt(shim, 10);
  const group = groups.open(groupId, { shimPid, ...id ? { shimStartTime: id.startTime } : {} });
  return { dir, shimPid, initPid: Number(initPid), startedAt, group };
}

// src/runtime/task/stop-task.ts
async function stopTask(task, graceMs) {
  const { group, dir } = task;
  await group.signalAll("SIGTERM");
  if (!await group.waitEmpty(graceMs)) await group.kill();
  return waitTask(dir, { pollMs: 200 });
}

// src/services/env.ts
import { statfsSync } from "node:fs";
import { availableParallelism, totalmem } from "node:os";
function hostAllocatable() {
  let storage = 0n;
  try {
    const st = statfsSync("/", { bigint: true });
    storage = st.blocks * st.bsize;
  } catch {
  }
  return {
    cpuMilli: BigInt(availableParallelism()) * 1000n,
    memoryBytes: BigInt(totalmem()),
    ephemeralStorageBytes: storage
  };
}
function fieldRefValue(pod, node, fieldPath) {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (m) return (m[1] === "labels" ? pod.metadata.labels : pod.metadata.annotations)?.[m[2] ?? ""] ?? "";
  switch (fieldPath) {
    case "metadata.name":
      return pod.metadata.name ?? "";
    case "metadata.namespace":
      return pod.metadata.namespace ?? "default";
    case "metadata.uid":
      return pod.metadata.uid ?? "";
    case "spec.nodeName":
      return node.name;
    case "spec.serviceAccountName":
      return pod.spec.serviceAccountName ?? "default";
    case "status.hostIP":
    case "status.hostIPs":
    case "status.podIP":
    case "status.podIPs":
      return node.ip;
    default:
      return void 0;
  }
}
function ceilDiv(a, b) {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}
function resourceFieldValue(container, selector, allocatable = hostAllocatable()) {
  const m = /^(limits|requests)\.(cpu|memory|ephemeral-storage)$/.exec(selector.resource);
  if (!m) return void 0;
  const kind = m[1];
  const res = m[2];
  const limit = container.resources?.limits?.[res];
  const request = container.resources?.requests?.[res];
  const q = kind === "limits" ? limit : request ?? limit;
  const divisor = selector.divisor && selector.divisor.num !== 0n ? selector.divisor : void 0;
  if (res === "cpu") {
    const milli = q !== void 0 && q.num !== 0n ? milliValue(q) : kind === "limits" ? allocatable.cpuMilli : 0n;
    const d2 = divisor ? milliValue(divisor) : 1000n;
    return ceilDiv(milli, d2 > 0n ? d2 : 1000n).toString();
  }
  const fallback = res === "memory" ? allocatable.memoryBytes : allocatable.ephemeralStorageBytes;
  const bytes = q !== void 0 && q.num !== 0n ? integerValue(q) : kind === "limits" ? fallback : 0n;
  const d = divisor ? integerValue(divisor) : 1n;
  return ceilDiv(bytes, d > 0n ? d : 1n).toString();
}
function expandKubernetesVars(s, env) {
  if (!s.includes("$")) return s;
  const vars = env instanceof Map ? env : new Map(env.map((e) => [e.name, e.value]));
  let out = "";
  let checkpoint = 0;
  for (let cursor = 0; cursor < s.length; cursor++) {
    if (s[cursor] !== "$" || cursor + 1 >= s.length) continue;
    out += s.slice(checkpoint, cursor);
    const next = s[cursor + 1];
    if (next === "$") {
      out += "$";
      cursor += 1;
    } else if (next === "(") {
      const close = s.indexOf(")", cursor + 2);
      if (close < 0) {
        out += "$(";
        cursor += 1;
      } else {
        const name = s.slice(cursor + 2, close);
        out += vars.get(name) ?? `$(${name})`;
        cursor = close;
      }
    } else {
      out += `$${next}`;
      cursor += 1;
    }
    checkpoint = cursor + 1;
  }
  return out + s.slice(checkpoint);
}
function configError(message, hint) {
  return new RuntimeError(
    "FailedPrecondition",
    `CreateContainerConfigError: ${message}`,
    hint ? { hint } : {}
  );
}
var OBJECTS_HINT = `add the ConfigMap/Secret to the manifest set (hostpod run -f), in the pod's namespace, or mark the reference "optional: true"`;
function resolveEnv(pod, container, ctx) {
  const { node, objects } = ctx;
  const namespace = pod.metadata.namespace ?? "default";
  const env = /* @__PURE__ */ new Map();
  let allocatable = ctx.allocatable;
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? "";
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const isCm = from.configMapRef !== void 0;
    const name = ref.name ?? "";
    const data = isCm ? entriesOf(objects.configMaps.get(objectKey(namespace, name))?.data) : bytesEntries(objects.secrets.get(objectKey(namespace, name))?.data);
    if (data === void 0) {
      if (ref.optional) continue;
      throw configError(`${isCm ? "configmap" : "secret"} "${name}" not found`, OBJECTS_HINT);
    }
    const invalid = [];
    for (const [k, v] of data) {
      const key = prefix + k;
      if (key === "" || envVarNameErrors(key).length > 0) {
        invalid.push(key);
        continue;
      }
      env.set(key, v);
    }
    if (invalid.length > 0) {
      invalid.sort();
      ctx.warnings?.push(
        `InvalidEnvironmentVariableNames: Keys [${invalid.join(", ")}] from the EnvFrom ${isCm ? "configMap" : "secret"} ${namespace}/${name} were skipped since they are considered invalid environment variable names.`
      );
    }
  }
  for (const e of container.env ?? []) {
    const vf = e.valueFrom;
    if (vf === void 0) {
      env.set(e.name, e.value ? expandKubernetesVars(e.value, env) : "");
      continue;
    }
    let value;
    if (vf.fieldRef) {
      value = fieldRefValue(pod, node, vf.fieldRef.fieldPath);
      if (value === void 0)
        throw configError(`unsupported fieldPath ${vf.fieldRef.fieldPath} in env ${e.name}`);
    } else if (vf.resourceFieldRef) {
      allocatable ??= hostAllocatable();
      value = resourceFieldValue(container, vf.resourceFieldRef, allocatable);
      if (value === void 0)
        throw configError(`unsupported container resource : ${vf.resourceFieldRef.resource}`);
    } else if (vf.configMapKeyRef) {
      const { name = "", key, optional } = vf.configMapKeyRef;
      const cm = objects.configMaps.get(objectKey(namespace, name));
      if (!cm) {
        if (optional) continue;
        throw configError(`configmap "${name}" not found`, OBJECTS_HINT);
      }
      value = Object.hasOwn(cm.data, key) ? cm.data[key] : void 0;
      if (value === void 0) {
        if (optional) continue;
        throw configError(`couldn't find key ${key} in ConfigMap ${namespace}/${name}`);
      }
    } else if (vf.secretKeyRef) {
      const { name = "", key, optional } = vf.secretKeyRef;
      const secret = objects.secrets.get(objectKey(namespace, name));
      if (!secret) {
        if (optional) continue;
        throw configError(`secret "${name}" not found`, OBJECTS_HINT);
      }
      const bytes = Object.hasOwn(secret.data, key) ? secret.data[key] : void 0;
      if (bytes === void 0) {
        if (optional) continue;
        throw configError(`couldn't find key ${key} in Secret ${namespace}/${name}`);
      }
      value = Buffer.from(bytes).toString("utf8");
    } else {
      throw configError(`env ${e.name} has no value source this version can resolve`);
    }
    env.set(e.name, value);
  }
  return [...env].map(([name, value]) => ({ name, value }));
}
function entriesOf(data) {
  return data === void 0 ? void 0 : Object.entries(data);
}
function bytesEntries(data) {
  return data === void 0 ? void 0 : Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("utf8")]);
}

// src/services/container-input.ts
function effectiveRunAsUserName(pod, container) {
  return container.securityContext?.windowsOptions?.runAsUserName ?? pod.spec.securityContext?.windowsOptions?.runAsUserName;
}
function containerInput(pod, container, id, node, mounts = [], objects = emptyObjectSet()) {
  const user = effectiveRunAsUserName(pod, container);
  const env = resolveEnv(pod, container, { node, objects });
  const expand = (list) => (list ?? []).map((s) => expandKubernetesVars(s, env));
  return {
    name: container.name,
    id,
    command: expand(container.command),
    args: expand(container.args),
    ...container.workingDir ? { workingDir: container.workingDir } : {},
    env,
    ...user !== void 0 ? { runAsUserName: user } : {},
    annotations: pod.metadata.annotations ?? {},
    mounts
  };
}

// src/services/container-runner.ts
function jobLimits(container) {
  const lim = container.resources?.limits ?? {};
  const req = container.resources?.requests ?? {};
  const out = {};
  if (lim.memory) out.memoryBytes = Number(integerValue(lim.memory));
  if (lim.cpu) out.cpuLimitMilli = Number(milliValue(lim.cpu));
  if (req.cpu) out.cpuRequestMilli = Number(milliValue(req.cpu));
  return out;
}
async function startContainer(deps, pod, container, type, image, options) {
  const id = options.id ?? parseContainerId(newContainerId());
  const rb = new Rollback();
  const dir = containerDir(deps.root, id);
  const row = {
    id,
    ...options.podUid ? { podUid: options.podUid } : {},
    pod: { name: pod.metadata.name ?? "", namespace: pod.metadata.namespace ?? "default" },
    name: container.name,
    type,
    attempt: options.attempt,
    image: image.reference,
    owner: deps.owner
  };
  let recorded = false;
  try {
    const annotations = pod.metadata.annotations ?? {};
    const input = containerInput(pod, container, id, deps.node, options.mounts ?? [], options.objects);
    const accountSpec = parseRunAsUserName(input.runAsUserName, annotations);
    deps.records.create(row);
    recorded = true;
    await mkdir6(dir, { recursive: true, mode: 448 });
    rb.add("container directory", () => rm4(dir, { recursive: true, force: true }));
    const group = await deps.groups.create(id, jobLimits(container));
    rb.add("job", () => group.destroy());
    const account = await resolveAccount(accountSpec, {
      containerId: id,
      container: container.name,
      scope: ephemeralScope(deps.root),
      ...deps.serviceAccounts ? { serviceAccounts: deps.serviceAccounts } : {}
    });
    if (account.ephemeral) {
      rb.add("ephemeral user", () => removeEphemeralUser(id, { scope: ephemeralScope(deps.root) }));
    }
    const sandbox = await createSandbox({
      root: deps.root,
      id,
      container: container.name,
      layers: image.layers,
      layout: deps.layout,
      rootfsLocation: annotations[ANNOTATION_ROOTFS_LOCATION],
      mounts: input.mounts,
      ...deps.workspaceMode ? { mode: deps.workspaceMode } : {},
      ...accountSpec.kind === "inherit" ? {} : { owner: { uid: account.uid, gid: account.gid } },
      ...options.podGroup !== void 0 ? { group: options.podGroup } : {}
    });
    rb.add("workspace", () => removeSandbox({ root: deps.root, id }));
    const pc = await buildProcessConfig(input, image.config.config ?? {}, {
      layout: deps.layout,
      mountPoint: sandbox.mountPoint,
      baseEnv: accountBaseEnv(account),
      probe: makeContainerProbe(sandbox.mappings)
    });
    const env = pc.env.map((e) => `${e.name}=${e.value}`);
    const task = await startTask(
      {
        argv: [pc.executable, ...pc.argv.slice(1)],
        env,
        cwd: pc.cwd,
        createCwdMode: WORKING_DIR_MODE,
        ...accountSpec.kind === "inherit" ? {} : {
          user: {
            uid: account.uid,
            gid: account.gid,
            // The pod's group: its volumes and workspaces are grouped to it.
            groups: options.podGroup === void 0 ? account.groups : [...account.groups, options.podGroup]
          }
        },
        ...sandbox.plan ? { mounts: sandbox.plan.binds } : {},
        logPath: logPath(deps.root, id),
        shutdownGraceMs: deps.shutdownGraceMs ?? 5e3,
        logRotation: deps.logRotation ?? DEFAULT_LOG_ROTATION
      },
      { group, dir: taskDir(deps.root, id), ...deps.shim ? { shim: deps.shim } : {} }
    );
    rb.add("task", () => group.kill());
    deps.onStep?.("task-started");
    const exec = {
      layout: deps.layout,
      mountPoint: sandbox.mountPoint,
      mappings: sandbox.mappings,
      env,
      cwd: pc.cwd,
      ephemeralUser: account.ephemeral
    };
    deps.records.update(id, {
      state: { running: { startedAt: task.startedAt } },
      taskDir: task.dir,
      groupId: group.id,
      exec
    });
    rb.commit();
    return {
      id,
      name: container.name,
      type,
      exec,
      task,
      account,
      logPath: logPath(deps.root, id),
      warnings: sandbox.warnings
    };
  } catch (e) {
    const failures = await rb.rollback();
    const err = isRuntimeError(e) ? e : new RuntimeError("Internal", describeError(e), { cause: e });
    const thrown = failures.length > 0 ? new RuntimeError(
      err.code,
      `${err.message} (and cleaning up failed: ${failures.map((f) => `${f.what}: ${describeError(f.error)}`).join("; ")})`,
      { cause: e, ...err.hint ? { hint: err.hint } : {} }
    ) : err;
    const state = { terminated: terminatedState(startErrorExit(thrown), id) };
    try {
      if (recorded) deps.records.update(id, { state });
      else deps.records.create({ ...row, state });
    } catch {
    }
    throw thrown;
  }
}
async function waitContainer(c, signal) {
  return exitOf(c, waitTask(c.task.dir, signal ? { signal } : {}));
}
async function stopContainer(c, graceMs) {
  return exitOf(c, stopTask(c.task, graceMs));
}
async function exitOf(c, record) {
  let rec;
  try {
    rec = await record;
  } catch (e) {
    if (!isRuntimeError(e, "DataLoss")) throw e;
    return vanishedExit(describeError(e));
  }
  const stats = await c.task.group.stats().catch(() => void 0);
  return exitFromRecord(rec, (stats?.oomKillCount ?? 0) > 0);
}
function recordExit(deps, id, exit) {
  deps.records.update(parseContainerId(id), { state: { terminated: terminatedState(exit, id) } });
}
async function removeContainer(deps, c, options = {}) {
  const problems = [];
  const step = async (what, fn) => {
    try {
      await fn();
    } catch (e) {
      problems.push(`${what}: ${describeError(e)}`);
    }
  };
  const shim = c.task ? void 0 : await shimIdentity(taskDir(deps.root, c.id)).catch(() => void 0);
  const group = c.task?.group ?? deps.groups.open(
    c.id,
    shim ? { shimPid: shim.pid, shimStartTime: shim.startTime } : c.shimPid === void 0 ? {} : { shimPid: c.shimPid }
  );
  await step("job", () => group.destroy());
  await step("workspace", () => removeSandbox({ root: deps.root, id: c.id }));
  await step("ephemeral user", () => removeEphemeralUser(c.id, { scope: ephemeralScope(deps.root) }));
  if (!options.keepLogs)
    await step("directory", () => rm4(containerDir(deps.root, c.id), { recursive: true, force: true }));
  else await step("task directory", () => rm4(taskDir(deps.root, c.id), { recursive: true, force: true }));
  return problems;
}

// src/services/volumes.ts
import { randomBytes as randomBytes3 } from "node:crypto";
import { mkdir as mkdir10, readdir as readdir6, readFile as readFile8, rename as rename4, rm as rm6, stat as stat6, writeFile as writeFile4 } from "node:fs/promises";
import { join as join13 } from "node:path";

// src/services/volumes/atomic-writer.ts
import { randomInt } from "node:crypto";
import {
  chmod as chmod2,
  chown as chown2,
  lstat as lstat4,
  mkdir as mkdir7,
  open as open2,
  readdir as readdir5,
  readlink,
  rename as rename3,
  rm as rm5,
  symlink as symlink2,
  unlink as unlink3
} from "node:fs/promises";
import { dirname as dirname6, join as join11 } from "node:path";
var MAX_PATH_LENGTH = 4096;
var MAX_FILE_NAME_LENGTH = 255;
var DATA_DIR = "..data";
function payloadPathError(path) {
  if (path === "") return `invalid path: must not be empty: "${path}"`;
  if (path.startsWith("/")) return `invalid path: must be relative path: ${path}`;
  if (path.includes("\0")) return `invalid path: must not contain a NUL byte: ${JSON.stringify(path)}`;
  if (path.length > MAX_PATH_LENGTH)
    return `invalid path: must be less than or equal to ${MAX_PATH_LENGTH} characters`;
  const items = path.split("/");
  for (const item of items) {
    if (item === "..") return `invalid path: must not contain '..': ${path}`;
    if (item.length > MAX_FILE_NAME_LENGTH)
      return `invalid path: filenames must be less than or equal to ${MAX_FILE_NAME_LENGTH} characters`;
  }
  const first = items[0] ?? "";
  if (first.startsWith("..") && first.length > 2) return `invalid path: must not start with '..': ${path}`;
  return void 0;
}
function timestampedName(now2) {
  const p = (n, w = 2) => String(n).padStart(w, "0");
  const ts = `${now2.getUTCFullYear()}_${p(now2.getUTCMonth() + 1)}_${p(now2.getUTCDate())}_${p(now2.getUTCHours())}_${p(now2.getUTCMinutes())}_${p(now2.getUTCSeconds())}`;
  return `..${ts}.${randomInt(1e9)}`;
}
async function writePayload(target, payload, options = {}) {
  for (const path of payload.keys()) {
    const problem = payloadPathError(path);
    if (problem) throw new RuntimeError("InvalidArgument", `Cannot write volume file "${path}": ${problem}`);
  }
  const dirMode = options.dirMode ?? 493;
  const group = options.group;
  const tsName = await makeTimestampedDir(target, options.now ?? /* @__PURE__ */ new Date(), dirMode, group);
  const tsDir = join11(target, tsName);
  try {
    for (const [path, file] of payload) {
      const full = join11(tsDir, path);
      await mkdirAll(tsDir, dirname6(path), dirMode, group);
      const mode = options.fileMode ? options.fileMode(file.mode) : file.mode;
      const fh = await open2(full, "wx", mode);
      try {
        await fh.writeFile(file.data);
        if (group !== void 0) await fh.chown((await fh.stat()).uid, group);
        await fh.chmod(mode);
      } finally {
        await fh.close();
      }
    }
    const oldTs = await currentTimestampedDir(target);
    const tmpLink = join11(target, "..data_tmp");
    await rm5(tmpLink, { force: true });
    await symlink2(tsName, tmpLink);
    await rename3(tmpLink, join11(target, DATA_DIR));
    await syncUserLinks(target, payload);
    if (oldTs && oldTs !== tsName) await rm5(join11(target, oldTs), { recursive: true, force: true });
  } catch (err) {
    await rm5(tsDir, { recursive: true, force: true }).catch(() => {
    });
    throw err;
  }
}
async function makeTimestampedDir(target, now2, mode, group) {
  for (let i = 0; ; i++) {
    const name = timestampedName(now2);
    try {
      await mkdir7(join11(target, name), { mode });
      if (group !== void 0) await chown2(join11(target, name), process.getuid?.() ?? 0, group);
      await chmod2(join11(target, name), mode);
      return name;
    } catch (err) {
      if (errnoCode(err) !== "EEXIST" || i > 10) throw err;
    }
  }
}
async function mkdirAll(base, rel, mode, group) {
  if (rel === "." || rel === "") return;
  let p = base;
  for (const c of rel.split("/")) {
    p = join11(p, c);
    try {
      await mkdir7(p, { mode });
      if (group !== void 0) await chown2(p, process.getuid?.() ?? 0, group);
      await chmod2(p, mode);
    } catch (err) {
      if (errnoCode(err) !== "EEXIST") throw err;
      if (!(await lstat4(p)).isDirectory())
        throw new RuntimeError("InvalidArgument", `Cannot write volume file under "${rel}": a file is there`);
    }
  }
}
async function currentTimestampedDir(target) {
  try {
    return await readlink(join11(target, DATA_DIR));
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return void 0;
    throw err;
  }
}
async function syncUserLinks(target, payload) {
  const wanted = new Set([...payload.keys()].map((p) => p.split("/")[0] ?? p));
  for (const name of wanted) {
    const link = join11(target, name);
    const want = `${DATA_DIR}/${name}`;
    let existing;
    try {
      existing = await readlink(link);
    } catch (err) {
      const code = errnoCode(err);
      if (code === "EINVAL") throw new RuntimeError("Internal", `Cannot link "${link}": a non-link is there`);
      if (code !== "ENOENT") throw err;
    }
    if (existing === want) continue;
    if (existing !== void 0) await unlink3(link);
    await symlink2(want, link);
  }
  for (const entry of await readdir5(target)) {
    if (entry.startsWith("..") || wanted.has(entry)) continue;
    const st = await lstat4(join11(target, entry));
    if (st.isSymbolicLink()) await unlink3(join11(target, entry));
  }
}

// src/services/volumes/host-path.ts
import { mkdir as mkdir8, open as open3, stat as stat4 } from "node:fs/promises";
var SOCKET_REFUSED = "unix socket mounts not supported for job containers - interact with the socket directly";
var FIFO_REFUSED = "named pipe (FIFO) mounts not supported for job containers - interact with the pipe directly";
var PIPE_REFUSED = "named pipe mounts not supported for job containers - interact with the pipe directly";
async function statOrUndefined(path) {
  try {
    return await stat4(path);
  } catch (err) {
    const code = errnoCode(err);
    if (code === "ENOENT" || code === "ENOTDIR") return void 0;
    throw err;
  }
}
function failed(message, hint) {
  return new RuntimeError("FailedPrecondition", message, hint ? { hint } : {});
}
async function prepareHostPath(path, type) {
  if (path.startsWith("\\\\.\\pipe\\")) throw failed(PIPE_REFUSED, pipeHint(path));
  if (!path.startsWith("/") || path.includes("\0"))
    throw new RuntimeError("InvalidArgument", `hostPath "${path}" is not an absolute path on this host`);
  if (!HOST_PATH_TYPES.includes(type))
    throw new RuntimeError("InvalidArgument", `${type} is an invalid volume type`);
  let st = await statOrUndefined(path);
  if (st === void 0 && (type === "DirectoryOrCreate" || type === "")) {
    await mkdir8(path, { recursive: true, mode: 493 });
    st = await statOrUndefined(path);
  } else if (st === void 0 && type === "FileOrCreate") {
    try {
      const fh = await open3(path, "a", 420);
      await fh.close();
    } catch (err) {
      if (errnoCode(err) === "ENOENT")
        throw failed(
          `hostPath type check failed: cannot create ${path}: its parent directory does not exist`
        );
      throw err;
    }
    st = await statOrUndefined(path);
  }
  switch (type) {
    case "DirectoryOrCreate":
    case "Directory":
      if (!st?.isDirectory()) throw failed(`hostPath type check failed: ${path} is not a directory`);
      break;
    case "FileOrCreate":
    case "File":
      if (!st?.isFile()) throw failed(`hostPath type check failed: ${path} is not a file`);
      break;
    case "Socket":
      if (!st?.isSocket()) throw failed(`hostPath type check failed: ${path} is not a socket file`);
      break;
    case "CharDevice":
      if (!st?.isCharacterDevice())
        throw failed(`hostPath type check failed: ${path} is not a character device`);
      break;
    case "BlockDevice":
      if (!st?.isBlockDevice()) throw failed(`hostPath type check failed: ${path} is not a block device`);
      break;
    default:
      break;
  }
  if (st?.isSocket()) throw failed(SOCKET_REFUSED, pipeHint(path));
  if (st?.isFIFO()) throw failed(FIFO_REFUSED, pipeHint(path));
  if (st === void 0) throw failed(`hostPath ${path} does not exist`);
  return path;
}
function pipeHint(path) {
  return `a HostProcess container shares the host's filesystem: remove the volume and use "${path}" directly`;
}

// src/services/volumes/payloads.ts
var enc = new TextEncoder();
function setupError(message, hint) {
  return new RuntimeError("FailedPrecondition", message, hint ? { hint } : {});
}
var OBJECTS_HINT2 = `add it to the manifest set (hostpod run -f), in the pod's namespace, or mark the volume source "optional: true"`;
function keyedPayload(kind, all, items, defaultMode, optional) {
  const out = /* @__PURE__ */ new Map();
  if (items && items.length > 0) {
    for (const it of items) {
      const data = all.get(it.key);
      if (data === void 0) {
        if (optional) continue;
        throw setupError(
          kind === "configmap" ? `configmap references non-existent config key: ${it.key}` : `references non-existent secret key: ${it.key}`
        );
      }
      out.set(it.path, { data, mode: it.mode ?? defaultMode });
    }
  } else {
    for (const [k, data] of all) out.set(k, { data, mode: defaultMode });
  }
  return out;
}
function configMapData(cm) {
  const m = /* @__PURE__ */ new Map();
  for (const [k, v] of Object.entries(cm.data)) m.set(k, enc.encode(v));
  for (const [k, v] of Object.entries(cm.binaryData)) m.set(k, v);
  return m;
}
function configMapPayload(source, defaultMode, namespace, objects) {
  const name = source.name ?? "";
  const cm = objects.configMaps.get(objectKey(namespace, name));
  if (!cm) {
    if (source.optional) return /* @__PURE__ */ new Map();
    throw setupError(`configmap "${name}" not found`, OBJECTS_HINT2);
  }
  return keyedPayload("configmap", configMapData(cm), source.items, defaultMode, source.optional === true);
}
function secretPayload(source, defaultMode, namespace, objects) {
  const name = source.name ?? "";
  const secret = objects.secrets.get(objectKey(namespace, name));
  if (!secret) {
    if (source.optional) return /* @__PURE__ */ new Map();
    throw setupError(`secret "${name}" not found`, OBJECTS_HINT2);
  }
  return keyedPayload(
    "secret",
    new Map(Object.entries(secret.data)),
    source.items,
    defaultMode,
    source.optional === true
  );
}
function formatMap(m) {
  return Object.keys(m ?? {}).sort().map((k) => `${k}=${goQuote(m?.[k] ?? "")}`).join("\n");
}
function downwardAPIPayload(items, defaultMode, pod, node, allocatable) {
  const out = /* @__PURE__ */ new Map();
  for (const it of items) {
    let value;
    if (it.fieldRef) {
      const fp = it.fieldRef.fieldPath;
      if (fp === "metadata.labels") value = formatMap(pod.metadata.labels);
      else if (fp === "metadata.annotations") value = formatMap(pod.metadata.annotations);
      else value = fieldRefValue(pod, node, fp);
      if (value === void 0) throw setupError(`unsupported fieldPath: ${fp}`);
    } else if (it.resourceFieldRef) {
      const ref = it.resourceFieldRef;
      const all = [...pod.spec.initContainers ?? [], ...pod.spec.containers];
      const c = all.find((x) => x.name === ref.containerName);
      if (!c)
        throw setupError(
          `cannot find container "${ref.containerName ?? ""}" for resourceFieldRef ${ref.resource}`
        );
      value = resourceFieldValue(c, ref, allocatable);
      if (value === void 0) throw setupError(`unsupported container resource : ${ref.resource}`);
    } else continue;
    out.set(it.path, { data: enc.encode(value), mode: it.mode ?? defaultMode });
  }
  return out;
}
function projectedPayload(sources, defaultMode, pod, ctx) {
  const namespace = pod.metadata.namespace ?? "default";
  const payload = /* @__PURE__ */ new Map();
  const warnings = [];
  const merge = (p) => {
    for (const [k, v] of p) payload.set(k, v);
  };
  for (const s of sources) {
    if (s.configMap) merge(configMapPayload(s.configMap, defaultMode, namespace, ctx.objects));
    if (s.secret) merge(secretPayload(s.secret, defaultMode, namespace, ctx.objects));
    if (s.downwardAPI)
      merge(downwardAPIPayload(s.downwardAPI.items ?? [], defaultMode, pod, ctx.node, ctx.allocatable));
    if (s.serviceAccountToken) {
      if (ctx.serviceAccountToken)
        payload.set(s.serviceAccountToken.path, { data: ctx.serviceAccountToken, mode: defaultMode });
      else
        warnings.push(
          `no service account token is configured: "${s.serviceAccountToken.path}" is left out of the projected volume`
        );
    }
    if (s.clusterTrustBundle)
      warnings.push("clusterTrustBundle projections are not supported: left out of the projected volume");
  }
  return { payload, warnings };
}

// src/services/volumes/pod-group.ts
import { chmod as chmod3, chown as chown3, mkdir as mkdir9, readFile as readFile7, writeFile as writeFile3 } from "node:fs/promises";
import { join as join12 } from "node:path";
var GROUP_FILE = "group";
async function podGroup(root, newDir, reusedDir) {
  if (process.getuid?.() !== 0) return void 0;
  if (reusedDir !== void 0) {
    const gid2 = await readPodGroup(reusedDir);
    if (gid2 !== void 0) return gid2;
  }
  const gid = await createPodGroup(instanceId(root));
  await writeFile3(join12(newDir, GROUP_FILE), `${gid}
`, { mode: 384 });
  return gid;
}
async function readPodGroup(dir) {
  try {
    const n = Number((await readFile7(join12(dir, GROUP_FILE), "utf8")).trim());
    return Number.isSafeInteger(n) && n > 0 ? n : void 0;
  } catch (err) {
    if (errnoCode(err) === "ENOENT" || errnoCode(err) === "ENOTDIR") return void 0;
    throw err;
  }
}
async function dropPodGroup(root, gid) {
  if (gid !== void 0 && process.getuid?.() === 0) await removePodGroup(instanceId(root), gid);
}
async function groupedDir(path, gid, mode, fallbackMode, options = {}) {
  if (!options.exists) {
    try {
      await mkdir9(path, { mode: 448 });
    } catch (err) {
      if (errnoCode(err) !== "EEXIST") throw err;
    }
  }
  if (gid !== void 0) await chown3(path, 0, gid);
  await chmod3(path, gid === void 0 ? fallbackMode : mode);
}
function apiDataFileMode(gid, secret) {
  if (gid === void 0) return void 0;
  return (mode) => secret ? mode & ~7 | 32 : mode | 32;
}

// src/services/volumes/sub-path.ts
import { stat as stat5 } from "node:fs/promises";
async function resolveSubPath(volumeRoot, subPath, what) {
  const refuse = (why) => new RuntimeError("InvalidArgument", `failed to prepare subPath for ${what}: ${why}`, {
    hint: "a subPath must name a path inside the volume; symlinks in it must not lead out of the volume"
  });
  if (subPath.startsWith("/")) throw refuse(`subPath "${subPath}" must be a relative path`);
  if (subPath.includes("\0")) throw refuse("subPath contains a NUL byte");
  const parts = subPath.split("/").filter((c) => c !== "" && c !== ".");
  if (parts.includes("..")) throw refuse(`subPath "${subPath}" must not contain '..'`);
  const mode = (await stat5(volumeRoot)).mode & 4095;
  try {
    return (await safeMkdir(volumeRoot, parts.join("/"), { resolve: "beneath", mode })).path;
  } catch (err) {
    if (!(err instanceof SafePathError)) throw err;
    const why = err.errno === "EXDEV" ? `subPath "${subPath}" resolves outside the volume` : err.errno === "ENOENT" ? `"${subPath}" goes through a symlink that leads nowhere` : err.errno === "ENOTDIR" ? `a component of subPath "${subPath}" is not a directory` : `subPath "${subPath}": ${err.errno}`;
    throw refuse(why);
  }
}

// src/services/volumes.ts
var OWNER_FILE = "owner.json";
var SAFE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
var SAFE_UID = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;
function podDir(root, pod) {
  const ns = pod.metadata.namespace ?? "default";
  const name = pod.metadata.name ?? "";
  if (!SAFE_NAME.test(ns) || !SAFE_NAME.test(name))
    throw new RuntimeError(
      "InvalidArgument",
      `Cannot prepare volumes of pod "${name}": not a valid pod name or namespace`
    );
  const uid = pod.metadata.uid && SAFE_UID.test(pod.metadata.uid) ? pod.metadata.uid : randomBytes3(8).toString("hex");
  return join13(root, "pods", `${ns}_${name}_${uid}`);
}
function volumeType(v) {
  if (v.hostPath) return "hostPath";
  if (v.configMap) return "configMap";
  if (v.secret) return "secret";
  if (v.downwardAPI) return "downwardAPI";
  if (v.projected) return "projected";
  if (v.persistentVolumeClaim) return "persistentVolumeClaim";
  if (v.otherSources.length > 0) return v.otherSources[0] ?? "unknown";
  return "emptyDir";
}
function checkVolumes(pod) {
  const name = pod.metadata.name ?? "";
  const declared = /* @__PURE__ */ new Set();
  for (const v of pod.spec.volumes ?? []) {
    if (!SAFE_NAME.test(v.name) || v.name.includes("."))
      throw new RuntimeError(
        "InvalidArgument",
        `Cannot run pod "${name}": volume name "${v.name}" is not a DNS label`
      );
    const type = volumeType(v);
    if (!["emptyDir", "hostPath", "configMap", "secret", "downwardAPI", "projected"].includes(type)) {
      throw new RuntimeError(
        "NotImplemented",
        `Cannot run pod "${name}": volume "${v.name}" is a ${type} volume, which hostpod does not provide`,
        {
          hint: "use a hostPath volume (a HostProcess container shares the host filesystem), emptyDir, configMap, secret, downwardAPI or projected"
        }
      );
    }
    const medium = v.emptyDir?.medium ?? "";
    if (medium !== "" && medium !== "Memory")
      throw new RuntimeError(
        "NotImplemented",
        `Cannot run pod "${name}": volume "${v.name}": emptyDir medium "${medium}" is not supported (only "" and "Memory")`
      );
    declared.add(v.name);
  }
  for (const { container } of containersWithPath(pod.spec, [])) {
    for (const m of container.volumeMounts ?? []) {
      if (!declared.has(m.name))
        throw new RuntimeError(
          "InvalidArgument",
          `Cannot run pod "${name}": container "${container.name}" mounts volume "${m.name}", which the pod does not declare`
        );
    }
  }
}
function tmpfsSize(pod, v, allocatable) {
  if (v.emptyDir?.sizeLimit) return integerValue(v.emptyDir.sizeLimit);
  const limits = pod.spec.containers.map((c) => c.resources?.limits?.memory);
  if (limits.every((l) => l !== void 0)) return limits.reduce((sum, l) => sum + integerValue(l), 0n);
  return allocatable().memoryBytes;
}
async function prepareVolumes(pod, ctx) {
  checkVolumes(pod);
  const podName = pod.metadata.name ?? "";
  const namespace = pod.metadata.namespace ?? "default";
  const dir = podDir(ctx.root, pod);
  const warnings = [];
  const tmpfsMounts = [];
  let allocatable = ctx.allocatable;
  const getAllocatable = () => {
    allocatable ??= hostAllocatable();
    return allocatable;
  };
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    for (const t of tmpfsMounts.splice(0).reverse()) await unmount(t);
    await removePodDir(ctx.root, dir);
    await dropPodGroup(ctx.root, gid);
    cleaned = true;
  };
  const volumes = pod.spec.volumes ?? [];
  let gid;
  const rb = new Rollback();
  const prepared = /* @__PURE__ */ new Map();
  try {
    const pods = join13(ctx.root, "pods");
    await mkdir10(pods, { recursive: true, mode: 457 });
    const reused = ctx.reuse === true && await isDir(dir);
    const tmp = join13(pods, `.new-${randomBytes3(6).toString("hex")}`);
    await mkdir10(tmp, { mode: 448 });
    try {
      gid = await podGroup(ctx.root, reused ? dir : tmp, reused ? dir : void 0);
      await groupedDir(tmp, gid, 456, 457, { exists: true });
      await writeFile4(join13(tmp, OWNER_FILE), JSON.stringify(ctx.owner ?? await selfOwner(process.pid)), {
        mode: 384
      });
      if (reused) {
        await rename4(join13(tmp, OWNER_FILE), join13(dir, OWNER_FILE));
        await rm6(tmp, { recursive: true, force: true });
        await groupedDir(dir, gid, 456, 457, { exists: true });
      } else await rename4(tmp, dir);
    } catch (err) {
      await rm6(tmp, { recursive: true, force: true });
      if (!reused) await dropPodGroup(ctx.root, gid).catch(() => {
      });
      const code = errnoCode(err);
      if (code !== "EEXIST" && code !== "ENOTEMPTY") throw err;
      throw new RuntimeError(
        "AlreadyExists",
        `Cannot prepare volumes of pod "${podName}": "${dir}" already exists`,
        {
          hint: "another run of the same pod (same uid) is using this state root"
        }
      );
    }
    if (!reused) rb.add("pod directory", cleanup);
    let token;
    const readToken = async () => {
      if (token === void 0 && ctx.serviceAccountTokenFile)
        token = new Uint8Array(await readFile8(ctx.serviceAccountTokenFile));
      return token;
    };
    for (const v of volumes) {
      const type = volumeType(v);
      const what = `MountVolume.SetUp failed for volume "${v.name}"`;
      try {
        if (type === "hostPath") {
          const hp = v.hostPath;
          prepared.set(v.name, { hostPath: await prepareHostPath(hp.path, hp.type), apiData: false });
          continue;
        }
        const vdir = join13(dir, "volumes", type, v.name);
        await groupedDir(join13(dir, "volumes"), gid, 456, 457);
        await groupedDir(join13(dir, "volumes", type), gid, 456, 457);
        if (type === "emptyDir") {
          const existed = reused && await isDir(vdir);
          if (!existed) await mkdir10(vdir, { mode: 448 });
          if (v.emptyDir?.medium === "Memory" && existed && (await mountsUnder(vdir)).some((m) => m.mountPoint === vdir)) {
            tmpfsMounts.push(vdir);
          } else if (v.emptyDir?.medium === "Memory") {
            const size = tmpfsSize(pod, v, getAllocatable);
            const access = gid === void 0 ? "mode=0777" : `mode=2770,gid=${gid}`;
            const r = await runTool("mount", ["-t", "tmpfs", "-o", `size=${size},${access}`, "tmpfs", vdir]);
            if (r.exitCode !== 0)
              throw new RuntimeError("Internal", `cannot mount a tmpfs at "${vdir}": ${r.stderr.trim()}`);
            tmpfsMounts.push(vdir);
          } else if (v.emptyDir?.sizeLimit) {
            warnings.push(
              `emptyDir volume "${v.name}": sizeLimit ${v.emptyDir.sizeLimit.text} is not enforced on disk (the kubelet would evict the pod past it)`
            );
          }
          await groupedDir(vdir, gid, 1528, 511, { exists: true });
          prepared.set(v.name, { hostPath: vdir, apiData: false });
          continue;
        }
        let payload;
        let dirMode = 493;
        let secret = false;
        if (type === "configMap") {
          payload = configMapPayload(v.configMap, v.configMap.defaultMode, namespace, ctx.objects);
        } else if (type === "secret") {
          const s = v.secret;
          const source = {
            ...s.secretName !== void 0 ? { name: s.secretName } : {},
            ...s.items ? { items: s.items } : {},
            ...s.optional !== void 0 ? { optional: s.optional } : {}
          };
          payload = secretPayload(source, s.defaultMode, namespace, ctx.objects);
          dirMode = 448;
          secret = true;
        } else if (type === "downwardAPI") {
          payload = downwardAPIPayload(
            v.downwardAPI.items ?? [],
            v.downwardAPI.defaultMode,
            pod,
            ctx.node,
            getAllocatable()
          );
        } else {
          const needsToken = (v.projected.sources ?? []).some((s) => s.serviceAccountToken);
          secret = (v.projected.sources ?? []).some((s) => s.secret || s.serviceAccountToken);
          if (secret) dirMode = 448;
          const tok = needsToken ? await readToken() : void 0;
          const r = projectedPayload(v.projected.sources ?? [], v.projected.defaultMode, pod, {
            node: ctx.node,
            objects: ctx.objects,
            allocatable: getAllocatable(),
            ...tok ? { serviceAccountToken: tok } : {}
          });
          payload = r.payload;
          warnings.push(...r.warnings.map((w) => `projected volume "${v.name}": ${w}`));
        }
        if (gid !== void 0) dirMode = 488;
        await mkdir10(vdir, { mode: 448, recursive: reused });
        await groupedDir(vdir, gid, dirMode, dirMode, { exists: true });
        const fileMode = apiDataFileMode(gid, secret);
        await writePayload(vdir, payload, {
          dirMode,
          ...gid !== void 0 ? { group: gid } : {},
          ...fileMode ? { fileMode } : {}
        });
        prepared.set(v.name, { hostPath: vdir, apiData: true });
      } catch (err) {
        const msg = `Cannot run pod "${podName}": ${what}: ${isRuntimeError(err) ? err.message : describeError(err)}`;
        throw new RuntimeError(isRuntimeError(err) ? err.code : "Internal", msg, {
          cause: err,
          ...isRuntimeError(err) && err.hint ? { hint: err.hint } : {}
        });
      }
    }
    const mounts = /* @__PURE__ */ new Map();
    for (const { container } of containersWithPath(pod.spec, [])) {
      const envWarnings = [];
      try {
        resolveEnv(pod, container, {
          node: ctx.node,
          objects: ctx.objects,
          allocatable: getAllocatable(),
          warnings: envWarnings
        });
      } catch {
      }
      warnings.push(...envWarnings.map((w) => `container "${container.name}": ${w}`));
      try {
        const list = [];
        let env;
        for (const m of container.volumeMounts ?? []) {
          const vol = prepared.get(m.name);
          let hostPath = vol.hostPath;
          let sub = m.subPath;
          if (m.subPathExpr) {
            env ??= resolveEnv(pod, container, {
              node: ctx.node,
              objects: ctx.objects,
              allocatable: getAllocatable()
            });
            sub = expandKubernetesVars(m.subPathExpr, env);
          }
          let subPath;
          if (sub) {
            hostPath = await resolveSubPath(
              vol.hostPath,
              sub,
              `volumeMount "${m.name}" of container "${container.name}"`
            );
            subPath = { volume: vol.hostPath, path: sub };
          }
          list.push({
            hostPath,
            mountPath: m.mountPath,
            readOnly: vol.apiData || m.readOnly === true,
            ...subPath ? { subPath } : {}
          });
        }
        mounts.set(container.name, list);
      } catch (err) {
        mounts.set(
          container.name,
          isRuntimeError(err) ? err : new RuntimeError("Internal", describeError(err), { cause: err })
        );
      }
    }
    rb.commit();
    return {
      dir,
      ...gid !== void 0 ? { gid } : {},
      warnings,
      mountsFor(container) {
        const m = mounts.get(container) ?? [];
        if (m instanceof RuntimeError) throw m;
        return m;
      },
      cleanup
    };
  } catch (err) {
    const failures = await rb.rollback();
    if (failures.length > 0) {
      const e = isRuntimeError(err) ? err : new RuntimeError("Internal", describeError(err), { cause: err });
      throw new RuntimeError(
        e.code,
        `${e.message} (and cleaning up failed: ${failures.map((f) => `${f.what}: ${describeError(f.error)}`).join("; ")})`,
        { cause: err, ...e.hint ? { hint: e.hint } : {} }
      );
    }
    throw err;
  }
}
async function removePodDir(root, dir) {
  for (const m of await mountsUnder(dir)) await unmount(m.mountPoint);
  if ((await mountsUnder(dir)).length > 0)
    throw new RuntimeError("Internal", `Cannot remove "${dir}": something is still mounted under it`);
  await removeTreeSafely(dir, trashDir(root));
}
function parseOwner(text) {
  const v = JSON.parse(text);
  if (typeof v !== "object" || v === null) return void 0;
  const { pid, startTime, daemon } = v;
  if (typeof pid !== "number" || typeof startTime !== "string") return void 0;
  return daemon === true ? { pid, startTime, daemon } : { pid, startTime };
}
async function removeStalePodVolumes(root, options = {}) {
  const out = { removed: [], problems: [] };
  const pods = join13(root, "pods");
  let entries;
  try {
    entries = await readdir6(pods);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return out;
    throw err;
  }
  for (const name of entries) {
    if (name.startsWith(".new-")) continue;
    const dir = join13(pods, name);
    let owner;
    try {
      owner = parseOwner(await readFile8(join13(dir, OWNER_FILE), "utf8"));
    } catch {
    }
    if (owner?.daemon) {
      if (!options.daemonKeep || options.daemonKeep.has(name)) continue;
    } else if (owner && await ownerAlive(owner)) continue;
    try {
      const gid = await readPodGroup(dir);
      await removePodDir(root, dir);
      await dropPodGroup(root, gid);
      out.removed.push(name);
    } catch (e) {
      out.problems.push(`pod volumes ${name}: ${describeError(e)}`);
    }
  }
  return out;
}
async function isDir(path) {
  try {
    return (await stat6(path)).isDirectory();
  } catch {
    return false;
  }
}
async function livePodGroups(root) {
  const pods = join13(root, "pods");
  const out = [];
  for (const name of await readdir6(pods).catch(() => [])) {
    const gid = await readPodGroup(join13(pods, name)).catch(() => void 0);
    if (gid !== void 0) out.push(gid);
  }
  return out;
}

// src/services/cleanup.ts
async function cleanupStale(deps) {
  const report = { containers: [], orphans: [], problems: [] };
  const live = /* @__PURE__ */ new Set();
  for (const rec of deps.containers.listUnfinished()) {
    if (rec.owner.daemon || await ownerAlive(rec.owner)) {
      live.add(rec.id);
      continue;
    }
    const problems = await removeContainer(deps, { id: rec.id }, { keepLogs: true });
    for (const p of problems) report.problems.push(`container ${rec.id} (${rec.pod.name}/${rec.name}): ${p}`);
    const exit = vanishedExit(
      `the hostpod process ${rec.owner.pid} that ran it ended without stopping it; stopped by cleanup`,
      rec.startedAt
    );
    try {
      deps.containers.update(rec.id, { state: { terminated: terminatedState(exit, rec.id) } });
    } catch (e) {
      report.problems.push(`container ${rec.id}: recording its end: ${describeError(e)}`);
    }
    report.containers.push(rec.id);
  }
  const step = async (what, fn) => {
    try {
      await fn();
      report.orphans.push(what);
    } catch (e) {
      report.problems.push(`${what}: ${describeError(e)}`);
    }
  };
  for (const id of await deps.groups.listOrphans(live))
    await step(`job ${id}`, () => deps.groups.open(id).destroy());
  for (const id of await listSandboxes(deps.root)) {
    if (!live.has(id)) await step(`workspace ${id}`, () => removeSandbox({ root: deps.root, id }));
  }
  try {
    for (const name of await readdir7(trashDir(deps.root)).catch(() => []))
      await step(`removed tree ${name}`, () => safeRemove(trashDir(deps.root), name));
  } catch (e) {
    report.problems.push(`trash: ${describeError(e)}`);
  }
  try {
    const vols = await removeStalePodVolumes(deps.root);
    for (const v of vols.removed) report.orphans.push(`pod volumes ${v}`);
    report.problems.push(...vols.problems);
  } catch (e) {
    report.problems.push(`pod volumes: ${describeError(e)}`);
  }
  try {
    const groups = await cleanupPodGroups(ephemeralScope(deps.root), await livePodGroups(deps.root));
    for (const name of groups.removed) report.orphans.push(`group ${name}`);
    for (const f of groups.failed) report.problems.push(`group ${f.name}: ${describeError(f.error)}`);
  } catch (e) {
    report.problems.push(`pod groups: ${describeError(e)}`);
  }
  try {
    const users = await cleanupEphemeralUsers(live, { scope: ephemeralScope(deps.root) });
    for (const name of users.removed) report.orphans.push(`user ${name}`);
    for (const f of users.failed) report.problems.push(`user ${f.name}: ${describeError(f.error)}`);
  } catch (e) {
    report.problems.push(`ephemeral users: ${describeError(e)}`);
  }
  return report;
}

// src/services/container-supervisor.ts
import { rm as rm7 } from "node:fs/promises";

// src/services/pod-status.ts
function restartPolicyOf(spec, container) {
  const p = container.restartPolicy ?? spec.restartPolicy;
  return p === "Always" || p === "OnFailure" ? p : "Never";
}
function shouldRestart(policy, exitCode) {
  return policy === "Always" || policy === "OnFailure" && exitCode !== 0;
}
var now = () => (/* @__PURE__ */ new Date()).toISOString();
function initialPodStatus(spec, at = now()) {
  const inits = spec.initContainers ?? [];
  const waiting = (reason) => ({ waiting: { reason } });
  const status = (c, reason) => ({
    name: c.name,
    image: c.image ?? "",
    state: waiting(reason),
    lastState: {},
    restartCount: 0,
    ready: false,
    started: false
  });
  const s = {
    phase: "Pending",
    conditions: ["Initialized", "ContainersReady", "Ready"].map((type) => ({
      type,
      status: "False",
      lastTransitionTime: at
    })),
    startTime: at,
    initContainerStatuses: inits.map((c) => status(c, "PodInitializing")),
    containerStatuses: spec.containers.map(
      (c) => status(c, inits.length > 0 ? "PodInitializing" : "ContainerCreating")
    )
  };
  derivePodStatus(s, spec, at);
  return s;
}
function containerStatus(s, type, name) {
  const list = type === "init_container" ? s.initContainerStatuses : s.containerStatuses;
  const c = list.find((x) => x.name === name);
  if (!c) throw new Error(`no ${type} "${name}" in the pod status`);
  return c;
}
function markStarted(s, spec, type, name, run2) {
  const c = containerStatus(s, type, name);
  if ("terminated" in c.state) c.lastState = c.state;
  c.restartCount = run2.restartCount;
  c.containerID = run2.containerID;
  c.state = { running: { startedAt: run2.startedAt } };
  const longRunning = type === "container" || isSidecar(spec, name, type);
  c.started = !run2.startupProbe;
  c.ready = longRunning && c.started && !run2.readinessProbe;
  derivePodStatus(s, spec, run2.startedAt);
}
function markTerminated(s, spec, type, name, end) {
  const c = containerStatus(s, type, name);
  if ("terminated" in c.state) c.lastState = c.state;
  const { restartCount, ...terminated } = end;
  if (terminated.containerID) c.containerID = terminated.containerID;
  c.restartCount = restartCount;
  c.state = { terminated: { ...terminated, ...c.containerID ? { containerID: c.containerID } : {} } };
  c.ready = false;
  c.started = false;
  derivePodStatus(s, spec, end.finishedAt);
}
function markWaiting(s, spec, type, name, waiting, at = now()) {
  const c = containerStatus(s, type, name);
  if ("terminated" in c.state) c.lastState = c.state;
  c.state = { waiting };
  c.ready = false;
  c.started = false;
  derivePodStatus(s, spec, at);
}
function markProbed(s, spec, type, name, change, at = now()) {
  const c = containerStatus(s, type, name);
  if (!("running" in c.state)) return false;
  const before = `${c.started}/${c.ready}`;
  if (change.started !== void 0) c.started = change.started;
  if (change.ready !== void 0) c.ready = change.ready && c.started;
  derivePodStatus(s, spec, at);
  return before !== `${c.started}/${c.ready}`;
}
function markPodFinished(s, spec, failed2, at = now()) {
  derivePodStatus(s, spec, at);
  const ok = !failed2 && s.containerStatuses.every((c) => "terminated" in c.state && c.state.terminated.exitCode === 0);
  s.phase = ok ? "Succeeded" : "Failed";
  for (const c of s.conditions)
    if (c.type !== "Initialized") setCondition(s, c.type, false, at, "PodCompleted");
}
function isSidecar(spec, name, type) {
  return type === "init_container" && spec.initContainers?.find((c) => c.name === name)?.restartPolicy === "Always";
}
function setCondition(s, type, value, at, reason) {
  const c = s.conditions.find((x) => x.type === type);
  const status = value ? "True" : "False";
  if (!c) {
    s.conditions.push({ type, status, lastTransitionTime: at, ...reason ? { reason } : {} });
    return;
  }
  if (c.status === status) return;
  c.status = status;
  c.lastTransitionTime = at;
  if (reason) c.reason = reason;
  else delete c.reason;
}
function conditionTrue(s, type) {
  return s.conditions.some((c) => c.type === type && c.status === "True");
}
function derivePodStatus(s, spec, at = now()) {
  const initialized = s.initContainerStatuses.every(
    (c) => isSidecar(spec, c.name, "init_container") ? c.started : "terminated" in c.state && c.state.terminated.exitCode === 0
  );
  setCondition(s, "Initialized", initialized, at);
  const sidecarsReady = s.initContainerStatuses.every(
    (c) => !isSidecar(spec, c.name, "init_container") || c.ready
  );
  const ready = initialized && sidecarsReady && s.containerStatuses.every((c) => c.ready);
  setCondition(s, "ContainersReady", ready, at);
  setCondition(s, "Ready", ready, at);
  s.phase = podPhase(s, spec, initialized);
}
function podPhase(s, spec, initialized) {
  const policy = restartPolicyOf(spec, {});
  if (!initialized) {
    const failedInit = s.initContainerStatuses.some(
      (c) => !isSidecar(spec, c.name, "init_container") && "terminated" in c.state && c.state.terminated.exitCode !== 0
    );
    return failedInit && policy === "Never" ? "Failed" : "Pending";
  }
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of s.containerStatuses) {
    if ("running" in c.state) running++;
    else if ("terminated" in c.state) {
      stopped++;
      if (c.state.terminated.exitCode === 0) succeeded++;
    } else if ("terminated" in c.lastState) stopped++;
    else waiting++;
  }
  if (waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (policy === "Always") return "Running";
  if (stopped === succeeded) return "Succeeded";
  if (policy === "Never") return "Failed";
  return "Running";
}

// src/services/probes.ts
import { appendFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
var MAX_OUTPUT = 10 * 1024;
var EXEC_KILL_AFTER_MS = 1e3;
function resolvePort(port, ports) {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  return ports.find((p) => p.name === port)?.containerPort;
}
async function runHandler(handler, target, timeoutMs) {
  try {
    if (handler.exec) return await runExec(handler.exec.command ?? [], target, timeoutMs);
    if (handler.httpGet) {
      const h = handler.httpGet;
      const port = resolvePort(h.port, target.ports);
      if (port === void 0)
        return { ok: false, message: `port "${h.port}" is not a port of the container` };
      return await httpGet(
        {
          scheme: h.scheme,
          host: h.host || target.podIp,
          port,
          path: h.path ?? "/",
          headers: h.httpHeaders ?? []
        },
        timeoutMs
      );
    }
    if (handler.tcpSocket) {
      const port = resolvePort(handler.tcpSocket.port, target.ports);
      if (port === void 0)
        return { ok: false, message: `port "${handler.tcpSocket.port}" is not a port of the container` };
      return await tcpConnect(handler.tcpSocket.host || target.podIp, port, timeoutMs);
    }
    if (handler.sleep) {
      await new Promise((r) => setTimeout(r, Math.min(handler.sleep.seconds * 1e3, timeoutMs)));
      return { ok: true, message: "" };
    }
    return { ok: false, message: "gRPC handlers are not supported by hostpod" };
  } catch (e) {
    return { ok: false, message: describeError(e) };
  }
}
async function runExec(command, target, timeoutMs) {
  const argv = await execArgv(target.exec, target.container, command);
  const { child, result } = await spawnExec(target.task, { argv, stdio: ["ignore", "pipe", "pipe"] });
  const out = [];
  const err = [];
  let size = 0;
  const keep = (list) => (b) => {
    if (size < MAX_OUTPUT) list.push(b.subarray(0, MAX_OUTPUT - size));
    size += b.length;
  };
  child.stdout.on("data", keep(out));
  child.stderr.on("data", keep(err));
  let timer;
  let killTimer;
  const timedOut = new Promise((resolve2) => {
    timer = setTimeout(() => {
      child.kill("SIGTERM");
      killTimer = setTimeout(() => child.kill("SIGKILL"), EXEC_KILL_AFTER_MS);
      killTimer.unref();
      resolve2("timeout");
    }, timeoutMs);
  });
  try {
    const r = await Promise.race([result, timedOut]);
    const output = { stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
    if (r === "timeout") {
      return {
        ok: false,
        message: `command ${JSON.stringify(command.join(" "))} timed out`,
        output
      };
    }
    const text = Buffer.concat([output.stdout, output.stderr]).toString("utf8").trim();
    if (r.exitCode === 0) return { ok: true, message: text, output };
    return {
      ok: false,
      message: text || `command ${JSON.stringify(command.join(" "))} exited with ${r.exitCode}`,
      output
    };
  } finally {
    clearTimeout(timer);
    if (child.exitCode !== null || child.signalCode !== null) clearTimeout(killTimer);
  }
}
function httpGet(target, timeoutMs) {
  const https = target.scheme.toUpperCase() === "HTTPS";
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  const path = target.path.startsWith("/") ? target.path : `/${target.path}`;
  const url = `${https ? "https" : "http"}://${host}:${target.port}${path}`;
  if (/[\x00-\x1f\x7f]/.test(target.host + path)) {
    return Promise.resolve({
      ok: false,
      message: `Get ${JSON.stringify(url)}: invalid control character in URL`
    });
  }
  const headers = { "User-Agent": "kube-probe/hostpod", Accept: "*/*" };
  for (const h of target.headers) headers[h.name] = h.value;
  return new Promise((resolve2) => {
    const req = (https ? httpsRequest : httpRequest)(
      url,
      { method: "GET", headers, timeout: timeoutMs, ...https ? { rejectUnauthorized: false } : {} },
      (res) => {
        const code = res.statusCode ?? 0;
        res.resume();
        res.on("error", () => {
        });
        req.destroy();
        if (code >= 200 && code < 400)
          resolve2({ ok: true, message: `HTTP probe succeeded with statuscode: ${code}` });
        else resolve2({ ok: false, message: `HTTP probe failed with statuscode: ${code}` });
      }
    );
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${timeoutMs}ms`)), timeoutMs);
    req.on("close", () => clearTimeout(timer));
    req.on("timeout", () => req.destroy(new Error(`timed out after ${timeoutMs}ms`)));
    req.on("error", (e) => resolve2({ ok: false, message: `Get "${url}": ${describeError(e)}` }));
    req.end();
  }).catch((e) => ({ ok: false, message: `Get "${url}": ${describeError(e)}` }));
}
function tcpConnect(host, port, timeoutMs) {
  return new Promise((resolve2) => {
    const s = connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve2({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutMs);
    s.on("connect", () => {
      clearTimeout(timer);
      s.destroy();
      resolve2({ ok: true, message: "" });
    });
    s.on("error", (e) => {
      clearTimeout(timer);
      resolve2({ ok: false, message: `dial tcp ${host}:${port}: ${describeError(e)}` });
    });
  });
}
async function appendCriLog(path, stream, text) {
  if (text.length === 0) return;
  const time = (/* @__PURE__ */ new Date()).toISOString();
  const body = text.at(-1) === 10 ? text.subarray(0, -1) : text;
  const parts = [];
  let start = 0;
  for (; ; ) {
    const nl = body.indexOf(10, start);
    const line = body.subarray(start, nl < 0 ? body.length : nl);
    parts.push(Buffer.from(`${time} ${stream} F `), line, Buffer.from("\n"));
    if (nl < 0) break;
    start = nl + 1;
  }
  await appendFile(path, Buffer.concat(parts));
}
function initialThresholdState(kind) {
  return {
    result: kind === "readiness" ? "failure" : kind === "liveness" ? "success" : "unknown",
    last: "unknown",
    run: 0
  };
}
function applyProbeOutcome(state, ok, probe) {
  const outcome = ok ? "success" : "failure";
  const run2 = state.last === outcome ? state.run + 1 : 1;
  const needed = ok ? probe.successThreshold : probe.failureThreshold;
  return { result: run2 >= needed ? outcome : state.result, last: outcome, run: run2 };
}
var Prober = class {
  #o;
  #abort = new AbortController();
  #started;
  #loops = [];
  constructor(options) {
    this.#o = options;
    this.#started = options.probes.startup === void 0;
  }
  start() {
    const { startup, liveness, readiness } = this.#o.probes;
    if (startup) this.#loops.push(this.#loop("startup", startup));
    if (liveness) this.#loops.push(this.#loop("liveness", liveness));
    if (readiness) this.#loops.push(this.#loop("readiness", readiness));
    return this;
  }
  /** Stops every probe; resolves when none is running any more. */
  async stop() {
    this.#abort.abort();
    await Promise.all(this.#loops);
  }
  #sleep(seconds) {
    return this.#sleepMs(seconds * this.#o.secondMs);
  }
  async #sleepMs(ms) {
    const signal = this.#abort.signal;
    if (signal.aborted) return false;
    await new Promise((resolve2) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        signal.removeEventListener("abort", done);
        resolve2();
      }
      signal.addEventListener("abort", done, { once: true });
    });
    return !signal.aborted;
  }
  async #loop(kind, probe) {
    let state = initialThresholdState(kind);
    if (!await this.#sleep(probe.initialDelaySeconds)) return;
    for (; ; ) {
      const t0 = Date.now();
      if (kind === "startup" || this.#started) {
        const out = await runHandler(probe, this.#o.target, probe.timeoutSeconds * this.#o.secondMs);
        if (this.#abort.signal.aborted) return;
        const next = applyProbeOutcome(state, out.ok, probe);
        const changed = next.result !== state.result;
        state = next;
        if (changed && (next.result === "success" || next.result === "failure")) {
          if (kind === "startup" && next.result === "success") this.#started = true;
          this.#o.onChange(kind, next.result, out.message);
          if (kind !== "readiness") {
            if (kind === "startup" || next.result === "failure") return;
          }
        }
      }
      const left = probe.periodSeconds * this.#o.secondMs - (Date.now() - t0);
      if (!await this.#sleepMs(Math.max(left, 0))) return;
    }
  }
};

// src/services/container-supervisor.ts
var MAX_TIMER_MS = 2 ** 31 - 1;
var MIN_GRACE_AFTER_PRESTOP_MS = 2e3;
var DETACHED = /* @__PURE__ */ Symbol("detached");
var ContainerSupervisor = class {
  #x;
  #name;
  /** The last run of each container, by `type/name`. */
  #results = /* @__PURE__ */ new Map();
  /** Running containers, with what stopping them needs. */
  #live = /* @__PURE__ */ new Map();
  /** Runs that a failed liveness or startup probe stopped. */
  #probeKilled = /* @__PURE__ */ new WeakSet();
  constructor(context) {
    this.#x = context;
    this.#name = context.pod.metadata.name ?? "";
  }
  /** Whether any container runs now. */
  get running() {
    return this.#live.size > 0;
  }
  /** The last run of each container that ran or tried to, in the pod's order (init containers first). */
  results() {
    const { spec } = this.#x.pod;
    const out = [];
    for (const c of spec.initContainers ?? []) {
      const r = this.#results.get(keyOf("init_container", c.name));
      if (r) out.push(r);
    }
    for (const c of spec.containers) {
      const r = this.#results.get(keyOf("container", c.name));
      if (r) out.push(r);
    }
    return out;
  }
  /**
   * Runs a container and restarts it per `policy`, with back-off, until it ends for good or
   * `stop` aborts (at once during a back-off wait; gracefully while it runs). `onStarted` is
   * called when a run has started (its startup probe passed, when it has one). Resolves with
   * its last run.
   */
  async supervise(ctr, type, policy, stop, onStarted = () => {
  }, resume) {
    const { status, timing, pod } = this.#x;
    const detach = this.#x.detach ?? new AbortController().signal;
    const waitStop = AbortSignal.any([stop, detach]);
    let delay;
    let attempt = resume?.attempt ?? 0;
    let last;
    if (resume?.ended && !resume.running) {
      last = resume.ended;
      this.#results.set(keyOf(type, ctr.name), last);
      markTerminated(status, pod.spec, type, ctr.name, { ...terminatedState(last), restartCount: attempt });
      this.#x.changed();
    } else {
      if (stop.aborted && !resume?.running) return void 0;
      const run2 = await this.#runOnce(ctr, type, attempt, stop, onStarted, resume?.running);
      if (run2 === DETACHED) return void 0;
      last = run2;
    }
    for (; ; ) {
      const restart = shouldRestart(policy, last.exitCode) || this.#probeKilled.has(last) && policy !== "Never";
      if (stop.aborted || detach.aborted || !restart) break;
      const ranMs = last.startedAt ? Date.parse(last.finishedAt) - Date.parse(last.startedAt) : 0;
      delay = nextBackoff(timing, delay, ranMs);
      const nextAttemptAt = new Date(Date.now() + delay).toISOString();
      const message = backoffMessage(delay, ctr.name, this.#name);
      markWaiting(status, pod.spec, type, ctr.name, { reason: "CrashLoopBackOff", message, nextAttemptAt });
      this.#x.emit({
        type: "backoff",
        pod: this.#name,
        container: ctr.name,
        delayMs: delay,
        message,
        nextAttemptAt,
        restartCount: attempt + 1
      });
      this.#x.changed();
      if (!await sleepUnlessAborted(delay, waitStop)) break;
      attempt++;
      const run2 = await this.#runOnce(ctr, type, attempt, stop, onStarted);
      if (run2 === DETACHED) return void 0;
      last = run2;
    }
    return detach.aborted ? void 0 : last;
  }
  /** Stops every running container (preStop, the pod's grace period) and removes it. Never throws. */
  async stopAll() {
    const graceMs = this.#x.pod.spec.terminationGracePeriodSeconds * 1e3;
    await Promise.all(
      [...this.#live].map(
        async ([c, { ctr, restartCount }]) => this.#finish(c, await this.#stopGracefully(c, ctr, graceMs), restartCount)
      )
    ).catch(() => {
    });
  }
  /** One run of a container: start, probe, wait (or stop); its result. */
  async #runOnce(ctr, type, restartCount, stop, onStarted, adopt) {
    const { deps, pod, status, emit, changed } = this.#x;
    const detach = this.#x.detach ?? new AbortController().signal;
    const { spec } = pod;
    const name = this.#name;
    let c;
    const id = parseContainerId(newContainerId());
    try {
      c = adopt ?? await startContainer(deps, pod, ctr, type, this.#x.images.get(ctr.image ?? ""), {
        attempt: restartCount,
        id,
        ...this.#x.podUid ? { podUid: this.#x.podUid } : {},
        mounts: this.#x.volumes.mountsFor(ctr.name),
        objects: this.#x.objects,
        podGroup: this.#x.volumes.gid
      });
    } catch (e) {
      const result2 = {
        ...startErrorExit(e),
        name: ctr.name,
        type,
        id,
        restartCount,
        errorCode: isRuntimeError(e) ? e.code : "Internal"
      };
      this.#results.set(keyOf(type, ctr.name), result2);
      markTerminated(status, spec, type, ctr.name, { ...terminatedState(result2, id), restartCount });
      emit({ type: "exited", pod: name, container: void 0, result: result2 });
      changed();
      return result2;
    }
    this.#live.set(c, { ctr, restartCount });
    for (const w of c.warnings) emit({ type: "warning", pod: name, message: `container "${c.name}": ${w}` });
    const longRunning = type === "container" || ctr.restartPolicy === "Always";
    const probes2 = longRunning ? probesOf(ctr) : {};
    markStarted(status, spec, type, ctr.name, {
      containerID: c.id,
      startedAt: c.task.startedAt,
      restartCount,
      startupProbe: probes2.startup !== void 0,
      readinessProbe: probes2.readiness !== void 0
    });
    emit({ type: "started", pod: name, container: c, restartCount, ...adopt ? { adopted: true } : {} });
    changed();
    const runStop = new AbortController();
    let killed;
    const podGraceMs = () => spec.terminationGracePeriodSeconds * 1e3;
    const postStart = adopt ? void 0 : ctr.lifecycle?.postStart;
    if (postStart) {
      const out = await Promise.race([
        runHandler(postStart, this.#targetOf(c, ctr), MAX_TIMER_MS),
        aborted(AbortSignal.any([stop, detach])).then(() => void 0)
      ]);
      if (out?.output) await this.#appendOutput(c, out.output);
      if (out && !out.ok && !stop.aborted) {
        killed = { message: `PostStart hook failed: ${out.message}`, graceMs: podGraceMs(), byProbe: false };
        emit({ type: "killing", pod: name, container: ctr.name, message: killed.message });
        runStop.abort();
      }
    }
    if (!killed && !probes2.startup) onStarted();
    const prober = !killed && (probes2.startup || probes2.liveness || probes2.readiness) ? new Prober({
      target: this.#targetOf(c, ctr),
      probes: probes2,
      secondMs: this.#x.timing.probeSecondMs,
      onChange: (kind, result2, message) => {
        if (runStop.signal.aborted || stop.aborted) return;
        emit({ type: "probe", pod: name, container: ctr.name, probe: kind, result: result2, message });
        if (kind === "readiness") {
          if (markProbed(status, spec, type, ctr.name, { ready: result2 === "success" })) changed();
        } else if (result2 === "success") {
          markProbed(status, spec, type, ctr.name, {
            started: true,
            ready: probes2.readiness === void 0
          });
          changed();
          onStarted();
        } else {
          const probe = probes2[kind];
          const why = `${kind === "liveness" ? "Liveness" : "Startup"} probe failed: ${message}`;
          killed = {
            message: why,
            graceMs: (probe.terminationGracePeriodSeconds ?? spec.terminationGracePeriodSeconds) * 1e3,
            byProbe: true
          };
          emit({ type: "killing", pod: name, container: ctr.name, message: why });
          runStop.abort();
        }
      }
    }).start() : void 0;
    let exit = await waitOrCancel(c, AbortSignal.any([stop, runStop.signal, detach]));
    await prober?.stop();
    if (exit === "canceled" && detach.aborted && !stop.aborted && !runStop.signal.aborted) {
      this.#live.delete(c);
      return DETACHED;
    }
    if (exit === "canceled") {
      const own = killed !== void 0 && !stop.aborted;
      exit = await this.#stopGracefully(c, ctr, own ? killed.graceMs : podGraceMs());
      if (own) exit = { ...exit, message: killed.message };
    }
    const result = await this.#finish(c, exit, restartCount);
    if (killed?.byProbe) this.#probeKilled.add(result);
    return result;
  }
  async #finish(c, exit, restartCount) {
    const { deps, pod, status, emit } = this.#x;
    this.#live.delete(c);
    const result = { ...exit, name: c.name, type: c.type, id: c.id, restartCount };
    try {
      recordExit(deps, c.id, exit);
    } catch (e) {
      emit({
        type: "warning",
        pod: this.#name,
        message: `recording the end of "${c.name}": ${describeError(e)}`
      });
    }
    const problems = await removeContainer(deps, { id: c.id, task: c.task }, { keepLogs: this.#x.keepLogs });
    for (const p of problems)
      emit({ type: "warning", pod: this.#name, message: `cleaning up container "${c.name}": ${p}` });
    this.#results.set(keyOf(c.type, c.name), result);
    await this.#pruneRuns(c, restartCount);
    markTerminated(status, pod.spec, c.type, c.name, { ...terminatedState(exit), restartCount });
    emit({ type: "exited", pod: this.#name, container: c, result });
    this.#x.changed();
    return result;
  }
  /**
   * Keeps the records and directories (log) of a container's last two runs — the one that just
   * ended and the one before, for `logs --previous` — and removes older ones, as the kubelet's
   * container GC keeps one dead container per container besides the current one. Without
   * `keepLogs` (`run --rm`) the run that ended goes at once.
   */
  async #pruneRuns(c, attempt) {
    const { deps, pod } = this.#x;
    const warn = (e) => this.#x.emit({
      type: "warning",
      pod: this.#name,
      message: `removing an earlier run of container "${c.name}": ${describeError(e)}`
    });
    try {
      const ids = this.#x.podUid ? deps.records.pruneAttempts({ uid: this.#x.podUid }, c, attempt - 1) : deps.records.pruneAttempts(
        { namespace: pod.metadata.namespace ?? "default", name: this.#name, ownerPid: deps.owner.pid },
        c,
        this.#x.keepLogs ? attempt - 1 : attempt + 1
      );
      for (const id of ids)
        await rm7(containerDir(deps.root, id), { recursive: true, force: true }).catch(warn);
    } catch (e) {
      warn(e);
    }
  }
  /** A hook's output goes into the container's log, after what the container wrote so far. */
  async #appendOutput(c, output) {
    await appendCriLog(c.logPath, "stdout", output.stdout).catch(() => {
    });
    await appendCriLog(c.logPath, "stderr", output.stderr).catch(() => {
    });
  }
  #targetOf(c, ctr) {
    return {
      task: c.task,
      exec: c.exec,
      container: c.name,
      ports: ctr.ports ?? [],
      podIp: this.#x.deps.node.ip
    };
  }
  /** preStop within the grace period, then SIGTERM, SIGKILL at what is left of it. */
  async #stopGracefully(c, ctr, graceMs) {
    const t0 = Date.now();
    let termGraceMs = graceMs;
    const preStop = ctr.lifecycle?.preStop;
    if (preStop && graceMs > 0) {
      const out = await runHandler(preStop, this.#targetOf(c, ctr), graceMs);
      if (out.output) await this.#appendOutput(c, out.output);
      if (!out.ok)
        this.#x.emit({
          type: "warning",
          pod: this.#name,
          message: `container "${c.name}": PreStop hook failed: ${out.message}`
        });
      termGraceMs = Math.max(graceMs - (Date.now() - t0), MIN_GRACE_AFTER_PRESTOP_MS);
    }
    return stopContainer(c, termGraceMs).catch((e) => vanishedExit(describeError(e)));
  }
};
var keyOf = (type, name) => `${type}/${name}`;
function probesOf(ctr) {
  return {
    ...ctr.startupProbe ? { startup: ctr.startupProbe } : {},
    ...ctr.livenessProbe ? { liveness: ctr.livenessProbe } : {},
    ...ctr.readinessProbe ? { readiness: ctr.readinessProbe } : {}
  };
}
function aborted(signal) {
  if (signal.aborted) return Promise.resolve();
  return new Promise((r) => signal.addEventListener("abort", () => r(), { once: true }));
}
async function waitOrCancel(c, signal) {
  if (signal.aborted) return "canceled";
  try {
    return await waitContainer(c, signal);
  } catch (e) {
    if (isRuntimeError(e, "Canceled")) return "canceled";
    throw e;
  }
}

// src/services/start-error.ts
var PodStartError = class extends RuntimeError {
  stage;
  reason;
  constructor(stage, reason, cause) {
    const e = isRuntimeError(cause) ? cause : void 0;
    super(e?.code ?? "Internal", describeError(cause), {
      cause,
      ...e?.hint ? { hint: e.hint } : {},
      ...e?.details ? { details: e.details } : {}
    });
    this.name = "PodStartError";
    this.stage = stage;
    this.reason = reason;
  }
};
async function startStage(stage, reason, fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof PodStartError) throw e;
    throw new PodStartError(stage, reason, e);
  }
}

// src/services/images.ts
async function prepareImage(image, pullPolicy, ctx) {
  let record = pullPolicy === "Always" ? void 0 : await ctx.images.get(image);
  if (!record) {
    if (pullPolicy === "Never") {
      throw new PodStartError(
        "image",
        "ErrImageNeverPull",
        new RuntimeError(
          "NotFound",
          `ErrImageNeverPull: image "${image}" is not present and imagePullPolicy is Never`,
          { hint: `import or build it first (hostpod image import / hostpod image build --tag ${image})` }
        )
      );
    }
    const client = new RegistryClient({
      insecureRegistries: ctx.insecureRegistries ?? [],
      ...ctx.registryConfigDir !== void 0 ? { registryConfigDir: ctx.registryConfigDir } : {},
      ...ctx.credentials ? { credentials: ctx.credentials } : {}
    });
    const t0 = performance.now();
    let outcome = "failure";
    try {
      const r = await pullImage(image, {
        content: ctx.content,
        images: ctx.images,
        client,
        ...ctx.signal ? { signal: ctx.signal } : {},
        ...ctx.onPullEvent ? { onEvent: (e) => ctx.onPullEvent?.(image, e) } : {}
      });
      record = r.record;
      outcome = "success";
    } catch (e) {
      if (e instanceof RuntimeError) {
        throw new RuntimeError(e.code, `ErrImagePull: ${e.message}`, {
          ...e.hint ? { hint: e.hint } : {},
          cause: e
        });
      }
      throw e;
    } finally {
      await client.close();
      ctx.onPulled?.(image, (performance.now() - t0) / 1e3, outcome);
    }
  }
  const { config } = await readImage(ctx.content, record.digest);
  if (config.os !== "linux") {
    throw new RuntimeError(
      "FailedPrecondition",
      `Cannot run image "${image}": its OS is ${config.os} (${record.platform}) but this host's OS is linux`,
      {
        hint: "HostProcess images run their programs on the host: build the image for linux (hostpod image build --platform linux/amd64)"
      }
    );
  }
  const layers = await ensureUnpacked(
    ctx.root,
    ctx.content,
    record.digest,
    ctx.signal ? { signal: ctx.signal } : {}
  );
  return { reference: image, manifestDigest: record.digest, config, layers: layers.map((l) => l.dir) };
}

// src/services/pod-runner.ts
function admitPod(pod, deps) {
  const name = pod.metadata.name ?? "";
  if (!isHostProcessPod(pod)) {
    throw new RuntimeError(
      "FailedPrecondition",
      `Cannot run pod "${name}": it has no HostProcess containers`,
      {
        hint: "hostpod runs HostProcess pods: set spec.securityContext.windowsOptions.hostProcess: true and spec.hostNetwork: true"
      }
    );
  }
  const mismatch = nodeMismatch(pod.spec, deps.node);
  if (mismatch) {
    throw new RuntimeError("FailedPrecondition", `Cannot run pod "${name}" on this node: ${mismatch}`, {
      hint: "change the pod's node selection, or give this node the label (hostpod run --node-label KEY=VALUE)"
    });
  }
  for (const { container, path } of containersWithPath(pod.spec, ["spec"])) {
    for (const kind of ["startupProbe", "livenessProbe", "readinessProbe"]) {
      if (container[kind]?.grpc) {
        throw new RuntimeError(
          "NotImplemented",
          `Cannot run pod "${name}": ${[...path, kind, "grpc"].join(".")}: gRPC probes are not supported by hostpod`,
          { hint: "use an exec probe (e.g. grpc_health_probe), an httpGet or a tcpSocket probe" }
        );
      }
    }
  }
}
async function runPod(pod, options) {
  const { deps } = options;
  const { spec } = pod;
  const name = pod.metadata.name ?? "";
  const timing = { ...DEFAULT_TIMING, ...options.timing };
  const emit = (e) => options.onEvent?.(e);
  await startStage("admission", "PodAdmissionFailed", () => admitPod(pod, deps));
  const images = /* @__PURE__ */ new Map();
  for (const { container } of containersWithPath(spec, [])) {
    const ref = container.image ?? "";
    if (images.has(ref)) continue;
    const policy = options.resume && container.imagePullPolicy === "Always" ? "IfNotPresent" : container.imagePullPolicy;
    const ready = await startStage("image", "ErrImagePull", () => prepareImage(ref, policy, options.images));
    images.set(ref, ready);
    emit({ type: "image", pod: name, image: ref, manifestDigest: ready.manifestDigest });
  }
  const objects = options.objects ?? emptyObjectSet();
  const volumes = await startStage(
    "volumes",
    "ContainerCreating",
    () => prepareVolumes(pod, {
      root: deps.root,
      node: deps.node,
      objects,
      owner: deps.owner,
      ...options.resume ? { reuse: true } : {},
      ...options.serviceAccountTokenFile ? { serviceAccountTokenFile: options.serviceAccountTokenFile } : {}
    })
  );
  for (const w of volumes.warnings) emit({ type: "warning", pod: name, message: w });
  const status = options.resume ? structuredClone(options.resume.status) : initialPodStatus(spec);
  let wasReady = false;
  const changed = () => {
    emit({ type: "status", pod: name, status: structuredClone(status) });
    const ready = conditionTrue(status, "Ready");
    if (ready !== wasReady) {
      wasReady = ready;
      emit({ type: "ready", pod: name, ready });
    }
  };
  changed();
  const supervisor = new ContainerSupervisor({
    deps,
    pod,
    images,
    volumes,
    objects,
    keepLogs: options.keepLogs ?? true,
    ...options.podUid ? { podUid: options.podUid } : {},
    timing,
    status,
    emit,
    changed,
    ...options.detach ? { detach: options.detach } : {}
  });
  const detach = options.detach;
  const resumeOf = (type, n) => options.resume?.containers.get(`${type}/${n}`);
  let interrupted = false;
  const podStop = new AbortController();
  const onAbort = () => {
    interrupted = true;
    if (supervisor.running)
      emit({ type: "stopping", pod: name, graceSeconds: spec.terminationGracePeriodSeconds });
    podStop.abort();
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  const sidecarStop = new AbortController();
  const sidecarSignal = AbortSignal.any([podStop.signal, sidecarStop.signal]);
  const supervise = supervisor.supervise.bind(supervisor);
  const podPolicy = restartPolicyOf(spec, {});
  const sidecars = [];
  let failed2 = false;
  try {
    for (const init of spec.initContainers ?? []) {
      if (podStop.signal.aborted || detach?.aborted) break;
      if (init.restartPolicy === "Always") {
        let started;
        const startedOnce = new Promise((r2) => {
          started = r2;
        });
        sidecars.push(
          supervise(
            init,
            "init_container",
            "Always",
            sidecarSignal,
            started,
            resumeOf("init_container", init.name)
          ).catch((e) => {
            emit({ type: "warning", pod: name, message: `sidecar "${init.name}": ${describeError(e)}` });
            return void 0;
          })
        );
        await Promise.race([startedOnce, aborted2(podStop.signal), ...detach ? [aborted2(detach)] : []]);
        continue;
      }
      const r = await supervise(
        init,
        "init_container",
        podPolicy === "Never" ? "Never" : "OnFailure",
        podStop.signal,
        void 0,
        resumeOf("init_container", init.name)
      );
      if (detach?.aborted) break;
      if (r?.exitCode !== 0) {
        failed2 = true;
        break;
      }
    }
    if (!failed2 && !podStop.signal.aborted && !detach?.aborted) {
      const ends = await Promise.all(
        spec.containers.map(
          (ctr) => supervise(ctr, "container", podPolicy, podStop.signal, void 0, resumeOf("container", ctr.name))
        )
      );
      failed2 = ends.some((r) => r?.exitCode !== 0);
    }
    const result = (detached) => ({
      name,
      phase: status.phase === "Succeeded" ? "Succeeded" : "Failed",
      interrupted,
      containers: supervisor.results(),
      status: structuredClone(status),
      ...detached ? { detached } : {}
    });
    if (detach?.aborted) {
      await Promise.all(sidecars);
      return result(true);
    }
    sidecarStop.abort();
    await Promise.all(sidecars);
    markPodFinished(status, spec, failed2);
    changed();
    return result(false);
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    if (!detach?.aborted) {
      sidecarStop.abort();
      podStop.abort();
      await supervisor.stopAll();
      await volumes.cleanup().catch(
        (e) => emit({ type: "warning", pod: name, message: `removing volumes: ${describeError(e)}` })
      );
    }
  }
}
function aborted2(signal) {
  if (signal.aborted) return Promise.resolve();
  return new Promise((r) => signal.addEventListener("abort", () => r(), { once: true }));
}

export {
  LogFollower,
  readLogLines,
  vanishedExit,
  killedExit,
  readTaskExit,
  terminatedState,
  exitOfTerminated,
  openTask,
  emptyObjectSet,
  addObject,
  removeContainer,
  podDir,
  removeStalePodVolumes,
  cleanupStale,
  initialPodStatus,
  markWaiting,
  derivePodStatus,
  PodStartError,
  prepareImage,
  admitPod,
  runPod
};
