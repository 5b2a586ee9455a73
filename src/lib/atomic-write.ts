import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Writes `data` to `path` so that a crash leaves either the old file or the new one, never a
 * mix: temp file in the same directory → fsync → rename → fsync of the directory.
 * With `sync: false` the fsyncs are skipped: the file then survives the process being killed
 * (the page cache does) but not a power loss — for records whose subject (processes, mounts)
 * a power loss ends anyway.
 * Throws the underlying system error (ENOENT when the directory is missing, …).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number; sync?: boolean } = {},
): Promise<void> {
  const sync = options.sync ?? true;
  const dir = dirname(path);
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const fh = await open(tmp, 'wx', options.mode ?? 0o644);
  try {
    await fh.writeFile(data);
    if (sync) await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  } finally {
    await fh.close().catch(() => {});
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  if (sync) await syncDir(dir);
}

/** fsyncs a directory so that a rename inside it is durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
