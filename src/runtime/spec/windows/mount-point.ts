import { RuntimeError } from '../../../errors.ts';
import { SANDBOX_TOKENS } from '../tokens.ts';
import type { Layout } from '../types.ts';

/**
 * Where a Windows container's workspace lives and how its processes name it
 * (windows-backend.md §2.2, §4.2). hostpod has no bind filter, so the `bind` layout is
 * containerd 1.7's fallback (`C:\hpc\<id>\`) and `symlink` is containerd 1.6's (`C:\C\<id>\`);
 * both are plain directories on the host, and the mount point is that directory.
 */

/** The default parent of each layout's workspaces. */
export const WINDOWS_WORKSPACE_ROOTS: Record<Layout, string> = { bind: 'C:\\hpc', symlink: 'C:\\C' };

export interface WindowsMountPointInput {
  layout: Layout;
  /** The container id: a safe path component. */
  id: string;
  /** Annotation `microsoft.com/hostprocess-rootfs-location` (the parent of `<id>\`). */
  rootfsLocation?: string | undefined;
}

/**
 * The container's mount point, always ending in `\`: `C:\hpc\<id>\`, `C:\C\<id>\`, or
 * `<rootfsLocation>\<id>\` (the fallback-mode reading of the annotation). Throws
 * InvalidArgument (field `metadata.annotations[microsoft.com/hostprocess-rootfs-location]`)
 * when the location is not an absolute drive path or holds `..`, `/` alternatives aside.
 */
export function resolveWindowsMountPoint(input: WindowsMountPointInput): string {
  let parent = WINDOWS_WORKSPACE_ROOTS[input.layout];
  if (input.rootfsLocation !== undefined && input.rootfsLocation !== '') {
    const loc = input.rootfsLocation.replace(/\//g, '\\');
    if (!/^[A-Za-z]:\\/.test(loc) || loc.split('\\').some((p) => p === '..' || p === '.')) {
      throw new RuntimeError(
        'InvalidArgument',
        `metadata.annotations[microsoft.com/hostprocess-rootfs-location]: "${input.rootfsLocation}" is not an absolute Windows path`,
        { hint: 'use a drive path such as C:\\hpc, without . or .. components' },
      );
    }
    parent = loc.replace(/\\+$/, '');
  }
  return `${parent}\\${input.id}\\`;
}

/**
 * hcsshim's `replaceWithMountPoint`: the literal tokens `%CONTAINER_SANDBOX_MOUNT_POINT%` and
 * `$env:CONTAINER_SANDBOX_MOUNT_POINT` (case-sensitive) become the mount point minus one
 * trailing `\`. Returns the new string and whether anything was replaced (the working-dir rule
 * needs to know).
 */
export function replaceWindowsSandboxTokens(
  s: string,
  mountPoint: string,
): { value: string; replaced: boolean } {
  const bare = mountPoint.endsWith('\\') ? mountPoint.slice(0, -1) : mountPoint;
  let value = s;
  for (const t of SANDBOX_TOKENS) value = value.split(t).join(bare);
  return { value, replaced: value !== s };
}
