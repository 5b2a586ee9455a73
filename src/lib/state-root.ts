import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, RuntimeError } from '../errors.ts';

/** The state root itself: others may pass through (to their own workspace) but not list it. */
export const STATE_ROOT_MODE = 0o711;

/**
 * Children of the state root a container's account must pass through in the symlink layout (to
 * its workspace and its pod's volumes, whose own directories are grouped to the pod): 0711.
 * Everything else directly under the root is 0700 (directories) or 0600 (files).
 */
const TRAVERSED = new Set(['pods', 'sandboxes']);

/**
 * The directories hostpod keeps directly under the root, made here with their modes so that
 * whichever component makes its files later finds them already closed: the image content and
 * layer cache (image content may hold secrets of its own), container records and logs, trees
 * being removed.
 */
const KNOWN = ['containers', 'content', 'layers', 'pods', 'sandboxes', 'trash'];

/**
 * Makes the state root exist with its modes, and tightens them when it already exists (an
 * older hostpod made directories 0755; anyone may have loosened them): the root 0711, its known
 * directories made if missing (so the stores never create them world-readable), `pods`
 * and `sandboxes` 0711, every other directory directly under it 0700 and every regular file
 * 0600 (sockets — the API socket may be grouped — and symlinks are left alone). Called by every
 * entry point that works on a state root (`run`, `exec`, the image commands, `daemon`), once,
 * before anything else touches it. Synchronous: a handful of syscalls at start-up.
 *
 * A state root owned by another user is refused when hostpod runs as root (whoever owns it
 * controls what root hostpod would read and delete there); when hostpod does not run as root
 * and the root is not its own, it is left as it is (the operation fails on its permissions).
 * Throws FailedPrecondition (not a directory, owned by another user), PermissionDenied (cannot
 * create it).
 */
export function prepareStateRoot(root: string, uid: number | undefined = process.getuid?.()): void {
  try {
    mkdirSync(root, { recursive: true, mode: STATE_ROOT_MODE });
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new RuntimeError('PermissionDenied', `Cannot create the state root ${root}: ${code}`, {
        hint: 'run as root, or give another --root (or $HOSTPOD_ROOT) you may write',
        cause: err,
      });
    }
    if (code !== 'EEXIST') throw err;
  }
  const st = statSync(root);
  if (!st.isDirectory()) {
    throw new RuntimeError('FailedPrecondition', `Cannot use ${root} as the state root: not a directory`);
  }
  if (uid !== undefined && st.uid !== uid) {
    if (uid !== 0) return;
    throw new RuntimeError(
      'FailedPrecondition',
      `Cannot use ${root} as the state root: it belongs to uid ${st.uid}, not to root`,
      { hint: `whoever owns it controls what hostpod (root) reads and deletes there: chown root ${root}` },
    );
  }
  if ((st.mode & 0o7777) !== STATE_ROOT_MODE) chmodSync(root, STATE_ROOT_MODE);
  for (const name of KNOWN) {
    try {
      mkdirSync(join(root, name), { mode: 0o700 });
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
  }
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    let entry: ReturnType<typeof lstatSync>;
    try {
      entry = lstatSync(path);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue; // removed meanwhile
      throw err;
    }
    const want = entry.isDirectory()
      ? TRAVERSED.has(name)
        ? 0o711
        : 0o700
      : entry.isFile()
        ? 0o600
        : undefined;
    if (want !== undefined && (entry.mode & 0o7777) !== want && entry.uid === st.uid) chmodSync(path, want);
  }
}
