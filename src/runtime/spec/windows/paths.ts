/**
 * Lexical Windows path helpers (no I/O): separators, drive letters, joining beneath a root.
 */

/** `C:\a\b` / `c:/a` → true; `\a`, `a`, `\\srv\x` → false. */
export function isDriveAbsolute(p: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(p);
}

/**
 * Joins `rel` (any separators, a leading `\` ignored) under `root` (ending in `\` or not),
 * resolving `.` and `..` lexically without ever climbing above `root`; the result keeps the
 * root's trailing `\` only when `rel` is empty.
 */
export function joinUnderRoot(root: string, rel: string): string {
  const parts: string[] = [];
  for (const p of rel.split(/[\\/]+/)) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  if (parts.length === 0) return root.endsWith('\\') ? root : `${root}\\`;
  const base = root.endsWith('\\') ? root.slice(0, -1) : root;
  return `${base}\\${parts.join('\\')}`;
}

/** The directory part of a Windows path (`C:\a\b.exe` → `C:\a`; `C:\x` → `C:\`). */
export function windowsDirname(p: string): string {
  const i = p.lastIndexOf('\\');
  if (i < 0) return '.';
  if (i === 2 && /^[A-Za-z]:/.test(p)) return p.slice(0, 3);
  return p.slice(0, i);
}
