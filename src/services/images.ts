/**
 * Images for a pod: each container's image by its pull policy (`Always`, `IfNotPresent`,
 * `Never`), checked against this host's OS, unpacked into the layer cache.
 */

import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeError } from '../errors.ts';
import type { LocalContentStore } from '../image/content-store.ts';
import type { ImageRecord, ImageStore } from '../image/image-store.ts';
import { ensureUnpacked, readImage, unpackImageTo } from '../image/layers.ts';
import type { PullEvent } from '../image/pull.ts';
import type { CredentialLookup } from '../image/registry/docker-config.ts';
import type { HostOs } from '../lib/host-os.ts';
import type { Digest } from '../oci/digest.ts';
import type { ImageConfig } from '../oci/manifest.ts';
import { PodStartError } from './start-error.ts';

export interface ImageContext {
  root: string;
  content: LocalContentStore;
  images: ImageStore;
  /** Hosts reached over plain HTTP although not loopback. */
  insecureRegistries?: readonly string[];
  /** The certs.d folder of registry hosts.toml files (mirrors, TLS, headers). */
  registryConfigDir?: string;
  /** Registry credentials (from the Docker config file: `loadDockerCredentials`). */
  credentials?: CredentialLookup;
  onPullEvent?: (image: string, e: PullEvent) => void;
  /** Called after each registry pull with its duration (the daemon's pull-duration metric). */
  onPulled?: (image: string, seconds: number, outcome: 'success' | 'failure') => void;
  signal?: AbortSignal;
  /** The OS the image must be for (the runtime platform's; default linux). */
  hostOs?: HostOs;
}

/** An image ready to run: its config and its unpacked layer directories, lowest first. */
export interface ReadyImage {
  reference: string;
  manifestDigest: Digest;
  config: ImageConfig;
  layers: string[];
}

/**
 * Makes the image available per `pullPolicy` (the kubelet's rules: `Never` needs it present,
 * `IfNotPresent` pulls when missing, `Always` pulls), refuses an image whose OS is not this
 * host's, and unpacks its layers. Throws NotFound (`ErrImageNeverPull`), FailedPrecondition
 * (image OS), and what pull/unpack throw.
 */
export async function prepareImage(
  image: string,
  pullPolicy: string,
  ctx: ImageContext,
): Promise<ReadyImage> {
  if (pullPolicy !== 'Always') {
    // Pods started at once with the same present image share one lookup, read and unpack check.
    const os = ctx.hostOs ?? 'linux';
    const ready = await sharedCall(ctx, `${os}\0${image}`, async (signal) => {
      const record = await ctx.images.get(image);
      return record ? await readyImage(image, record, { ...ctx, signal }) : undefined;
    });
    if (ready) return ready;
  }
  return await readyImage(image, await pull(image, pullPolicy, ctx), ctx);
}

/** The image pulled (or, for `Never`, the ErrImageNeverPull failure). */
async function pull(image: string, pullPolicy: string, ctx: ImageContext): Promise<ImageRecord> {
  let record: ImageRecord | undefined;
  if (pullPolicy === 'Never') {
    throw new PodStartError(
      'image',
      'ErrImageNeverPull',
      new RuntimeError(
        'NotFound',
        `ErrImageNeverPull: image "${image}" is not present and imagePullPolicy is Never`,
        { hint: `import or build it first (hostpod image import / hostpod image build --tag ${image})` },
      ),
    );
  }
  // Loaded only when a pull happens: a pod whose images are present starts without them.
  const [{ pullImage }, { RegistryClient }] = await Promise.all([
    import('../image/pull.ts'),
    import('../image/registry/client.ts'),
  ]);
  const client = new RegistryClient({
    insecureRegistries: ctx.insecureRegistries ?? [],
    ...(ctx.registryConfigDir !== undefined ? { registryConfigDir: ctx.registryConfigDir } : {}),
    ...(ctx.credentials ? { credentials: ctx.credentials } : {}),
  });
  const t0 = performance.now();
  let outcome: 'success' | 'failure' = 'failure';
  try {
    const r = await pullImage(image, {
      content: ctx.content,
      images: ctx.images,
      client,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.onPullEvent ? { onEvent: (e: PullEvent) => ctx.onPullEvent?.(image, e) } : {}),
    });
    record = r.record;
    outcome = 'success';
  } catch (e) {
    if (e instanceof RuntimeError) {
      const local = pullPolicy === 'Always' ? await ctx.images.get(image).catch(() => undefined) : undefined;
      const hint = local
        ? `the image "${image}" is in the local store (${local.digest.slice(0, 19)}…) but imagePullPolicy is Always (the default for an image without a tag or with :latest): set imagePullPolicy: IfNotPresent, or give the image a tag (hostpod run also takes --image-pull-policy IfNotPresent)`
        : e.hint;
      throw new RuntimeError(e.code, `ErrImagePull: ${e.message}`, {
        ...(hint ? { hint } : {}),
        cause: e,
      });
    }
    throw e;
  } finally {
    await client.close();
    ctx.onPulled?.(image, (performance.now() - t0) / 1000, outcome);
  }
  return record;
}

/** The present image `record` (of `image`) checked against the host's OS and unpacked. */
async function readyImage(
  image: string,
  record: { digest: Digest; platform: string },
  ctx: ImageContext,
): Promise<ReadyImage> {
  const { config } = await readImage(ctx.content, record.digest);
  const os = ctx.hostOs ?? 'linux';
  if (config.os !== os) {
    throw new RuntimeError(
      'FailedPrecondition',
      `Cannot run image "${image}": its OS is ${config.os} (${record.platform}) but this host's OS is ${os}`,
      {
        hint: `HostProcess images run their programs on the host: build the image for ${os} (hostpod image build --platform ${os}/amd64)`,
      },
    );
  }
  if (os === 'windows') {
    // Windows layers are applied onto one directory, kept per image: the workspaces copy it.
    const dir = await unpackedWindowsImage(ctx, record.digest);
    return { reference: image, manifestDigest: record.digest, config, layers: [dir] };
  }
  const layers = await ensureUnpacked(
    ctx.root,
    ctx.content,
    record.digest,
    ctx.signal ? { signal: ctx.signal } : {},
  );
  return { reference: image, manifestDigest: record.digest, config, layers: layers.map((l) => l.dir) };
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/**
 * `<root>/images-windows/<hex>`: the Windows image `digest` unpacked onto one directory (its
 * `Files/`), made once in a temporary directory and renamed into place.
 */
async function unpackedWindowsImage(ctx: ImageContext, digest: Digest): Promise<string> {
  const base = join(ctx.root, 'images-windows');
  const dir = join(base, digest.replace(/^sha256:/, ''));
  if (await exists(dir)) return dir;
  await mkdir(base, { recursive: true });
  const tmp = join(base, `tmp-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  try {
    await unpackImageTo(tmp, ctx.content, digest, ctx.signal ? { signal: ctx.signal } : {});
    await rename(tmp, dir).catch(async (e: unknown) => {
      if (!(await exists(dir))) throw e; // else another start unpacked it meanwhile: keep theirs
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return dir;
}

interface SharedCall {
  promise: Promise<ReadyImage | undefined>;
  /** Aborts the shared work: once every caller waiting on it was aborted. */
  abort: AbortController;
  waiting: number;
}

/** The calls under way, per image store (the daemon's one, or a test's). */
const underWay = new WeakMap<ImageStore, Map<string, SharedCall>>();

/**
 * `fn` run once for the callers that ask for the same `key` while it runs; each gets its own
 * copy of the result. A caller whose `ctx.signal` aborts stops waiting at once; the work is
 * aborted (its signal) when no caller waits any more, and the next caller starts it anew.
 */
function sharedCall(
  ctx: ImageContext,
  key: string,
  fn: (signal: AbortSignal) => Promise<ReadyImage | undefined>,
): Promise<ReadyImage | undefined> {
  if (ctx.signal?.aborted) return fn(ctx.signal);
  const m = underWay.get(ctx.images) ?? new Map<string, SharedCall>();
  underWay.set(ctx.images, m);
  let call = m.get(key);
  if (!call) {
    const abort = new AbortController();
    const c: SharedCall = { abort, waiting: 0, promise: Promise.resolve(undefined) };
    c.promise = fn(abort.signal).finally(() => {
      if (m.get(key) === c) m.delete(key);
    });
    // Rejections reach each caller through its own promise below.
    c.promise.catch(() => {});
    m.set(key, c);
    call = c;
  }
  const c = call;
  c.waiting++;
  const signal = ctx.signal;
  if (!signal) return c.promise.then((r) => (r ? structuredClone(r) : undefined));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      if (--c.waiting === 0) {
        if (m.get(key) === c) m.delete(key);
        c.abort.abort(signal.reason);
      }
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    c.promise.then(
      (r) => {
        signal.removeEventListener('abort', onAbort);
        c.waiting--;
        resolve(r ? structuredClone(r) : undefined);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        c.waiting--;
        reject(e);
      },
    );
  });
}
