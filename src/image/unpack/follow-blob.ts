/**
 * The bytes of a blob while a pull writes it, for an unpacker in this thread or in a worker:
 * read from the content store's partial ingest file as it grows, then from the committed blob,
 * woken through `shared` — an Int32Array [version, flags] the downloader bumps (Atomics.notify
 * on index 0) at every event of the blob. A restart of the download from byte 0 or a stopped
 * pull ends the follow with `FollowLost` (the caller then unpacks the committed blob); the
 * diffID check guards the rest.
 */
import { createReadStream, existsSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { errnoCode } from '../../errors.ts';

/** Bits of the flags word (`shared[1]`). */
export const FOLLOW_DONE = 1;
export const FOLLOW_RESTARTED = 2;
export const FOLLOW_STOPPED = 4;

/** A blob being downloaded: its partial ingest file, its committed path, its size, its wake-up state. */
export interface FollowedBlob {
  partial: string;
  blob: string;
  size: number;
  shared: SharedArrayBuffer;
}

/** Atomics.waitAsync (Node 16+; not in the ES2023 lib typings). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number, t: number): { value: Promise<string> | string };
  }
).waitAsync;

/** The follow could not give the blob's bytes (restart, stop): unpack from the committed blob. */
export class FollowLost extends Error {}

/** The blob's bytes, from the first, as they are written. Throws `FollowLost` (see above). */
export async function* followBlob(src: FollowedBlob): AsyncGenerator<Uint8Array> {
  const st = new Int32Array(src.shared);
  let fh: FileHandle | undefined;
  let pos = 0;
  try {
    for (;;) {
      const seen = Atomics.load(st, 0);
      const flags = Atomics.load(st, 1);
      if (flags & FOLLOW_STOPPED) throw new FollowLost('the pull stopped');
      if (flags & FOLLOW_RESTARTED && pos > 0) throw new FollowLost('the download restarted');
      if (!fh) {
        if (existsSync(src.blob)) {
          for await (const b of createReadStream(src.blob, { highWaterMark: 1 << 20, start: pos })) {
            yield b as Buffer;
          }
          return;
        }
        fh = await open(src.partial, 'r').catch((e: unknown) => {
          if (errnoCode(e) === 'ENOENT') return undefined;
          throw e;
        });
        if (!fh) {
          if (!(flags & FOLLOW_DONE)) await waitAsync(st, 0, seen, 1000).value;
          continue;
        }
      }
      const buf = Buffer.allocUnsafe(1 << 20);
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead > 0) {
        pos += bytesRead;
        yield buf.subarray(0, bytesRead);
        if (pos >= src.size) return;
        continue;
      }
      if (flags & FOLLOW_DONE) {
        // The writer renamed the partial into the blob: the open file is the blob.
        if ((await fh.stat()).size <= pos) throw new FollowLost('the blob ended early');
        continue;
      }
      await waitAsync(st, 0, seen, 1000).value;
    }
  } finally {
    await fh?.close();
  }
}
