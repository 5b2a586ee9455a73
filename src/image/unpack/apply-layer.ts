import { describeError, type ErrorCode, errnoCode, RuntimeError } from '../../errors.ts';
import { type Digest, DigestMismatchError, hasherFor, parseDigest } from '../../oci/digest.ts';
import { type ApplierSummary, LayerApplier, type LowerLayer, type UnpackMode } from './applier.ts';
import { type Compression, decompress } from './decompress.ts';
import { TarParser } from './tar-reader.ts';
import { WindowsLayerApplier } from './windows/windows-applier.ts';

/** Bounds on what one layer may contain; exceeding one is RuntimeError `ResourceExhausted`. */
export interface UnpackLimits {
  /** Entries in the layer (default 1,048,576). */
  maxEntries: number;
  /** Uncompressed bytes of the layer (default 64 GiB) — also what bounds a gzip bomb. */
  maxTotalSize: number;
  /** Size of a single file (default 16 GiB). */
  maxEntrySize: number;
}

export const DEFAULT_LIMITS: Readonly<UnpackLimits> = Object.freeze({
  maxEntries: 1 << 20,
  maxTotalSize: 64 * 1024 ** 3,
  maxEntrySize: 16 * 1024 ** 3,
});

export interface ApplyLayerOptions {
  /** Absolute path of an existing directory to write into. */
  target: string;
  mode: UnpackMode;
  /** Overlay mode: the layers below, top-most first. */
  lowers?: readonly LowerLayer[];
  keepSetuid?: boolean;
  limits?: Partial<UnpackLimits>;
  /** When given, the diffID computed while unpacking must equal it (else DataLoss). */
  expectedDiffId?: Digest;
  /**
   * The layer format, from the image's platform: `linux` (default) or `windows` (the Windows
   * layer format, `windows/windows-applier.ts`: in overlay mode tombstones stay as `.wh.NAME`
   * marker files and `lowers` serve hard-link targets).
   */
  format?: 'linux' | 'windows';
  /** Windows format: the image's first layer (which may not hold whiteouts). */
  base?: boolean;
  /** Names the layer in messages (default: "layer"). */
  what?: string;
  signal?: AbortSignal;
}

export interface ApplyLayerResult extends ApplierSummary {
  /** sha256 of the uncompressed tar stream. */
  diffId: Digest;
  /** Uncompressed size in bytes. */
  size: number;
  compression: Compression;
}

/**
 * Decompresses (gzip, zstd or none, by magic bytes) and applies one layer tar stream inside
 * `opts.target`, computing its diffID on the way (the whole uncompressed stream is hashed,
 * including anything after the end-of-archive marker). On failure the target is left as it is
 * — half-written — and the caller removes it.
 *
 * Throws RuntimeError: `InvalidArgument` (an entry that cannot be confined, a bad header),
 * `ResourceExhausted` (a limit), `DataLoss` (truncated or corrupt stream; DigestMismatchError
 * for a diffID mismatch), `NotImplemented` (bzip2/xz, sparse files), `Canceled` (signal).
 */
export async function applyLayer(
  source: AsyncIterable<Uint8Array>,
  opts: ApplyLayerOptions,
): Promise<ApplyLayerResult> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const what = opts.what ?? 'layer';
  const applier =
    opts.format === 'windows'
      ? new WindowsLayerApplier({
          target: opts.target,
          base: opts.base ?? false,
          what,
          // Overlay mode = this layer's own cache directory: tombstones stay as markers.
          tombstones: opts.mode === 'overlay' ? 'keep' : 'apply',
          lowers: (opts.lowers ?? []).map((l) => l.dir),
        })
      : new LayerApplier({
          target: opts.target,
          mode: opts.mode,
          lowers: opts.lowers ?? [],
          keepSetuid: opts.keepSetuid ?? false,
          chown: process.getuid?.() === 0,
          what,
        });
  const parser = new TarParser(applier, {
    maxEntries: limits.maxEntries,
    maxEntrySize: limits.maxEntrySize,
    what,
  });
  const hash = hasherFor(opts.expectedDiffId ?? parseDigest(`sha256:${'0'.repeat(64)}`));
  let compression: Compression = 'none';
  let size = 0;
  const stream = decompress(source, (c) => {
    compression = c;
  });
  try {
    for await (const chunk of stream) {
      if (opts.signal?.aborted) {
        throw new RuntimeError('Canceled', `Unpacking ${what} was canceled`, { cause: opts.signal.reason });
      }
      size += chunk.length;
      if (size > limits.maxTotalSize) {
        throw new RuntimeError(
          'ResourceExhausted',
          `Cannot unpack ${what}: more than ${limits.maxTotalSize} bytes uncompressed (limit maxTotalSize)`,
          { hint: 'raise the size limit if this image is legitimate' },
        );
      }
      hash.update(chunk);
      parser.write(chunk);
    }
    parser.end();
  } catch (e) {
    applier.abort();
    await stream.return(undefined).catch(() => {});
    throw asRuntimeError(e, what, applier.current);
  }
  const diffId = hash.digest();
  if (opts.expectedDiffId !== undefined && diffId !== opts.expectedDiffId) {
    throw new DigestMismatchError(`${what} (uncompressed content, diffID)`, {
      expected: opts.expectedDiffId,
      actual: diffId,
      actualSize: size,
    });
  }
  let summary: ApplierSummary;
  try {
    summary = await applier.finish();
  } catch (e) {
    throw asRuntimeError(e, what, undefined);
  }
  return { ...summary, diffId, size, compression };
}

/** System errors (disk full, name too long, …) become RuntimeErrors naming the layer and entry. */
function asRuntimeError(e: unknown, what: string, entry: string | undefined): unknown {
  if (e instanceof RuntimeError) return e;
  const code = errnoCode(e);
  if (code === undefined) return e;
  const where = entry === undefined ? '' : ` at entry "${entry}"`;
  const map: Record<string, ErrorCode> = {
    ENOSPC: 'ResourceExhausted',
    EDQUOT: 'ResourceExhausted',
    EMFILE: 'ResourceExhausted',
    EACCES: 'PermissionDenied',
    EPERM: 'PermissionDenied',
    EROFS: 'PermissionDenied',
    ENAMETOOLONG: 'InvalidArgument',
    EINVAL: 'InvalidArgument',
    ENOTDIR: 'InvalidArgument',
    EISDIR: 'InvalidArgument',
  };
  return new RuntimeError(map[code] ?? 'Internal', `Cannot unpack ${what}${where}: ${describeError(e)}`, {
    cause: e,
    hint:
      code === 'ENOSPC'
        ? 'free disk space under the state root and try again'
        : 'see the cause; the layer was not unpacked',
  });
}
