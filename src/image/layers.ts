import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { errnoCode, RuntimeError } from '../errors.ts';
import { isAliveSync, selfIdentity } from '../lib/process-identity.ts';
import { type Digest, digestAlgorithm, digestHex, isDigest } from '../oci/digest.ts';
import {
  type Descriptor,
  type ImageConfig,
  type ImageManifest,
  parseImageConfig,
  parseJson,
  parseManifest,
} from '../oci/manifest.ts';
import type { LocalContentStore } from './content-store.ts';
import { ensurePrivateDir } from './private-dir.ts';
import type { LowerLayer } from './unpack/applier.ts';
import type { ApplyLayerOptions, ApplyLayerResult, UnpackLimits } from './unpack/apply-layer.ts';
import {
  FOLLOW_DONE,
  FOLLOW_RESTARTED,
  FOLLOW_STOPPED,
  FollowLost,
  followBlob,
} from './unpack/follow-blob.ts';

/** The unpacker, loaded when a layer is unpacked: running an image already in the cache needs none of it. */
async function applyLayer(...args: Parameters<typeof import('./unpack/apply-layer.ts').applyLayer>) {
  return (await import('./unpack/apply-layer.ts')).applyLayer(...args);
}

/** One unpacked layer of the cache, ready to be an overlay lower dir. */
export interface UnpackedLayer {
  /** containerd's chain ID: identifies this layer together with everything below it. */
  chainId: Digest;
  diffId: Digest;
  /** The layer's own content (overlay whiteouts and opaque markers included). */
  dir: string;
}

/** What `<root>/layers/sha256/<chainid>/layer.json` records. */
interface LayerRecord {
  chainId: Digest;
  diffId: Digest;
  parent: Digest | null;
  blob: Digest;
  size: number;
  entries: number;
  opaque: string[];
  notes: string[];
  unpackedAt: string;
}

export interface EnsureUnpackedOptions {
  /**
   * Keep setuid/setgid bits (default true: the cache keeps an image's content as it is, and
   * only root can reach it; workspaces are mounted `nosuid`). False drops them with a note.
   */
  keepSetuid?: boolean;
  limits?: Partial<UnpackLimits>;
  signal?: AbortSignal;
  /** Called after each layer: `cached` when it was already there. */
  onLayer?: (ev: { index: number; count: number; chainId: Digest; cached: boolean; notes: string[] }) => void;
}

export interface PullAndUnpackOptions extends EnsureUnpackedOptions {
  /**
   * Where layers are unpacked while they download: `worker` (a worker thread: the unpack's
   * synchronous writes never delay the download, at the cost of a second Node instance — about
   * 0.2 s of CPU to start) or `main` (this thread, in the gaps while the pull waits for data).
   * Default: `worker` with more than 2 CPUs, else `main` — on 2 shared cores the worker's
   * start-up and the second thread cost more than they save (see docs/performance.md).
   */
  unpackIn?: 'main' | 'worker';
}

/** The chain IDs of a stack of diffIDs (lowest first), as containerd computes them. */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(
      prev === undefined
        ? d
        : (`sha256:${createHash('sha256').update(`${prev} ${d}`).digest('hex')}` as Digest),
    );
  }
  return out;
}

function layersDir(root: string): string {
  return join(root, 'layers');
}

/**
 * The layer cache keeps an image's content as it is — setuid bits and file capabilities
 * included — so it must be reachable by root only: `<root>/layers` is 0700 (an existing one is
 * tightened), and so is the content store it is unpacked from.
 */
async function secureCache(root: string, content: LocalContentStore): Promise<void> {
  await ensurePrivateDir(layersDir(root));
  await content.secure();
}

/** Where the cache keeps the layer with chain ID `chainId` (its content is in `fs/`). */
export function layerPath(root: string, chainId: Digest): string {
  return join(layersDir(root), 'sha256', digestHex(chainId));
}

async function readRecord(dir: string): Promise<LayerRecord | undefined> {
  try {
    const v = parseJson(await readFile(join(dir, 'layer.json')), 'layer record') as Partial<LayerRecord>;
    if (!isDigest(v.chainId) || !isDigest(v.diffId) || !Array.isArray(v.opaque)) return undefined;
    return v as LayerRecord;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** Reads an image's manifest and config from the content store. */
export async function readImage(
  content: LocalContentStore,
  manifestDigest: Digest,
): Promise<{ manifest: ImageManifest; config: ImageConfig }> {
  const manifest = parseManifest(
    parseJson(await content.readBytes(manifestDigest), `manifest ${manifestDigest}`),
  );
  const config = parseImageConfig(
    parseJson(await content.readBytes(manifest.config.digest), `image config ${manifest.config.digest}`),
  );
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new RuntimeError(
      'DataLoss',
      `Image ${manifestDigest} has ${manifest.layers.length} layers but its config lists ${config.rootfs.diff_ids.length} diffIDs`,
      { hint: 'the image is malformed; rebuild or pull it again' },
    );
  }
  return { manifest, config };
}

function blobSource(content: LocalContentStore, d: Descriptor): AsyncIterable<Uint8Array> {
  return createReadStream(content.path(d.digest), { highWaterMark: 1 << 20 });
}

const inFlight = new Map<string, Promise<UnpackedLayer>>();

/**
 * Makes sure every layer of the image `manifestDigest` is unpacked in the cache under
 * `<root>/layers/`, keyed by chain ID, and returns them lowest first. Each layer is unpacked in
 * overlay mode into `<root>/layers/tmp-<pid>-<random>/fs`, its diffID checked against the
 * config's `rootfs.diff_ids`, then renamed to `<root>/layers/sha256/<chainid>`; a failure
 * removes the temporary dir. Concurrent unpacks of the same layer (in or across processes) are
 * safe: the loser of the rename discards its copy. A Windows image's layers (config `os:
 * windows`) are unpacked in the Windows layer format: `Files/` only, each tombstone kept as an
 * empty `.wh.NAME` marker for the copy that stacks them into a workspace.
 *
 * Throws RuntimeError `NotFound` (a blob is missing), `DataLoss` (diffID mismatch, corrupt blob)
 * and whatever {@link applyLayer} throws for a hostile or malformed layer.
 */
export async function ensureUnpacked(
  root: string,
  content: LocalContentStore,
  manifestDigest: Digest,
  opts: EnsureUnpackedOptions = {},
): Promise<UnpackedLayer[]> {
  const { manifest, config } = await readImage(content, manifestDigest);
  await secureCache(root, content);
  const diffIds = config.rootfs.diff_ids;
  const chains = chainIds(diffIds);
  const out: UnpackedLayer[] = [];
  const lowers: LowerLayer[] = [];
  for (let i = 0; i < chains.length; i++) {
    const chainId = chains[i]!;
    const final = layerPath(root, chainId);
    let rec = await readRecord(final);
    const cached = rec !== undefined;
    if (!rec) {
      let p = inFlight.get(final);
      if (!p) {
        p = unpackOne(
          root,
          content,
          manifest.layers[i]!,
          diffIds[i]!,
          chainId,
          chains[i - 1] ?? null,
          lowers,
          { ...opts, ...(config.os === 'windows' ? { windows: { base: i === 0 } } : {}) },
        );
        inFlight.set(final, p);
        p.finally(() => inFlight.delete(final)).catch(() => {});
      }
      await p;
      rec = await readRecord(final);
      if (!rec)
        throw new RuntimeError('Internal', `Layer ${chainId} vanished from ${final} right after unpacking`);
    }
    const layer = { chainId, diffId: diffIds[i]!, dir: join(final, 'fs') };
    out.push(layer);
    lowers.unshift({ dir: layer.dir, opaque: new Set(rec.opaque) });
    opts.onLayer?.({ index: i, count: chains.length, chainId, cached, notes: rec.notes });
  }
  return out;
}

async function unpackOne(
  root: string,
  content: LocalContentStore,
  desc: Descriptor,
  diffId: Digest,
  chainId: Digest,
  parent: Digest | null,
  lowers: readonly LowerLayer[],
  opts: EnsureUnpackedOptions & { windows?: { base: boolean } },
  run?: (o: ApplyLayerOptions) => Promise<ApplyLayerResult>,
): Promise<UnpackedLayer> {
  if (run === undefined && !(await content.info(desc.digest))) {
    throw new RuntimeError(
      'NotFound',
      `Cannot unpack layer ${desc.digest}: the blob is not in the content store`,
      {
        hint: 'pull or import the image again',
      },
    );
  }
  const base = layersDir(root);
  await ensurePrivateDir(base);
  await mkdir(join(base, 'sha256'), { recursive: true });
  const me = selfIdentity();
  const tmp = join(base, `tmp-${me.pid}.${me.startTime}-${randomBytes(6).toString('hex')}`);
  await mkdir(join(tmp, 'fs'), { recursive: true });
  const final = layerPath(root, chainId);
  try {
    const r: ApplyLayerResult = await (run ?? ((o) => applyLayer(blobSource(content, desc), o)))({
      target: join(tmp, 'fs'),
      mode: 'overlay',
      lowers,
      keepSetuid: opts.keepSetuid ?? true,
      limits: opts.limits ?? {},
      expectedDiffId: diffId,
      what: `layer ${desc.digest}`,
      ...(opts.windows ? { format: 'windows' as const, base: opts.windows.base } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const rec: LayerRecord = {
      chainId,
      diffId,
      parent,
      blob: desc.digest,
      size: r.size,
      entries: r.entries,
      opaque: r.opaque,
      notes: r.notes,
      unpackedAt: new Date().toISOString(),
    };
    await writeFile(join(tmp, 'layer.json'), `${JSON.stringify(rec, null, 2)}\n`);
    try {
      await rename(tmp, final);
    } catch (e) {
      const code = errnoCode(e);
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      // Another unpack of the same layer won the race: keep theirs.
      await rm(tmp, { recursive: true, force: true });
    }
    return { chainId, diffId, dir: join(final, 'fs') };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Removes every cached layer whose chain ID is not in `keepChainIds`, and temporary dirs left
 * by unpacks whose process is gone. Returns the chain IDs removed. A layer still used as a lower
 * dir by a running workspace must be in `keepChainIds`: the caller decides.
 */
export async function pruneLayers(root: string, keepChainIds: Iterable<Digest>): Promise<Digest[]> {
  const keep = new Set<string>([...keepChainIds].map((d) => digestHex(d)));
  const base = layersDir(root);
  const removed: Digest[] = [];
  let names: string[];
  try {
    names = await readdir(join(base, 'sha256'));
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return removed;
    throw e;
  }
  for (const hex of names) {
    if (keep.has(hex)) continue;
    await rm(join(base, 'sha256', hex), { recursive: true, force: true });
    removed.push(`sha256:${hex}` as Digest);
  }
  for (const name of await readdir(base)) {
    // tmp-<pid>[.<start time>]-<random>: the unpack that made it may still be writing.
    const m = /^tmp-(\d+)(?:\.(\d+))?-/.exec(name);
    if (!m) continue;
    if (isAliveSync({ pid: Number(m[1]), startTime: m[2] ?? '' })) continue;
    await rm(join(base, name), { recursive: true, force: true });
  }
  return removed;
}

/** Chain IDs of every layer currently in the cache. */
export async function listLayers(root: string): Promise<Digest[]> {
  try {
    return (await readdir(join(layersDir(root), 'sha256'))).map((h) => `sha256:${h}` as Digest);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw e;
  }
}

/**
 * Unpacks every layer of the image `manifestDigest` onto one directory `target` (apply mode:
 * whiteouts delete, opaque directories are emptied) — the copy fallback for hosts without
 * overlayfs, and what tests compare with `umoci unpack`. Each layer's diffID is checked.
 * A `windows` image (config `os`) is unpacked in the Windows layer format: its `Files/` become
 * the directory (see unpack/windows/README.md).
 */
export async function unpackImageTo(
  target: string,
  content: LocalContentStore,
  manifestDigest: Digest,
  opts: Omit<EnsureUnpackedOptions, 'onLayer'> = {},
): Promise<ApplyLayerResult[]> {
  const { manifest, config } = await readImage(content, manifestDigest);
  await mkdir(target, { recursive: true });
  const results: ApplyLayerResult[] = [];
  for (let i = 0; i < manifest.layers.length; i++) {
    const desc = manifest.layers[i]!;
    results.push(
      await applyLayer(blobSource(content, desc), {
        target,
        mode: 'apply',
        keepSetuid: opts.keepSetuid ?? true,
        limits: opts.limits ?? {},
        expectedDiffId: config.rootfs.diff_ids[i]!,
        what: `layer ${desc.digest}`,
        ...(config.os === 'windows' ? { format: 'windows' as const, base: i === 0 } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      }),
    );
  }
  return results;
}

/** The pull events `pullAndUnpack` follows (a subset of `PullEvent` from pull.ts). */
type FollowedEvent =
  | { type: 'resolved'; manifestDigest: Digest; blobs: { digest: Digest; size: number; role: string }[] }
  | { type: 'blob-start'; digest: Digest; offset: number }
  | { type: 'blob-progress'; digest: Digest }
  | { type: 'blob-done'; digest: Digest }
  | { type: string };

/** What is known about one blob of a pull in progress, and a way to wait for news. */
class BlobWatch {
  started = false;
  restarted = false;
  done = false;
  stopped = false;
  version = 0;
  /** [version, flags] for a follower in a worker thread (see unpack/apply-worker.ts). */
  readonly shared = new SharedArrayBuffer(8);
  readonly #state = new Int32Array(this.shared);
  #wake: (() => void) | undefined;

  bump(): void {
    const flags =
      (this.done ? FOLLOW_DONE : 0) |
      (this.restarted ? FOLLOW_RESTARTED : 0) |
      (this.stopped ? FOLLOW_STOPPED : 0);
    Atomics.store(this.#state, 1, flags);
    Atomics.add(this.#state, 0, 1);
    Atomics.notify(this.#state, 0);
    this.version++;
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  /** Resolves at the next event for this blob (or at once if one came since `seen`). */
  next(seen: number): Promise<void> {
    if (this.version !== seen) return Promise.resolve();
    return new Promise((r) => {
      this.#wake = r;
    });
  }
}

/**
 * Pulls an image and unpacks its layers into the cache *while* they download: each layer is
 * read from the content store's partial ingest file as the pull writes it, so the whole takes
 * about as long as the slower of the two instead of their sum. `pull` runs the pull with the
 * given event callback (compose it with a printer's); nothing is trusted from the partial
 * file: the diffID check still applies, and a layer whose follow fails (the download restarted,
 * a mismatch) is unpacked again from the committed blob once the pull is done. Returns the
 * pull's result and the layers, lowest first — as `ensureUnpacked` would.
 *
 * Throws what the pull throws (after stopping the unpack), or what `ensureUnpacked` throws.
 */
export async function pullAndUnpack<T extends { manifestDigest: Digest }>(
  root: string,
  content: LocalContentStore,
  pull: (onEvent: (e: FollowedEvent) => void) => Promise<T>,
  opts: PullAndUnpackOptions = {},
): Promise<{ pull: T; layers: UnpackedLayer[] }> {
  const unpackIn = opts.unpackIn ?? (availableParallelism() > 2 ? 'worker' : 'main');
  const watches = new Map<string, BlobWatch>();
  const watch = (d: Digest) => {
    let w = watches.get(d);
    if (!w) {
      w = new BlobWatch();
      watches.set(d, w);
    }
    return w;
  };
  let resolved:
    | { manifestDigest: Digest; blobs: { digest: Digest; size: number; role: string }[] }
    | undefined;
  const resolvedWatch = new BlobWatch();
  let stopped = false;
  const onEvent = (e: FollowedEvent) => {
    if (e.type === 'resolved' && 'blobs' in e) {
      resolved = { manifestDigest: e.manifestDigest, blobs: e.blobs };
      resolvedWatch.bump();
      return;
    }
    if (!('digest' in e)) return;
    const w = watch(e.digest);
    if (e.type === 'blob-start') {
      if (w.started && 'offset' in e && e.offset === 0) w.restarted = true;
      w.started = true;
    } else if (e.type === 'blob-done') w.done = true;
    w.bump();
  };

  const follow = async (): Promise<void> => {
    while (!resolved) {
      if (stopped) return;
      await resolvedWatch.next(resolvedWatch.version);
    }
    const r = resolved;
    const cfg = r.blobs.find((b) => b.role === 'config');
    const layerBlobs = r.blobs.filter((b) => b.role === 'layer');
    if (!cfg) return;
    const cw = watch(cfg.digest);
    for (;;) {
      const v = cw.version;
      if (cw.done || (await content.info(cfg.digest))) break;
      if (stopped) return;
      await cw.next(v);
    }
    const config = parseImageConfig(
      parseJson(await content.readBytes(cfg.digest), `image config ${cfg.digest}`),
    );
    // Windows layers are unpacked after the pull, by ensureUnpacked (the worker speaks the Linux format only).
    if (config.os === 'windows') return;
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== layerBlobs.length) return; // the pull refuses such an image itself
    const chains = chainIds(diffIds);
    const lowers: LowerLayer[] = [];
    for (let i = 0; i < chains.length; i++) {
      const chainId = chains[i]!;
      const final = layerPath(root, chainId);
      let rec = await readRecord(final);
      if (!rec) {
        const b = layerBlobs[i]!;
        const desc: Descriptor = { mediaType: '', digest: b.digest, size: b.size };
        const w = watch(b.digest);
        const partial = join(
          content.root,
          'ingest',
          `${digestAlgorithm(b.digest)}-${digestHex(b.digest)}.partial`,
        );
        // In a worker thread its synchronous writes do not stall the pull on this one; in this
        // thread (and when a worker cannot start) it uses the gaps while the pull waits for data.
        const run = async (o: ApplyLayerOptions): Promise<ApplyLayerResult> => {
          try {
            if (!worker) throw new Error('unpacking in this thread');
            return await worker.apply(
              { kind: 'follow', partial, blob: content.path(b.digest), size: b.size, shared: w.shared },
              {
                target: o.target,
                mode: o.mode,
                lowers: (o.lowers ?? []).map((l) => ({ dir: l.dir, opaque: [...l.opaque] })),
                keepSetuid: o.keepSetuid ?? true,
                limits: o.limits ?? {},
                what: o.what ?? `layer ${b.digest}`,
                ...(o.expectedDiffId ? { expectedDiffId: o.expectedDiffId } : {}),
              },
            );
          } catch (e) {
            if (e instanceof RuntimeError || e instanceof FollowLost) throw e;
            return applyLayer(
              followBlob({ partial, blob: content.path(b.digest), size: b.size, shared: w.shared }),
              o,
            );
          }
        };
        let p = inFlight.get(final);
        if (!p) {
          p = unpackOne(root, content, desc, diffIds[i]!, chainId, chains[i - 1] ?? null, lowers, opts, run);
          inFlight.set(final, p);
          p.finally(() => inFlight.delete(final)).catch(() => {});
        }
        await p;
        rec = await readRecord(final);
        if (!rec) return;
      }
      lowers.unshift({ dir: join(final, 'fs'), opaque: new Set(rec.opaque) });
    }
  };

  // The follower's failures are not the caller's: ensureUnpacked below redoes what it missed.
  const worker =
    unpackIn === 'worker' ? new (await import('./unpack/apply-worker.ts')).UnpackWorker() : undefined;
  const following = follow()
    .catch(() => {})
    .finally(() => worker?.close());
  let result: T;
  try {
    result = await pull(onEvent);
  } catch (e) {
    stopped = true;
    resolvedWatch.bump();
    for (const w of watches.values()) {
      w.stopped = true;
      w.bump();
    }
    await following;
    throw e;
  }
  for (const w of watches.values()) {
    w.done = true;
    w.bump();
  }
  await following;
  const layers = await ensureUnpacked(root, content, result.manifestDigest, opts);
  return { pull: result, layers };
}
