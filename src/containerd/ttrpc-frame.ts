/**
 * ttrpc framing (containerd/ttrpc channel.go, PROTOCOL.md): a 10-byte big-endian header —
 * payload length (uint32), stream id (uint32), type (uint8), flags (uint8) — then the payload.
 */

export const HEADER_SIZE = 10;
/** ttrpc's largest message: 4 MiB. A larger frame is skipped and its stream answered with an error. */
export const MAX_PAYLOAD = 4 << 20;
export const TYPE_REQUEST = 1;
export const TYPE_RESPONSE = 2;
export const TYPE_DATA = 3;

export interface Frame {
  streamId: number;
  type: number;
  flags: number;
  payload: Buffer;
  /** Set (with an empty payload) when the frame was larger than MAX_PAYLOAD and was skipped. */
  tooLarge?: number;
}

/** One frame's bytes. Throws RangeError for a payload over MAX_PAYLOAD or a bad stream id. */
export function encodeFrame(streamId: number, type: number, payload: Uint8Array, flags = 0): Buffer {
  if (payload.length > MAX_PAYLOAD)
    throw new RangeError(`ttrpc message of ${payload.length} bytes is over 4 MiB`);
  if (!Number.isInteger(streamId) || streamId < 0 || streamId > 0xffffffff)
    throw new RangeError(`bad ttrpc stream id ${streamId}`);
  const out = Buffer.allocUnsafe(HEADER_SIZE + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.writeUInt32BE(streamId, 4);
  out.writeUInt8(type, 8);
  out.writeUInt8(flags, 9);
  out.set(payload, HEADER_SIZE);
  return out;
}

/**
 * Turns a byte stream into frames, however the bytes are split into chunks. A frame whose
 * length is over MAX_PAYLOAD is skipped byte for byte (without buffering it) and reported with
 * `tooLarge`, so the connection stays usable, as ttrpc's channel does.
 */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  private skip = 0;

  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let data = chunk;
    if (this.skip > 0) {
      const n = Math.min(this.skip, data.length);
      this.skip -= n;
      data = data.subarray(n);
    }
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    for (;;) {
      if (this.buf.length < HEADER_SIZE) break;
      const length = this.buf.readUInt32BE(0);
      const streamId = this.buf.readUInt32BE(4);
      const type = this.buf.readUInt8(8);
      const flags = this.buf.readUInt8(9);
      if (length > MAX_PAYLOAD) {
        frames.push({ streamId, type, flags, payload: Buffer.alloc(0), tooLarge: length });
        const have = this.buf.length - HEADER_SIZE;
        const n = Math.min(have, length);
        this.skip = length - n;
        this.buf = this.buf.subarray(HEADER_SIZE + n);
        if (this.skip > 0) break;
        continue;
      }
      if (this.buf.length < HEADER_SIZE + length) break;
      // A copy: the caller may keep the payload while the buffer is reused.
      const payload = Buffer.from(this.buf.subarray(HEADER_SIZE, HEADER_SIZE + length));
      frames.push({ streamId, type, flags, payload });
      this.buf = this.buf.subarray(HEADER_SIZE + length);
    }
    if (this.buf.length === 0) this.buf = Buffer.alloc(0);
    return frames;
  }

  /** Bytes held of an unfinished frame. */
  get pending(): number {
    return this.buf.length;
  }
}
