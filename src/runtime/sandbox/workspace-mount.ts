import { realpath } from 'node:fs/promises';
import { RuntimeError } from '../../errors.ts';
import { runTool } from './exec-tool.ts';
import { mountsUnder } from './mountinfo.ts';

/**
 * The per-mount flags of every workspace, whoever the container runs as. A workspace holds an
 * image's content as it is — setuid bits and file capabilities included (the layer cache keeps
 * them) — and `nosuid` makes the kernel ignore both when a file of it is executed, `nodev` makes
 * a device node in it unopenable. So no container, and no local user who can reach a workspace,
 * gains privilege from an image. A SYSTEM container loses nothing by it: it runs as root, which
 * needs neither, and the files keep their bits (a `cp -a` out of the workspace keeps them).
 * See docs/security.md.
 */
export const WORKSPACE_MOUNT_FLAGS = ['nosuid', 'nodev'] as const;

/**
 * Makes the plain directory `dir` (the copy mode's workspace) a mount of its own with the
 * workspace flags: a bind mount onto itself. The bind layout's `/hpc` is bound from it and
 * inherits the flags. `removeSandbox()` unmounts it with everything under the sandbox.
 * Throws Internal when mount(8) fails, Unavailable when it is not installed.
 */
export async function bindWorkspace(dir: string): Promise<void> {
  const r = await runTool('mount', ['--bind', '-o', WORKSPACE_MOUNT_FLAGS.join(','), dir, dir]);
  if (r.exitCode !== 0) {
    throw new RuntimeError(
      'Internal',
      `Cannot mount the workspace "${dir}" nosuid,nodev: ${r.stderr.trim()}`,
    );
  }
}

/**
 * Checks that the mount at `dir` carries the workspace flags — a shim built before it passed
 * them would mount an overlay without — and throws Internal (nothing started yet) if not.
 */
export async function checkWorkspaceMount(dir: string, mountInfoPath?: string): Promise<void> {
  const real = await realpath(dir); // mountinfo names mount points by their real path
  const top = (await mountsUnder(real, mountInfoPath)).filter((m) => m.mountPoint === real).at(-1);
  const missing = WORKSPACE_MOUNT_FLAGS.filter((f) => !top?.options.includes(f));
  if (missing.length === 0) return;
  throw new RuntimeError(
    'Internal',
    top === undefined
      ? `The workspace "${dir}" is not a mount point`
      : `The workspace "${dir}" is mounted without ${missing.join(',')}`,
    { hint: 'rebuild the native shim (npm run build:native) and start the container again' },
  );
}
