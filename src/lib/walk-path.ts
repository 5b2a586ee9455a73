import { lstatSync, readlinkSync } from 'node:fs';
import { errnoCode, RuntimeError } from '../errors.ts';

/** What `lstat` found, as path walking cares. */
export type LinkKind = 'dir' | 'file' | 'symlink' | 'missing';

/** The I/O a path walk needs, injected so that the walk itself stays pure. */
export interface PathWalker {
  /** The host path that holds a (normalised, absolute) path of the walked view. */
  toHost(path: string): string;
  /** lstat of a host path (never follows a symlink); anything not a dir or symlink is 'file'. */
  lstatKind(hostPath: string): Promise<LinkKind>;
  readlink(hostPath: string): Promise<string>;
}

export interface WalkResult {
  /** The path with every symlink resolved, in the walked view. */
  path: string;
  kind: 'dir' | 'file' | 'missing';
}

/**
 * Symlinks one resolution may follow: Linux's MAXSYMLINKS (40), so hostpod gives up exactly
 * where the kernel would (ELOOP). Every symlink-bounded walk in hostpod uses this limit.
 */
export const MAX_SYMLINKS = 40;

/**
 * Resolves `path` component by component in a view of the filesystem (a container's mount
 * namespace, or a directory treated as `/`), following symlinks *within that view*: an
 * absolute link target restarts at the view's `/`, `..` never climbs above it. Components
 * after a missing one are kept as given (kind 'missing'); a `..` that climbs back out of them
 * resumes the walk, so a symlink is never skipped by a lexical shortcut. Throws
 * InvalidArgument after 40 symlinks (a loop).
 */
export async function walkPath(path: string, walker: PathWalker): Promise<WalkResult> {
  let pending = split(path);
  const done: string[] = [];
  // How many trailing components of `done` do not exist: they are not looked at, and `..`
  // climbs out of them before anything is looked at again (never a lexical shortcut that
  // could skip a symlink).
  let missing = 0;
  let links = 0;
  let kind: LinkKind = 'dir';
  while (pending.length > 0) {
    const c = pending.shift()!;
    if (c === '..') {
      done.pop();
      if (missing > 0) missing--;
      kind = 'dir';
      continue;
    }
    if (missing > 0) {
      done.push(c);
      missing++;
      continue;
    }
    const here = `/${[...done, c].join('/')}`;
    const host = walker.toHost(here);
    kind = await walker.lstatKind(host);
    if (kind === 'symlink') {
      if (++links > MAX_SYMLINKS) {
        throw new RuntimeError(
          'InvalidArgument',
          `Cannot resolve "${path}": too many levels of symbolic links`,
        );
      }
      const target = await walker.readlink(host);
      if (target.startsWith('/')) done.length = 0;
      pending = [...split(target), ...pending];
      kind = 'dir';
      continue;
    }
    done.push(c);
    if (kind === 'missing' || (kind === 'file' && pending.length > 0)) missing = 1;
  }
  const resolved = `/${done.join('/')}`;
  if (missing > 0) return { path: resolved, kind: 'missing' };
  return { path: resolved, kind: kind === 'file' ? 'file' : 'dir' };
}

function split(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * A PathWalker over the real filesystem; `toHost` maps the walked view onto host paths.
 * Its lstat and readlink are synchronous (behind the async interface): each is one metadata
 * lookup in the page cache, cheaper on the calling thread than a thread-pool round trip per
 * path component (a container start walks dozens).
 */
export function fsWalker(toHost: (path: string) => string): PathWalker {
  return {
    toHost,
    async lstatKind(hostPath): Promise<LinkKind> {
      try {
        const st = lstatSync(hostPath, { throwIfNoEntry: false });
        if (st === undefined) return 'missing';
        return st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : 'file';
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
        throw err;
      }
    },
    async readlink(hostPath): Promise<string> {
      return readlinkSync(hostPath);
    },
  };
}

/** `root` + `path` as a directory treated as `/`: absolute symlink targets stay inside `root`. */
export function rootedFsWalker(root: string): PathWalker {
  const r = root.endsWith('/') ? root.slice(0, -1) : root;
  return fsWalker((p) => (p === '/' ? r : `${r}${p}`));
}
