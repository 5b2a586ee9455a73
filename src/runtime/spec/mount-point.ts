import { RuntimeError } from '../../errors.ts';
import { normalizeSeparators, stripTrailingSlash } from './tokens.ts';
import { ANNOTATION_ROOTFS_LOCATION, type Layout } from './types.ts';

/** The default mount point of the bind layout. */
export const BIND_MOUNT_POINT = '/hpc';

export interface MountPointOptions {
  layout: Layout;
  /** The container id (a safe path component). */
  id: string;
  /** hostpod's state root (`--root`, default `/var/lib/hostpod`). */
  root: string;
  /** The `microsoft.com/hostprocess-rootfs-location` annotation value, if set. */
  rootfsLocation?: string | undefined;
}

export interface MountPoint {
  /** What the processes see as `CONTAINER_SANDBOX_MOUNT_POINT`: absolute, ends with `/`. */
  mountPoint: string;
  /** Where the workspace directory lives on the host (no trailing `/`). */
  workspaceHostPath: string;
}

/**
 * Where a container's workspace is, for the processes and on the host.
 * - bind: `/hpc/` (or `<location>/`) inside the container's mount namespace; the workspace
 *   itself is `<root>/sandboxes/<id>/rootfs` on the host;
 * - symlink: the host path itself, `<root>/sandboxes/<id>/rootfs/` (or `<location>/<id>/`).
 * Throws InvalidArgument for a rootfs location that is not an absolute, `..`-free path.
 */
export function resolveMountPoint(options: MountPointOptions): MountPoint {
  const sandboxRootfs = `${stripTrailingSlash(options.root)}/sandboxes/${options.id}/rootfs`;
  const location =
    options.rootfsLocation === undefined || options.rootfsLocation === ''
      ? undefined
      : parseRootfsLocation(options.rootfsLocation);
  if (options.layout === 'bind') {
    return { mountPoint: `${location ?? BIND_MOUNT_POINT}/`, workspaceHostPath: sandboxRootfs };
  }
  const host = location === undefined ? sandboxRootfs : `${location}/${options.id}`;
  return { mountPoint: `${host}/`, workspaceHostPath: host };
}

/** Validates and normalises the rootfs-location annotation (no trailing `/`). */
export function parseRootfsLocation(value: string): string {
  const p = stripTrailingSlash(normalizeSeparators(value));
  const bad = (why: string) =>
    new RuntimeError(
      'InvalidArgument',
      `Invalid annotation ${ANNOTATION_ROOTFS_LOCATION}="${value}": ${why}`,
      {
        hint: 'use an absolute directory path such as /opt/hpc',
      },
    );
  if (!p.startsWith('/')) throw bad('the path must be absolute');
  if (p === '/') throw bad('the workspace cannot replace the root directory');
  if (p.split('/').some((c) => c === '..' || c === '.')) throw bad('the path must not contain "." or ".."');
  if (p.includes('\0')) throw bad('the path must not contain NUL');
  return p;
}
