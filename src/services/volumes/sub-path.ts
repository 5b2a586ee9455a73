/**
 * `subPath` of a volume mount, resolved the way the kubelet does it safely
 * (`subpath.SafeMakeDir` + `PrepareSafeSubpath`): the path is followed one component at a
 * time on the host, symlinks included, and every step must stay inside the volume; missing
 * directories are created (with the volume's own mode) only inside it.
 */
import { lstat, mkdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, RuntimeError } from '../../errors.ts';

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root === '/' ? '/' : `${root}/`);
}

/**
 * The host path of `subPath` inside the volume at `volumeRoot`, created as a directory (mode
 * of the volume root) when missing. Throws InvalidArgument when `subPath` is absolute, has a
 * `..` component, or leads outside the volume through a symlink (nothing is created outside).
 */
export async function resolveSubPath(volumeRoot: string, subPath: string, what: string): Promise<string> {
  const refuse = (why: string) =>
    new RuntimeError('InvalidArgument', `failed to prepare subPath for ${what}: ${why}`, {
      hint: 'a subPath must name a path inside the volume; symlinks in it must not lead out of the volume',
    });
  if (subPath.startsWith('/')) throw refuse(`subPath "${subPath}" must be a relative path`);
  if (subPath.includes('\0')) throw refuse('subPath contains a NUL byte');
  const parts = subPath.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.includes('..')) throw refuse(`subPath "${subPath}" must not contain '..'`);
  const root = await realpath(volumeRoot);
  const mode = (await stat(root)).mode & 0o7777;
  let cur = root;
  for (const [i, part] of parts.entries()) {
    const next = join(cur, part);
    let st: Awaited<ReturnType<typeof lstat>> | undefined;
    try {
      st = await lstat(next);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
    if (st === undefined) {
      try {
        await mkdir(next, { mode });
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw err;
      }
      const again = await lstat(next);
      if (again.isSymbolicLink()) throw refuse(`"${subPath}" changed while it was being created`);
      cur = next;
      continue;
    }
    if (st.isSymbolicLink()) {
      let target: string;
      try {
        target = await realpath(next);
      } catch {
        throw refuse(`"${subPath}" goes through a symlink that leads nowhere`);
      }
      if (!inside(root, target)) throw refuse(`subPath "${subPath}" resolves outside the volume`);
      cur = target;
      continue;
    }
    if (!st.isDirectory() && i < parts.length - 1)
      throw refuse(`"${part}" in subPath "${subPath}" is not a directory`);
    cur = next;
  }
  // Checked once more as a whole, after any creation.
  const final = await realpath(cur);
  if (!inside(root, final)) throw refuse(`subPath "${subPath}" resolves outside the volume`);
  return final;
}
