import { chown, lstat, mkdir } from 'node:fs/promises';
import { errnoCode } from '../../errors.ts';
import { fsWalker, type LinkKind, type PathWalker, rootedFsWalker, walkPath } from '../../lib/walk-path.ts';
import { type MountMapping, translatePath } from '../spec/translate-path.ts';
import type { PathKind, Probe } from '../spec/types.ts';

/**
 * Resolves `path` inside `root` (symlinks never lead out of it) and returns the host path and
 * what is there.
 */
export async function resolveInRoot(
  root: string,
  path: string,
): Promise<{ hostPath: string; kind: PathKind }> {
  const walker = rootedFsWalker(root);
  const r = await walkPath(path, walker);
  return { hostPath: walker.toHost(r.path), kind: r.kind };
}

/**
 * Creates the missing directories of `path` inside `root` (symlinks resolved inside `root`)
 * with `mode`, chowned to `owner` when given. Returns the host path and the directories it
 * created, outermost first.
 */
export async function mkdirInRoot(
  root: string,
  path: string,
  options: { mode?: number; owner?: { uid: number; gid: number } } = {},
): Promise<{ hostPath: string; created: string[] }> {
  const { hostPath } = await resolveInRoot(root, path);
  return { hostPath, created: await mkdirs(hostPath, options) };
}

/** mkdir -p that reports what it created (outermost first) and can chown each new directory. */
export async function mkdirs(
  hostPath: string,
  options: { mode?: number; owner?: { uid: number; gid: number } } = {},
): Promise<string[]> {
  const missing: string[] = [];
  let p = hostPath;
  while (p !== '/' && p !== '') {
    try {
      await lstat(p);
      break;
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      missing.unshift(p);
      p = p.slice(0, p.lastIndexOf('/')) || '/';
    }
  }
  const created: string[] = [];
  for (const dir of missing) {
    try {
      await mkdir(dir, { mode: options.mode ?? 0o777 });
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') continue;
      throw err;
    }
    created.push(dir);
    if (options.owner) await chown(dir, options.owner.uid, options.owner.gid);
  }
  return created;
}

/**
 * A Probe that looks at paths as a container's processes will see them: through `mounts`
 * (its private mount namespace; empty for the symlink layout, where the processes see the host),
 * resolving every symlink in that view.
 */
export function makeContainerProbe(mounts: readonly MountMapping[]): Probe {
  const fs = fsWalker((p) => translatePath(p, mounts));
  // One start's lookups (the PATH search) share their leading directories (/usr, /usr/local …):
  // each host path is looked at once per probe, which lives as long as one container's start.
  const kinds = new Map<string, Promise<LinkKind>>();
  const walker: PathWalker = {
    ...fs,
    lstatKind(hostPath) {
      let kind = kinds.get(hostPath);
      if (!kind) {
        kind = fs.lstatKind(hostPath);
        kinds.set(hostPath, kind);
      }
      return kind;
    },
  };
  return async (path) => (await walkPath(path, walker)).kind;
}
