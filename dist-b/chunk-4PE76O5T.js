import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  RuntimeError
} from "./chunk-4ZL3ZTLI.js";

// src/oci/digest.ts
import { createHash } from "node:crypto";
var DIGEST_ALGORITHMS = { sha256: 64, sha512: 128 };
var DIGEST_RE = /^(sha256|sha512):([0-9a-f]+)$/;
function isDigest(s) {
  if (typeof s !== "string") return false;
  const m = DIGEST_RE.exec(s);
  if (!m) return false;
  return m[2].length === DIGEST_ALGORITHMS[m[1]];
}
function parseDigest(s, what = "digest") {
  if (isDigest(s)) return s;
  const shown = s.length > 80 ? `${s.slice(0, 77)}...` : s;
  throw new RuntimeError("InvalidArgument", `Invalid ${what} ${JSON.stringify(shown)}`, {
    hint: "a digest is sha256: followed by 64 lowercase hex digits (or sha512: and 128)"
  });
}
function digestAlgorithm(d) {
  return d.slice(0, d.indexOf(":"));
}
function digestHex(d) {
  return d.slice(d.indexOf(":") + 1);
}
function sha256Of(bytes) {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}
function hasherFor(d) {
  const alg = digestAlgorithm(d);
  const h = createHash(alg);
  return {
    update(b) {
      h.update(b);
    },
    digest() {
      return `${alg}:${h.digest("hex")}`;
    },
    /** The digest of what was hashed so far, leaving the hasher usable. */
    peek() {
      return `${alg}:${h.copy().digest("hex")}`;
    }
  };
}
function shortDigest(d) {
  return digestHex(d).slice(0, 12);
}
var DigestMismatchError = class extends RuntimeError {
  expected;
  actual;
  expectedSize;
  actualSize;
  constructor(what, detail) {
    const why = detail.expectedSize !== void 0 && detail.actualSize !== detail.expectedSize ? `size is ${detail.actualSize} bytes${detail.actualSize > detail.expectedSize ? " or more" : ""}, expected ${detail.expectedSize}` : `content has digest ${detail.actual ?? "(unknown)"}`;
    super("DataLoss", `Digest mismatch for ${what} ${detail.expected}: ${why}`, {
      hint: "the source sent different bytes than it promised; nothing was stored \u2014 try again, or check the registry or archive"
    });
    this.name = "DigestMismatchError";
    this.expected = detail.expected;
    this.actual = detail.actual;
    this.expectedSize = detail.expectedSize;
    this.actualSize = detail.actualSize;
  }
};

// src/oci/media-types.ts
var MediaType = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  ociLayerNonDistributable: "application/vnd.oci.image.layer.nondistributable.v1.tar",
  ociLayerNonDistributableGzip: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  ociLayerNonDistributableZstd: "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
  ociEmpty: "application/vnd.oci.empty.v1+json",
  ociLayout: "application/vnd.oci.layout.header.v1+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  dockerLayerForeignGzip: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  dockerSchema1Manifest: "application/vnd.docker.distribution.manifest.v1+json",
  dockerSchema1SignedManifest: "application/vnd.docker.distribution.manifest.v1+prettyjws"
};
var MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.ociManifest,
  MediaType.dockerManifestList,
  MediaType.dockerManifest
].join(", ");
function isManifestType(mt) {
  return mt === MediaType.ociManifest || mt === MediaType.dockerManifest;
}
function isIndexType(mt) {
  return mt === MediaType.ociIndex || mt === MediaType.dockerManifestList;
}

// src/oci/reference.ts
var DEFAULT_DOMAIN = "docker.io";
var LEGACY_DEFAULT_DOMAIN = "index.docker.io";
var OFFICIAL_REPO_PREFIX = "library/";
var MAX_NAME_LENGTH = 255;
var COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
var PATH_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
var DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
var DOMAIN_RE = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`
);
var TAG_RE = /^[\w][\w.-]{0,127}$/;
function bad(s, why) {
  throw new RuntimeError("InvalidArgument", `Invalid image reference ${JSON.stringify(s)}: ${why}`, {
    hint: "write [registry[:port]/]repository[:tag][@sha256:digest], e.g. busybox, 127.0.0.1:5000/tools/agent:1.2"
  });
}
function parseReference(input) {
  const s = input.trim();
  if (s === "") bad(input, "it is empty");
  let rest = s;
  let digest;
  const at = rest.indexOf("@");
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) bad(input, `${JSON.stringify(d)} is not a valid digest`);
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag))
      bad(input, `tag ${JSON.stringify(tag)} is not valid (letters, digits, _ . -, at most 128)`);
  }
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf("/");
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (/[.:]/.test(first) || first === "localhost" || first.toLowerCase() !== first) {
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (!DOMAIN_RE.test(domain)) bad(input, `registry ${JSON.stringify(domain)} is not a valid host[:port]`);
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (path === "") bad(input, "the repository name is missing");
  if (path.toLowerCase() !== path) bad(input, "repository names must be lowercase");
  if (!PATH_RE.test(path)) {
    bad(
      input,
      `repository ${JSON.stringify(path)} is not valid (lowercase letters, digits, . _ - separated by /)`
    );
  }
  if (domain === DEFAULT_DOMAIN && !path.includes("/")) path = OFFICIAL_REPO_PREFIX + path;
  const name = `${domain}/${path}`;
  if (name.length > MAX_NAME_LENGTH) bad(input, `the name is longer than ${MAX_NAME_LENGTH} characters`);
  if (tag === void 0 && digest === void 0) tag = "latest";
  return makeReference(domain, path, tag, digest);
}
function makeReference(domain, path, tag, digest) {
  const name = `${domain}/${path}`;
  const full = `${name}${tag !== void 0 ? `:${tag}` : ""}${digest !== void 0 ? `@${digest}` : ""}`;
  const ref = { domain, path, name, string: () => full };
  if (tag !== void 0) ref.tag = tag;
  if (digest !== void 0) ref.digest = digest;
  return ref;
}
function familiarString(ref) {
  let n = ref.name;
  if (ref.domain === DEFAULT_DOMAIN) {
    n = ref.path.startsWith(OFFICIAL_REPO_PREFIX) ? ref.path.slice(OFFICIAL_REPO_PREFIX.length) : ref.path;
  }
  return `${n}${ref.tag !== void 0 ? `:${ref.tag}` : ""}${ref.digest !== void 0 ? `@${ref.digest}` : ""}`;
}
function isLoopbackHost(host) {
  let h = host;
  if (h.startsWith("[")) h = h.slice(1, h.indexOf("]"));
  else if (h.includes(":")) h = h.slice(0, h.lastIndexOf(":"));
  h = h.toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost") || h === "::1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export {
  DIGEST_ALGORITHMS,
  isDigest,
  parseDigest,
  digestAlgorithm,
  digestHex,
  sha256Of,
  hasherFor,
  shortDigest,
  DigestMismatchError,
  MediaType,
  MANIFEST_ACCEPT,
  isManifestType,
  isIndexType,
  parseReference,
  makeReference,
  familiarString,
  isLoopbackHost
};
