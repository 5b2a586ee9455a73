import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type MountInfoEntry, parseMountInfo } from '../mountinfo.ts';

/** A file tree spec: path → content, `{ link }`, `{ dir }`, `{ whiteout }` or `{ opaque }`. */
export type TreeSpec = Record<
  string,
  string | { link: string } | { dir: true } | { whiteout: true } | { opaque: true }
>;

/** Writes a layer directory in the overlay format (char device 0:0 whiteouts, opaque xattrs). */
export function writeTree(root: string, spec: TreeSpec): string {
  mkdirSync(root, { recursive: true });
  for (const [rel, v] of Object.entries(spec)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    if (typeof v === 'string') writeFileSync(p, v);
    else if ('link' in v) execFileSync('ln', ['-s', v.link, p]);
    else if ('dir' in v) mkdirSync(p, { recursive: true });
    else if ('whiteout' in v) execFileSync('mknod', [p, 'c', '0', '0']);
    else {
      mkdirSync(p, { recursive: true });
      execFileSync('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', p]);
    }
  }
  return root;
}

/** A readable snapshot of a tree: path → content, `-> target` for links, `/` for dirs. */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(join(root, r));
      if (st.isSymbolicLink()) out[r] = `-> ${readlinkSync(join(root, r))}`;
      else if (st.isDirectory()) {
        out[r] = '/';
        walk(r);
      } else if (st.isCharacterDevice()) out[r] = `chardev ${st.rdev}`;
      else out[r] = readFileSync(join(root, r), 'utf8');
    }
  };
  walk('');
  return out;
}

/** Whether `path` is a mount point in this process's namespace. */
/** The topmost mount at `path` in this process's namespace, if any. */
export function mountAt(path: string): MountInfoEntry | undefined {
  return parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'))
    .filter((m) => m.mountPoint === path)
    .at(-1);
}

export function isMounted(path: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === path);
}
