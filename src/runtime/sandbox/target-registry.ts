import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errnoCode, RuntimeError } from '../../errors.ts';
import { withFileLock } from '../../lib/file-lock.ts';
import { mkdirs } from './host-paths.ts';
import { mountPointsInAllNamespaces, mountsUnder } from './mountinfo.ts';

/**
 * Host paths used as bind-mount targets (the mount point `/hpc`, volume mountPaths), shared
 * by every sandbox of every hostpod instance on the host and reference-counted on disk, so
 * that creating or removing a sandbox costs the same with 1 or 1,000 others:
 *
 *     <registry>/.targets/<sha256(path)[:32]>/path         the target, for people
 *                                            /owned        hostpod made it: what it made
 *                                            /users/<user> the sandboxes using it
 *     <registry>/.lock                                     held for each acquire and release
 *
 * The registry is host-wide (`hostRegistryDir()`), not per state root: removing a directory
 * that is a mount point in another mount namespace detaches that mount, so `/hpc` must stay
 * while a container of *any* instance — a daemon, a `hostpod run` with another root, a test —
 * has its workspace bound there. Users are `<instance>-<sandbox id>`. A target hostpod made
 * is removed when its last user releases it; one that existed before is never touched.
 */
function entryDir(registry: string, target: string): string {
  return join(registry, '.targets', createHash('sha256').update(target).digest('hex').slice(0, 32));
}

/**
 * `<registry>/.made/<sha256(path)[:32]>`: every host directory hostpod made for
 * any target. Targets share parents (`/host/opt/cni/bin` and `/host/etc/cni/net.d` share
 * `/host`, made for whichever came first): a parent that was not empty when its maker released
 * it is removed by whichever release finds it empty later.
 */
function madeEntry(registry: string, path: string): string {
  return join(registry, '.made', createHash('sha256').update(path).digest('hex').slice(0, 32));
}

/** Runs `fn` holding the registry's lock (one acquire or release at a time, host-wide). */
async function locked<T>(registry: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(registry, { recursive: true, mode: 0o700 });
  return withFileLock(join(registry, '.lock'), fn);
}

/** Every registered target with its users (for cleanup checks and people). */
export async function listTargetUsers(registry: string): Promise<{ path: string; users: string[] }[]> {
  let entries: string[];
  try {
    entries = await readdir(join(registry, '.targets'));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  const out: { path: string; users: string[] }[] = [];
  for (const e of entries.sort()) {
    const dir = join(registry, '.targets', e);
    const path = (await readFile(join(dir, 'path'), 'utf8').catch(() => '')).trim();
    const users = (await readdir(join(dir, 'users')).catch(() => [] as string[])).sort();
    out.push({ path, users });
  }
  return out;
}

async function noteMade(registry: string, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  await mkdir(join(registry, '.made'), { recursive: true, mode: 0o700 });
  for (const p of paths) await writeFile(madeEntry(registry, p), `${p}\n`);
}

/**
 * Removes `path` if hostpod made it (its own `owned` list says so, or the ledger does), it is
 * empty and nothing is mounted there. True when it is gone.
 */
async function removeIfMade(
  registry: string,
  path: string,
  mounted: ReadonlySet<string>,
  owned = false,
): Promise<boolean> {
  const entry = madeEntry(registry, path);
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
 * Registers `user` (`<instance>-<sandbox id>`) as a user of `target` and makes the target exist
 * (a directory, or an empty file for a file volume), under the registry's lock. Returns whether
 * it existed before this call, and whether hostpod owns it (made it now, or made it earlier for
 * another sandbox of any instance).
 * Throws InvalidArgument when the host has the other kind of file there.
 */
export function acquireTarget(
  registry: string,
  user: string,
  target: string,
  kind: 'dir' | 'file',
): Promise<{ existed: boolean; owned: boolean }> {
  return locked(registry, () => acquire(registry, user, target, kind));
}

/**
 * The registration and checks are synchronous (a few small files in the page cache, every
 * container start of the bind layout, under the host-wide lock: a thread-pool round trip each
 * would also lengthen the time others wait for the lock).
 */
async function acquire(
  registry: string,
  user: string,
  target: string,
  kind: 'dir' | 'file',
): Promise<{ existed: boolean; owned: boolean }> {
  const entry = entryDir(registry, target);
  const made = mkdirSync(join(entry, 'users'), { recursive: true, mode: 0o700 });
  // The path never changes for an entry: written by whoever made the entry (or finds it missing,
  // after a crash between the two), not rewritten by every user (/hpc: every container).
  const pathFile = join(entry, 'path');
  if (made !== undefined || !existsSync(pathFile)) writeFileSync(pathFile, `${target}\n`);
  writeFileSync(join(entry, 'users', user), '');
  const existing = statSync(target, { throwIfNoEntry: false });
  if (existing !== undefined) {
    if (existing.isDirectory() !== (kind === 'dir')) {
      await release(registry, user, target);
      throw new RuntimeError(
        'InvalidArgument',
        `Cannot mount a ${kind === 'dir' ? 'directory' : 'file'} at "${target}": the host has a ${existing.isDirectory() ? 'directory' : 'file'} there`,
      );
    }
    return { existed: true, owned: existsSync(join(entry, 'owned')) };
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
  await noteMade(registry, created);
  if (created.length > 0) await writeFile(join(entry, 'owned'), `${created.join('\n')}\n`);
  return { existed: false, owned: created.length > 0 || (await exists(join(entry, 'owned'))) };
}

/**
 * Unregisters `user` from `target`; when it was the last user (of any instance) of a target
 * hostpod made, removes what was made (deepest first, only what is empty and not mounted
 * here). Idempotent; under the registry's lock.
 */
export function releaseTarget(registry: string, user: string, target: string): Promise<void> {
  return locked(registry, () => release(registry, user, target));
}

async function release(registry: string, user: string, target: string): Promise<void> {
  const entry = entryDir(registry, target);
  await rm(join(entry, 'users', user), { force: true });
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
  // Mount points of other namespaces too: another container's private view (any instance: hostpod
  // run, the daemon, the containerd runtime share /hpc) may have this target mounted.
  const mounted = await mountPointsInAllNamespaces();
  for (const m of await mountsUnder('/')) mounted.add(m.mountPoint);
  for (const p of [...owned].reverse()) await removeIfMade(registry, p, mounted, true);
  // Parents made for another target that were not empty then (see madeEntry), deepest first.
  for (let dir = dirname(target); dir !== '/' && dir !== '.'; dir = dirname(dir)) {
    if (!(await removeIfMade(registry, dir, mounted)) && (await exists(dir))) break;
  }
  await rm(entry, { recursive: true, force: true });
}

function existsSync(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
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
