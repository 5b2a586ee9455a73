import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  rmSync,
  type Stats,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { errnoCode, RuntimeError } from '../../errors.ts';
import { MAX_SYMLINKS } from '../../lib/walk-path.ts';
import { applySpecialOps, type SpecialOp } from './special-files.ts';
import type { TarEntry, TarHandler } from './tar-reader.ts';
import { xattrDecision } from './xattr-policy.ts';

/**
 * `apply`: the layer is applied onto the tree in `target` (whiteouts delete, opaque directories
 * are emptied). `overlay`: the layer goes into its own empty `target`, whiteouts become overlayfs
 * whiteouts (char device 0:0) and opaque directories get `trusted.overlay.opaque=y`, while paths
 * are resolved through the merged view of `target` over `lowers`.
 */
export type UnpackMode = 'apply' | 'overlay';

/** An already unpacked lower layer (overlay mode), top-most first in `ApplierOptions.lowers`. */
export interface LowerLayer {
  dir: string;
  /** In-layer paths (`a/b`, `''` for the root) marked opaque in that layer. */
  opaque: ReadonlySet<string>;
}

export interface ApplierOptions {
  /** Absolute path of the directory written to (must exist). */
  target: string;
  mode: UnpackMode;
  lowers?: readonly LowerLayer[];
  /** Keep setuid/setgid bits (dropped by default). */
  keepSetuid?: boolean;
  /** Apply uid/gid from the archive (needs root). */
  chown: boolean;
  /** Names the layer in messages ("layer sha256:…"). */
  what: string;
}

/** What an applied layer left behind, for the caller's records. */
export interface ApplierSummary {
  entries: number;
  files: number;
  /** In-layer paths marked opaque (overlay mode). */
  opaque: string[];
  whiteouts: number;
  /** Things skipped or changed on purpose (device nodes, setuid bits, xattrs the fs refused). */
  notes: string[];
}

const O_CREATE_EXCL = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const MAX_NOTES = 20;
const OPAQUE_MARKER = '.wh..wh..opq';
const WHITEOUT_PREFIX = '.wh.';

interface DirMeta {
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
}

interface Hit {
  layer: number;
  st: Stats;
}

/**
 * Splits a tar name into clean components: leading `/` and `.` are dropped (absolute names are
 * taken relative to the target, as GNU tar and containerd do); `..` is applied lexically and
 * `null` is returned when it would climb above the target.
 */
export function cleanName(name: string): string[] | null {
  const out: string[] = [];
  for (const c of name.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (out.length === 0) return null;
      out.pop();
      continue;
    }
    out.push(c);
  }
  return out;
}

function joinRel(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}

function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i === -1 ? '' : rel.slice(0, i);
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p, { throwIfNoEntry: false });
  } catch (e) {
    if (errnoCode(e) === 'ENOTDIR') return undefined;
    throw e;
  }
}

function isWhiteoutDevice(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/**
 * The layer applier: a `TarHandler` that writes each entry inside `target` and nowhere else.
 *
 * Every name is resolved inside the target the way containerd's applier does: each component
 * of the parent is looked up in the (merged) tree, symlinks are followed with the target as the
 * root (an absolute link target is re-rooted, `..` stops at the root), and the final component
 * is never followed: whatever is there is removed and the entry created with O_EXCL|O_NOFOLLOW.
 * Names and hardlink targets that climb above the target with `..` are refused.
 *
 * Throws RuntimeError `InvalidArgument` naming the entry for what cannot be confined or is
 * inconsistent (hardlink to a missing path, a parent that is a file).
 */
export class LayerApplier implements TarHandler {
  readonly #o: ApplierOptions;
  readonly #top: string;
  readonly #layers: { dir: string; opaque: ReadonlySet<string> }[];
  /** Resolved directory path → indices of the layers where it is a visible directory. */
  readonly #visible = new Map<string, number[]>();
  /** Directories known to exist (as real directories) in the top layer. */
  readonly #topDirs = new Set<string>(['']);
  readonly #opaqueTop = new Set<string>();
  readonly #pendingWhiteouts = new Set<string>();
  /** Paths created by this layer (apply mode: an opaque marker must not delete them). */
  readonly #created = new Set<string>();
  readonly #dirMeta = new Map<string, DirMeta>();
  readonly #xattrs: { rel: string; name: string; value: Buffer }[] = [];
  /** Xattr names left out by the policy: first entry, count, why (one note per name). */
  readonly #skippedXattrs = new Map<string, { first: string; count: number; why: string }>();
  readonly #notes: string[] = [];
  #extraNotes = 0;
  #fd = -1;
  #cur: TarEntry | undefined;
  #entries = 0;
  #files = 0;
  #whiteouts = 0;
  #setuidDropped = 0;

  constructor(opts: ApplierOptions) {
    this.#o = opts;
    this.#top = opts.target.replace(/\/+$/, '');
    const lowers = opts.mode === 'overlay' ? (opts.lowers ?? []) : [];
    this.#layers = [{ dir: this.#top, opaque: this.#opaqueTop }, ...lowers.map((l) => ({ ...l }))];
  }

  /** The name of the entry being applied (for error messages), or undefined between entries. */
  current: string | undefined;

  entry(e: TarEntry): void {
    this.#entries++;
    this.#cur = undefined;
    this.current = e.name;
    const comps = cleanName(e.name);
    if (comps === null) this.#refuse(e, 'its path climbs above the target directory');
    if (comps.length === 0) return; // the root itself: nothing to create
    const base = comps[comps.length - 1]!;
    const parentRel = this.#resolveDir(comps.slice(0, -1), e);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      this.#whiteout(e, parentRel, base);
      return;
    }
    const rel = joinRel(parentRel, base);
    if (this.#o.mode === 'apply') this.#created.add(rel);
    let makeOpaque = false;
    if (this.#pendingWhiteouts.delete(rel)) makeOpaque = e.type === 'dir';
    this.#ensureTopDir(parentRel, e);
    const path = `${this.#top}/${rel}`;
    switch (e.type) {
      case 'file':
        this.#openFile(path, rel);
        this.#cur = e;
        this.#files++;
        break;
      case 'dir':
        this.#makeDir(path, rel);
        this.#dirMeta.set(rel, { mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime });
        if (makeOpaque) this.#markOpaque(rel);
        break;
      case 'symlink':
        if (e.linkname === '') this.#refuse(e, 'it is a symlink with an empty target');
        this.#replace(rel, () => symlinkSync(e.linkname, path));
        if (this.#o.chown && (e.uid !== 0 || e.gid !== 0)) lchownSync(path, e.uid, e.gid);
        lutimesSync(path, e.mtime, e.mtime);
        break;
      case 'hardlink':
        this.#hardlink(e, rel, path);
        break;
      default:
        this.#note(`skipped ${e.type} device/FIFO "${e.name}"`);
        return;
    }
    if (e.xattrs) {
      for (const [name, value] of e.xattrs) {
        const d = xattrDecision(name);
        if (d.apply) this.#xattrs.push({ rel, name, value });
        else this.#skipXattr(name, e.name, d.why);
      }
    }
  }

  data(chunk: Buffer): void {
    // Bodies of entries not written as files (a whiteout or the root with content) are dropped.
    if (this.#fd === -1) return;
    let off = 0;
    while (off < chunk.length) off += writeSync(this.#fd, chunk, off, chunk.length - off);
  }

  entryEnd(): void {
    const e = this.#cur;
    if (e === undefined) return;
    this.#cur = undefined;
    const fd = this.#fd;
    this.#fd = -1;
    try {
      if (this.#o.chown && (e.uid !== 0 || e.gid !== 0)) fchownSync(fd, e.uid, e.gid);
      fchmodSync(fd, this.#mode(e));
      futimesSync(fd, e.mtime, e.mtime);
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

  /**
   * Finishes the layer: whiteouts and xattrs (one helper process), then directory modes,
   * owners and mtimes, deepest first (writing children changed them).
   */
  async finish(): Promise<ApplierSummary> {
    // Deferred operations work by path: check once more that nothing on the way is a symlink.
    const ok = (rel: string): boolean => {
      if (this.#parentsAreDirs(rel)) return true;
      this.#note(`skipped a deferred change to "${rel}": its parent was replaced`);
      return false;
    };
    const ops: SpecialOp[] = [];
    for (const rel of this.#pendingWhiteouts) {
      if (ok(rel)) ops.push({ kind: 'whiteout', path: `${this.#top}/${rel}` });
    }
    for (const rel of this.#opaqueTop) {
      if (rel !== '' && !ok(rel)) continue;
      ops.push({
        kind: 'xattr',
        path: this.#abs(rel),
        name: 'trusted.overlay.opaque',
        value: Buffer.from('y'),
      });
    }
    for (const x of this.#xattrs) {
      if (ok(x.rel)) ops.push({ kind: 'xattr', path: this.#abs(x.rel), name: x.name, value: x.value });
    }
    const failures = await applySpecialOps(ops);
    for (const f of failures) {
      if (f.op.kind === 'whiteout' || f.op.name === 'trusted.overlay.opaque') {
        throw new RuntimeError(
          'FailedPrecondition',
          `Cannot unpack ${this.#o.what}: cannot create overlay ${f.op.kind === 'whiteout' ? 'whiteout' : 'opaque marker'} ${f.op.path}: ${f.error}`,
          { hint: 'overlay-mode unpack needs root and a filesystem with trusted xattrs (ext4, xfs, tmpfs)' },
        );
      }
      this.#note(`xattr ${f.op.name} not set on ${f.op.path}: ${f.error}`);
    }
    const dirs = [...this.#dirMeta.entries()].sort((a, b) => depth(b[0]) - depth(a[0]));
    for (const [rel, m] of dirs) {
      const p = this.#abs(rel);
      // chmod follows symlinks: only touch what is still a real directory, reached through
      // real directories.
      const st = lstatOrUndefined(p);
      if (!st?.isDirectory() || !this.#parentsAreDirs(rel)) continue;
      if (this.#o.chown && (m.uid !== 0 || m.gid !== 0)) lchownSync(p, m.uid, m.gid);
      chmodSync(p, m.mode);
      utimesSync(p, m.mtime, m.mtime);
    }
    for (const [name, x] of this.#skippedXattrs) {
      const where = x.count === 1 ? `"${x.first}"` : `${x.count} entries (the first "${x.first}")`;
      this.#note(`ignored xattr ${name} on ${where}: ${x.why}`);
    }
    if (this.#setuidDropped > 0) {
      this.#note(`dropped setuid/setgid bits on ${this.#setuidDropped} entries (keepSetuid not set)`);
    }
    if (!this.#o.chown) this.#note('ownership not applied (not running as root)');
    const notes = [...this.#notes];
    if (this.#extraNotes > 0) notes.push(`… and ${this.#extraNotes} more notes`);
    return {
      entries: this.#entries,
      files: this.#files,
      opaque: [...this.#opaqueTop].sort(),
      whiteouts: this.#whiteouts,
      notes,
    };
  }

  // ---------------------------------------------------------------- helpers

  #abs(rel: string): string {
    return rel === '' ? this.#top : `${this.#top}/${rel}`;
  }

  #mode(e: TarEntry): number {
    if (this.#o.keepSetuid || (e.mode & 0o6000) === 0) return e.mode;
    this.#setuidDropped++;
    return e.mode & ~0o6000;
  }

  #skipXattr(name: string, entry: string, why: string): void {
    const x = this.#skippedXattrs.get(name);
    if (x) x.count++;
    else if (this.#skippedXattrs.size < MAX_NOTES)
      this.#skippedXattrs.set(name, { first: entry, count: 1, why });
    else this.#extraNotes++;
  }

  #note(s: string): void {
    if (this.#notes.length < MAX_NOTES) this.#notes.push(s);
    else this.#extraNotes++;
  }

  #refuse(e: TarEntry, why: string, hint?: string): never {
    throw new RuntimeError('InvalidArgument', `Cannot unpack ${this.#o.what}: entry "${e.name}": ${why}`, {
      hint: hint ?? 'the layer is malformed or hostile; it was not unpacked',
    });
  }

  /** The topmost layer that has `rel` (whiteouts and opaque directories respected). */
  #lookup(rel: string): Hit | undefined {
    const layers = this.#visibleDir(parentOf(rel));
    for (const i of layers) {
      if (i === 0 && this.#pendingWhiteouts.has(rel)) return undefined;
      const st = lstatOrUndefined(`${this.#layers[i]!.dir}/${rel}`);
      if (st === undefined) continue;
      if (i !== 0 && isWhiteoutDevice(st)) return undefined;
      return { layer: i, st };
    }
    return undefined;
  }

  /** Indices of the layers in which the resolved path `rel` is a visible directory. */
  #visibleDir(rel: string): number[] {
    const cached = this.#visible.get(rel);
    if (cached) return cached;
    let result: number[];
    if (rel === '') {
      result = [];
      for (let i = 0; i < this.#layers.length; i++) {
        result.push(i);
        if (this.#layers[i]!.opaque.has('')) break;
      }
    } else {
      result = [];
      for (const i of this.#visibleDir(parentOf(rel))) {
        if (i === 0 && this.#pendingWhiteouts.has(rel)) break;
        const st = lstatOrUndefined(`${this.#layers[i]!.dir}/${rel}`);
        if (st === undefined) continue;
        if (!st.isDirectory()) break;
        result.push(i);
        if (this.#layers[i]!.opaque.has(rel)) break;
      }
    }
    this.#visible.set(rel, result);
    return result;
  }

  /** Forgets cached facts about `rel` and everything under it (it was replaced or removed). */
  #forget(rel: string): void {
    const had = this.#visible.delete(rel) || this.#topDirs.has(rel);
    this.#topDirs.delete(rel);
    if (!had) return;
    const prefix = rel === '' ? '' : `${rel}/`;
    for (const k of this.#visible.keys()) if (k.startsWith(prefix)) this.#visible.delete(k);
    for (const k of this.#topDirs) if (k.startsWith(prefix) && k !== '') this.#topDirs.delete(k);
  }

  /**
   * Resolves directory components inside the target, following symlinks with the target as
   * the root. Returns the resolved in-target path ('' = the root).
   *
   * Not `lib/walk-path.ts`'s `walkPath`, although the rules are the same (absolute targets
   * re-rooted, `..` stops at the root, MAX_SYMLINKS): each component is looked up in a merged
   * view of several layer directories (the top layer's own entries, whiteouts and opaque
   * directories hide lower ones), through this applier's cache of what it has written, and
   * synchronously — an unpack makes this lookup for every tar entry.
   */
  #resolveDir(comps: readonly string[], e: TarEntry): string {
    const queue = comps.slice().reverse();
    const resolved: string[] = [];
    let rel = '';
    let links = 0;
    while (queue.length > 0) {
      const c = queue.pop()!;
      if (c === '' || c === '.') continue;
      if (c === '..') {
        resolved.pop();
        rel = resolved.join('/');
        continue;
      }
      const next = joinRel(rel, c);
      if (this.#visible.has(next) && this.#visible.get(next)!.length > 0) {
        resolved.push(c);
        rel = next;
        continue;
      }
      const hit = this.#lookup(next);
      if (hit?.st.isSymbolicLink()) {
        if (++links > MAX_SYMLINKS) this.#refuse(e, 'too many levels of symbolic links in its parent path');
        const target = readlinkSync(`${this.#layers[hit.layer]!.dir}/${next}`);
        if (target.startsWith('/')) {
          resolved.length = 0;
          rel = '';
        }
        const parts = target.split('/');
        for (let i = parts.length - 1; i >= 0; i--) queue.push(parts[i]!);
        continue;
      }
      if (hit && !hit.st.isDirectory()) this.#refuse(e, `its parent "${next}" is not a directory`);
      resolved.push(c);
      rel = next;
    }
    return rel;
  }

  /** Makes `rel` a real directory in the top layer, copying a lower layer's metadata. */
  #ensureTopDir(rel: string, e: TarEntry): void {
    if (this.#topDirs.has(rel)) return;
    const parts = rel.split('/');
    let cur = '';
    for (const c of parts) {
      cur = joinRel(cur, c);
      if (this.#topDirs.has(cur)) continue;
      const p = `${this.#top}/${cur}`;
      const st = lstatOrUndefined(p);
      if (st?.isDirectory()) {
        this.#topDirs.add(cur);
        continue;
      }
      if (st !== undefined) this.#refuse(e, `its parent "${cur}" is not a directory`);
      const lower = this.#visibleDir(cur).find((i) => i !== 0);
      const wasWhiteout = this.#pendingWhiteouts.delete(cur);
      mkdirSync(p, 0o755);
      this.#visible.delete(cur);
      this.#topDirs.add(cur);
      if (wasWhiteout) this.#markOpaque(cur);
      else if (lower !== undefined) {
        // Copy-up of a lower directory's metadata, as overlayfs would do.
        const ls = lstatSync(`${this.#layers[lower]!.dir}/${cur}`);
        this.#dirMeta.set(cur, {
          mode: ls.mode & 0o7777,
          uid: ls.uid,
          gid: ls.gid,
          mtime: ls.mtimeMs / 1000,
        });
      }
    }
  }

  /** Runs `create`; if something is in the way, removes it (never following it) and retries. */
  #replace(rel: string, create: () => void): void {
    try {
      create();
      return;
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    this.#remove(rel);
    create();
  }

  #remove(rel: string): void {
    const p = `${this.#top}/${rel}`;
    const st = lstatOrUndefined(p);
    if (st === undefined) return;
    if (st.isDirectory()) rmSync(p, { recursive: true, force: true });
    else unlinkSync(p);
    this.#forget(rel);
    this.#purge(rel, st.isDirectory());
  }

  /**
   * Drops the deferred operations (whiteouts, opaque markers, xattrs, directory metadata) at
   * `rel` and, for a removed directory, under it: they are moot, and done by path at the end
   * they could otherwise go through whatever now stands at `rel` (a symlink, say).
   */
  #purge(rel: string, wasDir: boolean): void {
    const under = (k: string) => k === rel || (wasDir && k.startsWith(`${rel}/`));
    for (const set of [this.#pendingWhiteouts, this.#opaqueTop]) {
      if (!wasDir) set.delete(rel);
      else for (const k of set) if (under(k)) set.delete(k);
    }
    if (!wasDir) this.#dirMeta.delete(rel);
    else for (const k of this.#dirMeta.keys()) if (under(k)) this.#dirMeta.delete(k);
    if (this.#xattrs.length > 0) {
      const keep = this.#xattrs.filter((x) => !under(x.rel));
      this.#xattrs.length = 0;
      this.#xattrs.push(...keep);
    }
  }

  /** True when every component of `rel`'s parent is a real directory (no symlink) in the top layer. */
  #parentsAreDirs(rel: string): boolean {
    let cur = this.#top;
    const parts = rel.split('/');
    for (let i = 0; i < parts.length - 1; i++) {
      cur = `${cur}/${parts[i]}`;
      if (!lstatOrUndefined(cur)?.isDirectory()) return false;
    }
    return true;
  }

  #openFile(path: string, rel: string): void {
    let fd: number;
    try {
      fd = openSync(path, O_CREATE_EXCL, 0o600);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      this.#remove(rel);
      fd = openSync(path, O_CREATE_EXCL, 0o600);
    }
    this.#fd = fd;
  }

  #makeDir(path: string, rel: string): void {
    try {
      mkdirSync(path, 0o755);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      const st = lstatSync(path);
      if (!st.isDirectory()) {
        this.#remove(rel);
        mkdirSync(path, 0o755);
      }
    }
    this.#visible.delete(rel);
    this.#topDirs.add(rel);
  }

  #markOpaque(rel: string): void {
    if (this.#o.mode !== 'overlay') return;
    this.#opaqueTop.add(rel);
    this.#forget(rel);
    this.#topDirs.add(rel);
  }

  #hardlink(e: TarEntry, rel: string, path: string): void {
    const comps = cleanName(e.linkname);
    if (comps === null)
      this.#refuse(e, `its hardlink target "${e.linkname}" climbs above the target directory`);
    if (comps.length === 0) this.#refuse(e, 'its hardlink target is the root directory');
    const linkRel = joinRel(this.#resolveDir(comps.slice(0, -1), e), comps[comps.length - 1]!);
    if (linkRel === rel) return;
    if (linkRel.startsWith(`${rel}/`))
      this.#refuse(e, `its hardlink target "${e.linkname}" is inside the entry's own path`);
    const hit = this.#lookup(linkRel);
    if (hit === undefined) {
      this.#refuse(e, `its hardlink target "${e.linkname}" does not exist (yet) in the layer`);
    }
    if (hit.st.isDirectory()) this.#refuse(e, `its hardlink target "${e.linkname}" is a directory`);
    if (hit.layer !== 0) {
      // overlay mode: copy the lower file up into this layer first, as overlayfs does on link().
      this.#ensureTopDir(parentOf(linkRel), e);
      const src = `${this.#layers[hit.layer]!.dir}/${linkRel}`;
      const dst = `${this.#top}/${linkRel}`;
      if (hit.st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
      else copyFileSync(src, dst, constants.COPYFILE_EXCL);
      if (this.#o.chown) lchownSync(dst, hit.st.uid, hit.st.gid);
      if (!hit.st.isSymbolicLink()) {
        const fd = openSync(dst, constants.O_RDONLY | constants.O_NOFOLLOW);
        try {
          fchmodSync(fd, hit.st.mode & 0o7777);
          futimesSync(fd, hit.st.mtimeMs / 1000, hit.st.mtimeMs / 1000);
        } finally {
          closeSync(fd);
        }
      }
    }
    this.#replace(rel, () => linkSync(`${this.#top}/${linkRel}`, path));
  }

  #whiteout(e: TarEntry, parentRel: string, base: string): void {
    this.#whiteouts++;
    if (base === OPAQUE_MARKER) {
      if (this.#o.mode === 'overlay') {
        this.#ensureTopDir(parentRel, e);
        this.#markOpaque(parentRel);
        return;
      }
      const dir = this.#abs(parentRel);
      const st = lstatOrUndefined(dir);
      if (!st?.isDirectory()) return;
      for (const name of readdirSync(dir)) {
        const child = joinRel(parentRel, name);
        if (!this.#created.has(child)) this.#remove(child);
      }
      return;
    }
    if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) {
      this.#note(`ignored AUFS metadata entry "${e.name}"`);
      return;
    }
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name === '' || name === '.' || name === '..') this.#refuse(e, 'it is a whiteout of an invalid name');
    const rel = joinRel(parentRel, name);
    if (this.#o.mode === 'apply') {
      this.#remove(rel);
      return;
    }
    this.#ensureTopDir(parentRel, e);
    this.#remove(rel);
    this.#forget(rel);
    this.#pendingWhiteouts.add(rel);
  }
}

function depth(rel: string): number {
  let n = 0;
  for (let i = 0; i < rel.length; i++) if (rel.charCodeAt(i) === 47) n++;
  return rel === '' ? -1 : n;
}
