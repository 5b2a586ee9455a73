/**
 * Test helper: crafts tar archives byte by byte (ustar headers, PAX records when asked), so
 * tests can build hostile layers no well-behaved tool would write.
 */

export interface CraftEntry {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'raw';
  /** Raw typeflag (with type 'raw'). */
  flag?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkname?: string;
  body?: string | Buffer;
  /** Size to write in the header (defaults to the body length). */
  size?: number;
  devmajor?: number;
  devminor?: number;
  /** PAX records written in an 'x' header before the entry. */
  pax?: Record<string, string | Buffer>;
}

const FLAGS: Record<string, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
};

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

/** One 512-byte ustar header with a correct checksum. */
export function tarHeader(e: CraftEntry, size: number): Buffer {
  const b = Buffer.alloc(512);
  const flag = e.type === 'raw' ? (e.flag ?? '0') : FLAGS[e.type ?? 'file']!;
  b.write(e.name.slice(0, 100), 0, 'utf8');
  b.write(octal(e.mode ?? (e.type === 'dir' ? 0o755 : 0o644), 8), 100, 'latin1');
  b.write(octal(e.uid ?? 0, 8), 108, 'latin1');
  b.write(octal(e.gid ?? 0, 8), 116, 'latin1');
  b.write(octal(size, 12), 124, 'latin1');
  b.write(octal(e.mtime ?? 1_600_000_000, 12), 136, 'latin1');
  b.write('        ', 148, 'latin1');
  b.write(flag, 156, 'latin1');
  b.write((e.linkname ?? '').slice(0, 100), 157, 'utf8');
  b.write('ustar\0', 257, 'latin1');
  b.write('00', 263, 'latin1');
  b.write(octal(e.devmajor ?? 0, 8), 329, 'latin1');
  b.write(octal(e.devminor ?? 0, 8), 337, 'latin1');
  let sum = 0;
  for (const x of b) sum += x;
  b.write(octal(sum, 7), 148, 'latin1');
  return b;
}

function padded(body: Buffer): Buffer[] {
  const r = body.length % 512;
  return r === 0 ? [body] : [body, Buffer.alloc(512 - r)];
}

function paxBody(records: Record<string, string | Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(records)) {
    const val = typeof v === 'string' ? Buffer.from(v) : v;
    const rest = Buffer.byteLength(` ${k}=`) + val.length + 1;
    let len = rest + String(rest).length;
    if (String(len).length !== String(rest).length) len = rest + String(len).length;
    parts.push(Buffer.from(`${len} ${k}=`), val, Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

export interface CraftOptions {
  /** Leave out the two end-of-archive blocks (like umoci insert). */
  noEnd?: boolean;
}

/** Builds a tar archive from `entries`. */
export function craftTar(entries: readonly CraftEntry[], opts: CraftOptions = {}): Buffer {
  const out: Buffer[] = [];
  for (const e of entries) {
    if (e.pax) {
      const pb = paxBody(e.pax);
      out.push(tarHeader({ name: 'PaxHeader', type: 'raw', flag: 'x' }, pb.length), ...padded(pb));
    }
    const body = e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body);
    out.push(tarHeader(e, e.size ?? body.length));
    if (body.length > 0) out.push(...padded(body));
  }
  if (!opts.noEnd) out.push(Buffer.alloc(1024));
  return Buffer.concat(out);
}

/** An async iterable over `buf` in pieces of `chunk` bytes (to exercise split headers). */
export async function* chunked(buf: Buffer, chunk = 4096): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += chunk) yield buf.subarray(i, i + chunk);
}
