import { posix } from 'node:path';
import { errnoCode } from '../../errors.ts';
import { type CgroupFs, readPids, writeControl } from './cgroup-fs.ts';

/** The v2 controllers jobs need in their parent's `cgroup.subtree_control`, in the order written. */
export const V2_CONTROLLERS = ['memory', 'cpu', 'pids'] as const;
export type V2Controller = (typeof V2_CONTROLLERS)[number];

export interface V2Controllers {
  /** The controllers every job under the parent gets (the parent's `cgroup.subtree_control`). */
  enabled: V2Controller[];
  /** Why some controller the host has could not be enabled (a cgroup on the way holds processes). */
  refused?: string;
}

const words = (text: string): string[] => text.trim().split(/\s+/).filter(Boolean);

/**
 * Enables `memory cpu pids` (those the host offers) in each `cgroup.subtree_control` from the
 * root of the hierarchy (`mount`) down to `parent`, as the kernel requires: a controller reaches
 * a cgroup only through every ancestor's `subtree_control`. The kernel refuses it (EBUSY) in a
 * cgroup other than the root that holds processes — the "no internal processes" rule — so a
 * parent below such a cgroup (e.g. below the daemon's own) gets no controllers: that is reported
 * in `refused` naming the cgroup and its processes, not thrown, so jobs without limits still
 * run. The root is exempt from the rule. Controllers already enabled are not written again.
 * Throws `PermissionDenied` (not root, no delegation) and `FailedPrecondition` (other refusals).
 */
export async function enableV2Controllers(
  fs: CgroupFs,
  mount: string,
  parent: string,
): Promise<V2Controllers> {
  const rel = posix.relative(mount, parent);
  const chain = [mount];
  for (const c of rel === '' ? [] : rel.split('/')) chain.push(posix.join(chain[chain.length - 1]!, c));
  let refused: string | undefined;
  for (const dir of chain) {
    const available = words(readOr(fs, posix.join(dir, 'cgroup.controllers')));
    const current = words(readOr(fs, posix.join(dir, 'cgroup.subtree_control')));
    const missing = V2_CONTROLLERS.filter((c) => available.includes(c) && !current.includes(c));
    if (missing.length === 0) continue;
    try {
      writeControl(posix.join(dir, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '), fs);
    } catch (err) {
      if (errnoCode(err instanceof Error ? err.cause : undefined) !== 'EBUSY') throw err;
      const pids = await readPids(posix.join(dir, 'cgroup.procs'), fs);
      refused =
        pids.length > 0
          ? `${dir} holds processes (${pids.slice(0, 5).join(', ')}${pids.length > 5 ? ', …' : ''}), and cgroup v2 passes no controller down from a cgroup with processes in it`
          : `${dir} refused "+${missing.join(' +')}" (EBUSY)`;
      break;
    }
  }
  const enabled = words(readOr(fs, posix.join(parent, 'cgroup.subtree_control')));
  return {
    enabled: V2_CONTROLLERS.filter((c) => enabled.includes(c)),
    ...(refused === undefined ? {} : { refused }),
  };
}

function readOr(fs: CgroupFs, file: string): string {
  try {
    return fs.read(file);
  } catch {
    return '';
  }
}
