import { constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, open, readdir, readlink } from 'node:fs/promises';
import { errnoCode, RuntimeError } from '../errors.ts';

/** One entry of a build directory, in packing order. */
export interface SourceEntry {
  /** Path inside the directory, `/`-separated, no leading `./`. */
  rel: string;
  type: 'file' | 'dir' | 'symlink';
  /** Permission bits (setuid/setgid/sticky included) of what was opened. */
  mode: number;
  /** Bytes of a file at the moment it was opened. */
  size: number;
  /** A symlink's target, verbatim. */
  linkname: string;
  /** A file's open handle (the caller reads and closes it); what was checked is what is read. */
  file?: FileHandle;
}

const O_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
// O_NONBLOCK: a FIFO swapped in must not block the open; it is refused by the check after.
const O_FILE = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Opens the build directory `dir` itself (not followed if it is a symlink, as before: name the
 * directory). Throws RuntimeError `NotFound` (missing) or `FailedPrecondition` (not a directory).
 */
export async function openBuildDir(dir: string): Promise<FileHandle> {
  try {
    return await open(dir, O_DIR);
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT') throw new RuntimeError('NotFound', `Cannot build from ${dir}: no such directory`);
    if (code === 'ENOTDIR' || code === 'ELOOP')
      throw new RuntimeError('FailedPrecondition', `Cannot build from ${dir}: not a directory`);
    throw e;
  }
}

/**
 * Reads the build directory opened as `root` depth-first, names in byte order, parents before
 * children, without ever being led outside it by a change made while it runs: each directory is
 * opened once (O_NOFOLLOW) and listed and looked into through its descriptor
 * (`/proc/self/fd/N/name`: the kernel's `openat`, which Node lacks), and each file is opened once
 * (O_NOFOLLOW) and checked to be the regular file the listing saw (same device and inode) before
 * a byte is read. A symlink is yielded as a symlink, never followed. Sockets, FIFOs and devices
 * are left out with a note in `notes`. `root` stays open (the caller closes it).
 *
 * Throws RuntimeError `FailedPrecondition` when an entry changes between the listing and the
 * open (swapped for a symlink or another file, removed): the build would not be the directory
 * the caller meant.
 */
export async function* readBuildDir(root: FileHandle, notes: string[]): AsyncGenerator<SourceEntry> {
  yield* visit(root, '');

  async function* visit(dirFh: FileHandle, rel: string): AsyncGenerator<SourceEntry> {
    const at = `/proc/self/fd/${dirFh.fd}`;
    const names = (await readdir(at)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const name of names) {
      const r = rel === '' ? name : `${rel}/${name}`;
      let st: Stats;
      try {
        st = await lstat(`${at}/${name}`);
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') changed(r, 'it was removed');
        throw e;
      }
      if (st.isDirectory()) {
        const sub = await openChecked(`${at}/${name}`, O_DIR, r, st);
        try {
          yield { rel: r, type: 'dir', mode: (await sub.stat()).mode & 0o7777, size: 0, linkname: '' };
          yield* visit(sub, r);
        } finally {
          await sub.close();
        }
      } else if (st.isFile()) {
        const fh = await openChecked(`${at}/${name}`, O_FILE, r, st);
        const now = await fh.stat();
        yield { rel: r, type: 'file', mode: now.mode & 0o7777, size: now.size, linkname: '', file: fh };
      } else if (st.isSymbolicLink()) {
        let linkname: string;
        try {
          linkname = await readlink(`${at}/${name}`);
        } catch (e) {
          const code = errnoCode(e);
          if (code === 'EINVAL' || code === 'ENOENT') changed(r, 'it is no longer a symlink');
          throw e;
        }
        yield { rel: r, type: 'symlink', mode: 0o777, size: 0, linkname };
      } else {
        notes.push(`left out "${r}": sockets, FIFOs and device nodes are not packed`);
      }
    }
  }
}

/** Opens `path` once and checks it is what the listing saw (kind, device, inode). */
async function openChecked(path: string, flags: number, rel: string, seen: Stats): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(path, flags);
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ELOOP' || code === 'ENOTDIR') changed(rel, 'it was replaced by a symlink or a file');
    if (code === 'ENOENT') changed(rel, 'it was removed');
    throw e;
  }
  const st = await fh.stat();
  const sameKind = seen.isDirectory() ? st.isDirectory() : st.isFile();
  if (!sameKind || st.dev !== seen.dev || st.ino !== seen.ino) {
    await fh.close();
    changed(rel, 'it was replaced by another file');
  }
  return fh;
}

function changed(rel: string, why: string): never {
  throw new RuntimeError(
    'FailedPrecondition',
    `Cannot build: "${rel}" changed while it was being packed: ${why}`,
    {
      hint: 'build from a directory nothing else is writing to',
    },
  );
}
