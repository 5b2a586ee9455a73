import { readFile } from 'node:fs/promises';

/** One line of /proc/self/mountinfo, the fields hostpod uses. */
export interface MountInfoEntry {
  mountPoint: string;
  /** Per-mount options (`rw`, `nosuid`, `nodev`, `relatime`, …), not the filesystem's. */
  options: string[];
  fsType: string;
  source: string;
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
    });
  }
  return out;
}

function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** The mounts of this process's namespace at or under `dir`, deepest first. */
export async function mountsUnder(
  dir: string,
  mountInfoPath = '/proc/self/mountinfo',
): Promise<MountInfoEntry[]> {
  const all = parseMountInfo(await readFile(mountInfoPath, 'utf8'));
  const base = dir.endsWith('/') ? dir.slice(0, -1) : dir;
  return all
    .filter((m) => m.mountPoint === base || m.mountPoint.startsWith(`${base}/`))
    .sort((a, b) => b.mountPoint.length - a.mountPoint.length);
}
