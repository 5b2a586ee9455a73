import { RuntimeError } from '../errors.ts';
import { type Digest, isDigest } from './digest.ts';
import { isIndexType, isManifestType, MediaType } from './media-types.ts';
import type { Platform } from './platform.ts';

/** An OCI content descriptor: what a blob is, where (digest) and how big. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  urls?: string[];
}

/** An OCI image manifest or Docker schema 2 manifest. */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** An OCI image index or Docker schema 2 manifest list. */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** The parts of the image config (OCI image-spec `config.json`) hostpod uses. */
export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  created?: string;
  author?: string;
  config?: {
    Env?: string[];
    Entrypoint?: string[];
    Cmd?: string[];
    WorkingDir?: string;
    User?: string;
    Labels?: Record<string, string>;
    ExposedPorts?: Record<string, unknown>;
    Volumes?: Record<string, unknown>;
    StopSignal?: string;
  };
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: unknown[];
}

/** Where a parse error was found, to make messages like `Invalid image manifest: layers[2].digest ...`. */
class Bad extends Error {}

function fail(path: string, msg: string): never {
  throw new Bad(`${path}: ${msg}`);
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'must be an object');
  return v as Record<string, unknown>;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') fail(path, 'must be a string');
  return v;
}

function optStr(v: unknown, path: string): string | undefined {
  return v === undefined || v === null ? undefined : str(v, path);
}

function strArray(v: unknown, path: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) fail(path, 'must be an array of strings');
  return v.map((x, i) => str(x, `${path}[${i}]`));
}

function strMap(v: unknown, path: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  const o = obj(v, path);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(o)) out[k] = str(x, `${path}.${k}`);
  return out;
}

function digestAt(v: unknown, path: string): Digest {
  if (!isDigest(v)) fail(path, `is not a valid digest (${JSON.stringify(v)})`);
  return v;
}

function parsePlatformObj(v: unknown, path: string): Platform | undefined {
  if (v === undefined || v === null) return undefined;
  const o = obj(v, path);
  const p: Platform = {
    os: str(o.os, `${path}.os`),
    architecture: str(o.architecture, `${path}.architecture`),
  };
  const variant = optStr(o.variant, `${path}.variant`);
  if (variant) p.variant = variant;
  const osVersion = optStr(o['os.version'], `${path}.os.version`);
  if (osVersion) p.osVersion = osVersion;
  return p;
}

/** Parses a descriptor object (`path` names it in errors). */
function descriptorAt(v: unknown, path: string): Descriptor {
  const o = obj(v, path);
  const size = o.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    fail(`${path}.size`, 'must be a non-negative integer');
  }
  const d: Descriptor = {
    mediaType: str(o.mediaType, `${path}.mediaType`),
    digest: digestAt(o.digest, `${path}.digest`),
    size,
  };
  const platform = parsePlatformObj(o.platform, `${path}.platform`);
  if (platform) d.platform = platform;
  const annotations = strMap(o.annotations, `${path}.annotations`);
  if (annotations) d.annotations = annotations;
  const urls = strArray(o.urls, `${path}.urls`);
  if (urls) d.urls = urls;
  return d;
}

function wrap<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof Bad) {
      throw new RuntimeError('InvalidArgument', `Invalid ${what}: ${e.message}`, {
        hint: 'the registry or archive holds content hostpod cannot read; check the image reference',
      });
    }
    throw e;
  }
}

/** Parses JSON bytes or text, throwing RuntimeError `InvalidArgument` naming `what` when it is not JSON. */
export function parseJson(bytes: Uint8Array | string, what: string): unknown {
  try {
    return JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new RuntimeError('InvalidArgument', `Invalid ${what}: not JSON (${(e as Error).message})`, {
      cause: e,
    });
  }
}

/** Parses a descriptor. Throws RuntimeError `InvalidArgument`. */
export function parseDescriptor(v: unknown): Descriptor {
  return wrap('descriptor', () => descriptorAt(v, 'descriptor'));
}

/**
 * Parses an OCI image manifest or Docker schema 2 manifest (given as parsed JSON). Throws
 * RuntimeError `InvalidArgument` naming the bad field, e.g. `Invalid image manifest: layers[1].digest ...`.
 */
export function parseManifest(v: unknown): ImageManifest {
  return wrap('image manifest', () => {
    const o = obj(v, '(root)');
    if (o.schemaVersion !== 2) fail('schemaVersion', `must be 2, got ${JSON.stringify(o.schemaVersion)}`);
    const mediaType = optStr(o.mediaType, 'mediaType');
    if (mediaType !== undefined && !isManifestType(mediaType)) {
      fail('mediaType', `${JSON.stringify(mediaType)} is not an image manifest`);
    }
    if (!Array.isArray(o.layers)) fail('layers', 'must be an array');
    const m: ImageManifest = {
      schemaVersion: 2,
      config: descriptorAt(o.config, 'config'),
      layers: o.layers.map((l, i) => descriptorAt(l, `layers[${i}]`)),
    };
    if (mediaType !== undefined) m.mediaType = mediaType;
    const annotations = strMap(o.annotations, 'annotations');
    if (annotations) m.annotations = annotations;
    return m;
  });
}

/** Parses an OCI image index or Docker manifest list. Throws RuntimeError `InvalidArgument`. */
export function parseIndex(v: unknown): ImageIndex {
  return wrap('image index', () => {
    const o = obj(v, '(root)');
    if (o.schemaVersion !== 2) fail('schemaVersion', `must be 2, got ${JSON.stringify(o.schemaVersion)}`);
    const mediaType = optStr(o.mediaType, 'mediaType');
    if (mediaType !== undefined && !isIndexType(mediaType)) {
      fail('mediaType', `${JSON.stringify(mediaType)} is not an image index`);
    }
    if (!Array.isArray(o.manifests)) fail('manifests', 'must be an array');
    const idx: ImageIndex = {
      schemaVersion: 2,
      manifests: o.manifests.map((d, i) => descriptorAt(d, `manifests[${i}]`)),
    };
    if (mediaType !== undefined) idx.mediaType = mediaType;
    const annotations = strMap(o.annotations, 'annotations');
    if (annotations) idx.annotations = annotations;
    return idx;
  });
}

/**
 * Tells a manifest from an index: by `mediaType` in the document, else by the HTTP
 * Content-Type, else by shape (`manifests` vs `layers`). Returns undefined when it is neither.
 */
export function manifestKind(v: unknown, contentType?: string): 'manifest' | 'index' | undefined {
  const o = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  const mt = typeof o.mediaType === 'string' ? o.mediaType : contentType?.split(';')[0]?.trim();
  if (isIndexType(mt)) return 'index';
  if (isManifestType(mt)) return 'manifest';
  if (mt === MediaType.dockerSchema1Manifest || mt === MediaType.dockerSchema1SignedManifest)
    return undefined;
  if (Array.isArray(o.manifests)) return 'index';
  if (Array.isArray(o.layers) && o.config !== undefined) return 'manifest';
  return undefined;
}

/** Parses an image config. Throws RuntimeError `InvalidArgument`. */
export function parseImageConfig(v: unknown): ImageConfig {
  return wrap('image config', () => {
    const o = obj(v, '(root)');
    const rootfs = obj(o.rootfs, 'rootfs');
    if (rootfs.type !== 'layers') fail('rootfs.type', 'must be "layers"');
    if (!Array.isArray(rootfs.diff_ids)) fail('rootfs.diff_ids', 'must be an array');
    const c: ImageConfig = {
      architecture: str(o.architecture, 'architecture'),
      os: str(o.os, 'os'),
      rootfs: {
        type: 'layers',
        diff_ids: rootfs.diff_ids.map((d, i) => digestAt(d, `rootfs.diff_ids[${i}]`)),
      },
    };
    const variant = optStr(o.variant, 'variant');
    if (variant) c.variant = variant;
    const osVersion = optStr(o['os.version'], 'os.version');
    if (osVersion) c['os.version'] = osVersion;
    const created = optStr(o.created, 'created');
    if (created) c.created = created;
    const author = optStr(o.author, 'author');
    if (author) c.author = author;
    if (Array.isArray(o.history)) c.history = o.history;
    if (o.config !== undefined && o.config !== null) {
      const cc = obj(o.config, 'config');
      const out: NonNullable<ImageConfig['config']> = {};
      const env = strArray(cc.Env, 'config.Env');
      if (env) out.Env = env;
      const ep = strArray(cc.Entrypoint, 'config.Entrypoint');
      if (ep) out.Entrypoint = ep;
      const cmd = strArray(cc.Cmd, 'config.Cmd');
      if (cmd) out.Cmd = cmd;
      const wd = optStr(cc.WorkingDir, 'config.WorkingDir');
      if (wd) out.WorkingDir = wd;
      const user = optStr(cc.User, 'config.User');
      if (user) out.User = user;
      const labels = strMap(cc.Labels, 'config.Labels');
      if (labels) out.Labels = labels;
      if (cc.ExposedPorts && typeof cc.ExposedPorts === 'object') {
        out.ExposedPorts = cc.ExposedPorts as Record<string, unknown>;
      }
      if (cc.Volumes && typeof cc.Volumes === 'object') out.Volumes = cc.Volumes as Record<string, unknown>;
      const stop = optStr(cc.StopSignal, 'config.StopSignal');
      if (stop) out.StopSignal = stop;
      c.config = out;
    }
    return c;
  });
}
