import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isWindowsHost } from '../../lib/host-os.ts';

/** One line of /proc/self/mountinfo, the fields hostpod uses. */
export interface MountInfoEntry {
  mountPoint: string;
  /** Per-mount options (`rw`, `nosuid`, `nodev`, `relatime`, …), not the filesystem's. */
  options: string[];
  fsType: string;
  source: string;
  /** The optional fields: propagation (`shared:N`, `master:N`, `propagate_from:N`, `unbindable`). */
  optional: string[];
}

/** Parses /proc/<pid>/mountinfo text (octal escapes such as `\040` decoded). */
export function parseMountInfo(text: string): MountInfoEntry[] {
  const out: MountInfoEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    if (sep < 0 || fields.length < sep + 3) continue;
    out.push({
      mountPoint: unescapeOctal(fields[4]!),
      options: fields[5]!.split(','),
      fsType: unescapeOctal(fields[sep + 1]!),
      source: unescapeOctal(fields[sep + 2]!),
      optional: fields.slice(6, sep),
    });
  }
  return out;
}

function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** How the kernel writes a path in mountinfo: space, tab, newline and backslash as `\ooo`. */
function escapeOctal(s: string): string {
  return s.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/**
 * The mounts of this process's namespace at or under `dir`, deepest first. Only the lines that
 * name `dir` (as the kernel escapes it) are parsed: with many containers running the table
 * holds hundreds of mounts, and each start asks about its own workspace. The table is read
 * synchronously (one read of a procfs file; async readFile adds thread-pool round trips).
 */
export async function mountsUnder(
  dir: string,
  mountInfoPath = '/proc/self/mountinfo',
): Promise<MountInfoEntry[]> {
  // Windows has no mount table of this kind, and hostpod mounts nothing there.
  if (isWindowsHost()) return [];
  const base = dir.endsWith('/') ? dir.slice(0, -1) : dir;
  const needle = escapeOctal(base);
  const text = readFileSync(mountInfoPath, 'utf8')
    .split('\n')
    .filter((line) => line.includes(needle))
    .join('\n');
  return parseMountInfo(text)
    .filter((m) => m.mountPoint === base || m.mountPoint.startsWith(`${base}/`))
    .sort((a, b) => b.mountPoint.length - a.mountPoint.length);
}

/**
 * Mount points of every mount namespace on the host (each namespace read once, through one of
 * its processes). A host directory that is a mount point in a container's private namespace
 * must not be removed: since Linux 3.18 rmdir succeeds there and detaches the container's mount.
 */
export async function mountPointsInAllNamespaces(): Promise<Set<string>> {
  if (isWindowsHost()) return new Set();
  const { readdir, readlink } = await import('node:fs/promises');
  const seen = new Set<string>();
  const points = new Set<string>();
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const ns = await readlink(`/proc/${pid}/ns/mnt`);
      if (seen.has(ns)) continue;
      seen.add(ns);
      for (const m of parseMountInfo(await readFile(`/proc/${pid}/mountinfo`, 'utf8')))
        points.add(m.mountPoint);
    } catch {
      // The process ended meanwhile, or is not ours to read.
    }
  }
  return points;
}
