import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { type FileHandle, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { RuntimeError } from '../errors.ts';
import { splitWindowsRelative, windowsFoldCase } from '../lib/windows-path.ts';
import type { Digest } from '../oci/digest.ts';
import { MediaType } from '../oci/media-types.ts';
import { formatPlatform, hostPlatform, type Platform } from '../oci/platform.ts';
import { parseReference } from '../oci/reference.ts';
import { openBuildDir, readBuildDir } from './build-source.ts';
import type { LocalContentStore } from './content-store.ts';
import type { ImageStore } from './image-store.ts';

export interface BuildOptions {
  /** `NAME[:TAG]` the image is stored under. */
  tag: string;
  entrypoint?: string[];
  cmd?: string[];
  /** `KEY=VALUE` entries, in order. */
  env?: string[];
  workdir?: string;
  labels?: Record<string, string>;
  /**
   * Default: linux and this host's architecture. With os `windows` the layer is written in the
   * Windows layer format (`Files/…`, an empty `Hives/`, `MSWINDOWS.fileattr` records) and every
   * name must be one Windows accepts (InvalidArgument otherwise, also for two names differing
   * only in case).
   */
  platform?: Platform;
  /**
   * `SOURCE_DATE_EPOCH` (seconds), the reproducible-builds convention: when set, the config's
   * `created` and every entry's mtime are this time, so the same input gives the same digest
   * byte for byte. When unset, `created` is the build time and mtimes are 0 (the layer stays
   * reproducible; only the config differs between builds).
   */
  sourceDateEpoch?: number;
  /** The build time when `sourceDateEpoch` is unset (default: now). */
  now?: Date;
  /** Where the layer is written before it is ingested. */
  tmpDir: string;
}

export interface BuildResult {
  name: string;
  digest: Digest;
  configDigest: Digest;
  layerDigest: Digest;
  diffId: Digest;
  /** Entries in the layer. */
  entries: number;
  /** Compressed layer size. */
  layerSize: number;
  platform: string;
  /** Things left out (sockets, FIFOs, devices). */
  notes: string[];
}

/** gzip level of built layers: fixed, so the same input gives the same bytes. */
const GZIP_LEVEL = 6;
const BLOCK = 512;

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

function paxRecord(key: string, value: string): string {
  const rest = Buffer.byteLength(` ${key}=${value}\n`);
  let len = rest + String(rest).length;
  if (String(len).length !== String(rest).length) len = rest + String(len).length;
  return `${len} ${key}=${value}\n`;
}

function header(
  name: string,
  flag: string,
  mode: number,
  size: number,
  linkname: string,
  mtime: number,
): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(name, 0, 100, 'utf8');
  b.write(octal(mode, 8), 100, 'latin1');
  b.write(octal(0, 8), 108, 'latin1');
  b.write(octal(0, 8), 116, 'latin1');
  b.write(octal(size, 12), 124, 'latin1');
  b.write(octal(mtime, 12), 136, 'latin1');
  b.write('        ', 148, 'latin1');
  b.write(flag, 156, 'latin1');
  b.write(linkname, 157, 100, 'utf8');
  b.write('ustar\0', 257, 'latin1');
  b.write('00', 263, 'latin1');
  let sum = 0;
  for (const x of b) sum += x;
  b.write(octal(sum, 7), 148, 'latin1');
  return b;
}

function pad(n: number): Buffer | undefined {
  const r = n % BLOCK;
  return r === 0 ? undefined : Buffer.alloc(BLOCK - r);
}

function* paxEntry(records: readonly string[], mtime: number): Generator<Buffer> {
  const body = Buffer.from(records.join(''));
  yield header('PaxHeaders/entry', 'x', 0o644, body.length, '', mtime);
  yield body;
  const p = pad(body.length);
  if (p) yield p;
}

/** How a built layer is laid out: plain (linux) or the Windows layer format. */
export type LayerFormat = 'linux' | 'windows';

/** `FILE_ATTRIBUTE_*` bits a built Windows layer records. */
const WIN_ATTR_READONLY = 0x1;
const WIN_ATTR_DIRECTORY = 0x10;
const WIN_ATTR_ARCHIVE = 0x20;
const WIN_ATTR_REPARSE_POINT = 0x400;

/** `MSWINDOWS.fileattr` for a build entry: directory, archive (+ read-only without write bits), reparse point. */
function windowsAttributes(type: 'dir' | 'file' | 'symlink', mode: number): number {
  if (type === 'dir') return WIN_ATTR_DIRECTORY;
  if (type === 'symlink') return WIN_ATTR_ARCHIVE | WIN_ATTR_REPARSE_POINT;
  return WIN_ATTR_ARCHIVE | ((mode & 0o222) === 0 ? WIN_ATTR_READONLY : 0);
}

/** Refuses names Windows cannot hold, and two names that differ only in case. */
class WindowsNames {
  readonly #seen = new Map<string, string>();

  check(rel: string): void {
    const bad = (why: string) =>
      new RuntimeError('InvalidArgument', `Cannot build a Windows image: "${rel}" ${why}`, {
        hint: 'rename it: Windows refuses this name (see docs/images.md, "Windows images")',
      });
    try {
      splitWindowsRelative(rel);
    } catch (e) {
      throw bad(`is not a valid Windows path: ${(e as Error).message}`);
    }
    const key = windowsFoldCase(rel);
    const other = this.#seen.get(key);
    if (other !== undefined) throw bad(`and "${other}" differ only in case (one file on Windows)`);
    this.#seen.set(key, rel);
  }
}

/**
 * The deterministic tar stream of the build directory (PAX records for long names and big
 * files); `counted.entries` is set as entries go by.
 */
async function* tarStream(
  dir: FileHandle,
  mtime: number,
  notes: string[],
  counted: { entries: number },
  format: LayerFormat,
): AsyncGenerator<Buffer> {
  const windows = format === 'windows' ? new WindowsNames() : undefined;
  if (windows) {
    // The Windows layer format: the filesystem under Files/, registry deltas under Hives/.
    for (const top of ['Files/', 'Hives/']) {
      counted.entries++;
      yield* paxEntry([paxRecord('MSWINDOWS.fileattr', String(WIN_ATTR_DIRECTORY))], mtime);
      yield header(top, '5', 0o755, 0, '', mtime);
    }
  }
  for await (const it of readBuildDir(dir, notes)) {
    try {
      counted.entries++;
      windows?.check(it.rel);
      const rel = windows ? `Files/${it.rel}` : it.rel;
      const name = it.type === 'dir' ? `${rel}/` : rel;
      // A Windows symlink target uses `\` (a relative one stays relative).
      const linkname = windows ? it.linkname.replace(/\//g, '\\') : it.linkname;
      const pax: string[] = [];
      if (windows) pax.push(paxRecord('MSWINDOWS.fileattr', String(windowsAttributes(it.type, it.mode))));
      if (Buffer.byteLength(name) > 100) pax.push(paxRecord('path', name));
      if (Buffer.byteLength(linkname) > 100) pax.push(paxRecord('linkpath', linkname));
      if (it.size > 0o77777777777) pax.push(paxRecord('size', String(it.size)));
      if (pax.length > 0) yield* paxEntry(pax, mtime);
      const flag = it.type === 'dir' ? '5' : it.type === 'symlink' ? '2' : '0';
      const shortName = Buffer.byteLength(name) > 100 ? name.slice(-99) : name;
      const shortLink = Buffer.byteLength(linkname) > 100 ? '' : linkname;
      yield header(shortName, flag, it.mode, Math.min(it.size, 0o77777777777), shortLink, mtime);
      if (it.file === undefined || it.size === 0) continue;
      let left = it.size;
      while (left > 0) {
        const buf = Buffer.allocUnsafe(Math.min(left, 1 << 20));
        const { bytesRead } = await it.file.read(buf, 0, buf.length, null);
        if (bytesRead === 0) {
          throw new RuntimeError(
            'FailedPrecondition',
            `Cannot build: "${it.rel}" shrank while it was being packed`,
            {
              hint: 'build from a directory nothing else is writing to',
            },
          );
        }
        left -= bytesRead;
        yield buf.subarray(0, bytesRead);
      }
      const p = pad(it.size);
      if (p) yield p;
    } finally {
      await it.file?.close();
    }
  }
  yield Buffer.alloc(2 * BLOCK);
}

/**
 * Packs directory `dir` as a one-layer image and stores it as `opts.tag`. Reproducible: entries
 * sorted by name, every mtime `sourceDateEpoch` (0 by default), uid/gid 0 with no user names,
 * gzip at a fixed level with no name or timestamp, config and manifest JSON with a fixed key
 * order — the same directory gives the same layer, and with `sourceDateEpoch` the same options
 * give the same manifest digest (without it, the config's `created` is the build time).
 *
 * Throws RuntimeError `InvalidArgument` (bad tag, env entry, label), `NotFound` (no such dir),
 * `FailedPrecondition` (not a directory, a file changing while packed).
 */
export async function buildImage(
  dir: string,
  content: LocalContentStore,
  images: ImageStore,
  opts: BuildOptions,
): Promise<BuildResult> {
  const name = parseReference(opts.tag).string();
  for (const e of opts.env ?? []) {
    if (!/^[^=]+=/.test(e)) {
      throw new RuntimeError('InvalidArgument', `Invalid --env ${JSON.stringify(e)}: expected KEY=VALUE`);
    }
  }
  const epoch =
    opts.sourceDateEpoch === undefined ? undefined : Math.max(0, Math.floor(opts.sourceDateEpoch));
  const mtime = epoch ?? 0;
  const platform = opts.platform ?? { os: 'linux', architecture: hostPlatform().architecture };
  const source = await openBuildDir(dir);
  let layer: BuiltLayer;
  try {
    layer = await writeLayer(source, content, {
      tmpDir: opts.tmpDir,
      mtime,
      format: platform.os === 'windows' ? 'windows' : 'linux',
    });
  } finally {
    await source.close();
  }
  const when = epoch === undefined ? (opts.now ?? new Date()) : new Date(epoch * 1000);
  const created = when.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const cfg: Record<string, unknown> = {};
  if (opts.env && opts.env.length > 0) cfg.Env = opts.env;
  if (opts.entrypoint) cfg.Entrypoint = opts.entrypoint;
  if (opts.cmd) cfg.Cmd = opts.cmd;
  if (opts.workdir) cfg.WorkingDir = opts.workdir;
  if (opts.labels && Object.keys(opts.labels).length > 0) {
    cfg.Labels = Object.fromEntries(
      Object.entries(opts.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  }
  const config = {
    created,
    architecture: platform.architecture,
    ...(platform.variant ? { variant: platform.variant } : {}),
    os: platform.os,
    config: cfg,
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    history: [{ created, created_by: 'hostpod image build' }],
  };
  const configInfo = await content.writeBlob(JSON.stringify(config));
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: configInfo.digest, size: configInfo.size },
    layers: [{ mediaType: MediaType.ociLayerGzip, digest: layer.digest, size: layer.size }],
  };
  const m = await content.writeBlob(JSON.stringify(manifest));
  const rec = await images.put(name, m.digest);
  return {
    name: rec.name,
    digest: m.digest,
    configDigest: configInfo.digest,
    layerDigest: layer.digest,
    diffId: layer.diffId,
    entries: layer.entries,
    layerSize: layer.size,
    platform: formatPlatform(platform),
    notes: layer.notes,
  };
}

interface BuiltLayer {
  diffId: Digest;
  digest: Digest;
  /** Compressed size. */
  size: number;
  entries: number;
  notes: string[];
}

/**
 * Packs the opened build directory as a gzip tar layer (through a 0600 temp file in `tmpDir`,
 * removed afterwards) and ingests it into the content store.
 */
async function writeLayer(
  source: FileHandle,
  content: LocalContentStore,
  o: { tmpDir: string; mtime: number; format: LayerFormat },
): Promise<BuiltLayer> {
  const notes: string[] = [];
  const counted = { entries: 0 };
  await mkdir(o.tmpDir, { recursive: true });
  const tmp = join(o.tmpDir, `build-${process.pid}-${randomBytes(6).toString('hex')}.tar.gz`);
  const diffHash = createHash('sha256');
  const blobHash = createHash('sha256');
  let size = 0;
  try {
    await pipeline(
      Readable.from(
        (async function* () {
          for await (const b of tarStream(source, o.mtime, notes, counted, o.format)) {
            diffHash.update(b);
            yield b;
          }
        })(),
      ),
      createGzip({ level: GZIP_LEVEL }),
      async function* (src: AsyncIterable<Buffer>) {
        for await (const b of src) {
          blobHash.update(b);
          size += b.length;
          yield b;
        }
      },
      createWriteStream(tmp, { mode: 0o600 }),
    );
    const digest = `sha256:${blobHash.digest('hex')}` as Digest;
    await content.ingest({ digest, size }, createReadStream(tmp, { highWaterMark: 1 << 20 }));
    return {
      diffId: `sha256:${diffHash.digest('hex')}` as Digest,
      digest,
      size,
      entries: counted.entries,
      notes,
    };
  } finally {
    await rm(tmp, { force: true });
  }
}
