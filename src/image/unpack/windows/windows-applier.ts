import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  futimesSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  type Stats,
  symlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { errnoCode, RuntimeError } from '../../../errors.ts';
import { splitWindowsRelative, WINDOWS_MAX_PATH, windowsFoldCase } from '../../../lib/windows-path.ts';
import type { ApplierSummary } from '../applier.ts';
import type { TarEntry, TarHandler } from '../tar-reader.ts';

/** `FILE_ATTRIBUTE_READONLY` / `FILE_ATTRIBUTE_DIRECTORY`. */
const ATTR_READONLY = 0x1;
const ATTR_DIRECTORY = 0x10;
const MAX_NOTES = 20;
const O_CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;

export interface WindowsApplierOptions {
  /** Absolute path of an existing directory: the layer's `Files/` lands in it. */
  target: string;
  /** True for the image's first layer: a base layer may not hold whiteouts (hcsshim). */
  base: boolean;
  /** Names the layer in messages. */
  what: string;
  /**
   * `apply` (default): a tombstone deletes what the layers below left in `target`. `keep`: the
   * target is this layer's own directory in the layer cache, so a tombstone is kept as an empty
   * `.wh.NAME` marker file for the copy that stacks the layers (`.wh..wh..opq`, which hcsshim
   * reads as a tombstone of `.wh..opq`, is skipped with a note).
   */
  tombstones?: 'apply' | 'keep';
  /**
   * `keep` mode: the unpacked directories of the layers below, top-most first, where a hard link
   * to a file of a lower layer finds its target.
   */
  lowers?: readonly string[];
}

/**
 * Writes one Windows-format layer (windows-backend.md §5) into `target`, on top of what the
 * layers below left there (apply mode). Only `Files/` is unpacked (prefix stripped, names
 * compared case-insensitively as NTFS does, the first spelling kept); `Hives/`, `UtilityVM/` and
 * alternate data streams (`name:stream`) are skipped with a note. `.wh.NAME` deletes NAME;
 * hardlinks name `Files/…` targets already in the target; symlinks keep their Windows target
 * (`MSWINDOWS.mountpoint` → a junction); `MSWINDOWS.fileattr`'s read-only bit is applied after
 * the content; mtimes are set, directories last and deepest first. Security descriptors and
 * other attributes are not applied (hostpod writes as itself; a note says how many).
 *
 * Refused (InvalidArgument, naming the entry): `..`, drive letters, UNC names, reserved device
 * names, names ending in a dot or space, bad characters, paths over 32,767 characters, writing
 * through a symlink or junction, a whiteout outside `Files/` or in a base layer, a hardlink
 * outside `Files/` or to a missing or non-file target.
 */
export class WindowsLayerApplier implements TarHandler {
  readonly #o: WindowsApplierOptions;
  /** Folded relative dir → (folded name → name on disk). */
  readonly #dirs = new Map<string, Map<string, string>>();
  readonly #dirTimes = new Map<string, number>();
  readonly #readonly: string[] = [];
  readonly #notes: string[] = [];
  readonly #skipped = { hives: 0, utilityVm: 0, streams: 0, other: 0, sd: 0, devices: 0 };
  #extraNotes = 0;
  #fd = -1;
  #cur: { path: string; mtime: number } | undefined;
  #entries = 0;
  #files = 0;
  #whiteouts = 0;

  /** The entry being applied, for messages. */
  current: string | undefined;

  constructor(opts: WindowsApplierOptions) {
    this.#o = { ...opts, target: opts.target.replace(/[\\/]+$/, '') };
  }

  entry(e: TarEntry): void {
    this.#entries++;
    this.current = e.name;
    this.#cur = undefined;
    const name = e.name.replace(/\\/g, '/').replace(/^\/+/, '');
    const top = name.split('/')[0] ?? '';
    const folded = top.toUpperCase();
    if (folded !== 'FILES') {
      if (e.type === 'dir' && !name.replace(/\/+$/, '').includes('/')) return; // `Hives`, `UtilityVM` themselves
      if (folded === 'HIVES') this.#skipped.hives++;
      else if (folded === 'UTILITYVM') this.#skipped.utilityVm++;
      else if (name !== '' && !e.name.endsWith('/')) this.#skipped.other++;
      return;
    }
    const rest = name.slice(top.length).replace(/^\/+/, '').replace(/\/+$/, '');
    if (rest === '') return; // the `Files` directory itself
    const lastSlash = rest.lastIndexOf('/');
    const baseName = rest.slice(lastSlash + 1);
    if (baseName.includes(':')) {
      this.#skipped.streams++;
      return;
    }
    const comps = this.#split(rest, e);
    const parent = comps.slice(0, -1);
    const last = comps[comps.length - 1] as string;
    if (last.startsWith('.wh.')) {
      this.#whiteout(e, parent, last.slice(4));
      return;
    }
    if (e.windows?.has('MSWINDOWS.rawsd') || e.windows?.has('MSWINDOWS.sd')) this.#skipped.sd++;
    const dirRel = this.#ensureDirs(parent, e);
    if (this.#o.tombstones === 'keep') this.#dropMarker(dirRel, last, e);
    const onDisk = this.#lookup(dirRel, last) ?? last;
    const rel = dirRel === '' ? onDisk : `${dirRel}/${onDisk}`;
    const path = this.#abs(rel, e);
    const attrs = Number(e.windows?.get('MSWINDOWS.fileattr') ?? (e.type === 'dir' ? ATTR_DIRECTORY : 0));
    switch (e.type) {
      case 'dir': {
        const st = lstatOrUndefined(path);
        if (st !== undefined && !st.isDirectory()) this.#remove(path);
        if (st === undefined || !st.isDirectory()) mkdirSync(path);
        this.#remember(dirRel, onDisk);
        this.#dirTimes.set(rel, e.mtime);
        return;
      }
      case 'file':
        this.#remove(path);
        this.#fd = openSync(path, O_CREATE, 0o666);
        this.#remember(dirRel, onDisk);
        this.#cur = { path, mtime: e.mtime };
        this.#files++;
        if (Number.isFinite(attrs) && attrs & ATTR_READONLY) this.#readonly.push(path);
        return;
      case 'symlink': {
        if (e.linkname === '') this.#refuse(e, 'it is a symlink with an empty target');
        this.#remove(path);
        const type =
          e.windows?.get('MSWINDOWS.mountpoint') !== undefined
            ? 'junction'
            : Number.isFinite(attrs) && attrs & ATTR_DIRECTORY
              ? 'dir'
              : 'file';
        try {
          symlinkSync(e.linkname, path, type);
          this.#remember(dirRel, onDisk);
        } catch (err) {
          const code = errnoCode(err);
          if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EINVAL') throw err;
          this.#note(
            `symlink "${e.name}" -> "${e.linkname}" not created (${code}: this account may not create symlinks)`,
          );
        }
        return;
      }
      case 'hardlink':
        this.#hardlink(e, path, dirRel, onDisk);
        return;
      default:
        this.#skipped.devices++;
        return;
    }
  }

  data(chunk: Buffer): void {
    if (this.#fd === -1) return;
    let off = 0;
    while (off < chunk.length) off += writeSync(this.#fd, chunk, off, chunk.length - off);
  }

  entryEnd(): void {
    const cur = this.#cur;
    this.#cur = undefined;
    if (cur === undefined || this.#fd === -1) return;
    const fd = this.#fd;
    this.#fd = -1;
    try {
      futimesSync(fd, cur.mtime, cur.mtime);
    } finally {
      closeSync(fd);
    }
  }

  /** Closes what is open after a failure (the caller removes the target). */
  abort(): void {
    if (this.#fd !== -1) {
      try {
        closeSync(this.#fd);
      } catch {}
      this.#fd = -1;
    }
  }

  /** Read-only attributes, then directory mtimes (deepest first); returns the summary. */
  async finish(): Promise<ApplierSummary> {
    for (const p of this.#readonly) {
      try {
        chmodSync(p, 0o444);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
      }
    }
    const dirs = [...this.#dirTimes].sort((a, b) => b[0].split('/').length - a[0].split('/').length);
    for (const [rel, mtime] of dirs) {
      try {
        utimesSync(join(this.#o.target, rel), mtime, mtime);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
      }
    }
    const s = this.#skipped;
    if (s.hives > 0)
      this.#note(
        `skipped ${s.hives} registry hive entries (Hives/): a host process uses the host's registry`,
      );
    if (s.utilityVm > 0) this.#note(`skipped ${s.utilityVm} UtilityVM/ entries (Hyper-V isolation only)`);
    if (s.streams > 0) this.#note(`skipped ${s.streams} alternate data streams`);
    if (s.other > 0) this.#note(`skipped ${s.other} entries outside Files/`);
    if (s.sd > 0)
      this.#note(`security descriptors of ${s.sd} entries not applied (files inherit the workspace's ACL)`);
    if (s.devices > 0) this.#note(`skipped ${s.devices} device/FIFO entries`);
    const notes = [...this.#notes];
    if (this.#extraNotes > 0) notes.push(`… and ${this.#extraNotes} more notes`);
    return { entries: this.#entries, files: this.#files, opaque: [], whiteouts: this.#whiteouts, notes };
  }

  #split(rest: string, e: TarEntry): string[] {
    try {
      const comps = splitWindowsRelative(rest);
      if (comps.length === 0) this.#refuse(e, 'it names no file');
      return comps;
    } catch (err) {
      if (err instanceof RuntimeError) throw err;
      this.#refuse(e, (err as Error).message);
    }
  }

  /** The relative on-disk path of `parent` (created as needed), never through a link. */
  #ensureDirs(parent: readonly string[], e: TarEntry): string {
    let rel = '';
    for (const c of parent) {
      const onDisk = this.#lookup(rel, c) ?? c;
      const next = rel === '' ? onDisk : `${rel}/${onDisk}`;
      const path = this.#abs(next, e);
      const st = lstatOrUndefined(path);
      if (st === undefined) {
        mkdirSync(path);
        this.#remember(rel, onDisk);
      } else if (st.isSymbolicLink()) {
        this.#refuse(
          e,
          `its parent "${next}" is a symlink or junction: writing through it could leave the workspace`,
        );
      } else if (!st.isDirectory()) {
        this.#refuse(e, `its parent "${next}" is not a directory`);
      }
      rel = next;
    }
    return rel;
  }

  /** The on-disk spelling of `name` in the relative dir `rel`, matched case-insensitively. */
  #lookup(rel: string, name: string): string | undefined {
    const key = windowsFoldCase(rel);
    let m = this.#dirs.get(key);
    if (m === undefined) {
      m = new Map();
      let names: string[] = [];
      try {
        names = readdirSync(rel === '' ? this.#o.target : join(this.#o.target, rel));
      } catch (err) {
        const code = errnoCode(err);
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      }
      for (const n of names) if (!m.has(windowsFoldCase(n))) m.set(windowsFoldCase(n), n);
      this.#dirs.set(key, m);
    }
    return m.get(windowsFoldCase(name));
  }

  #remember(rel: string, name: string): void {
    this.#lookup(rel, name);
    const m = this.#dirs.get(windowsFoldCase(rel));
    if (m !== undefined && !m.has(windowsFoldCase(name))) m.set(windowsFoldCase(name), name);
  }

  #forget(rel: string, name: string): void {
    this.#dirs.get(windowsFoldCase(rel))?.delete(windowsFoldCase(name));
    const prefix = windowsFoldCase(rel === '' ? name : `${rel}/${name}`);
    for (const k of [...this.#dirs.keys()])
      if (k === prefix || k.startsWith(`${prefix}/`)) this.#dirs.delete(k);
  }

  #abs(rel: string, e: TarEntry): string {
    const p = join(this.#o.target, rel);
    if (p.length > WINDOWS_MAX_PATH)
      this.#refuse(e, `its path is longer than ${WINDOWS_MAX_PATH} characters`);
    return p;
  }

  #whiteout(e: TarEntry, parent: readonly string[], name: string): void {
    if (this.#o.base) this.#refuse(e, 'base layer cannot have tombstones');
    this.#whiteouts++;
    if (name === '' || name === '.' || name === '..') this.#refuse(e, 'invalid tombstone');
    if (this.#o.tombstones === 'keep') {
      if (name === '.wh..opq') {
        this.#note(
          `skipped "${e.name}": a tombstone of ".wh..opq" (Windows layers have no opaque directories)`,
        );
        return;
      }
      const dirRel = this.#ensureDirs(parent, e);
      const own = this.#lookup(dirRel, name);
      if (own !== undefined) {
        this.#remove(this.#abs(dirRel === '' ? own : `${dirRel}/${own}`, e));
        this.#forget(dirRel, own);
      }
      const marker = `.wh.${name}`;
      const rel = dirRel === '' ? marker : `${dirRel}/${marker}`;
      this.#remove(this.#abs(rel, e));
      closeSync(openSync(this.#abs(rel, e), O_CREATE, 0o444));
      this.#remember(dirRel, marker);
      return;
    }
    // Resolve without creating: a tombstone for something absent deletes nothing.
    let rel = '';
    for (const c of parent) {
      const onDisk = this.#lookup(rel, c);
      if (onDisk === undefined) return;
      const next = rel === '' ? onDisk : `${rel}/${onDisk}`;
      const st = lstatOrUndefined(this.#abs(next, e));
      if (st === undefined || !st.isDirectory() || st.isSymbolicLink()) return;
      rel = next;
    }
    const onDisk = this.#lookup(rel, name);
    if (onDisk === undefined) return;
    this.#remove(this.#abs(rel === '' ? onDisk : `${rel}/${onDisk}`, e));
    this.#forget(rel, onDisk);
  }

  /** `keep` mode: this layer writes `name`, so an earlier tombstone of it in this layer goes. */
  #dropMarker(dirRel: string, name: string, e: TarEntry): void {
    const marker = this.#lookup(dirRel, `.wh.${name}`);
    if (marker === undefined) return;
    this.#remove(this.#abs(dirRel === '' ? marker : `${dirRel}/${marker}`, e));
    this.#forget(dirRel, marker);
  }

  /** A hard link target in the layers below (`keep` mode), matched case-insensitively. */
  #lowerFile(comps: readonly string[]): string | undefined {
    for (const lower of this.#o.lowers ?? []) {
      let dir = lower;
      let ok = true;
      for (const [i, c] of comps.entries()) {
        let names: string[];
        try {
          names = readdirSync(dir);
        } catch {
          ok = false;
          break;
        }
        const found = names.find((n) => windowsFoldCase(n) === windowsFoldCase(c));
        if (found === undefined) {
          ok = false;
          break;
        }
        dir = join(dir, found);
        const st = lstatOrUndefined(dir);
        const isLast = i === comps.length - 1;
        if (st === undefined || st.isSymbolicLink() || (isLast ? !st.isFile() : !st.isDirectory())) {
          ok = false;
          break;
        }
      }
      if (ok) return dir;
    }
    return undefined;
  }

  #hardlink(e: TarEntry, path: string, dirRel: string, onDisk: string): void {
    const link = e.linkname.replace(/\\/g, '/').replace(/^\/+/, '');
    const top = link.split('/')[0] ?? '';
    if (top.toUpperCase() !== 'FILES')
      this.#refuse(e, `invalid hard link in layer: target "${e.linkname}" is outside Files/`);
    let comps: string[];
    try {
      comps = splitWindowsRelative(link.slice(top.length));
    } catch (err) {
      this.#refuse(e, `invalid hard link target "${e.linkname}": ${(err as Error).message}`);
    }
    if (comps.length === 0) this.#refuse(e, 'it is a hard link without a target');
    const lower = this.#o.tombstones === 'keep' ? this.#lowerFile(comps) : undefined;
    let rel = '';
    for (const [i, c] of lower === undefined ? comps.entries() : []) {
      const found = this.#lookup(rel, c);
      if (found === undefined)
        this.#refuse(e, `failed to find link target for '${e.name}' -> '${e.linkname}'`);
      rel = rel === '' ? found : `${rel}/${found}`;
      const st = lstatOrUndefined(this.#abs(rel, e));
      const isLast = i === comps.length - 1;
      if (st === undefined || st.isSymbolicLink() || (isLast ? !st.isFile() : !st.isDirectory())) {
        this.#refuse(e, `hard link target "${e.linkname}" is not a regular file inside the layer`);
      }
    }
    const source = lower ?? this.#abs(rel, e);
    if (source === path) return;
    this.#remove(path);
    try {
      linkSync(source, path);
    } catch (err) {
      const code = errnoCode(err);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw err;
      copyFileSync(source, path);
      this.#note(`hard link "${e.name}" written as a copy (${code})`);
    }
    this.#remember(dirRel, onDisk);
    this.#files++;
  }

  /** Removes what is at `path` (never through a link); a read-only file is made writable first. */
  #remove(path: string): void {
    const st = lstatOrUndefined(path);
    if (st === undefined) return;
    if (!st.isSymbolicLink() && (st.mode & 0o200) === 0) {
      try {
        chmodSync(path, st.mode | 0o200);
      } catch {}
    }
    rmSync(path, { recursive: true, force: true });
  }

  #note(s: string): void {
    if (this.#notes.length < MAX_NOTES) this.#notes.push(s);
    else this.#extraNotes++;
  }

  #refuse(e: TarEntry, why: string): never {
    throw new RuntimeError('InvalidArgument', `Cannot unpack ${this.#o.what}: entry "${e.name}": ${why}`, {
      hint: 'the Windows layer is malformed or hostile; hostpod unpacks only names Windows accepts inside Files/',
    });
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}
