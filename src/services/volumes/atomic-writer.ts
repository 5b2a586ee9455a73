/**
 * Writes the files of a configMap, secret, downwardAPI or projected volume the kubelet's way
 * (`pkg/volume/util/atomic_writer.go`): the files go into a fresh timestamped directory
 * `..2026_11_27_12_00_00.123456789`, a `..data` symlink points to it, and each top-level name
 * is a symlink `name → ..data/name`. A later write makes a new timestamped directory and swaps
 * `..data` with one rename, so a reader never sees a mix of old and new files.
 */
import { randomInt } from 'node:crypto';
import {
  chmod,
  chown,
  lstat,
  mkdir,
  open,
  readdir,
  readlink,
  rename,
  rm,
  symlink,
  unlink,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errnoCode, RuntimeError } from '../../errors.ts';

/** One file of a payload: its content and permission bits. */
export interface PayloadFile {
  data: Uint8Array;
  mode: number;
}

/** Relative path (validated by `validatePayloadPath`) → file. */
export type Payload = Map<string, PayloadFile>;

const MAX_PATH_LENGTH = 4096;
const MAX_FILE_NAME_LENGTH = 255;
const DATA_DIR = '..data';

/**
 * Why `path` cannot be a payload path, or undefined (the kubelet's `validatePath`): empty,
 * absolute, a `..` component, a first component starting with `..`, too long.
 */
export function payloadPathError(path: string): string | undefined {
  if (path === '') return `invalid path: must not be empty: "${path}"`;
  if (path.startsWith('/')) return `invalid path: must be relative path: ${path}`;
  if (path.includes('\0')) return `invalid path: must not contain a NUL byte: ${JSON.stringify(path)}`;
  if (path.length > MAX_PATH_LENGTH)
    return `invalid path: must be less than or equal to ${MAX_PATH_LENGTH} characters`;
  const items = path.split('/');
  for (const item of items) {
    if (item === '..') return `invalid path: must not contain '..': ${path}`;
    if (item.length > MAX_FILE_NAME_LENGTH)
      return `invalid path: filenames must be less than or equal to ${MAX_FILE_NAME_LENGTH} characters`;
  }
  const first = items[0] ?? '';
  if (first.startsWith('..') && first.length > 2) return `invalid path: must not start with '..': ${path}`;
  return undefined;
}

/** `..2026_11_27_12_00_00.` + a random number, like Go's MkdirTemp with the kubelet's pattern. */
function timestampedName(now: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const ts = `${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}`;
  return `..${ts}.${randomInt(1_000_000_000)}`;
}

/**
 * Writes `payload` into `target` (which must exist), replacing an earlier payload atomically
 * and removing files of the earlier one that the new one lacks. `dirMode` is the mode of the
 * timestamped directory and of the sub-directories in it. Throws InvalidArgument for a bad
 * path (before anything is written).
 */
export async function writePayload(
  target: string,
  payload: Payload,
  options: {
    dirMode?: number;
    now?: Date;
    /** The group of every directory and file written (the pod's group), with group read. */
    group?: number;
    /** Applied to each file's mode (e.g. no access for others in a Secret). */
    fileMode?: (mode: number) => number;
  } = {},
): Promise<void> {
  for (const path of payload.keys()) {
    const problem = payloadPathError(path);
    if (problem) throw new RuntimeError('InvalidArgument', `Cannot write volume file "${path}": ${problem}`);
  }
  const dirMode = options.dirMode ?? 0o755;
  const group = options.group;
  const tsName = await makeTimestampedDir(target, options.now ?? new Date(), dirMode, group);
  const tsDir = join(target, tsName);
  try {
    for (const [path, file] of payload) {
      const full = join(tsDir, path);
      await mkdirAll(tsDir, dirname(path), dirMode, group);
      const mode = options.fileMode ? options.fileMode(file.mode) : file.mode;
      // O_EXCL + O_NOFOLLOW: a fresh directory only we write into, never through a link.
      const fh = await open(full, 'wx', mode);
      try {
        await fh.writeFile(file.data);
        if (group !== undefined) await fh.chown((await fh.stat()).uid, group);
        await fh.chmod(mode); // the umask must not narrow the requested mode
      } finally {
        await fh.close();
      }
    }
    const oldTs = await currentTimestampedDir(target);
    const tmpLink = join(target, '..data_tmp');
    await rm(tmpLink, { force: true });
    await symlink(tsName, tmpLink);
    await rename(tmpLink, join(target, DATA_DIR));
    await syncUserLinks(target, payload);
    if (oldTs && oldTs !== tsName) await rm(join(target, oldTs), { recursive: true, force: true });
  } catch (err) {
    await rm(tsDir, { recursive: true, force: true }).catch(() => {});
    throw err;
  }
}

async function makeTimestampedDir(target: string, now: Date, mode: number, group?: number): Promise<string> {
  for (let i = 0; ; i++) {
    const name = timestampedName(now);
    try {
      await mkdir(join(target, name), { mode });
      if (group !== undefined) await chown(join(target, name), process.getuid?.() ?? 0, group);
      await chmod(join(target, name), mode);
      return name;
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST' || i > 10) throw err;
    }
  }
}

async function mkdirAll(base: string, rel: string, mode: number, group?: number): Promise<void> {
  if (rel === '.' || rel === '') return;
  let p = base;
  for (const c of rel.split('/')) {
    p = join(p, c);
    try {
      await mkdir(p, { mode });
      if (group !== undefined) await chown(p, process.getuid?.() ?? 0, group);
      await chmod(p, mode);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      if (!(await lstat(p)).isDirectory())
        throw new RuntimeError('InvalidArgument', `Cannot write volume file under "${rel}": a file is there`);
    }
  }
}

async function currentTimestampedDir(target: string): Promise<string | undefined> {
  try {
    return await readlink(join(target, DATA_DIR));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** Top-level `name → ..data/name` links for the payload; links of names no longer there go. */
async function syncUserLinks(target: string, payload: Payload): Promise<void> {
  const wanted = new Set([...payload.keys()].map((p) => p.split('/')[0] ?? p));
  for (const name of wanted) {
    const link = join(target, name);
    const want = `${DATA_DIR}/${name}`;
    let existing: string | undefined;
    try {
      existing = await readlink(link);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EINVAL') throw new RuntimeError('Internal', `Cannot link "${link}": a non-link is there`);
      if (code !== 'ENOENT') throw err;
    }
    if (existing === want) continue;
    if (existing !== undefined) await unlink(link);
    await symlink(want, link);
  }
  for (const entry of await readdir(target)) {
    if (entry.startsWith('..') || wanted.has(entry)) continue;
    const st = await lstat(join(target, entry));
    if (st.isSymbolicLink()) await unlink(join(target, entry));
  }
}
