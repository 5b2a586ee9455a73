/**
 * Path operations hostpod (root) makes inside places a less privileged party can write — a
 * volume, a workspace, a pod directory — done by the native shim's `fs` mode, fd by fd, never
 * letting the kernel follow a symlink planted there nor losing a race against a directory
 * swapped for one (see "safe paths" in native/shim.c). Node has no openat2 nor fd-relative
 * mkdir/unlink, so these are one short-lived process each: they are used where the input is
 * untrusted, not on every path.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { getSystemErrorName } from 'node:util';
import { errnoCode, RuntimeError } from '../../errors.ts';
import { isWindowsHost } from '../../lib/host-os.ts';
import { shimPath } from '../task/shim.ts';

export interface SafeMkdirOptions {
  /**
   * `in-root` (default): symlinks are resolved with `base` as `/` (an absolute target restarts
   * at `base`, `..` stops there); `beneath`: a symlink or `..` leading out of `base` is refused.
   */
  resolve?: 'in-root' | 'beneath';
  /** Mode of the directories made (default 0755; exact, no umask). */
  mode?: number;
  /** Owner of the directories made. */
  owner?: { uid: number; gid: number };
  /** The shim binary (default: the built one). */
  shim?: string;
}

/** A failed safe operation: `code` is the errno name (`EXDEV`: it would lead out of `base`). */
export class SafePathError extends RuntimeError {
  constructor(
    readonly errno: string,
    message: string,
  ) {
    super(errno === 'EXDEV' || errno === 'ELOOP' ? 'InvalidArgument' : 'FailedPrecondition', message);
    this.name = 'SafePathError';
  }
}

function run(args: string[], shim: string | undefined, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(shimPath(shim), ['fs', ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
      const line = stdout.trim();
      if (!err && line.startsWith('ok')) return resolve(line.slice(3));
      const m = /^error (\d+) ?(.*)$/.exec(line);
      if (m) {
        let name: string;
        try {
          name = getSystemErrorName(-Number(m[1]));
        } catch {
          name = `errno ${m[1]}`;
        }
        const why = name === 'EXDEV' ? 'it leads out of its directory through a symlink or ".."' : m[2];
        return reject(new SafePathError(name, `Cannot ${what}: ${why} (${name})`));
      }
      reject(new RuntimeError('Internal', `Cannot ${what}: the shim failed: ${(stderr || line).trim()}`));
    });
  });
}

/**
 * Makes the missing directories of `rel` under `base` (a directory hostpod trusts) without
 * following any symlink out of it (with `beneath`, nothing is made through a symlink either:
 * a dangling one is ENOENT), and returns the resolved host path and what is there (an
 * existing last component may be a file). Throws SafePathError: InvalidArgument `EXDEV` when
 * `resolve: 'beneath'` and the path leads out of `base`, `ELOOP` past 40 symlinks;
 * FailedPrecondition `ENOTDIR` when a file is in the way, `ENOENT` through a dangling link.
 */
export async function safeMkdir(
  base: string,
  rel: string,
  options: SafeMkdirOptions = {},
): Promise<{ path: string; kind: 'dir' | 'file' }> {
  const args = ['mkdir'];
  if (options.resolve === 'beneath') args.push('--beneath');
  if (options.mode !== undefined) args.push('--mode', options.mode.toString(8));
  if (options.owner) args.push('--owner', `${options.owner.uid}:${options.owner.gid}`);
  args.push(base, rel);
  const out = await run(args, options.shim, `make "${rel}" in ${base}`);
  const space = out.indexOf(' ');
  return { kind: out.slice(0, space) === 'dir' ? 'dir' : 'file', path: out.slice(space + 1) };
}

/**
 * Removes `<base>/<name>` and everything below it without following a symlink (a link is
 * removed, its target untouched, even if a directory is swapped for one meanwhile) and without
 * entering a mount (FailedPrecondition `EBUSY`: unmount first). Idempotent. `name` is one path
 * component.
 */
export async function safeRemove(base: string, name: string, options: { shim?: string } = {}): Promise<void> {
  // Windows: no C shim; Node's rm unlinks a symbolic link or junction instead of following it.
  if (isWindowsHost()) return rm(join(base, name), { recursive: true, force: true, maxRetries: 3 });
  await run(['rm', base, name], options.shim, `remove ${base}/${name}`);
}

/**
 * Removes the tree at `path` (a directory whose contents a container or a local user may have
 * written) safely: first moved into `trash` — a root-only directory (made 0700 if missing) on
 * the same filesystem — so that nobody can reach it by path any more, then removed fd by fd
 * with `safeRemove`. When it cannot be moved there (another filesystem), it is removed in
 * place, which `safeRemove` makes safe on its own. Idempotent.
 */
export async function removeTreeSafely(
  path: string,
  trash: string,
  options: { shim?: string } = {},
): Promise<void> {
  await mkdir(trash, { recursive: true, mode: 0o700 });
  const aside = `${basename(path)}.${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, join(trash, aside));
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') return;
    if (code !== 'EXDEV' && code !== 'EBUSY') throw err;
    await safeRemove(dirname(path), basename(path), options);
    return;
  }
  await safeRemove(trash, aside, options);
}
