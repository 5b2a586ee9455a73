/**
 * Removes a test's state root even when the test failed half-way: whatever is still mounted
 * under it (a workspace, a tmpfs volume of a run that was interrupted) is detached first, deepest
 * first, so nothing of the test stays mounted on the host and `rm` does not stop at `EBUSY`.
 */
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Mount points under `root` (octal escapes of /proc/self/mountinfo decoded), deepest first. */
export async function mountsUnder(root: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const base = root.endsWith('/') ? root : `${root}/`;
  return info
    .split('\n')
    .map((l) =>
      l.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))),
    )
    .filter((m): m is string => m !== undefined && (m === root || m.startsWith(base)))
    .sort((a, b) => b.length - a.length);
}

/** Detaches every mount under `root`, then removes it. Never throws. */
export async function removeTestRoot(root: string): Promise<void> {
  for (const m of await mountsUnder(root).catch(() => [])) await run('umount', ['-l', m]).catch(() => {});
  await rm(root, { recursive: true, force: true }).catch(() => {});
}
