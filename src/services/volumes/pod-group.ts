/**
 * Who may use a pod's volumes: the pod's own group, as the kubelet's `fsGroup`. Each pod gets a
 * host group of its own (`runtime/users/pod-groups.ts`: a gid never reused), recorded in its
 * directory (`<pod>/group`, so a daemon resuming the pod keeps it), removed with it; every container of the pod gets it as
 * a supplementary group; the pod's directories and volumes are grouped to it. So a container
 * running as Local Service, Network Service or a group account can read its pod's Secrets and
 * ConfigMaps and write its emptyDirs — and nothing of another pod's, not even when that pod runs
 * as the same account, nor can any other local user.
 */
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../../errors.ts';
import { instanceId } from '../../lib/instance-id.ts';
import { createPodGroup, removePodGroup } from '../../runtime/users/pod-groups.ts';

const GROUP_FILE = 'group';

/** The group of a pod whose containers all run as root: root's own (never made, never removed). */
export const ROOT_GID = 0;

/**
 * The pod's gid: the one recorded in `reusedDir` (a resumed pod), else a new pod group
 * (`createPodGroup`) recorded in `newDir` (the pod's directory being made). Undefined when
 * hostpod does not run as root (it cannot give groups then; modes stay as without one).
 */
export async function podGroup(
  root: string,
  newDir: string,
  reusedDir: string | undefined,
  options: { rootOnly?: boolean } = {},
): Promise<number | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  if (reusedDir !== undefined) {
    const gid = await readPodGroup(reusedDir);
    if (gid !== undefined) return gid;
  }
  // Every container runs as root (NT AUTHORITY\SYSTEM): no account needs a way in, so no host
  // group is made (a `groupadd` per pod) — root's own group holds the pod's files, root only.
  if (options.rootOnly) return ROOT_GID;
  const gid = await createPodGroup(instanceId(root));
  await writeFile(join(newDir, GROUP_FILE), `${gid}\n`, { mode: 0o600 });
  return gid;
}

/** The pod group recorded in a pod directory, if any. */
export async function readPodGroup(dir: string): Promise<number | undefined> {
  try {
    const n = Number((await readFile(join(dir, GROUP_FILE), 'utf8')).trim());
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** Deletes the pod group recorded in `dir` (after the pod's directory is gone, or before). */
export async function dropPodGroup(root: string, gid: number | undefined): Promise<void> {
  if (gid !== undefined && gid !== ROOT_GID && process.getuid?.() === 0)
    await removePodGroup(instanceId(root), gid);
}

/**
 * Makes `path` (and missing parents below `base`) a directory of root with the pod's group and
 * `mode` (exact), or `fallbackMode` without a group. Only for places under the pod's directory,
 * which the group can enter but not write: nobody but root can swap anything there.
 */
export async function groupedDir(
  path: string,
  gid: number | undefined,
  mode: number,
  fallbackMode: number,
  options: { exists?: boolean } = {},
): Promise<void> {
  if (!options.exists) {
    try {
      await mkdir(path, { mode: 0o700 });
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
  }
  if (gid !== undefined) await chown(path, 0, gid);
  await chmod(path, gid === undefined ? fallbackMode : mode);
}

/**
 * The modes of an API-data volume's files for the pod's group: group read added (as the
 * kubelet does for `fsGroup`), and — for Secret data (`secret`, a projected `secret` or
 * `serviceAccountToken`) — nothing for others. Without a group, the modes asked for.
 */
export function apiDataFileMode(
  gid: number | undefined,
  secret: boolean,
): ((mode: number) => number) | undefined {
  if (gid === undefined) return undefined;
  return (mode) => (secret ? (mode & ~0o007) | 0o040 : mode | 0o040);
}
