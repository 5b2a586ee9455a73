import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  chainIds,
  listLayers,
  pruneLayers
} from "./chunk-QSRDS6KI.js";
import {
  parseImageConfig,
  parseJson,
  parseManifest
} from "./chunk-2TIRU24N.js";

// src/image/gc.ts
import { stat } from "node:fs/promises";
async function collectGarbage(root, content, images, opts = {}) {
  const keep = /* @__PURE__ */ new Set();
  const keepChains = /* @__PURE__ */ new Set();
  const problems = [];
  for (const rec of await images.list()) {
    keep.add(rec.digest);
    keep.add(rec.configDigest);
    if (rec.indexDigest) keep.add(rec.indexDigest);
    try {
      const manifest = parseManifest(parseJson(await content.readBytes(rec.digest), "image manifest"));
      keep.add(manifest.config.digest);
      for (const l of manifest.layers) keep.add(l.digest);
      const config = parseImageConfig(
        parseJson(await content.readBytes(manifest.config.digest), "image config")
      );
      for (const c of chainIds(config.rootfs.diff_ids)) keepChains.add(c);
    } catch (e) {
      problems.push(`${rec.name || rec.digest}: ${e.message}`);
    }
  }
  const leaseStart = await content.oldestLiveLease();
  const result = {
    removedBlobs: [],
    removedPartials: [],
    removedLayers: [],
    reclaimedBytes: 0,
    keptForLease: 0,
    problems
  };
  for await (const d of content.list()) {
    if (keep.has(d)) continue;
    const st = await stat(content.path(d)).catch(() => void 0);
    if (!st) continue;
    if (leaseStart !== void 0 && st.mtimeMs >= leaseStart - 2e3) {
      result.keptForLease++;
      continue;
    }
    if (!opts.dryRun) await content.delete(d);
    result.removedBlobs.push({ digest: d, size: st.size });
    result.reclaimedBytes += st.size;
  }
  for (const p of await content.listPartials()) {
    if (leaseStart !== void 0) continue;
    if (opts.dryRun || await content.deletePartial(p.digest)) {
      result.removedPartials.push({ digest: p.digest, size: p.size });
      result.reclaimedBytes += p.size;
    }
  }
  if (opts.dryRun) {
    result.removedLayers = (await listLayers(root)).filter((c) => !keepChains.has(c));
  } else {
    result.removedLayers = await pruneLayers(root, keepChains);
  }
  return result;
}
async function imageContent(content, rec) {
  const blobs = /* @__PURE__ */ new Set([rec.digest, rec.configDigest]);
  if (rec.indexDigest) blobs.add(rec.indexDigest);
  const chains = /* @__PURE__ */ new Set();
  try {
    const manifest = parseManifest(parseJson(await content.readBytes(rec.digest), "image manifest"));
    for (const l of manifest.layers) blobs.add(l.digest);
    const config = parseImageConfig(
      parseJson(await content.readBytes(manifest.config.digest), "image config")
    );
    for (const c of chainIds(config.rootfs.diff_ids)) chains.add(c);
  } catch {
  }
  return { blobs, chains };
}
async function removeImageContent(root, content, images, removed) {
  const candidates = /* @__PURE__ */ new Set();
  const candidateChains = /* @__PURE__ */ new Set();
  for (const rec of removed) {
    const c = await imageContent(content, rec);
    for (const b of c.blobs) candidates.add(b);
    for (const ch of c.chains) candidateChains.add(ch);
  }
  for (const rec of await images.list()) {
    const c = await imageContent(content, rec);
    for (const b of c.blobs) candidates.delete(b);
    for (const ch of c.chains) candidateChains.delete(ch);
  }
  const result = {
    removedBlobs: [],
    removedPartials: [],
    removedLayers: [],
    reclaimedBytes: 0,
    keptForLease: 0,
    problems: []
  };
  for (const d of candidates) {
    const info = await content.info(d);
    if (!info) continue;
    await content.delete(info.digest);
    result.removedBlobs.push(info);
    result.reclaimedBytes += info.size;
  }
  if (candidateChains.size > 0) {
    const keep = (await listLayers(root)).filter((c) => !candidateChains.has(c));
    result.removedLayers = await pruneLayers(root, keep);
  }
  return result;
}

export {
  collectGarbage,
  removeImageContent
};
