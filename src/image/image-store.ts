import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errnoCode, RuntimeError } from '../errors.ts';
import { writeFileAtomic } from '../lib/atomic-write.ts';
import { withFileLock } from '../lib/file-lock.ts';
import { type Digest, digestHex, isDigest } from '../oci/digest.ts';
import { parseImageConfig, parseJson, parseManifest } from '../oci/manifest.ts';
import { parseReference } from '../oci/reference.ts';
import type { LocalContentStore } from './content-store.ts';

/** One name → image entry of the image store. */
export interface ImageRecord {
  /** Normalised reference (`docker.io/library/busybox:latest`), or '' for an image known by digest only. */
  name: string;
  /** Digest of the image manifest (platform-specific). */
  digest: Digest;
  /** Digest of the index the manifest was chosen from, when it came from one. */
  indexDigest?: Digest;
  /** The config digest: what `hostpod images` shows as IMAGE ID (first 12 hex digits). */
  configDigest: Digest;
  /** os/architecture[/variant] from the config. */
  platform: string;
  /** Config + compressed layers, bytes. */
  size: number;
  /** The image's own `created` time from its config, if any. */
  created?: string;
  /** When this name was last pointed at this image (ISO 8601). */
  updatedAt: string;
}

interface StoreFile {
  version: 1;
  images: ImageRecord[];
}

/** In-process serialisation of read-modify-write cycles, by file. */
const chains = new Map<string, Promise<unknown>>();

/**
 * Names → manifest digests, persisted atomically as JSON at `<root>/images.json` (temp → fsync
 * → rename), read-modify-write guarded by `images.json.lock` across processes. Records carry
 * what listing needs (config digest, size, platform) so `images` reads no blobs.
 */
export class ImageStore {
  readonly file: string;
  readonly content: LocalContentStore;

  constructor(root: string, content: LocalContentStore) {
    this.file = join(root, 'images.json');
    this.content = content;
  }

  async #read(): Promise<StoreFile> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return { version: 1, images: [] };
      throw e;
    }
    const v = parseJson(text, `image store ${this.file}`) as Partial<StoreFile>;
    if (v.version !== 1 || !Array.isArray(v.images)) {
      throw new RuntimeError('DataLoss', `Image store ${this.file} has an unknown format`, {
        hint: 'move the file away; images can be pulled or imported again',
      });
    }
    return { version: 1, images: v.images.filter((r) => isDigest(r?.digest) && typeof r.name === 'string') };
  }

  async #update<T>(fn: (s: StoreFile) => T | Promise<T>): Promise<T> {
    const prev = chains.get(this.file) ?? Promise.resolve();
    const run = prev
      .catch(() => {})
      .then(async () => {
        await mkdir(dirname(this.file), { recursive: true });
        return withFileLock(`${this.file}.lock`, async () => {
          const s = await this.#read();
          const r = await fn(s);
          // Root's alone, like everything in the state root.
          await writeFileAtomic(this.file, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
          return r;
        });
      });
    chains.set(this.file, run);
    try {
      return await run;
    } finally {
      if (chains.get(this.file) === run) chains.delete(this.file);
    }
  }

  /**
   * Points `name` (a reference, normalised here; '' for digest-only) at the manifest `manifestDigest`,
   * which must already be in the content store with its config. Replaces what the name pointed at.
   * Throws `InvalidArgument` for a bad name, `NotFound` when the manifest or config is missing.
   */
  async put(name: string, manifestDigest: Digest, opts: { indexDigest?: Digest } = {}): Promise<ImageRecord> {
    const norm = name === '' ? '' : parseReference(name).string();
    const manifest = parseManifest(parseJson(await this.content.readBytes(manifestDigest), 'image manifest'));
    const config = parseImageConfig(
      parseJson(await this.content.readBytes(manifest.config.digest), 'image config'),
    );
    const rec: ImageRecord = {
      name: norm,
      digest: manifestDigest,
      configDigest: manifest.config.digest,
      platform: [config.os, config.architecture, config.variant].filter((x) => x).join('/'),
      size: manifest.config.size + manifest.layers.reduce((a, l) => a + l.size, 0),
      updatedAt: new Date().toISOString(),
    };
    if (opts.indexDigest) rec.indexDigest = opts.indexDigest;
    if (config.created) rec.created = config.created;
    await this.#update((s) => {
      s.images = s.images.filter((r) =>
        norm === '' ? !(r.name === '' && r.digest === manifestDigest) : r.name !== norm,
      );
      s.images.push(rec);
    });
    return rec;
  }

  /** Every record, sorted by name (digest-only ones last). */
  async list(): Promise<ImageRecord[]> {
    const s = await this.#read();
    return s.images.sort(
      (a, b) => (a.name === '' ? 1 : 0) - (b.name === '' ? 1 : 0) || a.name.localeCompare(b.name),
    );
  }

  /**
   * Finds every record that `query` names: an exact reference (normalised: `busybox` finds
   * `docker.io/library/busybox:latest`), a reference with a digest (`name@sha256:…`), a full
   * manifest, index or config digest, or a hex prefix (≥ 4) of the config or manifest digest.
   */
  async find(query: string): Promise<ImageRecord[]> {
    const all = await this.#read();
    const q = query.trim();
    if (isDigest(q)) {
      return all.images.filter((r) => r.digest === q || r.configDigest === q || r.indexDigest === q);
    }
    let byName: ImageRecord[] = [];
    try {
      const ref = parseReference(q);
      byName = all.images.filter((r) => r.name === ref.string());
      if (byName.length > 0) return byName;
      if (ref.digest) {
        byName = all.images.filter(
          (r) =>
            (r.digest === ref.digest || r.indexDigest === ref.digest) &&
            (r.name === '' || r.name.startsWith(`${ref.name}:`)),
        );
      } else byName = all.images.filter((r) => r.name === ref.string());
    } catch {
      // not a reference; maybe an id prefix
    }
    if (byName.length > 0) return byName;
    const hex = q.replace(/^sha256:/, '');
    if (/^[0-9a-f]{4,64}$/.test(hex)) {
      return all.images.filter(
        (r) => digestHex(r.configDigest).startsWith(hex) || digestHex(r.digest).startsWith(hex),
      );
    }
    return [];
  }

  /**
   * The one image `query` names (see {@link find}); undefined when none. Throws
   * `FailedPrecondition` when an id prefix names several different images.
   */
  async get(query: string): Promise<ImageRecord | undefined> {
    const found = await this.find(query);
    const distinct = new Set(found.map((r) => r.digest));
    if (distinct.size > 1) {
      throw new RuntimeError(
        'FailedPrecondition',
        `Image id "${query}" is ambiguous: it matches ${distinct.size} images`,
        {
          hint: 'give more digits of the id, or the image name',
        },
      );
    }
    return found[0];
  }

  /**
   * Removes the records `query` names (see {@link find}): a name removes that name only; an id
   * or digest removes every name of that image. Returns what was removed (empty when nothing
   * matched). Blobs stay until garbage collection.
   */
  async remove(query: string): Promise<ImageRecord[]> {
    const found = await this.find(query);
    if (found.length === 0) return [];
    const keys = new Set(found.map((r) => `${r.name}\0${r.digest}`));
    return this.#update((s) => {
      const removed = s.images.filter((r) => keys.has(`${r.name}\0${r.digest}`));
      s.images = s.images.filter((r) => !keys.has(`${r.name}\0${r.digest}`));
      return removed;
    });
  }
}
