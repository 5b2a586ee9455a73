import { RuntimeError } from '../../errors.ts';

/** The kinds of tar entries an applier sees (PAX and GNU meta entries are folded in). */
export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

/** One tar entry's header, with PAX/GNU extensions already applied. */
export interface TarEntry {
  /** The raw name from the archive (not cleaned). */
  name: string;
  type: TarEntryType;
  /** Permission bits plus setuid/setgid/sticky (`mode & 0o7777`). */
  mode: number;
  uid: number;
  gid: number;
  /** Body size in bytes (0 for every type but `file`). */
  size: number;
  /** Modification time in seconds since the epoch (may be fractional from PAX). */
  mtime: number;
  /** Symlink target or hardlink target, verbatim. */
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes from PAX `SCHILY.xattr.*` / `LIBARCHIVE.xattr.*` records. */
  xattrs: Map<string, Buffer> | undefined;
  /**
   * The Windows layer format's PAX records (`MSWINDOWS.fileattr`, `MSWINDOWS.rawsd`,
   * `MSWINDOWS.mountpoint`, `MSWINDOWS.xattr.*`, `LIBARCHIVE.creationtime`), verbatim.
   */
  windows?: Map<string, string> | undefined;
}

/**
 * What the parser calls, synchronously, as bytes arrive: `entry` once per entry, then `data`
 * for each piece of its body (only for `file`), then `entryEnd`.
 */
export interface TarHandler {
  entry(e: TarEntry): void;
  data(chunk: Buffer): void;
  entryEnd(): void;
}

export interface TarParserOptions {
  /** Largest body of a single entry accepted (the header's size is checked before any write). */
  maxEntrySize: number;
  /** Largest number of entries accepted. */
  maxEntries: number;
  /** Largest PAX / GNU long-name record accepted. */
  maxMetaSize?: number;
  /** Names the archive in error messages ("layer sha256:…"). */
  what: string;
}

const BLOCK = 512;
const HEADER_ONLY = new Set<TarEntryType>(['hardlink', 'symlink', 'char', 'block', 'dir', 'fifo']);

type State = 'header' | 'body' | 'meta' | 'padding' | 'done';

/**
 * A push parser for ustar / PAX / GNU tar streams that never buffers a file body: each
 * `write(chunk)` calls the handler synchronously. A stream that ends cleanly between entries is
 * accepted even without the end-of-archive blocks (umoci writes such layers); a stream that ends
 * inside a header or body is refused by `end()`.
 *
 * Throws RuntimeError `InvalidArgument` (bad header, checksum, unsupported entry type),
 * `ResourceExhausted` (entry count / entry size / meta size over the limit) and `DataLoss`
 * (truncated entry).
 */
export class TarParser {
  readonly #h: TarHandler;
  readonly #opts: Required<TarParserOptions>;
  #state: State = 'header';
  readonly #hdr = Buffer.alloc(BLOCK);
  #hdrFill = 0;
  #remaining = 0;
  #padding = 0;
  #meta: Buffer[] = [];
  #metaKind = '';
  #metaFill = 0;
  #entries = 0;
  #zeroBlocks = 0;
  #current = '';
  // Pending extensions for the next real entry.
  #pax: Map<string, string | Buffer> | undefined;
  #global: Map<string, string | Buffer> = new Map();
  #longName: string | undefined;
  #longLink: string | undefined;

  constructor(handler: TarHandler, opts: TarParserOptions) {
    this.#h = handler;
    this.#opts = { maxMetaSize: 1 << 20, ...opts };
  }

  /** Number of entries seen so far (meta entries not counted). */
  get entries(): number {
    return this.#entries;
  }

  /** Feeds the next bytes of the uncompressed tar stream. */
  write(chunk: Buffer): void {
    let off = 0;
    const len = chunk.length;
    while (off < len) {
      switch (this.#state) {
        case 'header': {
          if (this.#hdrFill === 0 && len - off >= BLOCK) {
            this.#onHeader(chunk.subarray(off, off + BLOCK));
            off += BLOCK;
          } else {
            const n = Math.min(BLOCK - this.#hdrFill, len - off);
            chunk.copy(this.#hdr, this.#hdrFill, off, off + n);
            this.#hdrFill += n;
            off += n;
            if (this.#hdrFill === BLOCK) {
              this.#hdrFill = 0;
              this.#onHeader(this.#hdr);
            }
          }
          break;
        }
        case 'body': {
          const n = Math.min(this.#remaining, len - off);
          this.#h.data(chunk.subarray(off, off + n));
          off += n;
          this.#remaining -= n;
          if (this.#remaining === 0) this.#finishBody();
          break;
        }
        case 'meta': {
          const n = Math.min(this.#remaining, len - off);
          this.#meta.push(Buffer.from(chunk.subarray(off, off + n)));
          this.#metaFill += n;
          off += n;
          this.#remaining -= n;
          if (this.#remaining === 0) this.#finishMeta();
          break;
        }
        case 'padding': {
          const n = Math.min(this.#padding, len - off);
          off += n;
          this.#padding -= n;
          if (this.#padding === 0) this.#state = 'header';
          break;
        }
        case 'done':
          return;
      }
    }
  }

  /** Signals the end of the stream; throws DataLoss when it ended inside an entry. */
  end(): void {
    if (this.#state === 'done') return;
    // A missing end-of-archive marker, or even missing padding after the last body (umoci
    // insert writes both such layers), is accepted: every entry arrived whole.
    const betweenEntries =
      (this.#state === 'header' && this.#hdrFill === 0) ||
      (this.#state === 'padding' && this.#current === '');
    if (betweenEntries && this.#pax === undefined && this.#longName === undefined) {
      this.#state = 'done';
      return;
    }
    const where = this.#current ? `in entry "${this.#current}"` : 'in a header';
    throw new RuntimeError(
      'DataLoss',
      `Cannot unpack ${this.#opts.what}: the archive is truncated ${where}`,
      {
        hint: 'the file or download is incomplete; fetch or export it again',
      },
    );
  }

  #onHeader(b: Buffer): void {
    if (isZeroBlock(b)) {
      this.#zeroBlocks++;
      if (this.#zeroBlocks >= 2) this.#state = 'done';
      return;
    }
    if (this.#zeroBlocks > 0) {
      // A single zero block followed by more headers: tolerated like GNU tar does.
      this.#zeroBlocks = 0;
    }
    verifyChecksum(b, this.#opts.what);
    const flag = String.fromCharCode(b[156] ?? 0);
    const size = readNumber(b, 124, 12, 'size', this.#opts.what);
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > this.#opts.maxMetaSize) {
        throw new RuntimeError(
          'ResourceExhausted',
          `Cannot unpack ${this.#opts.what}: an extended header of ${size} bytes exceeds the limit of ${this.#opts.maxMetaSize}`,
        );
      }
      this.#metaKind = flag;
      this.#meta = [];
      this.#metaFill = 0;
      this.#remaining = size;
      this.#padding = pad(size);
      this.#state = 'meta';
      if (size === 0) this.#finishMeta();
      return;
    }
    const e = this.#parseEntry(b, flag, size);
    this.#entries++;
    if (this.#entries > this.#opts.maxEntries) {
      throw new RuntimeError(
        'ResourceExhausted',
        `Cannot unpack ${this.#opts.what}: more than ${this.#opts.maxEntries} entries (limit maxEntries)`,
        { hint: 'raise the entry limit if this image is legitimate' },
      );
    }
    if (e.size > this.#opts.maxEntrySize) {
      throw new RuntimeError(
        'ResourceExhausted',
        `Cannot unpack ${this.#opts.what}: entry "${e.name}" is ${e.size} bytes, over the limit of ${this.#opts.maxEntrySize} (maxEntrySize)`,
        { hint: 'raise the entry size limit if this image is legitimate' },
      );
    }
    this.#current = e.name;
    this.#h.entry(e);
    const bodySize = HEADER_ONLY.has(e.type) ? 0 : size;
    if (e.type !== 'file' && bodySize > 0) {
      // Bodies of char/block/fifo with a size are skipped like padding.
      this.#padding = bodySize + pad(bodySize);
      this.#state = 'padding';
      this.#h.entryEnd();
      this.#current = '';
      return;
    }
    this.#remaining = bodySize;
    this.#padding = pad(bodySize);
    this.#state = 'body';
    if (bodySize === 0) this.#finishBody();
  }

  #finishBody(): void {
    this.#h.entryEnd();
    this.#current = '';
    this.#state = this.#padding > 0 ? 'padding' : 'header';
  }

  #finishMeta(): void {
    const body = Buffer.concat(this.#meta, this.#metaFill);
    this.#meta = [];
    switch (this.#metaKind) {
      case 'L':
        this.#longName = cString(body);
        break;
      case 'K':
        this.#longLink = cString(body);
        break;
      case 'x':
        this.#pax = parsePax(body, this.#opts.what);
        break;
      case 'g':
        for (const [k, v] of parsePax(body, this.#opts.what)) this.#global.set(k, v);
        break;
    }
    this.#state = this.#padding > 0 ? 'padding' : 'header';
  }

  #parseEntry(b: Buffer, flag: string, rawSize: number): TarEntry {
    const what = this.#opts.what;
    const magic = b.toString('latin1', 257, 263);
    let name = cString(b.subarray(0, 100));
    if (magic === 'ustar\0') {
      const prefix = cString(b.subarray(345, 500));
      if (prefix) name = `${prefix}/${name}`;
    }
    let linkname = cString(b.subarray(157, 257));
    let size = rawSize;
    let uid = readNumber(b, 108, 8, 'uid', what);
    let gid = readNumber(b, 116, 8, 'gid', what);
    let mtime = readNumber(b, 136, 12, 'mtime', what);
    let xattrs: Map<string, Buffer> | undefined;
    let windows: Map<string, string> | undefined;
    const ext = new Map(this.#global);
    if (this.#pax) for (const [k, v] of this.#pax) ext.set(k, v);
    this.#pax = undefined;
    if (this.#longName !== undefined) name = this.#longName;
    if (this.#longLink !== undefined) linkname = this.#longLink;
    this.#longName = undefined;
    this.#longLink = undefined;
    for (const [k, v] of ext) {
      const s = typeof v === 'string' ? v : v.toString('utf8');
      switch (k) {
        case 'path':
          name = s;
          break;
        case 'linkpath':
          linkname = s;
          break;
        case 'size':
          size = paxInt(s, k, what);
          break;
        case 'uid':
          uid = paxInt(s, k, what);
          break;
        case 'gid':
          gid = paxInt(s, k, what);
          break;
        case 'mtime': {
          const t = Number(s);
          if (Number.isFinite(t)) mtime = t;
          break;
        }
        default:
          if (k.startsWith('MSWINDOWS.') || k === 'LIBARCHIVE.creationtime') {
            windows ??= new Map();
            windows.set(k, s);
          } else if (k.startsWith('SCHILY.xattr.')) {
            xattrs ??= new Map();
            xattrs.set(k.slice('SCHILY.xattr.'.length), typeof v === 'string' ? Buffer.from(v) : v);
          } else if (k.startsWith('LIBARCHIVE.xattr.')) {
            xattrs ??= new Map();
            const key = decodeURIComponent(k.slice('LIBARCHIVE.xattr.'.length));
            xattrs.set(key, Buffer.from(s, 'base64'));
          } else if (k.startsWith('GNU.sparse.')) {
            throw new RuntimeError(
              'NotImplemented',
              `Cannot unpack ${what}: entry "${name}" is a sparse file`,
              {
                hint: 'sparse tar entries are not supported in image layers',
              },
            );
          }
      }
    }
    let type: TarEntryType;
    switch (flag) {
      case '0':
      case '\0':
      case '7':
        type = 'file';
        break;
      case '1':
        type = 'hardlink';
        break;
      case '2':
        type = 'symlink';
        break;
      case '3':
        type = 'char';
        break;
      case '4':
        type = 'block';
        break;
      case '5':
        type = 'dir';
        break;
      case '6':
        type = 'fifo';
        break;
      default:
        throw new RuntimeError(
          'InvalidArgument',
          `Cannot unpack ${what}: entry "${name}" has unsupported tar type ${JSON.stringify(flag)}`,
          { hint: 'image layers may contain files, directories, links and device nodes only' },
        );
    }
    // Old tars mark directories with a trailing slash on a regular-file entry.
    if (type === 'file' && (flag === '\0' || flag === '0') && name.endsWith('/') && size === 0) type = 'dir';
    const mode = readNumber(b, 100, 8, 'mode', what) & 0o7777;
    return {
      name,
      type,
      mode,
      uid,
      gid,
      size: type === 'file' ? size : 0,
      mtime,
      linkname,
      devmajor: type === 'char' || type === 'block' ? readNumber(b, 329, 8, 'devmajor', what) : 0,
      devminor: type === 'char' || type === 'block' ? readNumber(b, 337, 8, 'devminor', what) : 0,
      xattrs,
      windows,
    };
  }
}

function pad(n: number): number {
  const r = n % BLOCK;
  return r === 0 ? 0 : BLOCK - r;
}

function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

function cString(b: Buffer): string {
  const z = b.indexOf(0);
  return b.toString('utf8', 0, z === -1 ? b.length : z);
}

function verifyChecksum(b: Buffer, what: string): void {
  const stored = readNumber(b, 148, 8, 'checksum', what);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 32 : (b[i] ?? 0);
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  if (stored !== unsigned && stored !== signed) {
    throw new RuntimeError('InvalidArgument', `Cannot unpack ${what}: a tar header has a bad checksum`, {
      hint: 'the data is not a tar archive or is corrupted',
    });
  }
}

/** Reads an octal (or GNU base-256) numeric header field. */
function readNumber(b: Buffer, off: number, len: number, field: string, what: string): number {
  const first = b[off] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) {
      throw new RuntimeError('InvalidArgument', `Cannot unpack ${what}: negative ${field} in a tar header`);
    }
    let v = first & 0x7f;
    for (let i = 1; i < len; i++) {
      v = v * 256 + (b[off + i] ?? 0);
      if (v > Number.MAX_SAFE_INTEGER) {
        throw new RuntimeError(
          'InvalidArgument',
          `Cannot unpack ${what}: ${field} in a tar header is too large`,
        );
      }
    }
    return v;
  }
  let v = 0;
  let seen = false;
  for (let i = off; i < off + len; i++) {
    const c = b[i] ?? 0;
    if (c === 0 || c === 0x20) {
      if (seen) break;
      continue;
    }
    if (c < 0x30 || c > 0x37) {
      throw new RuntimeError(
        'InvalidArgument',
        `Cannot unpack ${what}: invalid ${field} field in a tar header`,
        {
          hint: 'the data is not a tar archive or is corrupted',
        },
      );
    }
    v = v * 8 + (c - 0x30);
    seen = true;
  }
  return v;
}

function paxInt(s: string, key: string, what: string): number {
  if (!/^\d{1,16}$/.test(s) || !Number.isSafeInteger(Number(s))) {
    throw new RuntimeError(
      'InvalidArgument',
      `Cannot unpack ${what}: invalid PAX ${key} value "${s.slice(0, 40)}"`,
    );
  }
  return Number(s);
}

/** Parses PAX records `"<len> <key>=<value>\n"`; values stay bytes for xattrs. */
function parsePax(body: Buffer, what: string): Map<string, string | Buffer> {
  const out = new Map<string, string | Buffer>();
  let off = 0;
  while (off < body.length) {
    if (body[off] === 0) break;
    const sp = body.indexOf(0x20, off);
    const len = sp === -1 ? Number.NaN : Number(body.toString('latin1', off, sp));
    if (!Number.isSafeInteger(len) || len <= 0 || off + len > body.length || body[off + len - 1] !== 0x0a) {
      throw new RuntimeError('InvalidArgument', `Cannot unpack ${what}: malformed PAX extended header`);
    }
    const rec = body.subarray(sp + 1, off + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq === -1) throw new RuntimeError('InvalidArgument', `Cannot unpack ${what}: malformed PAX record`);
    const key = rec.toString('utf8', 0, eq);
    const raw = rec.subarray(eq + 1);
    out.set(key, key.startsWith('SCHILY.xattr.') ? Buffer.from(raw) : raw.toString('utf8'));
    off += len;
  }
  return out;
}
