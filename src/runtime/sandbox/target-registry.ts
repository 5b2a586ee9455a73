import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errnoCode, RuntimeError } from '../../errors.ts';
import { mkdirs } from './host-paths.ts';
import { mountPointsInAllNamespaces, mountsUnder } from './mountinfo.ts';

/**
 * Host paths used as bind-mount targets (the mount point `/hpc`, volume mountPaths), shared
 * by the sandboxes of one state root and reference-counted on disk, so that creating or
 * removing a sandbox costs the same with 1 or 1,000 others:
 *
 *     <root>/sandboxes/.targets/<sha256(path)[:32]>/path        the target, for people
 *                                                 /owned       hostpod made it: what it made
 *                                                 /users/<id>  the sandboxes using it
 *
 * A target hostpod made is removed when its last user releases it; one that existed before is
 * never touched.
 */
function entryDir(sandboxes: string, target: string): string {
  return join(sandboxes, '.targets', createHash('sha256').update(target).digest('hex').slice(0, 32));
}

/**
 * `<root>/sandboxes/.made/<sha256(path)[:32]>`: every host directory hostpod made for
 * any target. Targets share parents (`/host/opt/cni/bin` and `/host/etc/cni/net.d` share
 * `/host`, made for whichever came first): a parent that was not empty when its maker released
 * it is removed by whichever release finds it empty later.
 */
function madeEntry(sandboxes: string, path: string): string {
  return join(sandboxes, '.made', createHash('sha256').update(path).digest('hex').slice(0, 32));
}

async function noteMade(sandboxes: string, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  await mkdir(join(sandboxes, '.made'), { recursive: true, mode: 0o700 });
  for (const p of paths) await writeFile(madeEntry(sandboxes, p), `${p}\n`);
}

/**
 * Removes `path` if hostpod made it (its own `owned` list says so, or the ledger does), it is
 * empty and nothing is mounted there. True when it is gone.
 */
async function removeIfMade(
  sandboxes: string,
  path: string,
  mounted: ReadonlySet<string>,
  owned = false,
): Promise<boolean> {
  const entry = madeEntry(sandboxes, path);
  if ((!owned && !(await exists(entry))) || mounted.has(path)) return false;
  try {
    const st = await lstat(path);
    if (st.isDirectory()) await rmdir(path);
    else if (st.isFile() && st.size === 0) await unlink(path);
    else return false;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EBUSY') return false;
    if (code !== 'ENOENT') throw err;
  }
  await rm(entry, { force: true });
  return true;
}

/**
 * Registers sandbox `id` as a user of `target` and makes the target exist (a directory, or an
 * empty file for a file volume). Returns whether it existed before this call, and whether
 * hostpod owns it (made it now, or made it earlier for another sandbox).
 * Throws InvalidArgument when the host has the other kind of file there.
 */
/**
 * One acquire or release of a target at a time in this process: a release that found no user
 * must not remove the target while a concurrent acquire (another container of the same pod
 * set, created at the same moment) has just counted on it existing.
 */
const busy = new Map<string, Promise<unknown>>();
function serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = busy.get(key) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  const settled = next.catch(() => {});
  busy.set(key, settled);
  void settled.then(() => {
    if (busy.get(key) === settled) busy.delete(key);
  });
  return next;
}

export function acquireTarget(
  sandboxes: string,
  id: string,
  target: string,
  kind: 'dir' | 'file',
): Promise<{ existed: boolean; owned: boolean }> {
  return serialized(target, () => acquireTargetNow(sandboxes, id, target, kind));
}

async function acquireTargetNow(
  sandboxes: string,
  id: string,
  target: string,
  kind: 'dir' | 'file',
): Promise<{ existed: boolean; owned: boolean }> {
  const entry = entryDir(sandboxes, target);
  await mkdir(join(entry, 'users'), { recursive: true, mode: 0o700 });
  await writeFile(join(entry, 'path'), `${target}\n`);
  await writeFile(join(entry, 'users', id), '');
  let existing: Awaited<ReturnType<typeof stat>> | undefined;
  try {
    existing = await stat(target);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  if (existing !== undefined) {
    if (existing.isDirectory() !== (kind === 'dir')) {
      await releaseTargetNow(sandboxes, id, target);
      throw new RuntimeError(
        'InvalidArgument',
        `Cannot mount a ${kind === 'dir' ? 'directory' : 'file'} at "${target}": the host has a ${existing.isDirectory() ? 'directory' : 'file'} there`,
      );
    }
    return { existed: true, owned: await exists(join(entry, 'owned')) };
  }
  const created = await mkdirs(kind === 'dir' ? target : dirname(target), { mode: 0o755 });
  if (kind === 'file') {
    try {
      await writeFile(target, '', { flag: 'wx', mode: 0o644 });
      created.push(target);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
  }
  await noteMade(sandboxes, created);
  if (created.length > 0) await writeFile(join(entry, 'owned'), `${created.join('\n')}\n`);
  return { existed: false, owned: created.length > 0 || (await exists(join(entry, 'owned'))) };
}

/**
 * Unregisters sandbox `id` from `target`; when it was the last user of a target hostpod made,
 * removes what was made (deepest first, only what is empty and not mounted here). Idempotent.
 */
export function releaseTarget(sandboxes: string, id: string, target: string): Promise<void> {
  return serialized(target, () => releaseTargetNow(sandboxes, id, target));
}

async function releaseTargetNow(sandboxes: string, id: string, target: string): Promise<void> {
  const entry = entryDir(sandboxes, target);
  await rm(join(entry, 'users', id), { force: true });
  let users: string[];
  try {
    users = await readdir(join(entry, 'users'));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  if (users.length > 0) return;
  let owned: string[] = [];
  try {
    owned = (await readFile(join(entry, 'owned'), 'utf8')).split('\n').filter((p) => p.startsWith('/'));
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  // Mount points of other namespaces too: another state root's container (hostpod run, the
  // daemon, the containerd runtime share /hpc) may have this target mounted in its own view.
  const mounted = await mountPointsInAllNamespaces();
  for (const m of await mountsUnder('/')) mounted.add(m.mountPoint);
  // A sandbox may have registered while the mounts were read: then nothing is removed.
  if ((await readdir(join(entry, 'users')).catch(() => [])).length > 0) return;
  for (const p of [...owned].reverse()) await removeIfMade(sandboxes, p, mounted, true);
  // Parents made for another target that were not empty then (see madeEntry), deepest first.
  for (let dir = dirname(target); dir !== '/' && dir !== '.'; dir = dirname(dir)) {
    if (!(await removeIfMade(sandboxes, dir, mounted)) && (await exists(dir))) break;
  }
  // Someone may have registered meanwhile: then the entry stays (rmdir of users/ fails).
  try {
    await rmdir(join(entry, 'users'));
  } catch (err) {
    if (errnoCode(err) === 'ENOTEMPTY' || errnoCode(err) === 'EEXIST') return;
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  await rm(entry, { recursive: true, force: true });
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
}
