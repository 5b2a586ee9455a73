import { readFile, realpath } from 'node:fs/promises';
import { RuntimeError } from '../../errors.ts';
import { runTool } from './exec-tool.ts';
import { type MountInfoEntry, parseMountInfo } from './mountinfo.ts';

/** What `ensureSharedMount` found or did. */
export type SharedMountResult =
  /** The mount holding the path was shared already: nothing changed. */
  | 'was-shared'
  /** The path was a mount point, private or slave: it was made shared. */
  | 'made-shared'
  /** The path was inside a private mount: it was bound onto itself, and that mount made shared. */
  | 'bound-shared';

/** The mount `path` is in: the deepest mount point at or above it (the topmost of a stack). */
export function mountOf(path: string, mounts: readonly MountInfoEntry[]): MountInfoEntry | undefined {
  let best: MountInfoEntry | undefined;
  for (const m of mounts) {
    const inside = m.mountPoint === '/' || path === m.mountPoint || path.startsWith(`${m.mountPoint}/`);
    if (inside && (best === undefined || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

/**
 * Makes the host path `path` (a directory or file) propagate mounts both ways between the host
 * and a container's copy of it, as the kubelet's `Bidirectional` and `HostToContainer` need:
 * the mount holding it must be *shared* (a container's copy then joins, or follows, its peer
 * group). Shared already: nothing is done. Otherwise only `path` changes, never a parent such as
 * `/`: a mount point is made shared (`mount --make-shared`); a path inside another mount is first
 * bound onto itself (`mount --bind path path`), as operators do for `/var/lib/kubelet`. The
 * change is left in place: mounts made under the path live on it. Throws `FailedPrecondition`
 * with mount(8)'s message when the host refuses.
 */
export async function ensureSharedMount(
  path: string,
  mountInfoPath = '/proc/self/mountinfo',
): Promise<SharedMountResult> {
  const real = await realpath(path);
  const mounts = parseMountInfo(await readFile(mountInfoPath, 'utf8'));
  const holder = mountOf(real, mounts);
  if (holder?.optional.some((o) => o.startsWith('shared:'))) return 'was-shared';
  const run = async (args: string[]) => {
    const r = await runTool('mount', args);
    if (r.exitCode !== 0) {
      throw new RuntimeError(
        'FailedPrecondition',
        `Cannot make "${real}" a shared mount (mount ${args.join(' ')}): ${r.stderr.trim()}`,
        {
          hint: `make it shared yourself (mount --bind ${real} ${real}; mount --make-shared ${real}), or drop mountPropagation`,
        },
      );
    }
  };
  if (holder?.mountPoint === real) {
    await run(['--make-shared', real]);
    return 'made-shared';
  }
  await run(['--bind', real, real]);
  await run(['--make-shared', real]);
  return 'bound-shared';
}
