import { createHash } from 'node:crypto';

/**
 * The instance id of a hostpod state root: 12 hex digits of its path's sha256. Everything a
 * hostpod process makes outside its state root that another instance could see — job cgroups,
 * ephemeral users, mount-target registrations — carries it, so that an instance (a daemon, a
 * `hostpod run` with another `--root`, a test) only ever lists, stops or removes its own.
 * The same root always gives the same id (a restarted daemon finds its jobs again).
 */
export function instanceId(root: string): string {
  return createHash('sha256').update(root).digest('hex').slice(0, 12);
}
