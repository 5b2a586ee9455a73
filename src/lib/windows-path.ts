/**
 * Windows file-name rules, lexically (no I/O, runs on any host): what NTFS and the Win32 path
 * parser accept as one name, and a relative path made of such names. Used by the Windows layer
 * unpacker and by the runtime's Windows volume rules.
 */

/** Device names Win32 maps to a device whatever the directory or extension (`nul.txt` too). */
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/i;

/** The longest path Win32 accepts with the `\\?\` prefix (UTF-16 units). */
export const WINDOWS_MAX_PATH = 32767;
/** The longest single name NTFS stores (UTF-16 units). */
export const WINDOWS_MAX_NAME = 255;

/**
 * Why `name` cannot be one Windows file name, or undefined when it can: empty, `.`/`..`,
 * longer than 255 UTF-16 units, a control character or one of `<>:"/\|?*` (`:` would open an
 * alternate data stream), a trailing space or dot (Win32 strips them, so two names would meet),
 * or a reserved device name (`CON`, `NUL.txt`, `COM1`, …).
 */
export function windowsNameProblem(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return `"${name}" is not a file name`;
  if (name.length > WINDOWS_MAX_NAME) return `the name is longer than ${WINDOWS_MAX_NAME} characters`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  const bad = /[\u0000-\u001f<>:"/\\|?*]/.exec(name);
  if (bad !== null) {
    const c = bad[0];
    if (c === ':') return 'a ":" names an alternate data stream or a drive';
    return `the character ${c < ' ' ? `U+${c.charCodeAt(0).toString(16).padStart(4, '0')}` : `"${c}"`} is not allowed in a Windows file name`;
  }
  if (/[ .]$/.test(name)) return 'a Windows file name cannot end with a space or a dot';
  if (RESERVED.test(name.trim())) return `"${name}" is a reserved device name on Windows`;
  return undefined;
}

/**
 * Splits a relative path (either separator) into checked names, resolving `.`; throws a
 * TypeError naming the problem for `..`, a drive letter (`C:`), a UNC or rooted start, or any
 * bad name (see `windowsNameProblem`). An empty path gives `[]`.
 */
export function splitWindowsRelative(path: string): string[] {
  if (/^[A-Za-z]:/.test(path)) throw new TypeError('a drive letter is not allowed here');
  if (path.startsWith('\\\\') || path.startsWith('//')) throw new TypeError('a UNC path is not allowed here');
  const out: string[] = [];
  for (const p of path.split(/[\\/]+/)) {
    if (p === '' || p === '.') continue;
    if (p === '..') throw new TypeError('".." is not allowed');
    const problem = windowsNameProblem(p);
    if (problem !== undefined) throw new TypeError(problem);
    out.push(p);
  }
  return out;
}

/** The case-folded key Windows compares names by (NTFS is case-insensitive by default). */
export function windowsFoldCase(path: string): string {
  return path.toUpperCase();
}
