import { RuntimeError } from '../errors.ts';
import { type Digest, isDigest } from './digest.ts';

/** The registry a reference without a domain part names, as Docker does. */
export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const MAX_NAME_LENGTH = 255;

// The distribution/reference grammar.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const PATH_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_RE = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`,
);
const TAG_RE = /^[\w][\w.-]{0,127}$/;

/** A parsed, normalised image reference. */
export interface Reference {
  /** Registry host[:port], e.g. `docker.io`, `127.0.0.1:5000`. */
  readonly domain: string;
  /** Repository path inside the registry, e.g. `library/busybox`. */
  readonly path: string;
  /** The tag; `latest` when neither tag nor digest was given; absent for a digest-only reference. */
  readonly tag?: string;
  readonly digest?: Digest;
  /** `domain/path`. */
  readonly name: string;
  /** The full normalised form: `docker.io/library/busybox:latest`, `host:5000/a/b@sha256:…`. */
  string(): string;
}

function bad(s: string, why: string): never {
  throw new RuntimeError('InvalidArgument', `Invalid image reference ${JSON.stringify(s)}: ${why}`, {
    hint: 'write [registry[:port]/]repository[:tag][@sha256:digest], e.g. busybox, 127.0.0.1:5000/tools/agent:1.2',
  });
}

/**
 * Parses and normalises an image reference as Docker does: `busybox` →
 * `docker.io/library/busybox:latest`; `host:5000/a/b:tag`; `name@sha256:…` (no tag added);
 * `name:tag@sha256:…` (both kept; the digest wins when pulling). Throws RuntimeError
 * `InvalidArgument` saying what is wrong (uppercase repository, bad tag, bad digest, too long).
 */
export function parseReference(input: string): Reference {
  const s = input.trim();
  if (s === '') bad(input, 'it is empty');
  let rest = s;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) bad(input, `${JSON.stringify(d)} is not a valid digest`);
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag))
      bad(input, `tag ${JSON.stringify(tag)} is not valid (letters, digits, _ . -, at most 128)`);
  }
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first) {
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (!DOMAIN_RE.test(domain)) bad(input, `registry ${JSON.stringify(domain)} is not a valid host[:port]`);
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (path === '') bad(input, 'the repository name is missing');
  if (path.toLowerCase() !== path) bad(input, 'repository names must be lowercase');
  if (!PATH_RE.test(path)) {
    bad(
      input,
      `repository ${JSON.stringify(path)} is not valid (lowercase letters, digits, . _ - separated by /)`,
    );
  }
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_REPO_PREFIX + path;
  const name = `${domain}/${path}`;
  if (name.length > MAX_NAME_LENGTH) bad(input, `the name is longer than ${MAX_NAME_LENGTH} characters`);
  if (tag === undefined && digest === undefined) tag = 'latest';
  return makeReference(domain, path, tag, digest);
}

/** Builds a Reference from its parts (already valid). */
export function makeReference(domain: string, path: string, tag?: string, digest?: Digest): Reference {
  const name = `${domain}/${path}`;
  const full = `${name}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
  const ref: { -readonly [K in keyof Reference]: Reference[K] } = { domain, path, name, string: () => full };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/**
 * The short form users type: `busybox:latest` for `docker.io/library/busybox:latest`,
 * `docker.io/x/y:1` stays `x/y:1`; references on other registries are unchanged.
 */
export function familiarString(ref: Reference): string {
  let n = ref.name;
  if (ref.domain === DEFAULT_DOMAIN) {
    n = ref.path.startsWith(OFFICIAL_REPO_PREFIX) ? ref.path.slice(OFFICIAL_REPO_PREFIX.length) : ref.path;
  }
  return `${n}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** True when `host` (a reference domain, with or without port) is a loopback address or localhost. */
export function isLoopbackHost(host: string): boolean {
  let h = host;
  if (h.startsWith('[')) h = h.slice(1, h.indexOf(']'));
  else if (h.includes(':')) h = h.slice(0, h.lastIndexOf(':'));
  h = h.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
