import { RuntimeError } from '../errors.ts';

/** Where a task's job goes: the parent cgroup (same path in every hierarchy) and the job's name. */
export interface CgroupPlace {
  parent: string;
  id: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function unknown(path: string, why: string): RuntimeError {
  return new RuntimeError('InvalidArgument', `Cannot place the task: linux.cgroupsPath "${path}" ${why}`, {
    hint: 'use the cgroupfs form /parent/.../id or the systemd form slice:prefix:name (as containerd writes them)',
  });
}

/**
 * systemd's slice path expansion (what runc's ExpandSlice does): `a-b-c.slice` →
 * `/a.slice/a-b.slice/a-b-c.slice`; `-.slice` is the root.
 */
export function expandSlice(slice: string, path: string): string {
  if (slice === '-.slice') return '/';
  if (!slice.endsWith('.slice') || slice.includes('/'))
    throw unknown(path, `names "${slice}", which is not a slice`);
  const base = slice.slice(0, -'.slice'.length);
  if (base === '' || base.startsWith('-') || base.endsWith('-') || base.includes('--'))
    throw unknown(path, `names the malformed slice "${slice}"`);
  let prefix = '';
  let out = '';
  for (const part of base.split('-')) {
    prefix = prefix ? `${prefix}-${part}` : part;
    out += `/${prefix}.slice`;
  }
  return out;
}

/**
 * `linux.cgroupsPath` → where the job is made, as runc would place it, without systemd (plain
 * directories, no D-Bus):
 * - cgroupfs form `/a/b/id` → parent `/a/b`, job `id` (the kubelet: `/kubepods/besteffort/pod<uid>/<id>`);
 * - systemd form `slice:prefix:name` → parent = the expanded slice, job `prefix-name.scope`
 *   (`kubepods-besteffort-pod<uid>.slice:cri-containerd:<id>` →
 *   `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid>.slice`, `cri-containerd-<id>.scope`);
 * - empty → `/<namespace>/<taskId>` (what ctr writes itself).
 * Throws InvalidArgument for anything else (a relative path, `..`, unsafe names).
 */
export function parseCgroupsPath(path: string, namespace: string, taskId: string): CgroupPlace {
  if (path === '') return { parent: `/${namespace}`, id: taskId };
  if (path.includes('\0')) throw unknown(path, 'holds a NUL byte');
  const colon = path.split(':');
  if (colon.length === 3 && !path.startsWith('/')) {
    const [slice = '', prefix = '', name = ''] = colon;
    const parent = expandSlice(slice === '' ? 'system.slice' : slice, path);
    const id = name.endsWith('.slice') ? name : `${prefix ? `${prefix}-` : ''}${name}.scope`;
    if (!NAME.test(id)) throw unknown(path, `gives the unsafe unit name "${id}"`);
    return { parent, id };
  }
  if (!path.startsWith('/'))
    throw unknown(path, 'is neither an absolute cgroupfs path nor slice:prefix:name');
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length < 2)
    throw unknown(path, 'must have a parent (hostpod does not make jobs at the root cgroup)');
  for (const p of parts)
    if (!NAME.test(p) || p === '..') throw unknown(path, `has the unsafe component "${p}"`);
  const id = parts.pop() as string;
  return { parent: `/${parts.join('/')}`, id };
}
