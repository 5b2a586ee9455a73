import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';

/**
 * Which cgroup hierarchies the host offers, found once from `/proc/self/mountinfo` and
 * `/proc/self/cgroup`. Parsing is pure so tests can describe any host.
 */

/** One mounted hierarchy: where it is mounted and where our own cgroup sits inside it. */
export interface Hierarchy {
  /** The mount point, e.g. `/sys/fs/cgroup/memory`. */
  mount: string;
  /** Our own cgroup, relative to the mount point, starting with `/` (`/` = the mount's root). */
  own: string;
}

/** The v1 controllers hostpod uses. */
export const V1_CONTROLLERS = ['memory', 'cpu', 'cpuacct', 'pids', 'freezer'] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];

export type CgroupLayout =
  | { kind: 'v2'; unified: Hierarchy }
  | { kind: 'hybrid'; unified: Hierarchy; controllers: Partial<Record<V1Controller, Hierarchy>> }
  | { kind: 'v1'; controllers: Partial<Record<V1Controller, Hierarchy>> }
  | { kind: 'none'; reason: string };

interface Mount {
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/** Undoes mountinfo's octal escapes (`\040` for a space, …). */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    if (sep < 6 || fields.length < sep + 4) continue;
    mounts.push({
      root: unescapeOctal(fields[3] ?? '/'),
      mountPoint: unescapeOctal(fields[4] ?? ''),
      fsType: fields[sep + 1] ?? '',
      superOptions: (fields[sep + 3] ?? '').split(','),
    });
  }
  return mounts;
}

/** `/proc/self/cgroup` → hierarchy key (`0` for cgroup2, else the controller list) → path. */
function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, id, ctrls, path] = m as unknown as [string, string, string, string];
    if (id === '0' && ctrls === '') out.set('0', path);
    else for (const c of ctrls.split(',')) out.set(c, path);
  }
  return out;
}

/** Our cgroup inside a mount whose root is `mountRoot` (containers mount a sub-tree). */
function ownInside(path: string | undefined, mountRoot: string): string {
  if (path === undefined) return '/';
  if (mountRoot === '/') return path || '/';
  const rel = posix.relative(mountRoot, path);
  return rel.startsWith('..') ? '/' : `/${rel}`.replace(/\/$/, '') || '/';
}

/**
 * Decides the layout from the text of `/proc/self/mountinfo` and `/proc/self/cgroup`:
 * `hybrid` when v1 controllers and a cgroup2 mount coexist, `v1` without cgroup2, `v2` when
 * only cgroup2 is there, `none` without any (or without the memory controller in v1).
 */
export function detectCgroupLayout(mountinfo: string, procSelfCgroup: string): CgroupLayout {
  const mounts = parseMountinfo(mountinfo);
  const paths = parseProcCgroup(procSelfCgroup);
  const controllers: Partial<Record<V1Controller, Hierarchy>> = {};
  let unified: Hierarchy | undefined;
  for (const m of mounts) {
    if (m.fsType === 'cgroup2') {
      unified ??= { mount: m.mountPoint, own: ownInside(paths.get('0'), m.root) };
    } else if (m.fsType === 'cgroup') {
      for (const c of V1_CONTROLLERS) {
        if (m.superOptions.includes(c) && controllers[c] === undefined) {
          controllers[c] = { mount: m.mountPoint, own: ownInside(paths.get(c), m.root) };
        }
      }
    }
  }
  const hasV1 = Object.keys(controllers).length > 0;
  if (hasV1 && controllers.memory === undefined && unified === undefined) {
    return { kind: 'none', reason: 'the cgroup v1 memory controller is not mounted' };
  }
  if (hasV1 && unified) return { kind: 'hybrid', unified, controllers };
  if (hasV1) return { kind: 'v1', controllers };
  if (unified) return { kind: 'v2', unified };
  return { kind: 'none', reason: 'no cgroup filesystem is mounted' };
}

/** Reads this process's view of the host and returns its layout. Never throws. */
export async function readCgroupLayout(): Promise<CgroupLayout> {
  try {
    const [mountinfo, cgroup] = await Promise.all([
      readFile('/proc/self/mountinfo', 'utf8'),
      readFile('/proc/self/cgroup', 'utf8'),
    ]);
    return detectCgroupLayout(mountinfo, cgroup);
  } catch (err) {
    return { kind: 'none', reason: `cannot read /proc/self: ${String(err)}` };
  }
}
