import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { RuntimeError } from '../../errors.ts';

/** How a layer blob is compressed, found by its magic bytes (never by its media type). */
export type Compression = 'gzip' | 'zstd' | 'none';

/** Decompressed output arrives in pieces of about this size. */
const CHUNK = 256 * 1024;

/**
 * Identifies the compression of a stream from its first bytes. Throws RuntimeError
 * `NotImplemented` for bzip2 and xz, which image layers do not use.
 */
export function sniffCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) {
    throw new RuntimeError('NotImplemented', 'Cannot unpack a bzip2-compressed layer', {
      hint: 'OCI layers are gzip, zstd or uncompressed tar',
    });
  }
  if (head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a) {
    throw new RuntimeError('NotImplemented', 'Cannot unpack an xz-compressed layer', {
      hint: 'OCI layers are gzip, zstd or uncompressed tar',
    });
  }
  return 'none';
}

/**
 * Decompresses `source` (gzip, zstd or none, by sniffing) into an async iterable of Buffers.
 * The compression found is reported through `onCompression` before the first output.
 * Corrupt compressed data is RuntimeError `DataLoss`.
 */
export async function* decompress(
  source: AsyncIterable<Uint8Array>,
  onCompression?: (c: Compression) => void,
): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  // Collect at least 6 bytes to sniff (a blob can be shorter: then it is whatever it is).
  const head: Buffer[] = [];
  let headLen = 0;
  let ended = false;
  while (headLen < 6) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    const b = Buffer.isBuffer(r.value)
      ? r.value
      : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.length);
    head.push(b);
    headLen += b.length;
  }
  const first = Buffer.concat(head, headLen);
  const kind = sniffCompression(first);
  onCompression?.(kind);
  async function* rest(): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield Buffer.isBuffer(r.value)
        ? r.value
        : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.length);
    }
  }
  if (kind === 'none') {
    yield* rest();
    return;
  }
  if (kind === 'gzip') {
    const gunzip = createGunzip({ chunkSize: CHUNK });
    const input = Readable.from(rest(), { objectMode: false, highWaterMark: CHUNK });
    input.on('error', (e) => gunzip.destroy(e));
    input.pipe(gunzip);
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } catch (e) {
      throw wrapCorrupt('gzip', e);
    } finally {
      input.destroy();
      gunzip.destroy();
    }
    return;
  }
  // zstd: fzstd's streaming decoder (pure JS: Node 20 has no zstd in zlib), loaded only when a
  // zstd layer comes (it costs ≈30–60 ms of start-up).
  const { Decompress } = await import('fzstd');
  let out: Buffer[] = [];
  const d = new Decompress((chunk) => {
    // Copied: the decoder may reuse its window buffer for the next block.
    out.push(Buffer.from(chunk));
  });
  try {
    for await (const b of rest()) {
      d.push(b);
      if (out.length > 0) {
        const o = out;
        out = [];
        yield* o;
      }
    }
    d.push(new Uint8Array(0), true);
  } catch (e) {
    throw wrapCorrupt('zstd', e);
  }
  yield* out;
}

function wrapCorrupt(kind: string, e: unknown): unknown {
  if (e instanceof RuntimeError) return e;
  return new RuntimeError(
    'DataLoss',
    `Cannot unpack a ${kind} layer: ${e instanceof Error ? e.message : String(e)}`,
    {
      cause: e,
      hint: 'the blob is corrupt or truncated; fetch or import it again',
    },
  );
}
