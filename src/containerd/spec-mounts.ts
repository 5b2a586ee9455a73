import { posix } from 'node:path';
import { RuntimeError } from '../errors.ts';
import type { VolumeMount } from '../runtime/spec/types.ts';
import type { OciMount } from './oci-spec.ts';

/** The host's own: a host process sees the host's, so the spec's copies are not mounted. */
const STANDARD = new Set([
  '/proc',
  '/sys',
  '/dev',
  '/dev/pts',
  '/dev/shm',
  '/dev/mqueue',
  '/sys/fs/cgroup',
  '/run',
]);
const SPECIAL_TYPES = new Set(['proc', 'sysfs', 'devpts', 'mqueue', 'cgroup', 'cgroup2', 'tmpfs']);
/** Destinations a bind may never cover: the host's root and its kernel file systems. */
const FORBIDDEN = ['/proc', '/sys', '/dev/pts', '/dev/mqueue'];
/** Never bound: containerd's copies would hide the host's files that node agents edit. */
const HOST_FILES = new Set(['/etc/hosts', '/etc/hostname']);

export interface MappedMounts {
  volumes: VolumeMount[];
  /** Spec mounts not made, with why (logged once per task). */
  skipped: string[];
}

function refuse(m: OciMount, why: string): RuntimeError {
  return new RuntimeError(
    'InvalidArgument',
    `Cannot create the host process container: mount of "${m.source}" at "${m.destination}" ${why}`,
    { hint: 'a HostProcess container shares the host file system; mount host paths elsewhere' },
  );
}

function propagationOf(options: readonly string[]): VolumeMount['propagation'] {
  let p: VolumeMount['propagation'];
  for (const o of options) {
    if (o === 'rprivate' || o === 'private') p = 'private';
    else if (o === 'rslave' || o === 'slave') p = 'slave';
    else if (o === 'rshared' || o === 'shared') p = 'shared';
  }
  return p;
}

/**
 * The spec's mounts → the volumes of the container's private view (bind layout):
 * - the standard `/proc`, `/sys`, `/dev`, `/dev/pts`, `/dev/shm`, `/dev/mqueue`, cgroup and `/run` mounts
 *   (whatever their source: CRI's pod shm included) are the host's and are skipped;
 * - `/etc/hosts` and `/etc/hostname` are never bound (containerd's copies would hide the host's);
 * - every other bind (the kubelet's volumes, `/etc/resolv.conf`, `/dev/termination-log`) is a
 *   volume at its destination, read-only with `ro`, with the propagation of its options
 *   (`rprivate` / `rslave` / `rshared`).
 * Refused (InvalidArgument): a bind at `/`, over `/proc`, `/sys`, `/dev` or under the first two,
 * a kernel or tmpfs file system anywhere else, any other mount type, a relative destination.
 * The workspace itself is guarded by the sandbox's own checks.
 */
export function mapSpecMounts(mounts: readonly OciMount[]): MappedMounts {
  const volumes: VolumeMount[] = [];
  const skipped: string[] = [];
  for (const m of mounts) {
    if (!m.destination.startsWith('/')) throw refuse(m, 'has a relative destination');
    const dest = posix.normalize(m.destination).replace(/(.)\/$/, '$1');
    const bind = m.type === 'bind' || m.options.includes('bind') || m.options.includes('rbind');
    if (!bind) {
      if (SPECIAL_TYPES.has(m.type) && STANDARD.has(dest)) {
        skipped.push(`${dest} (${m.type}): the host's`);
        continue;
      }
      throw refuse(m, `is of type "${m.type}": only bind mounts of host paths are supported`);
    }
    if (dest === '/dev/shm') {
      skipped.push(`${dest}: the host's /dev/shm`);
      continue;
    }
    if (HOST_FILES.has(dest)) {
      skipped.push(`${dest}: the host's file is kept (node agents edit it)`);
      continue;
    }
    if (dest === '/' || dest === '/dev' || FORBIDDEN.some((f) => dest === f || dest.startsWith(`${f}/`)))
      throw refuse(m, "would cover the host's own file system");
    if (STANDARD.has(dest)) throw refuse(m, "would cover the host's own file system");
    volumes.push({
      hostPath: m.source,
      mountPath: dest,
      readOnly: m.options.includes('ro'),
      propagation: propagationOf(m.options),
    });
  }
  return { volumes, skipped };
}
