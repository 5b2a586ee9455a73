import { createReadStream } from 'node:fs';
import { RuntimeError } from '../errors.ts';
import type { Digest } from '../oci/digest.ts';
import { type Descriptor, parseJson, parseManifest } from '../oci/manifest.ts';
import { MediaType } from '../oci/media-types.ts';
import { parseReference, type Reference } from '../oci/reference.ts';
import type { LocalContentStore } from './content-store.ts';
import type { ImageStore } from './image-store.ts';
import type { BlobRole } from './pull.ts';
import type { RegistryClient } from './registry/client.ts';
import { blobExists, mountBlob, pushTarget, putManifest, uploadBlob } from './registry/upload.ts';

/** Progress of a push, for a printer. */
export type PushEvent =
  | { type: 'resolved'; reference: string; manifestDigest: Digest; blobs: number }
  | { type: 'blob-start'; digest: Digest; size: number; role: BlobRole; label: string }
  | {
      type: 'blob-done';
      digest: Digest;
      size: number;
      role: BlobRole;
      label: string;
      status: 'pushed' | 'exists' | 'mounted';
    }
  | { type: 'retry'; what: string; attempt: number; delayMs: number; reason: string };

export interface PushOptions {
  content: LocalContentStore;
  images: ImageStore;
  client: RegistryClient;
  /** Upload blobs in PATCH chunks of this many bytes (default: one PUT per blob). */
  chunkSize?: number;
  /** Blobs uploaded at once (default 3). */
  concurrency?: number;
  signal?: AbortSignal;
  onEvent?: (e: PushEvent) => void;
}

export interface PushResult {
  /** The normalised destination reference. */
  reference: string;
  manifestDigest: Digest;
  pushedBlobs: number;
  existingBlobs: number;
  mountedBlobs: number;
  /** Bytes uploaded. */
  pushedBytes: number;
  /** What the user should know (e.g. only one platform of a multi-platform image was pushed). */
  notes: string[];
}

/**
 * Pushes image `image` (a name, id or digest of the image store) to `destination` (a reference;
 * default the image's own name) with the distribution spec: for each blob, HEAD (present ones
 * are skipped), else a cross-repository mount when the image came from another repository of
 * the same registry, else an upload (monolithic, or chunked with `chunkSize`); then the manifest
 * by tag (or digest). The same auth as pulls (Docker config credentials, basic, bearer with
 * `pull,push` scope); the first host of the registry's hosts.toml with `push`.
 * Throws `NotFound` (no such image; a blob missing from the store), `InvalidArgument` (bad
 * destination, an unnamed image without one, a destination digest that is not the image's),
 * `PermissionDenied`, `Unavailable`, `DataLoss` (the registry stored other bytes).
 */
export async function pushImage(
  image: string,
  destination: string | undefined,
  opts: PushOptions,
): Promise<PushResult> {
  const { content, images } = opts;
  const record = await images.get(image);
  if (!record) {
    throw new RuntimeError('NotFound', `No image "${image}" in the local store`, {
      hint: 'list the images with `hostpod images`; pull, import or build it first',
    });
  }
  let dest: Reference;
  if (destination !== undefined) dest = parseReference(destination);
  else if (record.name) dest = parseReference(record.name);
  else {
    throw new RuntimeError('InvalidArgument', `Cannot push image ${image}: it has no name`, {
      hint: 'give the destination: hostpod push IMAGE REGISTRY/REPOSITORY:TAG',
    });
  }
  if (dest.digest !== undefined && dest.digest !== record.digest) {
    throw new RuntimeError(
      'InvalidArgument',
      `Cannot push ${image} as ${dest.string()}: the image's manifest digest is ${record.digest}`,
      { hint: 'push by tag, or give the image’s own digest' },
    );
  }
  const manifestBytes = await content.readBytes(record.digest);
  const manifest = parseManifest(parseJson(manifestBytes, `manifest ${record.digest}`));
  const mediaType =
    manifest.mediaType ??
    (manifest.config.mediaType === MediaType.dockerConfig ? MediaType.dockerManifest : MediaType.ociManifest);
  const blobs: { desc: Descriptor; role: BlobRole; label: string }[] = [
    { desc: manifest.config, role: 'config', label: 'config' },
    ...manifest.layers.map((desc, i) => ({
      desc,
      role: 'layer' as const,
      label: `layer ${i + 1}/${manifest.layers.length}`,
    })),
  ];
  // Everything is checked before the first request: a blob the store lacks cannot be pushed.
  for (const b of blobs) {
    if (!(await content.info(b.desc.digest))) {
      throw new RuntimeError(
        'NotFound',
        `Cannot push ${image}: its ${b.label} ${b.desc.digest} is not in the content store`,
        { hint: 'pull or import the image again' },
      );
    }
  }
  const emit = opts.onEvent ?? (() => {});
  const name = dest.string();
  emit({ type: 'resolved', reference: name, manifestDigest: record.digest, blobs: blobs.length });
  const target = await pushTarget(opts.client, dest.domain, dest.path, opts.signal);
  const source = record.name ? parseReference(record.name) : undefined;
  const mountFrom =
    source && source.domain === dest.domain && source.path !== dest.path ? source.path : undefined;
  const result: PushResult = {
    reference: name,
    manifestDigest: record.digest,
    pushedBlobs: 0,
    existingBlobs: 0,
    mountedBlobs: 0,
    pushedBytes: 0,
    notes: [],
  };
  const one = async (b: (typeof blobs)[number]) => {
    const { digest, size } = b.desc;
    const ev = { digest, size, role: b.role, label: b.label };
    emit({ type: 'blob-start', ...ev });
    let status: 'pushed' | 'exists' | 'mounted';
    if (await blobExists(target, digest)) status = 'exists';
    else if (mountFrom && (await mountBlob(target, digest, mountFrom))) status = 'mounted';
    else {
      await uploadBlob(
        target,
        b.desc,
        (start, end) => createReadStream(content.path(digest), { start, end: end - 1 }),
        {
          ...(opts.chunkSize !== undefined ? { chunkSize: opts.chunkSize } : {}),
        },
      );
      status = 'pushed';
      result.pushedBytes += size;
    }
    if (status === 'exists') result.existingBlobs++;
    else if (status === 'mounted') result.mountedBlobs++;
    else result.pushedBlobs++;
    emit({ type: 'blob-done', ...ev, status });
  };
  await runPool(blobs, opts.concurrency ?? 3, fail(name, one));
  await putManifest(target, dest.tag ?? record.digest, manifestBytes, mediaType);
  if (record.indexDigest) {
    result.notes.push(
      `only the ${record.platform} image was pushed: the store holds that platform of the multi-platform image, not its index`,
    );
  }
  return result;
}

/** Wraps a blob's failure so the message names the image and the blob. */
function fail<T extends { desc: Descriptor; label: string }>(name: string, fn: (b: T) => Promise<void>) {
  return async (b: T) => {
    try {
      await fn(b);
    } catch (e) {
      if (!(e instanceof RuntimeError)) throw e;
      throw new RuntimeError(
        e.code,
        `Cannot push ${name}: ${b.label} ${b.desc.digest} failed: ${e.message}`,
        {
          cause: e,
          ...(e.hint ? { hint: e.hint } : {}),
        },
      );
    }
  };
}

/** Runs `fn` over `items`, at most `limit` at once; the first failure stops new work and is thrown. */
async function runPool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { e: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failed) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        failed ??= { e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw failed.e;
}
