/**
 * Pod groups: one host group per pod, named `hp<instance>-<gid>` (the instance of the state
 * root that made it), its gid from the host-wide id allocator (never reused). Every container
 * of the pod gets it as a supplementary group, and the pod's directories and volumes are
 * grouped to it (the kubelet's `fsGroup`). A real group entry, so `id`, `ls -l` and
 * `getent group` show a name; removed with the pod, and by crash cleanup of its instance.
 */
import { RuntimeError } from '../../errors.ts';
import { readHostAccounts } from './etc-files.ts';
import { allocateId, type IdAllocatorOptions } from './id-allocator.ts';
import { runShadowTool } from './shadow-tools.ts';

/** The name of pod group `gid` of `instance`. */
export function podGroupName(instance: string, gid: number): string {
  return `hp${instance}-${gid}`;
}

/**
 * Creates a pod group for `instance` and returns its gid. Throws what `allocateId` throws, or
 * Internal when groupadd fails (a gid taken meanwhile is retried with the next one).
 */
export async function createPodGroup(instance: string, ids?: IdAllocatorOptions): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const gid = await allocateId(ids);
    const r = await runShadowTool('groupadd', [
      '--system',
      '--gid',
      String(gid),
      podGroupName(instance, gid),
    ]);
    if (r.exitCode === 0) return gid;
    if (r.exitCode !== 4 || attempt >= 3) {
      throw new RuntimeError(
        'Internal',
        `Cannot create the pod group (gid ${gid}): groupadd exited ${r.exitCode}: ${r.stderr}`,
      );
    }
  }
}

/**
 * Deletes pod group `gid` if it is one of `instance` (its name says so); a group hostpod did
 * not make is never touched. Idempotent: false when there was nothing to delete.
 */
export async function removePodGroup(instance: string, gid: number): Promise<boolean> {
  const name = podGroupName(instance, gid);
  const accounts = await readHostAccounts();
  if (!accounts.groups.some((g) => g.gid === gid && g.name === name)) return false;
  const r = await runShadowTool('groupdel', [name]);
  if (r.exitCode === 0 || r.exitCode === 6) return r.exitCode === 0;
  throw new RuntimeError(
    'Internal',
    `Cannot delete the pod group "${name}": groupdel exited ${r.exitCode}: ${r.stderr}`,
  );
}

/**
 * Crash cleanup: deletes the pod groups of `instance` whose gid is not in `live` (their pod's
 * directory is gone). Returns the names removed and the failures.
 */
export async function cleanupPodGroups(
  instance: string,
  live: Iterable<number>,
): Promise<{ removed: string[]; failed: { name: string; error: unknown }[] }> {
  const keep = new Set(live);
  const prefix = `hp${instance}-`;
  const out = { removed: [] as string[], failed: [] as { name: string; error: unknown }[] };
  for (const g of (await readHostAccounts()).groups) {
    if (!g.name.startsWith(prefix) || g.name !== podGroupName(instance, g.gid) || keep.has(g.gid)) continue;
    try {
      if (await removePodGroup(instance, g.gid)) out.removed.push(g.name);
    } catch (error) {
      out.failed.push({ name: g.name, error });
    }
  }
  return out;
}
