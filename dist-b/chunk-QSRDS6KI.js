import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  applyLayer
} from "./chunk-4WSVR33Z.js";
import {
  ensurePrivateDir
} from "./chunk-3EFU52EX.js";
import {
  isAliveSync,
  selfIdentity
} from "./chunk-AVR7YWR3.js";
import {
  parseImageConfig,
  parseJson,
  parseManifest
} from "./chunk-2TIRU24N.js";
import {
  digestHex,
  isDigest
} from "./chunk-4PE76O5T.js";
import {
  RuntimeError,
  errnoCode
} from "./chunk-4ZL3ZTLI.js";

// src/image/layers.ts
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

// src/image/unpack/follow-blob.ts
var waitAsync = Atomics.waitAsync;

// src/image/layers.ts
function chainIds(diffIds) {
  const out = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(
      prev === void 0 ? d : `sha256:${createHash("sha256").update(`${prev} ${d}`).digest("hex")}`
    );
  }
  return out;
}
function layersDir(root) {
  return join(root, "layers");
}
async function secureCache(root, content) {
  await ensurePrivateDir(layersDir(root));
  await content.secure();
}
function layerPath(root, chainId) {
  return join(layersDir(root), "sha256", digestHex(chainId));
}
async function readRecord(dir) {
  try {
    const v = parseJson(await readFile(join(dir, "layer.json")), "layer record");
    if (!isDigest(v.chainId) || !isDigest(v.diffId) || !Array.isArray(v.opaque)) return void 0;
    return v;
  } catch (e) {
    if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return void 0;
    throw e;
  }
}
async function readImage(content, manifestDigest) {
  const manifest = parseManifest(
    parseJson(await content.readBytes(manifestDigest), `manifest ${manifestDigest}`)
  );
  const config = parseImageConfig(
    parseJson(await content.readBytes(manifest.config.digest), `image config ${manifest.config.digest}`)
  );
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new RuntimeError(
      "DataLoss",
      `Image ${manifestDigest} has ${manifest.layers.length} layers but its config lists ${config.rootfs.diff_ids.length} diffIDs`,
      { hint: "the image is malformed; rebuild or pull it again" }
    );
  }
  return { manifest, config };
}
function blobSource(content, d) {
  return createReadStream(content.path(d.digest), { highWaterMark: 1 << 20 });
}
var inFlight = /* @__PURE__ */ new Map();
async function ensureUnpacked(root, content, manifestDigest, opts = {}) {
  const { manifest, config } = await readImage(content, manifestDigest);
  await secureCache(root, content);
  const diffIds = config.rootfs.diff_ids;
  const chains = chainIds(diffIds);
  const out = [];
  const lowers = [];
  for (let i = 0; i < chains.length; i++) {
    const chainId = chains[i];
    const final = layerPath(root, chainId);
    let rec = await readRecord(final);
    const cached = rec !== void 0;
    if (!rec) {
      let p = inFlight.get(final);
      if (!p) {
        p = unpackOne(
          root,
          content,
          manifest.layers[i],
          diffIds[i],
          chainId,
          chains[i - 1] ?? null,
          lowers,
          opts
        );
        inFlight.set(final, p);
        p.finally(() => inFlight.delete(final)).catch(() => {
        });
      }
      await p;
      rec = await readRecord(final);
      if (!rec)
        throw new RuntimeError("Internal", `Layer ${chainId} vanished from ${final} right after unpacking`);
    }
    const layer = { chainId, diffId: diffIds[i], dir: join(final, "fs") };
    out.push(layer);
    lowers.unshift({ dir: layer.dir, opaque: new Set(rec.opaque) });
    opts.onLayer?.({ index: i, count: chains.length, chainId, cached, notes: rec.notes });
  }
  return out;
}
async function unpackOne(root, content, desc, diffId, chainId, parent, lowers, opts, run) {
  if (run === void 0 && !await content.info(desc.digest)) {
    throw new RuntimeError(
      "NotFound",
      `Cannot unpack layer ${desc.digest}: the blob is not in the content store`,
      {
        hint: "pull or import the image again"
      }
    );
  }
  const base = layersDir(root);
  await ensurePrivateDir(base);
  await mkdir(join(base, "sha256"), { recursive: true });
  const me = selfIdentity();
  const tmp = join(base, `tmp-${me.pid}.${me.startTime}-${randomBytes(6).toString("hex")}`);
  await mkdir(join(tmp, "fs"), { recursive: true });
  const final = layerPath(root, chainId);
  try {
    const r = await (run ?? ((o) => applyLayer(blobSource(content, desc), o)))({
      target: join(tmp, "fs"),
      mode: "overlay",
      lowers,
      keepSetuid: opts.keepSetuid ?? true,
      limits: opts.limits ?? {},
      expectedDiffId: diffId,
      what: `layer ${desc.digest}`,
      ...opts.signal ? { signal: opts.signal } : {}
    });
    const rec = {
      chainId,
      diffId,
      parent,
      blob: desc.digest,
      size: r.size,
      entries: r.entries,
      opaque: r.opaque,
      notes: r.notes,
      unpackedAt: (/* @__PURE__ */ new Date()).toISOString()
    };
    await writeFile(join(tmp, "layer.json"), `${JSON.stringify(rec, null, 2)}
`);
    try {
      await rename(tmp, final);
    } catch (e) {
      const code = errnoCode(e);
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
      await rm(tmp, { recursive: true, force: true });
    }
    return { chainId, diffId, dir: join(final, "fs") };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
async function pruneLayers(root, keepChainIds) {
  const keep = new Set([...keepChainIds].map((d) => digestHex(d)));
  const base = layersDir(root);
  const removed = [];
  let names;
  try {
    names = await readdir(join(base, "sha256"));
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return removed;
    throw e;
  }
  for (const hex of names) {
    if (keep.has(hex)) continue;
    await rm(join(base, "sha256", hex), { recursive: true, force: true });
    removed.push(`sha256:${hex}`);
  }
  for (const name of await readdir(base)) {
    const m = /^tmp-(\d+)(?:\.(\d+))?-/.exec(name);
    if (!m) continue;
    if (isAliveSync({ pid: Number(m[1]), startTime: m[2] ?? "" })) continue;
    await rm(join(base, name), { recursive: true, force: true });
  }
  return removed;
}
async function listLayers(root) {
  try {
    return (await readdir(join(layersDir(root), "sha256"))).map((h) => `sha256:${h}`);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return [];
    throw e;
  }
}

export {
  chainIds,
  readImage,
  ensureUnpacked,
  pruneLayers,
  listLayers
};
