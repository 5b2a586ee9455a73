import { createHash } from 'node:crypto';
import { RuntimeError } from '../errors.ts';

/**
 * A content digest, `<algorithm>:<hex>` — `sha256:<64 lowercase hex>` or `sha512:<128 hex>`.
 * Made only by {@link parseDigest} or {@link sha256Of}, so its hex part is always a safe file name.
 */
export type Digest = string & { readonly __brand: 'Digest' };

/** The digest algorithms hostpod accepts and the hex length of each. */
export const DIGEST_ALGORITHMS = { sha256: 64, sha512: 128 } as const;
export type DigestAlgorithm = keyof typeof DIGEST_ALGORITHMS;

const DIGEST_RE = /^(sha256|sha512):([0-9a-f]+)$/;

/** True when `s` is a well-formed digest (see {@link parseDigest}). */
export function isDigest(s: unknown): s is Digest {
  if (typeof s !== 'string') return false;
  const m = DIGEST_RE.exec(s);
  if (!m) return false;
  return m[2]!.length === DIGEST_ALGORITHMS[m[1] as DigestAlgorithm];
}

/**
 * Parses `s` as a digest. Throws RuntimeError `InvalidArgument` when it is not
 * `sha256:<64 lowercase hex>` or `sha512:<128 lowercase hex>`.
 */
export function parseDigest(s: string, what = 'digest'): Digest {
  if (isDigest(s)) return s;
  const shown = s.length > 80 ? `${s.slice(0, 77)}...` : s;
  throw new RuntimeError('InvalidArgument', `Invalid ${what} ${JSON.stringify(shown)}`, {
    hint: 'a digest is sha256: followed by 64 lowercase hex digits (or sha512: and 128)',
  });
}

/** The algorithm part of a digest (`sha256`). */
export function digestAlgorithm(d: Digest): DigestAlgorithm {
  return d.slice(0, d.indexOf(':')) as DigestAlgorithm;
}

/** The hex part of a digest: safe as a file name. */
export function digestHex(d: Digest): string {
  return d.slice(d.indexOf(':') + 1);
}

/** The sha256 digest of `bytes` (a string is hashed as UTF-8). */
export function sha256Of(bytes: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
}

/** A hasher for the algorithm of `d`, for verifying a stream against it. */
export function hasherFor(d: Digest): { update(b: Uint8Array): void; digest(): Digest; peek(): Digest } {
  const alg = digestAlgorithm(d);
  const h = createHash(alg);
  return {
    update(b: Uint8Array) {
      h.update(b);
    },
    digest() {
      return `${alg}:${h.digest('hex')}` as Digest;
    },
    /** The digest of what was hashed so far, leaving the hasher usable. */
    peek() {
      return `${alg}:${h.copy().digest('hex')}` as Digest;
    },
  };
}

/** The short form shown to users as an image id: the first 12 hex digits. */
export function shortDigest(d: Digest): string {
  return digestHex(d).slice(0, 12);
}

/**
 * Content did not match its digest or declared size: RuntimeError `DataLoss` carrying what was
 * expected and what arrived, so a caller can say which blob failed and why.
 */
export class DigestMismatchError extends RuntimeError {
  readonly expected: Digest;
  readonly actual: Digest | undefined;
  readonly expectedSize: number | undefined;
  readonly actualSize: number;

  constructor(
    what: string,
    detail: { expected: Digest; actual?: Digest; expectedSize?: number; actualSize: number },
  ) {
    const why =
      detail.expectedSize !== undefined && detail.actualSize !== detail.expectedSize
        ? `size is ${detail.actualSize} bytes${detail.actualSize > detail.expectedSize ? ' or more' : ''}, expected ${detail.expectedSize}`
        : `content has digest ${detail.actual ?? '(unknown)'}`;
    super('DataLoss', `Digest mismatch for ${what} ${detail.expected}: ${why}`, {
      hint: 'the source sent different bytes than it promised; nothing was stored — try again, or check the registry or archive',
    });
    this.name = 'DigestMismatchError';
    this.expected = detail.expected;
    this.actual = detail.actual;
    this.expectedSize = detail.expectedSize;
    this.actualSize = detail.actualSize;
  }
}
