import { RuntimeError } from '../../errors.ts';
import { runTool } from './exec-tool.ts';
import { unmount } from './overlay.ts';
import type { RootfsMount } from './sandbox.ts';
import { WORKSPACE_MOUNT_FLAGS } from './workspace-mount.ts';

const TYPES = new Set(['overlay', 'bind', 'rbind']);

/**
 * Mounts a ready rootfs at `target`, in order (containerd hands a snapshot as one overlay, or
 * one bind for a snapshot without parents): `overlay` with its options as given, `bind` with
 * `bind`/`rbind`/`ro`/`rw` among its options. Validates every mount before the first one is
 * made; on failure unmounts what it made. Throws InvalidArgument (an unknown type, a NUL or
 * comma in a field, a relative source), FailedPrecondition (mount(8) failed, its message kept).
 */
export async function mountRootfs(mounts: readonly RootfsMount[], target: string): Promise<void> {
  for (const m of mounts) {
    const type = m.type === '' && m.options.some((o) => o === 'bind' || o === 'rbind') ? 'bind' : m.type;
    if (!TYPES.has(type)) {
      throw new RuntimeError(
        'InvalidArgument',
        `Cannot mount the rootfs: mount type "${m.type}" is not supported`,
        {
          hint: "hostpod takes overlay and bind rootfs mounts (containerd's overlayfs or native snapshotter)",
        },
      );
    }
    if ([m.source, ...m.options].some((f) => f.includes('\0')))
      throw new RuntimeError('InvalidArgument', 'Cannot mount the rootfs: a field holds a NUL byte');
    if (type !== 'overlay' && !m.source.startsWith('/'))
      throw new RuntimeError(
        'InvalidArgument',
        `Cannot mount the rootfs: bind source "${m.source}" is not absolute`,
      );
  }
  let made = 0;
  try {
    for (const m of mounts) {
      const bind = m.type !== 'overlay';
      // A workspace never lets image content gain privilege (docs/security.md, class 1).
      const flags = WORKSPACE_MOUNT_FLAGS.join(',');
      const args = bind
        ? ['--bind', '-o', m.options.includes('ro') ? `ro,${flags}` : flags, m.source, target]
        : ['-t', 'overlay', m.source || 'overlay', '-o', [...m.options, flags].join(','), target];
      if (bind && m.options.includes('rbind')) args[0] = '--rbind';
      const r = await runTool('mount', args);
      if (r.exitCode !== 0) {
        throw new RuntimeError(
          'FailedPrecondition',
          `Cannot mount the rootfs at "${target}": ${r.stderr.trim()}`,
        );
      }
      made++;
    }
  } catch (err) {
    for (; made > 0; made--) await unmount(target).catch(() => {});
    throw err;
  }
}
