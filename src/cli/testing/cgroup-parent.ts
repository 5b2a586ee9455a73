/**
 * A cgroup parent of a CLI test's own (`--cgroup-parent /hostpod-test-…`): a `hostpod run`
 * started elsewhere on the host (another test, another checkout) cleans up jobs under *its*
 * parent, so a test's container must not sit under the shared default.
 */
import { randomBytes } from 'node:crypto';
import { removeCgroupDirs } from '../../runtime/group/cgroup-fs.ts';
import { CgroupManager, createGroupManager } from '../../runtime/group/group-manager.ts';

export interface TestCgroupParent {
  /** The `--cgroup-parent` value. */
  parent: string;
  /** Removes the parent in every hierarchy (the jobs under it must be gone). */
  cleanup(): Promise<void>;
}

export function testCgroupParent(): TestCgroupParent {
  const parent = `/hostpod-test-${randomBytes(4).toString('hex')}`;
  return {
    parent,
    async cleanup() {
      const groups = await createGroupManager({ parent });
      if (groups instanceof CgroupManager)
        await removeCgroupDirs([...new Set(Object.values(groups.parents))]).catch(() => {});
    },
  };
}
