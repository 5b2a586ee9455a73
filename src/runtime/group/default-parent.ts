import { statSync } from 'node:fs';
import { posix } from 'node:path';
import type { Hierarchy } from './layout.ts';

/**
 * Where jobs go when no cgroup parent is configured: outside the cgroup hostpod itself runs in,
 * at the top of each hierarchy — as containerd and the kubelet's cgroupfs driver do. Nested
 * under its own cgroup (what older hostpods did) it breaks on cgroup v2: a cgroup that holds
 * processes (the daemon, its shims) cannot pass controllers to its children.
 */

/** On a host booted with systemd: a slice-named directory beside `system.slice` (no D-Bus). */
export const SYSTEMD_PARENT = '/hostpod.slice';
/** Elsewhere (other inits, containers): a plain top-level cgroup. */
export const PLAIN_PARENT = '/hostpod';

/** The default parent for a host that is (or is not) booted with systemd. */
export function defaultCgroupParent(systemd: boolean): string {
  return systemd ? SYSTEMD_PARENT : PLAIN_PARENT;
}

/** systemd's own `sd_booted()` test: `/run/systemd/system` is a directory. Never throws. */
export function bootedWithSystemd(dir = '/run/systemd/system'): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The parent older hostpods used by default in one hierarchy: `hostpod` under the cgroup this
 * process runs in. Jobs found there are still opened (re-adopted) and cleaned up after an
 * upgrade; nothing new is made there.
 */
export function legacyParentIn(h: Hierarchy): string {
  return posix.join(h.mount, h.own, 'hostpod');
}
