import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, isRuntimeError, RuntimeError } from '../errors.ts';
import { rootedFsWalker, walkPath } from '../lib/walk-path.ts';
import { type Digest, digestAlgorithm, digestHex } from '../oci/digest.ts';
import {
  type Descriptor,
  type ImageManifest,
  parseImageConfig,
  parseIndex,
  parseJson,
  parseManifest,
} from '../oci/manifest.ts';
import { isIndexType, isManifestType, MediaType } from '../oci/media-types.ts';
import { formatPlatform, hostPlatform, type Platform, selectManifest } from '../oci/platform.ts';
import { parseReference } from '../oci/reference.ts';
import type { LocalContentStore } from './content-store.ts';
import type { ImageStore } from './image-store.ts';
import { nameFromAnnotations, nameGroups } from './import-names.ts';
import { cleanName } from './unpack/applier.ts';
import { applyLayer } from './unpack/apply-layer.ts';
import { sniffCompression } from './unpack/decompress.ts';

export interface ImportOptions {
  /** Name the imported image `NAME[:TAG]` (only when the archive holds one image). */
  tag?: string;
  /** Which manifest to take from a multi-platform index (default: this host). */
  platform?: Platform;
  /** Where archives are extracted while importing (default `<stateRoot>/tmp`). */
  tmpDir: string;
  signal?: AbortSignal;
}

/** One image the import stored. */
export interface ImportedImage {
  /** Normalised reference, or '' when the archive gave no usable name and no `tag` was given. */
  name: string;
  digest: Digest;
  indexDigest?: Digest;
  platform: string;
  /** What the user should know (e.g. "named only by tag "latest": pass --tag"). */
  notes: string[];
}

/** Largest JSON file (index, manifest, config) read from an archive. */
const MAX_JSON = 8 * 1024 * 1024;

/**
 * Imports an OCI image layout directory, an OCI archive (a tar of such a layout) or a
 * `docker save` archive (manifest.json + config + layer tars; converted to an OCI manifest,
 * the diffIDs kept), gzip-compressed or not. Every blob goes through the content store's
 * ingest (digest and size verified); names through the image store.
 *
 * Archives are untrusted: they are extracted with the confined layer applier, and every path
 * named inside them is resolved inside the extracted directory.
 *
 * Throws RuntimeError `NotFound` (no such file), `InvalidArgument` (not an image archive,
 * malformed JSON, a path escaping the archive, `tag` with several images), `DataLoss` (a blob
 * that does not match its digest), `FailedPrecondition` (no manifest for the platform).
 */
export async function importImage(
  path: string,
  content: LocalContentStore,
  images: ImageStore,
  opts: ImportOptions,
): Promise<ImportedImage[]> {
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(path);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') {
      throw new RuntimeError('NotFound', `Cannot import ${path}: no such file or directory`);
    }
    throw e;
  }
  if (st.isDirectory()) return importDir(path, content, images, opts);
  await mkdir(opts.tmpDir, { recursive: true });
  const tmp = join(opts.tmpDir, `import-${process.pid}-${randomBytes(6).toString('hex')}`);
  await mkdir(tmp, { mode: 0o700 }); // the archive's content is image content: root's only
  try {
    await applyLayer(createReadStream(path, { highWaterMark: 1 << 20 }), {
      target: tmp,
      mode: 'apply',
      what: `archive ${path}`,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return await importDir(tmp, content, images, opts, path);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Resolves `rel` inside `dir` (symlinks followed with `dir` as the root) to a regular file. */
async function fileInside(dir: string, rel: string, what: string): Promise<string> {
  const queue = cleanName(rel);
  if (queue === null || queue.length === 0) {
    throw new RuntimeError(
      'InvalidArgument',
      `Cannot import ${what}: path "${rel}" points outside the archive`,
    );
  }
  // Symlinks are followed with the archive as `/`: nothing outside it is ever read.
  const walker = rootedFsWalker(dir);
  let found: Awaited<ReturnType<typeof walkPath>>;
  try {
    found = await walkPath(queue.join('/'), walker);
  } catch (e) {
    if (isRuntimeError(e, 'InvalidArgument'))
      throw new RuntimeError('InvalidArgument', `Cannot import ${what}: symlink loop at "${rel}"`);
    throw e;
  }
  if (found.kind === 'missing') {
    throw new RuntimeError('InvalidArgument', `Cannot import ${what}: "${rel}" is missing from the archive`);
  }
  const p = walker.toHost(found.path);
  if (!(await lstat(p)).isFile()) {
    throw new RuntimeError('InvalidArgument', `Cannot import ${what}: "${rel}" is not a regular file`);
  }
  return p;
}

async function readSmall(p: string, what: string): Promise<Buffer> {
  const fh = await open(p, 'r');
  try {
    const { size } = await fh.stat();
    if (size > MAX_JSON) {
      throw new RuntimeError(
        'ResourceExhausted',
        `Cannot import ${what}: ${size} bytes is too big for a JSON file`,
      );
    }
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

async function sha256File(p: string): Promise<{ digest: Digest; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const b of createReadStream(p, { highWaterMark: 1 << 20 })) {
    h.update(b as Buffer);
    size += (b as Buffer).length;
  }
  return { digest: `sha256:${h.digest('hex')}` as Digest, size };
}

async function importDir(
  dir: string,
  content: LocalContentStore,
  images: ImageStore,
  opts: ImportOptions,
  shownAs = dir,
): Promise<ImportedImage[]> {
  const has = async (name: string): Promise<boolean> => {
    try {
      return (await lstat(join(dir, name))).isFile();
    } catch {
      return false;
    }
  };
  if (await has('index.json')) return importOciLayout(dir, content, images, opts, shownAs);
  if (await has('manifest.json')) return importDockerSave(dir, content, images, opts, shownAs);
  throw new RuntimeError(
    'InvalidArgument',
    `Cannot import ${shownAs}: it is neither an OCI image layout (index.json) nor a docker save archive (manifest.json)`,
    { hint: 'make one with `skopeo copy … oci:DIR:TAG`, `oci-archive:FILE`, `docker save` or `podman save`' },
  );
}

/** Ingests the blob `d` from an OCI layout's `blobs/<alg>/<hex>`; verified by the store. */
async function ingestFromLayout(
  dir: string,
  d: Descriptor,
  content: LocalContentStore,
  what: string,
): Promise<void> {
  if (await content.info(d.digest)) return;
  const p = await fileInside(dir, `blobs/${digestAlgorithm(d.digest)}/${digestHex(d.digest)}`, what);
  await content.ingest({ digest: d.digest, size: d.size }, createReadStream(p, { highWaterMark: 1 << 20 }));
}

async function importOciLayout(
  dir: string,
  content: LocalContentStore,
  images: ImageStore,
  opts: ImportOptions,
  shownAs: string,
): Promise<ImportedImage[]> {
  const what = shownAs;
  const index = parseIndex(
    parseJson(await readSmall(await fileInside(dir, 'index.json', what), what), `${what} index.json`),
  );
  const wanted = opts.platform ?? hostPlatform();
  // Top-level entries: images (manifests or nested indexes). Several platform manifests under
  // one name at the top level are one multi-platform image.
  const groups = new Map<string, Descriptor[]>();
  for (const d of index.manifests) {
    if (!isManifestType(d.mediaType) && !isIndexType(d.mediaType)) continue;
    const n = nameFromAnnotations(d);
    const key = n.name ?? n.tagOnly ?? `@${d.digest}`;
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  if (groups.size === 0)
    throw new RuntimeError('InvalidArgument', `Cannot import ${what}: index.json lists no image`);
  const named = nameGroups(what, [...groups.values()], opts.tag);
  const out: ImportedImage[] = [];
  for (const { descs, name: given } of named) {
    let chosen = descs[0]!;
    let indexDigest: Digest | undefined;
    if (descs.length > 1) {
      const sel = selectManifest({ schemaVersion: 2, manifests: descs }, wanted);
      if (!sel) throw noPlatform(what, wanted, descs);
      chosen = sel;
    }
    if (isIndexType(chosen.mediaType)) {
      await ingestFromLayout(dir, chosen, content, what);
      const nested = parseIndex(parseJson(await content.readBytes(chosen.digest), `index ${chosen.digest}`));
      const sel = selectManifest(nested, wanted);
      if (!sel) throw noPlatform(what, wanted, nested.manifests);
      indexDigest = chosen.digest;
      chosen = { ...sel, annotations: { ...chosen.annotations, ...sel.annotations } };
    }
    await ingestImage(dir, chosen, content, what);
    const n = nameFromAnnotations(descs[0]!);
    const notes: string[] = [];
    let name = '';
    if (given !== undefined) name = given;
    else if (n.name) name = n.name;
    else if (n.tagOnly) {
      notes.push(
        `the archive names this image only by tag "${n.tagOnly}": pass --tag REPOSITORY to name it REPOSITORY:${n.tagOnly}`,
      );
    }
    const rec = await images.put(name, chosen.digest, indexDigest ? { indexDigest } : {});
    out.push({
      name: rec.name,
      digest: chosen.digest,
      ...(indexDigest ? { indexDigest } : {}),
      platform: rec.platform,
      notes,
    });
  }
  return out;
}

function noPlatform(what: string, wanted: Platform, descs: readonly Descriptor[]): RuntimeError {
  const have = descs.filter((d) => d.platform).map((d) => formatPlatform(d.platform!));
  return new RuntimeError(
    'FailedPrecondition',
    `Cannot import ${what}: no manifest for platform ${formatPlatform(wanted)} (it has ${have.join(', ') || 'none'})`,
    { hint: 'choose one with --platform os/arch[/variant]' },
  );
}

/** Ingests a manifest, its config and its layers from an OCI layout. */
async function ingestImage(
  dir: string,
  desc: Descriptor,
  content: LocalContentStore,
  what: string,
): Promise<ImageManifest> {
  await ingestFromLayout(dir, desc, content, what);
  const manifest = parseManifest(parseJson(await content.readBytes(desc.digest), `manifest ${desc.digest}`));
  await ingestFromLayout(dir, manifest.config, content, what);
  for (const l of manifest.layers) await ingestFromLayout(dir, l, content, what);
  return manifest;
}

interface DockerSaveEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

function parseDockerManifest(v: unknown, what: string): DockerSaveEntry[] {
  const bad = (why: string): never => {
    throw new RuntimeError('InvalidArgument', `Cannot import ${what}: manifest.json ${why}`);
  };
  if (!Array.isArray(v) || v.length === 0) bad('must be a non-empty array');
  return (v as unknown[]).map((x, i) => {
    if (typeof x !== 'object' || x === null) bad(`[${i}] must be an object`);
    const o = x as Record<string, unknown>;
    if (typeof o.Config !== 'string') bad(`[${i}].Config must be a string`);
    const layers = o.Layers;
    if (!Array.isArray(layers) || !layers.every((l) => typeof l === 'string'))
      bad(`[${i}].Layers must list strings`);
    const tags = o.RepoTags ?? [];
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string'))
      bad(`[${i}].RepoTags must list strings`);
    return { Config: o.Config as string, Layers: layers as string[], RepoTags: tags as string[] };
  });
}

/** `docker save` (and `podman save`, `skopeo … docker-archive:`): converted to an OCI manifest. */
async function importDockerSave(
  dir: string,
  content: LocalContentStore,
  images: ImageStore,
  opts: ImportOptions,
  shownAs: string,
): Promise<ImportedImage[]> {
  const what = shownAs;
  const entries = parseDockerManifest(
    parseJson(await readSmall(await fileInside(dir, 'manifest.json', what), what), `${what} manifest.json`),
    what,
  );
  refuseTagForMany(what, opts.tag, entries.length);
  const out: ImportedImage[] = [];
  for (const e of entries) {
    const configBytes = await readSmall(await fileInside(dir, e.Config, what), what);
    const config = parseImageConfig(parseJson(configBytes, `${what} ${e.Config}`));
    if (config.rootfs.diff_ids.length !== e.Layers.length) {
      throw new RuntimeError(
        'InvalidArgument',
        `Cannot import ${what}: ${e.Config} lists ${config.rootfs.diff_ids.length} diffIDs but manifest.json ${e.Layers.length} layers`,
      );
    }
    const configInfo = await content.writeBlob(configBytes);
    const layers: Descriptor[] = [];
    for (const l of e.Layers) {
      const p = await fileInside(dir, l, what);
      const { digest, size } = await sha256File(p);
      await content.ingest({ digest, size }, createReadStream(p, { highWaterMark: 1 << 20 }));
      const fh = await open(p, 'r');
      const head = Buffer.alloc(8);
      try {
        await fh.read(head, 0, 8, 0);
      } finally {
        await fh.close();
      }
      const c = sniffCompression(head);
      const mediaType =
        c === 'gzip' ? MediaType.ociLayerGzip : c === 'zstd' ? MediaType.ociLayerZstd : MediaType.ociLayer;
      layers.push({ mediaType, digest, size });
    }
    const manifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: configInfo.digest, size: configInfo.size },
      layers,
    };
    const m = await content.writeBlob(JSON.stringify(manifest));
    const names = opts.tag !== undefined ? [opts.tag] : e.RepoTags.length > 0 ? e.RepoTags : [''];
    const notes: string[] = [];
    let platform = '';
    const stored: string[] = [];
    for (const n of names) {
      const rec = await images.put(n, m.digest);
      platform = rec.platform;
      stored.push(rec.name);
    }
    if (names[0] === '') notes.push('the archive gives this image no name: pass --tag NAME[:TAG] to name it');
    for (const name of stored) out.push({ name, digest: m.digest, platform, notes });
  }
  return out;
}

/** Parses `--tag` the way the image store will store it (so errors come before any work). */
export function checkTag(tag: string): string {
  return parseReference(tag).string();
}

/** One `--tag` cannot name several images: refuses an archive holding `count` > 1 with one. */
function refuseTagForMany(what: string, tag: string | undefined, count: number): void {
  if (tag === undefined || count <= 1) return;
  throw new RuntimeError('InvalidArgument', `Cannot import ${what} as ${tag}: it holds ${count} images`, {
    hint: 'import without --tag to keep the names the archive gives',
  });
}
