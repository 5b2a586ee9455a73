import { RuntimeError } from '../../errors.ts';
import { fsWalker, walkPath } from '../../lib/walk-path.ts';
import { stripTrailingSlash } from '../spec/tokens.ts';
import { type MountMapping, translatePath } from '../spec/translate-path.ts';
import { mkdirs, resolveInRoot } from './host-paths.ts';

/**
 * Makes sure the working directory `cwd` (as the container sees it) exists: a missing one is
 * created with mode 0700, as hcsshim does, and — so that an unprivileged run-as user can enter
 * it — owned by `owner`. Paths are resolved in the container's view (`mappings`, empty for the
 * symlink layout) and created at the host path behind them; inside the workspace, the image's
 * symlinks are resolved within it (an image cannot make hostpod create directories elsewhere on
 * the host). Returns the host directories made.
 * Throws FailedPrecondition when `cwd` is a file.
 */
export async function ensureWorkingDir(
  sandbox: { mappings: readonly MountMapping[]; mountPoint: string; workspace: string },
  cwd: string,
  owner?: { uid: number; gid: number },
): Promise<string[]> {
  const options = owner ? { mode: 0o700, owner } : { mode: 0o700 };
  const mp = stripTrailingSlash(sandbox.mountPoint);
  if (cwd === mp || cwd.startsWith(`${mp}/`)) {
    // In the workspace: the image's symlinks are resolved inside it, never followed out.
    const r = await resolveInRoot(sandbox.workspace, cwd.slice(mp.length) || '/');
    if (r.kind === 'file') throw isFile(cwd);
    return r.kind === 'dir' ? [] : mkdirs(r.hostPath, options);
  }
  const { mappings } = sandbox;
  const walker = fsWalker((p) => translatePath(p, mappings));
  const r = await walkPath(cwd, walker);
  if (r.kind === 'dir') return [];
  if (r.kind === 'file') throw isFile(cwd);
  return mkdirs(translatePath(r.path, mappings), options);
}

function isFile(cwd: string): RuntimeError {
  return new RuntimeError('FailedPrecondition', `Cannot use "${cwd}" as the working directory: it is a file`);
}
