import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  imageGroup,
  openStores,
  stateRoot
} from "./chunk-TXVVE4WC.js";
import "./chunk-4WSVR33Z.js";
import "./chunk-6VMJICQW.js";
import {
  formatPlatform,
  hostPlatform,
  parsePlatform
} from "./chunk-IAHJQBAJ.js";
import "./chunk-F7EMT5MI.js";
import "./chunk-3EFU52EX.js";
import "./chunk-AVR7YWR3.js";
import "./chunk-2TIRU24N.js";
import {
  err,
  out
} from "./chunk-WDHOOICP.js";
import "./chunk-EY5AGAN5.js";
import {
  MediaType,
  parseReference
} from "./chunk-4PE76O5T.js";
import {
  RuntimeError,
  errnoCode
} from "./chunk-4ZL3ZTLI.js";
import "./chunk-7BOAENXZ.js";

// src/cli/commands/image-build.ts
import { join as join2, resolve } from "node:path";

// src/image/build.ts
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";

// src/image/build-source.ts
import { constants } from "node:fs";
import { lstat, open, readdir, readlink } from "node:fs/promises";
var O_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
var O_FILE = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
async function openBuildDir(dir) {
  try {
    return await open(dir, O_DIR);
  } catch (e) {
    const code = errnoCode(e);
    if (code === "ENOENT") throw new RuntimeError("NotFound", `Cannot build from ${dir}: no such directory`);
    if (code === "ENOTDIR" || code === "ELOOP")
      throw new RuntimeError("FailedPrecondition", `Cannot build from ${dir}: not a directory`);
    throw e;
  }
}
async function* readBuildDir(root, notes) {
  yield* visit(root, "");
  async function* visit(dirFh, rel) {
    const at = `/proc/self/fd/${dirFh.fd}`;
    const names = (await readdir(at)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const name of names) {
      const r = rel === "" ? name : `${rel}/${name}`;
      let st;
      try {
        st = await lstat(`${at}/${name}`);
      } catch (e) {
        if (errnoCode(e) === "ENOENT") changed(r, "it was removed");
        throw e;
      }
      if (st.isDirectory()) {
        const sub = await openChecked(`${at}/${name}`, O_DIR, r, st);
        try {
          yield { rel: r, type: "dir", mode: (await sub.stat()).mode & 4095, size: 0, linkname: "" };
          yield* visit(sub, r);
        } finally {
          await sub.close();
        }
      } else if (st.isFile()) {
        const fh = await openChecked(`${at}/${name}`, O_FILE, r, st);
        const now = await fh.stat();
        yield { rel: r, type: "file", mode: now.mode & 4095, size: now.size, linkname: "", file: fh };
      } else if (st.isSymbolicLink()) {
        let linkname;
        try {
          linkname = await readlink(`${at}/${name}`);
        } catch (e) {
          const code = errnoCode(e);
          if (code === "EINVAL" || code === "ENOENT") changed(r, "it is no longer a symlink");
          throw e;
        }
        yield { rel: r, type: "symlink", mode: 511, size: 0, linkname };
      } else {
        notes.push(`left out "${r}": sockets, FIFOs and device nodes are not packed`);
      }
    }
  }
}
async function openChecked(path, flags, rel, seen) {
  let fh;
  try {
    fh = await open(path, flags);
  } catch (e) {
    const code = errnoCode(e);
    if (code === "ELOOP" || code === "ENOTDIR") changed(rel, "it was replaced by a symlink or a file");
    if (code === "ENOENT") changed(rel, "it was removed");
    throw e;
  }
  const st = await fh.stat();
  const sameKind = seen.isDirectory() ? st.isDirectory() : st.isFile();
  if (!sameKind || st.dev !== seen.dev || st.ino !== seen.ino) {
    await fh.close();
    changed(rel, "it was replaced by another file");
  }
  return fh;
}
function changed(rel, why) {
  throw new RuntimeError(
    "FailedPrecondition",
    `Cannot build: "${rel}" changed while it was being packed: ${why}`,
    {
      hint: "build from a directory nothing else is writing to"
    }
  );
}

// src/image/build.ts
var GZIP_LEVEL = 6;
var BLOCK = 512;
function octal(n, width) {
  return `${n.toString(8).padStart(width - 1, "0")}\0`;
}
function paxRecord(key, value) {
  const rest = Buffer.byteLength(` ${key}=${value}
`);
  let len = rest + String(rest).length;
  if (String(len).length !== String(rest).length) len = rest + String(len).length;
  return `${len} ${key}=${value}
`;
}
function header(name, flag, mode, size, linkname, mtime) {
  const b = Buffer.alloc(BLOCK);
  b.write(name, 0, 100, "utf8");
  b.write(octal(mode, 8), 100, "latin1");
  b.write(octal(0, 8), 108, "latin1");
  b.write(octal(0, 8), 116, "latin1");
  b.write(octal(size, 12), 124, "latin1");
  b.write(octal(mtime, 12), 136, "latin1");
  b.write("        ", 148, "latin1");
  b.write(flag, 156, "latin1");
  b.write(linkname, 157, 100, "utf8");
  b.write("ustar\0", 257, "latin1");
  b.write("00", 263, "latin1");
  let sum = 0;
  for (const x of b) sum += x;
  b.write(octal(sum, 7), 148, "latin1");
  return b;
}
function pad(n) {
  const r = n % BLOCK;
  return r === 0 ? void 0 : Buffer.alloc(BLOCK - r);
}
async function* tarStream(dir, mtime, notes, counted) {
  for await (const it of readBuildDir(dir, notes)) {
    try {
      counted.entries++;
      const name = it.type === "dir" ? `${it.rel}/` : it.rel;
      const pax = [];
      if (Buffer.byteLength(name) > 100) pax.push(paxRecord("path", name));
      if (Buffer.byteLength(it.linkname) > 100) pax.push(paxRecord("linkpath", it.linkname));
      if (it.size > 8589934591) pax.push(paxRecord("size", String(it.size)));
      if (pax.length > 0) {
        const body = Buffer.from(pax.join(""));
        yield header("PaxHeaders/entry", "x", 420, body.length, "", mtime);
        yield body;
        const p2 = pad(body.length);
        if (p2) yield p2;
      }
      const flag = it.type === "dir" ? "5" : it.type === "symlink" ? "2" : "0";
      const shortName = Buffer.byteLength(name) > 100 ? name.slice(-99) : name;
      const shortLink = Buffer.byteLength(it.linkname) > 100 ? "" : it.linkname;
      yield header(shortName, flag, it.mode, Math.min(it.size, 8589934591), shortLink, mtime);
      if (it.file === void 0 || it.size === 0) continue;
      let left = it.size;
      while (left > 0) {
        const buf = Buffer.allocUnsafe(Math.min(left, 1 << 20));
        const { bytesRead } = await it.file.read(buf, 0, buf.length, null);
        if (bytesRead === 0) {
          throw new RuntimeError(
            "FailedPrecondition",
            `Cannot build: "${it.rel}" shrank while it was being packed`,
            {
              hint: "build from a directory nothing else is writing to"
            }
          );
        }
        left -= bytesRead;
        yield buf.subarray(0, bytesRead);
      }
      const p = pad(it.size);
      if (p) yield p;
    } finally {
      await it.file?.close();
    }
  }
  yield Buffer.alloc(2 * BLOCK);
}
async function buildImage(dir, content, images, opts) {
  const name = parseReference(opts.tag).string();
  for (const e of opts.env ?? []) {
    if (!/^[^=]+=/.test(e)) {
      throw new RuntimeError("InvalidArgument", `Invalid --env ${JSON.stringify(e)}: expected KEY=VALUE`);
    }
  }
  const epoch = opts.sourceDateEpoch === void 0 ? void 0 : Math.max(0, Math.floor(opts.sourceDateEpoch));
  const mtime = epoch ?? 0;
  const source = await openBuildDir(dir);
  let layer;
  try {
    layer = await writeLayer(source, content, { tmpDir: opts.tmpDir, mtime });
  } finally {
    await source.close();
  }
  const platform = opts.platform ?? { os: "linux", architecture: hostPlatform().architecture };
  const when = epoch === void 0 ? opts.now ?? /* @__PURE__ */ new Date() : new Date(epoch * 1e3);
  const created = when.toISOString().replace(/\.\d{3}Z$/, "Z");
  const cfg = {};
  if (opts.env && opts.env.length > 0) cfg.Env = opts.env;
  if (opts.entrypoint) cfg.Entrypoint = opts.entrypoint;
  if (opts.cmd) cfg.Cmd = opts.cmd;
  if (opts.workdir) cfg.WorkingDir = opts.workdir;
  if (opts.labels && Object.keys(opts.labels).length > 0) {
    cfg.Labels = Object.fromEntries(
      Object.entries(opts.labels).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    );
  }
  const config = {
    created,
    architecture: platform.architecture,
    ...platform.variant ? { variant: platform.variant } : {},
    os: platform.os,
    config: cfg,
    rootfs: { type: "layers", diff_ids: [layer.diffId] },
    history: [{ created, created_by: "hostpod image build" }]
  };
  const configInfo = await content.writeBlob(JSON.stringify(config));
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: configInfo.digest, size: configInfo.size },
    layers: [{ mediaType: MediaType.ociLayerGzip, digest: layer.digest, size: layer.size }]
  };
  const m = await content.writeBlob(JSON.stringify(manifest));
  const rec = await images.put(name, m.digest);
  return {
    name: rec.name,
    digest: m.digest,
    configDigest: configInfo.digest,
    layerDigest: layer.digest,
    diffId: layer.diffId,
    entries: layer.entries,
    layerSize: layer.size,
    platform: formatPlatform(platform),
    notes: layer.notes
  };
}
async function writeLayer(source, content, o) {
  const notes = [];
  const counted = { entries: 0 };
  await mkdir(o.tmpDir, { recursive: true });
  const tmp = join(o.tmpDir, `build-${process.pid}-${randomBytes(6).toString("hex")}.tar.gz`);
  const diffHash = createHash("sha256");
  const blobHash = createHash("sha256");
  let size = 0;
  try {
    await pipeline(
      Readable.from(
        (async function* () {
          for await (const b of tarStream(source, o.mtime, notes, counted)) {
            diffHash.update(b);
            yield b;
          }
        })()
      ),
      createGzip({ level: GZIP_LEVEL }),
      async function* (src) {
        for await (const b of src) {
          blobHash.update(b);
          size += b.length;
          yield b;
        }
      },
      createWriteStream(tmp, { mode: 384 })
    );
    const digest = `sha256:${blobHash.digest("hex")}`;
    await content.ingest({ digest, size }, createReadStream(tmp, { highWaterMark: 1 << 20 }));
    return {
      diffId: `sha256:${diffHash.digest("hex")}`,
      digest,
      size,
      entries: counted.entries,
      notes
    };
  } finally {
    await rm(tmp, { force: true });
  }
}

// src/cli/commands/image-build.ts
function parseArgv(flag, v) {
  const s = v.trim();
  if (s.startsWith("[")) {
    let parsed;
    try {
      parsed = JSON.parse(s);
    } catch {
      parsed = void 0;
    }
    if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === "string")) {
      throw new RuntimeError(
        "InvalidArgument",
        `Invalid ${flag} ${JSON.stringify(v)}: not a JSON array of strings`,
        {
          hint: `write ${flag} '["/bin/sh","-c","echo hi"]' or ${flag} 'bin/tool --flag'`
        }
      );
    }
    return parsed;
  }
  return s === "" ? [] : s.split(/\s+/);
}
function collect(v, prev = []) {
  return [...prev, v];
}
function formatBuilt(r) {
  return [`Built ${r.name} ${r.digest} ${r.platform} (${r.entries} entries, layer ${r.layerSize} bytes)`];
}
function registerImageBuild(program, ctx) {
  imageGroup(program).command("build").summary("pack a directory as a one-layer image").description(
    "Pack DIR as a one-layer image and store it under --tag. Reproducible: entries sorted,\nmtimes 0, owners 0:0, fixed gzip level, so the same directory gives the same layer; the\nimage's created time is now. With $SOURCE_DATE_EPOCH (seconds) both the created time and the\nmtimes are that time, and the same directory gives the same digest (docs/images.md)."
  ).argument("<dir>", "directory whose content becomes the image").requiredOption("-t, --tag <name>", "image name NAME[:TAG]").option("--entrypoint <argv>", `entrypoint: JSON array ('["/bin/sh","-c"]') or words`).option("--cmd <argv>", "command: JSON array or words").option("-e, --env <KEY=VALUE>", "environment variable (repeatable)", collect).option("-w, --workdir <dir>", "working directory").option("--label <KEY=VALUE>", "label (repeatable)", collect).option("--platform <os/arch>", "platform recorded in the config (default linux/<host arch>)").option("-q, --quiet", "print only the manifest digest").option("--root <dir>", "state root (default $HOSTPOD_ROOT or /var/lib/hostpod)").action(
    async (dir, opts) => {
      const labels = {};
      for (const l of opts.label ?? []) {
        const eq = l.indexOf("=");
        if (eq <= 0)
          throw new RuntimeError(
            "InvalidArgument",
            `Invalid --label ${JSON.stringify(l)}: expected KEY=VALUE`
          );
        labels[l.slice(0, eq)] = l.slice(eq + 1);
      }
      const sde = ctx.env.SOURCE_DATE_EPOCH;
      if (sde !== void 0 && !/^\d+$/.test(sde)) {
        throw new RuntimeError(
          "InvalidArgument",
          `Invalid SOURCE_DATE_EPOCH ${JSON.stringify(sde)}: expected seconds`
        );
      }
      const root = stateRoot(opts.root, ctx);
      const { content, images } = openStores(root);
      const r = await buildImage(resolve(ctx.cwd, dir), content, images, {
        tag: opts.tag,
        tmpDir: join2(root, "tmp"),
        labels,
        ...opts.entrypoint !== void 0 ? { entrypoint: parseArgv("--entrypoint", opts.entrypoint) } : {},
        ...opts.cmd !== void 0 ? { cmd: parseArgv("--cmd", opts.cmd) } : {},
        ...opts.env ? { env: opts.env } : {},
        ...opts.workdir !== void 0 ? { workdir: opts.workdir } : {},
        ...opts.platform !== void 0 ? { platform: parsePlatform(opts.platform) } : {},
        ...sde !== void 0 ? { sourceDateEpoch: Number(sde) } : {}
      });
      if (opts.quiet) out(ctx, r.digest);
      else for (const l of formatBuilt(r)) out(ctx, l);
      for (const n of r.notes) err(ctx, `note: ${n}`);
    }
  );
}
export {
  formatBuilt,
  parseArgv,
  registerImageBuild
};
