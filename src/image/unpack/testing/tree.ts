import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** One line per path under `dir`, for file-by-file comparison of two trees. */
export interface TreeOptions {
  /** Relative paths (and everything under them) left out. */
  exclude?: readonly string[];
  /** Include mtimes (seconds) in the lines. */
  mtime?: boolean;
}

/**
 * Describes every path under `dir` (not following symlinks): type, mode, uid:gid, size,
 * content hash or symlink target; sorted. The root itself is not listed.
 */
export function describeTree(dir: string, opts: TreeOptions = {}): string[] {
  const out: string[] = [];
  const exclude = new Set(opts.exclude ?? []);
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (exclude.has(r)) continue;
      const p = join(dir, r);
      const st = lstatSync(p);
      const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
      const own = `${st.uid}:${st.gid}`;
      const t = opts.mtime ? ` t=${Math.floor(st.mtimeMs / 1000)}` : '';
      if (st.isDirectory()) {
        out.push(`${r} dir ${mode} ${own}${t}`);
        walk(r);
      } else if (st.isSymbolicLink()) {
        out.push(`${r} symlink ${own} -> ${readlinkSync(p)}${t}`);
      } else if (st.isFile()) {
        const h = createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 16);
        out.push(`${r} file ${mode} ${own} ${st.size} ${h}${t}`);
      } else if (st.isCharacterDevice()) {
        out.push(`${r} char ${st.rdev}`);
      } else {
        out.push(`${r} other ${mode}`);
      }
    }
  };
  walk('');
  return out;
}
