import { stat } from 'node:fs/promises';
import type { Digest } from '../oci/digest.ts';
import { parseImageConfig, parseJson, parseManifest } from '../oci/manifest.ts';
import type { LocalContentStore } from './content-store.ts';
import type { ImageRecord, ImageStore } from './image-store.ts';
import { chainIds, listLayers, pruneLayers } from './layers.ts';

/** What garbage collection removed (or, with `dryRun`, would remove). */
export interface GcResult {
  removedBlobs: { digest: Digest; size: number }[];
  removedPartials: { digest: Digest; size: number }[];
  /** Chain IDs of unpacked layers dropped from the layer cache. */
  removedLayers: Digest[];
  /** Blob bytes freed (unpacked layers not counted). */
  reclaimedBytes: number;
  /** Unreferenced blobs kept because a pull in progress may be about to reference them. */
  keptForLease: number;
  /** Images whose manifest or config is missing or unreadable (the digests their record names are kept). */
  problems: string[];
}

/**
 * Removes blobs that no image record references (directly: manifest, index, config, layers),
 * partial ingests no live process holds, and unpacked layers whose chain ID no image needs.
 * Blobs committed since a live pull's lease began are kept; while a pull runs, partials are kept.
 * Index blobs are kept for the images that came from them; the index's other platforms'
 * manifests are not roots. The state root `root` is where the
 * layer cache lives. Never throws for one bad image: it is listed in `problems` and its blobs kept.
 */
export async function collectGarbage(
  root: string,
  content: LocalContentStore,
  images: ImageStore,
  opts: { dryRun?: boolean } = {},
): Promise<GcResult> {
  const keep = new Set<string>();
  const keepChains = new Set<Digest>();
  const problems: string[] = [];
  for (const rec of await images.list()) {
    keep.add(rec.digest);
    keep.add(rec.configDigest);
    if (rec.indexDigest) keep.add(rec.indexDigest);
    try {
      const manifest = parseManifest(parseJson(await content.readBytes(rec.digest), 'image manifest'));
      keep.add(manifest.config.digest);
      for (const l of manifest.layers) keep.add(l.digest);
      const config = parseImageConfig(
        parseJson(await content.readBytes(manifest.config.digest), 'image config'),
      );
      for (const c of chainIds(config.rootfs.diff_ids)) keepChains.add(c);
    } catch (e) {
      problems.push(`${rec.name || rec.digest}: ${(e as Error).message}`);
    }
  }
  const leaseStart = await content.oldestLiveLease();
  const result: GcResult = {
    removedBlobs: [],
    removedPartials: [],
    removedLayers: [],
    reclaimedBytes: 0,
    keptForLease: 0,
    problems,
  };
  for await (const d of content.list()) {
    if (keep.has(d)) continue;
    const st = await stat(content.path(d)).catch(() => undefined);
    if (!st) continue;
    if (leaseStart !== undefined && st.mtimeMs >= leaseStart - 2000) {
      result.keptForLease++;
      continue;
    }
    if (!opts.dryRun) await content.delete(d);
    result.removedBlobs.push({ digest: d, size: st.size });
    result.reclaimedBytes += st.size;
  }
  for (const p of await content.listPartials()) {
    if (leaseStart !== undefined) continue;
    if (opts.dryRun || (await content.deletePartial(p.digest))) {
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

/** The blobs and chain IDs an image record needs (what can be read of them). */
async function imageContent(
  content: LocalContentStore,
  rec: ImageRecord,
): Promise<{ blobs: Set<string>; chains: Set<Digest> }> {
  const blobs = new Set<string>([rec.digest, rec.configDigest]);
  if (rec.indexDigest) blobs.add(rec.indexDigest);
  const chains = new Set<Digest>();
  try {
    const manifest = parseManifest(parseJson(await content.readBytes(rec.digest), 'image manifest'));
    for (const l of manifest.layers) blobs.add(l.digest);
    const config = parseImageConfig(
      parseJson(await content.readBytes(manifest.config.digest), 'image config'),
    );
    for (const c of chainIds(config.rootfs.diff_ids)) chains.add(c);
  } catch {
    // A record whose manifest is gone needs nothing more than its own digests.
  }
  return { blobs, chains };
}

/**
 * Deletes the content of images whose records were just removed (`removed`): their blobs and
 * unpacked layers that no remaining image needs. Unlike {@link collectGarbage} it touches
 * nothing else, so an import or pull running at the same time is safe. Returns what it deleted.
 */
export async function removeImageContent(
  root: string,
  content: LocalContentStore,
  images: ImageStore,
  removed: readonly ImageRecord[],
): Promise<GcResult> {
  const candidates = new Set<string>();
  const candidateChains = new Set<Digest>();
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
  const result: GcResult = {
    removedBlobs: [],
    removedPartials: [],
    removedLayers: [],
    reclaimedBytes: 0,
    keptForLease: 0,
    problems: [],
  };
  for (const d of candidates) {
    const info = await content.info(d as Digest);
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
