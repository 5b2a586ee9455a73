import type { Readable } from 'node:stream';
import { RuntimeError } from '../errors.ts';
import { type Digest, DigestMismatchError, shortDigest } from '../oci/digest.ts';
import {
  type Descriptor,
  manifestKind,
  parseImageConfig,
  parseIndex,
  parseJson,
  parseManifest,
} from '../oci/manifest.ts';
import {
  formatPlatform,
  hostPlatform,
  type Platform,
  platformMatches,
  selectManifest,
} from '../oci/platform.ts';
import { parseReference, type Reference } from '../oci/reference.ts';
import type { LocalContentStore } from './content-store.ts';
import type { ImageRecord, ImageStore } from './image-store.ts';
import { describeNetworkError, isTransientError, type RegistryClient } from './registry/client.ts';

/** What a blob is in the image, for progress and error messages. */
export type BlobRole = 'config' | 'layer';

/** Progress of a pull, for a printer. */
export type PullEvent =
  | {
      type: 'resolved';
      reference: string;
      manifestDigest: Digest;
      indexDigest?: Digest;
      platform: string;
      blobs: { digest: Digest; size: number; role: BlobRole }[];
    }
  | { type: 'blob-start'; digest: Digest; size: number; role: BlobRole; offset: number }
  | { type: 'blob-progress'; digest: Digest; done: number; size: number }
  | { type: 'blob-done'; digest: Digest; size: number; role: BlobRole; status: 'downloaded' | 'exists' }
  | { type: 'retry'; what: string; attempt: number; delayMs: number; reason: string };

export interface PullOptions {
  content: LocalContentStore;
  images: ImageStore;
  client: RegistryClient;
  /** Platform to select from an index (default: this host). */
  platform?: Platform;
  /** Layers fetched at once (default 3). */
  concurrency?: number;
  signal?: AbortSignal;
  onEvent?: (e: PullEvent) => void;
}

export interface PullResult {
  /** The normalised reference recorded in the image store. */
  reference: string;
  manifestDigest: Digest;
  indexDigest?: Digest;
  configDigest: Digest;
  platform: string;
  /** Config + layers, bytes. */
  size: number;
  /** Bytes received from the registry for blobs in this pull. */
  downloadedBytes: number;
  /** Blobs that were already in the store (or committed by a concurrent pull). */
  reusedBlobs: number;
  fetchedBlobs: number;
  record: ImageRecord;
  /**
   * What the user should know although the pull succeeded: an image for another OS (a
   * Windows-only image pulled on Linux) is pulled, but a pod using it will be refused.
   */
  warnings: string[];
}

/** Bytes between two `blob-progress` events of one blob. */
const PROGRESS_STEP = 1024 * 1024;

class ShortBody extends Error {
  readonly code = 'UND_ERR_SOCKET';
}

/**
 * Pulls `reference` from its registry into the content store and records it in the image store.
 * Resolves the tag (or digest), picks the platform's manifest from an index, fetches the config
 * then the layers (`concurrency` at a time), each streamed into the content store with its digest
 * verified; a dropped connection resumes with a Range request, an interrupted earlier pull's
 * partial blob is resumed, and a blob another pull is fetching is waited for, not fetched twice.
 * Errors name the blob and the reason and keep their code: `InvalidArgument` (bad reference),
 * `NotFound`, `PermissionDenied`, `Unavailable`, `DataLoss` (digest mismatch), `FailedPrecondition`
 * (no manifest for the platform).
 */
export async function pullImage(reference: string | Reference, opts: PullOptions): Promise<PullResult> {
  const ref = typeof reference === 'string' ? parseReference(reference) : reference;
  const name = ref.string();
  const { content, client } = opts;
  const emit = opts.onEvent ?? (() => {});
  const explicitPlatform = opts.platform !== undefined;
  const wanted = opts.platform ?? hostPlatform();
  const host = ref.domain;
  const repo = ref.path;
  const lease = await content.lease();
  try {
    const top = await client.getManifest(
      host,
      repo,
      ref.digest ?? ref.tag ?? 'latest',
      withSignal(opts.signal),
    );
    const topJson = parseJson(top.bytes, `manifest of ${name}`);
    const kind = manifestKind(topJson, top.mediaType);
    let manifestDigest: Digest;
    let manifestBytes: Buffer;
    let indexDigest: Digest | undefined;
    if (kind === 'index') {
      const index = parseIndex(topJson);
      const chosen = selectManifest(index, wanted) ?? otherOsOnly(index, wanted, explicitPlatform);
      if (!chosen) {
        const available = index.manifests
          .flatMap((d) => (d.platform ? [formatPlatform(d.platform)] : []))
          .join(', ');
        throw new RuntimeError(
          'NotFound',
          `Cannot pull ${name}: the image has no manifest for ${formatPlatform(wanted)}`,
          {
            hint: `available platforms: ${available || 'none'}; choose one with --platform`,
          },
        );
      }
      await content.writeBlob(top.bytes, top.digest);
      indexDigest = top.digest;
      const m = await client.getManifest(host, repo, chosen.digest, withSignal(opts.signal));
      manifestDigest = m.digest;
      manifestBytes = m.bytes;
    } else if (kind === 'manifest') {
      manifestDigest = top.digest;
      manifestBytes = top.bytes;
    } else {
      throw new RuntimeError(
        'InvalidArgument',
        `Cannot pull ${name}: unsupported manifest type ${JSON.stringify(top.mediaType)}`,
        {
          hint: 'hostpod pulls OCI and Docker schema 2 images; Docker schema 1 images must be rebuilt',
        },
      );
    }
    const manifest = parseManifest(parseJson(manifestBytes, `manifest of ${name}`));
    await content.writeBlob(manifestBytes, manifestDigest);
    const blobs: { desc: Descriptor; role: BlobRole; label: string }[] = [
      { desc: manifest.config, role: 'config', label: 'config' },
      ...manifest.layers.map((desc, i) => ({
        desc,
        role: 'layer' as const,
        label: `layer ${i + 1}/${manifest.layers.length}`,
      })),
    ];
    const resolved: Extract<PullEvent, { type: 'resolved' }> = {
      type: 'resolved',
      reference: name,
      manifestDigest,
      platform: formatPlatform(wanted),
      blobs: blobs.map((b) => ({ digest: b.desc.digest, size: b.desc.size, role: b.role })),
    };
    if (indexDigest) resolved.indexDigest = indexDigest;
    emit(resolved);
    const stats = { downloaded: 0, reused: 0, fetched: 0 };
    const ctx: BlobContext = { ref, name, opts, emit, stats };
    // The config first (small): a wrong-platform image is refused before any layer is fetched.
    await fetchBlob(ctx, blobs[0]!);
    const config = parseImageConfig(
      parseJson(await content.readBytes(manifest.config.digest), `config of ${name}`),
    );
    const configPlatform: Platform = { os: config.os, architecture: config.architecture };
    if (config.variant) configPlatform.variant = config.variant;
    if (explicitPlatform && !platformMatches(wanted, configPlatform)) {
      throw new RuntimeError(
        'NotFound',
        `Cannot pull ${name}: the image is ${formatPlatform(configPlatform)}, not ${formatPlatform(wanted)}`,
        { hint: `pull it without --platform, or with --platform ${formatPlatform(configPlatform)}` },
      );
    }
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      throw new RuntimeError(
        'DataLoss',
        `Cannot pull ${name}: the manifest lists ${manifest.layers.length} layers but the config ${config.rootfs.diff_ids.length} diff IDs`,
      );
    }
    const warnings: string[] = [];
    if (!explicitPlatform && configPlatform.os !== wanted.os) {
      warnings.push(
        `${name} is a ${formatPlatform(configPlatform)} image: it was pulled, but this host runs ${wanted.os} programs, so a pod using it will be refused`,
      );
    }
    await runBounded(blobs.slice(1), opts.concurrency ?? 3, opts.signal, (b, signal) =>
      fetchBlob({ ...ctx, signal }, b),
    );
    const putOpts = indexDigest ? { indexDigest } : {};
    const record = await opts.images.put(name, manifestDigest, putOpts);
    const result: PullResult = {
      reference: name,
      manifestDigest,
      configDigest: manifest.config.digest,
      platform: formatPlatform(configPlatform),
      size: record.size,
      downloadedBytes: stats.downloaded,
      reusedBlobs: stats.reused,
      fetchedBlobs: stats.fetched,
      record,
      warnings,
    };
    if (indexDigest) result.indexDigest = indexDigest;
    return result;
  } finally {
    await lease.release();
  }
}

/**
 * For an index that has no manifest for this host's OS at all (a Windows-only image pulled on
 * Linux), the manifest of another OS for this architecture (else the first one): the pull goes
 * on and warns, as decided for HostProcess images (docs/images.md). Not with `--platform`.
 */
function otherOsOnly(
  index: ReturnType<typeof parseIndex>,
  wanted: Platform,
  explicit: boolean,
): Descriptor | undefined {
  if (explicit) return undefined;
  const withPlatform = index.manifests.filter((d) => d.platform);
  if (withPlatform.length === 0 || withPlatform.some((d) => d.platform!.os === wanted.os)) return undefined;
  const os = withPlatform[0]!.platform!.os;
  return selectManifest(index, { os, architecture: wanted.architecture }) ?? withPlatform[0];
}

function withSignal(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}

interface BlobContext {
  ref: Reference;
  name: string;
  opts: PullOptions;
  emit: (e: PullEvent) => void;
  stats: { downloaded: number; reused: number; fetched: number };
  signal?: AbortSignal;
}

/** Fetches one blob into the content store, resuming after dropped connections. */
async function fetchBlob(
  ctx: BlobContext,
  b: { desc: Descriptor; role: BlobRole; label: string },
): Promise<void> {
  const { content, client } = ctx.opts;
  const { digest, size } = b.desc;
  const signal = ctx.signal ?? ctx.opts.signal;
  const fail = (e: unknown): unknown => {
    if (!(e instanceof RuntimeError)) {
      if ((e as Error)?.name === 'AbortError' || signal?.aborted) return e;
      return new RuntimeError(
        'Unavailable',
        `Cannot pull ${ctx.name}: ${b.label} ${digest} failed: ${describeNetworkError(e)}`,
        {
          cause: e,
        },
      );
    }
    const opts: { cause: unknown; hint?: string } = { cause: e };
    if (e.hint) opts.hint = e.hint;
    const why =
      e instanceof DigestMismatchError
        ? e.message.replace(/^Digest mismatch for blob \S+: /, 'digest mismatch: ')
        : e.message;
    return new RuntimeError(
      e.code,
      `Cannot pull ${ctx.name}: ${b.label} ${digest} (${size} bytes) failed: ${why}`,
      opts,
    );
  };
  if (await content.info(digest)) {
    ctx.stats.reused++;
    ctx.emit({ type: 'blob-done', digest, size, role: b.role, status: 'exists' });
    return;
  }
  const writerOpts: Parameters<LocalContentStore['openWriter']>[1] = {};
  if (signal) writerOpts.signal = signal;
  let w = await content.openWriter({ digest, size }, writerOpts);
  if (!w) {
    ctx.stats.reused++;
    ctx.emit({ type: 'blob-done', digest, size, role: b.role, status: 'exists' });
    return;
  }
  // A partial (left by an earlier pull, or by a dropped connection in this one) is trusted only
  // until the digest check: if that fails, the blob is fetched once more from byte 0.
  let usedPartial = false;
  let startedOver = false;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        if (w.offset >= size && !w.complete()) await w.reset();
        if (w.offset < size) {
          usedPartial ||= w.offset > 0;
          const blobOpts: { offset: number; signal?: AbortSignal } = { offset: w.offset };
          if (signal) blobOpts.signal = signal;
          const bs = await client.openBlob(ctx.ref.domain, ctx.ref.path, digest, blobOpts);
          if (bs.start === 0 && w.offset > 0) await w.reset();
          ctx.emit({ type: 'blob-start', digest, size, role: b.role, offset: w.offset });
          try {
            let reported = w.offset;
            for await (const chunk of bs.body as Readable & AsyncIterable<Buffer>) {
              await w.write(chunk);
              ctx.stats.downloaded += chunk.length;
              // One progress event per PROGRESS_STEP, not per network chunk (16–64 KiB): each
              // wakes a progress bar and, in pullAndUnpack, the unpacker following the file.
              if (w.offset - reported >= PROGRESS_STEP || w.offset >= size) {
                reported = w.offset;
                ctx.emit({ type: 'blob-progress', digest, done: w.offset, size });
              }
            }
          } finally {
            bs.body.destroy();
          }
          if (w.offset < size) throw new ShortBody(`the body ended after ${w.offset} of ${size} bytes`);
        } else {
          usedPartial = true;
        }
        await w.commit();
        ctx.stats.fetched++;
        ctx.emit({ type: 'blob-done', digest, size, role: b.role, status: 'downloaded' });
        return;
      } catch (e) {
        if (e instanceof DigestMismatchError && usedPartial && !startedOver && !signal?.aborted) {
          startedOver = true;
          usedPartial = false;
          const again = await content.openWriter({ digest, size }, writerOpts);
          if (!again) {
            ctx.stats.reused++;
            ctx.emit({ type: 'blob-done', digest, size, role: b.role, status: 'exists' });
            return;
          }
          w = again;
          await w.reset();
          attempt = -1;
          continue;
        }
        if (e instanceof RuntimeError || !isTransientError(e) || attempt >= client.retries || signal?.aborted)
          throw fail(e);
        await client.backoff(`${b.label} ${shortDigest(digest)}`, attempt, describeNetworkError(e), signal);
      }
    }
  } finally {
    await w.close();
  }
}

/** Runs `fn` over `items`, at most `limit` at once; on the first failure aborts the rest, waits, rethrows. */
async function runBounded<T>(
  items: T[],
  limit: number,
  outer: AbortSignal | undefined,
  fn: (item: T, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const ac = new AbortController();
  const onOuter = () => ac.abort(outer?.reason);
  outer?.addEventListener('abort', onOuter, { once: true });
  let next = 0;
  let firstError: unknown;
  const worker = async () => {
    while (next < items.length && firstError === undefined) {
      const item = items[next++]!;
      try {
        await fn(item, ac.signal);
      } catch (e) {
        if (firstError === undefined) firstError = e;
        ac.abort(e);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  } finally {
    outer?.removeEventListener('abort', onOuter);
  }
  if (firstError !== undefined) throw firstError;
}
