import { RuntimeError } from '../../errors.ts';
import { type MountMapping, translatePath } from '../spec/translate-path.ts';
import { walkPath } from '../spec/walk-path.ts';
import { hostWalker, mkdirs } from './host-paths.ts';

/**
 * Makes sure the working directory `cwd` (as the container sees it) exists: a missing one is
 * created with mode 0700, as hcsshim does, and — so that an unprivileged run-as user can enter
 * it — owned by `owner`. Paths are resolved in the container's view (`mappings`, empty for the
 * symlink layout) and created at the host path behind them. Returns the host directories made.
 * Throws FailedPrecondition when `cwd` is a file.
 */
export async function ensureWorkingDir(
  mappings: readonly MountMapping[],
  cwd: string,
  owner?: { uid: number; gid: number },
): Promise<string[]> {
  const walker = hostWalker((p) => translatePath(p, mappings));
  const r = await walkPath(cwd, walker);
  if (r.kind === 'dir') return [];
  if (r.kind === 'file') {
    throw new RuntimeError(
      'FailedPrecondition',
      `Cannot use "${cwd}" as the working directory: it is a file`,
    );
  }
  return mkdirs(translatePath(r.path, mappings), owner ? { mode: 0o700, owner } : { mode: 0o700 });
}
