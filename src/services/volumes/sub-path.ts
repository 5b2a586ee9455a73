/**
 * `subPath` of a volume mount, resolved the way the kubelet does it safely
 * (`subpath.SafeMakeDir` + `PrepareSafeSubpath`): the path is followed one component at a
 * time, fd by fd, by the shim (`safeMkdir` with `beneath`): symlinks inside the volume are
 * followed, none may lead out of it (an absolute target or a `..` above the volume is refused),
 * nothing is made through a symlink, and missing directories are created with the volume's
 * own mode — so a container that can write the volume cannot make hostpod create anything
 * outside it, however it swaps directories and symlinks meanwhile. The bind itself opens the
 * path again the same way (`VolumeMount.subPath`).
 */
import { stat } from 'node:fs/promises';
import { RuntimeError } from '../../errors.ts';
import { SafePathError, safeMkdir } from '../../runtime/sandbox/safe-fs.ts';

/**
 * The host path of `subPath` inside the volume at `volumeRoot`, created as a directory (mode
 * of the volume root) when missing. Throws InvalidArgument when `subPath` is absolute, has a
 * `..` component, leads outside the volume through a symlink, goes through a dangling symlink
 * or through a file (nothing is created outside).
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
  const mode = (await stat(volumeRoot)).mode & 0o7777;
  try {
    return (await safeMkdir(volumeRoot, parts.join('/'), { resolve: 'beneath', mode })).path;
  } catch (err) {
    if (!(err instanceof SafePathError)) throw err;
    const why =
      err.errno === 'EXDEV'
        ? `subPath "${subPath}" resolves outside the volume`
        : err.errno === 'ENOENT'
          ? `"${subPath}" goes through a symlink that leads nowhere`
          : err.errno === 'ENOTDIR'
            ? `a component of subPath "${subPath}" is not a directory`
            : `subPath "${subPath}": ${err.errno}`;
    throw refuse(why);
  }
}
