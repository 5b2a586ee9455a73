import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  MediaType,
  isDigest,
  isIndexType,
  isManifestType
} from "./chunk-4PE76O5T.js";
import {
  RuntimeError
} from "./chunk-4ZL3ZTLI.js";

// src/oci/manifest.ts
var Bad = class extends Error {
};
function fail(path, msg) {
  throw new Bad(`${path}: ${msg}`);
}
function obj(v, path) {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, "must be an object");
  return v;
}
function str(v, path) {
  if (typeof v !== "string") fail(path, "must be a string");
  return v;
}
function optStr(v, path) {
  return v === void 0 || v === null ? void 0 : str(v, path);
}
function strArray(v, path) {
  if (v === void 0 || v === null) return void 0;
  if (!Array.isArray(v)) fail(path, "must be an array of strings");
  return v.map((x, i) => str(x, `${path}[${i}]`));
}
function strMap(v, path) {
  if (v === void 0 || v === null) return void 0;
  const o = obj(v, path);
  const out = {};
  for (const [k, x] of Object.entries(o)) out[k] = str(x, `${path}.${k}`);
  return out;
}
function digestAt(v, path) {
  if (!isDigest(v)) fail(path, `is not a valid digest (${JSON.stringify(v)})`);
  return v;
}
function parsePlatformObj(v, path) {
  if (v === void 0 || v === null) return void 0;
  const o = obj(v, path);
  const p = {
    os: str(o.os, `${path}.os`),
    architecture: str(o.architecture, `${path}.architecture`)
  };
  const variant = optStr(o.variant, `${path}.variant`);
  if (variant) p.variant = variant;
  const osVersion = optStr(o["os.version"], `${path}.os.version`);
  if (osVersion) p.osVersion = osVersion;
  return p;
}
function descriptorAt(v, path) {
  const o = obj(v, path);
  const size = o.size;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    fail(`${path}.size`, "must be a non-negative integer");
  }
  const d = {
    mediaType: str(o.mediaType, `${path}.mediaType`),
    digest: digestAt(o.digest, `${path}.digest`),
    size
  };
  const platform = parsePlatformObj(o.platform, `${path}.platform`);
  if (platform) d.platform = platform;
  const annotations = strMap(o.annotations, `${path}.annotations`);
  if (annotations) d.annotations = annotations;
  const urls = strArray(o.urls, `${path}.urls`);
  if (urls) d.urls = urls;
  return d;
}
function wrap(what, f) {
  try {
    return f();
  } catch (e) {
    if (e instanceof Bad) {
      throw new RuntimeError("InvalidArgument", `Invalid ${what}: ${e.message}`, {
        hint: "the registry or archive holds content hostpod cannot read; check the image reference"
      });
    }
    throw e;
  }
}
function parseJson(bytes, what) {
  try {
    return JSON.parse(typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8"));
  } catch (e) {
    throw new RuntimeError("InvalidArgument", `Invalid ${what}: not JSON (${e.message})`, {
      cause: e
    });
  }
}
function parseManifest(v) {
  return wrap("image manifest", () => {
    const o = obj(v, "(root)");
    if (o.schemaVersion !== 2) fail("schemaVersion", `must be 2, got ${JSON.stringify(o.schemaVersion)}`);
    const mediaType = optStr(o.mediaType, "mediaType");
    if (mediaType !== void 0 && !isManifestType(mediaType)) {
      fail("mediaType", `${JSON.stringify(mediaType)} is not an image manifest`);
    }
    if (!Array.isArray(o.layers)) fail("layers", "must be an array");
    const m = {
      schemaVersion: 2,
      config: descriptorAt(o.config, "config"),
      layers: o.layers.map((l, i) => descriptorAt(l, `layers[${i}]`))
    };
    if (mediaType !== void 0) m.mediaType = mediaType;
    const annotations = strMap(o.annotations, "annotations");
    if (annotations) m.annotations = annotations;
    return m;
  });
}
function parseIndex(v) {
  return wrap("image index", () => {
    const o = obj(v, "(root)");
    if (o.schemaVersion !== 2) fail("schemaVersion", `must be 2, got ${JSON.stringify(o.schemaVersion)}`);
    const mediaType = optStr(o.mediaType, "mediaType");
    if (mediaType !== void 0 && !isIndexType(mediaType)) {
      fail("mediaType", `${JSON.stringify(mediaType)} is not an image index`);
    }
    if (!Array.isArray(o.manifests)) fail("manifests", "must be an array");
    const idx = {
      schemaVersion: 2,
      manifests: o.manifests.map((d, i) => descriptorAt(d, `manifests[${i}]`))
    };
    if (mediaType !== void 0) idx.mediaType = mediaType;
    const annotations = strMap(o.annotations, "annotations");
    if (annotations) idx.annotations = annotations;
    return idx;
  });
}
function manifestKind(v, contentType) {
  const o = typeof v === "object" && v !== null ? v : {};
  const mt = typeof o.mediaType === "string" ? o.mediaType : contentType?.split(";")[0]?.trim();
  if (isIndexType(mt)) return "index";
  if (isManifestType(mt)) return "manifest";
  if (mt === MediaType.dockerSchema1Manifest || mt === MediaType.dockerSchema1SignedManifest)
    return void 0;
  if (Array.isArray(o.manifests)) return "index";
  if (Array.isArray(o.layers) && o.config !== void 0) return "manifest";
  return void 0;
}
function parseImageConfig(v) {
  return wrap("image config", () => {
    const o = obj(v, "(root)");
    const rootfs = obj(o.rootfs, "rootfs");
    if (rootfs.type !== "layers") fail("rootfs.type", 'must be "layers"');
    if (!Array.isArray(rootfs.diff_ids)) fail("rootfs.diff_ids", "must be an array");
    const c = {
      architecture: str(o.architecture, "architecture"),
      os: str(o.os, "os"),
      rootfs: {
        type: "layers",
        diff_ids: rootfs.diff_ids.map((d, i) => digestAt(d, `rootfs.diff_ids[${i}]`))
      }
    };
    const variant = optStr(o.variant, "variant");
    if (variant) c.variant = variant;
    const osVersion = optStr(o["os.version"], "os.version");
    if (osVersion) c["os.version"] = osVersion;
    const created = optStr(o.created, "created");
    if (created) c.created = created;
    const author = optStr(o.author, "author");
    if (author) c.author = author;
    if (Array.isArray(o.history)) c.history = o.history;
    if (o.config !== void 0 && o.config !== null) {
      const cc = obj(o.config, "config");
      const out = {};
      const env = strArray(cc.Env, "config.Env");
      if (env) out.Env = env;
      const ep = strArray(cc.Entrypoint, "config.Entrypoint");
      if (ep) out.Entrypoint = ep;
      const cmd = strArray(cc.Cmd, "config.Cmd");
      if (cmd) out.Cmd = cmd;
      const wd = optStr(cc.WorkingDir, "config.WorkingDir");
      if (wd) out.WorkingDir = wd;
      const user = optStr(cc.User, "config.User");
      if (user) out.User = user;
      const labels = strMap(cc.Labels, "config.Labels");
      if (labels) out.Labels = labels;
      if (cc.ExposedPorts && typeof cc.ExposedPorts === "object") {
        out.ExposedPorts = cc.ExposedPorts;
      }
      if (cc.Volumes && typeof cc.Volumes === "object") out.Volumes = cc.Volumes;
      const stop = optStr(cc.StopSignal, "config.StopSignal");
      if (stop) out.StopSignal = stop;
      c.config = out;
    }
    return c;
  });
}

export {
  parseJson,
  parseManifest,
  parseIndex,
  manifestKind,
  parseImageConfig
};
