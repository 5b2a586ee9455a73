import { join } from 'node:path';

/**
 * The directory every hostpod instance on this host shares (state roots are per instance):
 * what must be counted or allocated host-wide lives here —
 * `mount-targets/` (the mount points and volume targets made on the host, reference-counted
 * across instances: `sandbox/target-registry.ts`) and `ids/` (the ephemeral uid/gid counter:
 * `users/id-allocator.ts`). Root-only (0700). Persistent: after a reboot the counter must
 * still not hand out an id that owns files.
 */
export const HOST_STATE_DIR = '/var/lib/hostpod-host';

/** `<hostState>/mount-targets`. */
export function mountTargetRegistry(hostState: string = HOST_STATE_DIR): string {
  return join(hostState, 'mount-targets');
}
