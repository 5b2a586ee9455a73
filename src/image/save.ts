import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { RuntimeError } from '../errors.ts';
import { type Digest, digestHex, hasherFor } from '../oci/digest.ts';
import type { Descriptor } from '../oci/manifest.ts';
import { MediaType } from '../oci/media-types.ts';
import { parsePlatform } from '../oci/platform.ts';
import { familiarString, parseReference } from '../oci/reference.ts';
import type { LocalContentStore } from './content-store.ts';
import type { ImageRecord, ImageStore } from './image-store.ts';
import { readImage } from './layers.ts';
import { decompress } from './unpack/decompress.ts';

/** The archive formats `podman save` / `ctr export` write. */
export type ArchiveFormat = 'oci-archive' | 'docker-archive';

export interface SaveOptions {
  content: LocalContentStore;
  images: ImageStore;
  format: ArchiveFormat;
  /** Where the archive is staged (docker-archive layers are decompressed there). */
  tmpDir: string;
  signal?: AbortSignal;
}

/** One image in the archive: its manifest and the names it is saved under. */
export interface SavedImage {
  digest: Digest;
  names: string[];
  platform: string;
}

/**
 * Writes the images named by `queries` (names, ids, digests: as `hostpod images` shows them)
 * into one tar archive on `out`:
 * - `oci-archive`: an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`), one index
 *   entry per name with `io.containerd.image.name` and `org.opencontainers.image.ref.name`
 *   holding the full reference (as `ctr export` names images; skopeo, podman and containerd
 *   read it), blobs as stored;
 * - `docker-archive`: `manifest.json` (`Config`, `RepoTags`, `Layers`), the config as
 *   `<hex>.json`, each layer uncompressed as `<diffID hex>.tar` (as `docker save` and
 *   `podman save` write; each checked against its diffID on the way).
 * Entries are sorted with mtime 0: the same images give the same archive. Every name is
 * resolved before anything is written. Throws `NotFound` (no such image, a blob missing),
 * `InvalidArgument` (no image named), `DataLoss` (a layer that does not match its diffID).
 */
export async function saveImages(
  queries: readonly string[],
  out: NodeJS.WritableStream,
  opts: SaveOptions,
): Promise<SavedImage[]> {
  if (queries.length === 0) throw new RuntimeError('InvalidArgument', 'Name at least one image to save');
  const saved = new Map<Digest, { record: ImageRecord; names: string[] }>();
  for (const q of queries) {
    const record = await opts.images.get(q);
    if (!record) {
      throw new RuntimeError('NotFound', `No image "${q}" in the local store`, {
        hint: 'list the images with `hostpod images`',
      });
    }
    const entry = saved.get(record.digest) ?? { record, names: [] };
    // A name asked for is saved under that name; an id or digest under the image's own name.
    const asked = isName(q) ? parseReference(q).string() : record.name;
    if (asked && !entry.names.includes(asked)) entry.names.push(asked);
    saved.set(record.digest, entry);
  }
  const stage = join(opts.tmpDir, `save-${process.pid}-${randomBytes(6).toString('hex')}`);
  await mkdir(stage, { recursive: true });
  try {
    const files =
      opts.format === 'oci-archive'
        ? await stageOci(stage, [...saved.values()], opts)
        : await stageDocker(stage, [...saved.values()], opts);
    const stream = tar.create(
      { cwd: stage, follow: true, portable: true, mtime: new Date(0), noDirRecurse: true },
      files,
    );
    await pipeline(stream as unknown as NodeJS.ReadableStream, out, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      end: false,
    });
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
  return [...saved.values()].map((e) => ({
    digest: e.record.digest,
    names: e.names,
    platform: e.record.platform,
  }));
}

/** True when `q` reads as a reference rather than an id or digest. */
function isName(q: string): boolean {
  if (/^(sha256:)?[0-9a-f]{4,64}$/.test(q)) return false;
  try {
    parseReference(q);
    return true;
  } catch {
    return false;
  }
}

/** Links blob `d` of the content store into the staging tree at `rel` (tar follows the link). */
async function linkBlob(stage: string, rel: string, content: LocalContentStore, d: Digest): Promise<void> {
  if (!(await content.info(d))) {
    throw new RuntimeError('NotFound', `Cannot save: blob ${d} is not in the content store`, {
      hint: 'pull or import the image again',
    });
  }
  await symlink(content.path(d), join(stage, rel)).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
}

async function stageOci(
  stage: string,
  entries: { record: ImageRecord; names: string[] }[],
  opts: SaveOptions,
): Promise<string[]> {
  await mkdir(join(stage, 'blobs', 'sha256'), { recursive: true });
  const blobs = new Set<Digest>();
  const index: Descriptor[] = [];
  for (const { record, names } of entries) {
    const { manifest } = await readImage(opts.content, record.digest);
    for (const d of [record.digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)])
      blobs.add(d);
    const size = (await opts.content.info(record.digest))?.size ?? 0;
    const mediaType = manifest.mediaType ?? MediaType.ociManifest;
    const base: Descriptor = { mediaType, digest: record.digest, size };
    if (record.platform) base.platform = parsePlatform(record.platform);
    if (names.length === 0) index.push(base);
    for (const n of names) {
      index.push({
        ...base,
        annotations: { 'io.containerd.image.name': n, 'org.opencontainers.image.ref.name': n },
      });
    }
  }
  for (const d of blobs) await linkBlob(stage, `blobs/sha256/${digestHex(d)}`, opts.content, d);
  await writeFile(join(stage, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(stage, 'index.json'),
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: index }),
  );
  return [
    'oci-layout',
    'index.json',
    'blobs',
    'blobs/sha256',
    ...[...blobs].map((d) => `blobs/sha256/${digestHex(d)}`).sort(),
  ];
}

async function stageDocker(
  stage: string,
  entries: { record: ImageRecord; names: string[] }[],
  opts: SaveOptions,
): Promise<string[]> {
  const files = new Set<string>();
  const manifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  for (const { record, names } of entries) {
    const { manifest: m, config } = await readImage(opts.content, record.digest);
    const configFile = `${digestHex(m.config.digest)}.json`;
    await linkBlob(stage, configFile, opts.content, m.config.digest);
    files.add(configFile);
    const layers: string[] = [];
    for (const [i, l] of m.layers.entries()) {
      const diffId = config.rootfs.diff_ids[i]!;
      const file = `${digestHex(diffId)}.tar`;
      if (!files.has(file)) await uncompressedLayer(join(stage, file), l, diffId, opts);
      files.add(file);
      layers.push(file);
    }
    const tags = names.map(parseReference).filter((r) => r.tag !== undefined);
    manifest.push({ Config: configFile, RepoTags: tags.map((r) => familiarString(r)), Layers: layers });
  }
  await writeFile(join(stage, 'manifest.json'), JSON.stringify(manifest));
  return ['manifest.json', ...[...files].sort()];
}

/** Writes layer `l` uncompressed to `dest`, checking it against its diffID. */
async function uncompressedLayer(
  dest: string,
  l: Descriptor,
  diffId: Digest,
  opts: SaveOptions,
): Promise<void> {
  if (!(await opts.content.info(l.digest))) {
    throw new RuntimeError('NotFound', `Cannot save: layer ${l.digest} is not in the content store`, {
      hint: 'pull or import the image again',
    });
  }
  const h = hasherFor(diffId);
  const src = decompress(createReadStream(opts.content.path(l.digest), { highWaterMark: 1 << 20 }));
  async function* hashed() {
    for await (const c of src) {
      h.update(c);
      yield c;
    }
  }
  await pipeline(hashed(), createWriteStream(dest), opts.signal ? { signal: opts.signal } : {});
  const actual = h.digest();
  if (actual !== diffId) {
    throw new RuntimeError(
      'DataLoss',
      `Cannot save: layer ${l.digest} uncompresses to ${actual}, not its diffID ${diffId}`,
      {
        hint: 'the stored image is damaged: remove it (hostpod rmi) and pull or import it again',
      },
    );
  }
}
