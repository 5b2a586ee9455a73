import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoCode, RuntimeError } from '../errors.ts';

/**
 * Makes `dir` exist as a directory only its owner can list or traverse (0700), and tightens
 * one made earlier with a wider mode: image content (layer blobs, unpacked layers with their
 * setuid bits and file capabilities) must not be reachable by other local users. Missing
 * parents are made with the default mode — the state root's own mode is not this function's
 * to choose. A symlink at `dir` (an admin who moved the cache to another disk) is followed; the
 * mode is set on the directory that was opened (fchmod), never by a second path lookup. A
 * directory owned by another user is left as it is (only its owner or root could change it).
 *
 * Throws RuntimeError `FailedPrecondition` when `dir` exists but is not a directory, and the
 * filesystem's errors otherwise.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') throw e;
  }
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (e) {
    if (errnoCode(e) === 'ENOTDIR') {
      throw new RuntimeError('FailedPrecondition', `Cannot use ${dir}: it is not a directory`, {
        hint: 'move the file away; hostpod keeps image content in that directory',
      });
    }
    throw e;
  }
  try {
    const st = await fh.stat();
    const euid = process.geteuid?.() ?? st.uid;
    if (st.uid === euid && (st.mode & 0o077) !== 0) await fh.chmod(st.mode & 0o7700);
  } finally {
    await fh.close();
  }
}
