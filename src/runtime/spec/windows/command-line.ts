/**
 * Windows command lines as hcsshim's job containers build them (windows-backend.md §2.1):
 * each argument through Go's `syscall.EscapeArg` (the `CommandLineToArgvW` rules), joined by
 * single spaces — unless the spec carries a raw command line, which is used verbatim.
 */

/**
 * Quotes one argument so `CommandLineToArgvW` reads it back unchanged, exactly as Go's
 * `syscall.EscapeArg`: `""` for an empty string; unchanged when it has no `"`, `\`, space or
 * tab; quotes only when a space or tab is present; every `"` becomes `\"` with the backslashes
 * right before it doubled; inside quotes, trailing backslashes are doubled. Other
 * metacharacters (`&|<>^%`) are left alone: they matter to cmd.exe, not to CreateProcess.
 */
export function escapeArg(s: string): string {
  if (s === '') return '""';
  if (!/["\\ \t]/.test(s)) return s;
  const quote = /[ \t]/.test(s);
  let out = quote ? '"' : '';
  let slashes = 0;
  for (const c of s) {
    if (c === '\\') {
      slashes++;
      out += c;
      continue;
    }
    if (c === '"') {
      out += '\\'.repeat(slashes + 1);
    }
    slashes = 0;
    out += c;
  }
  if (quote) out += `${'\\'.repeat(slashes)}"`;
  return out;
}

/**
 * The command line of the container's process: `commandLine` verbatim when non-empty (an image
 * with `ArgsEscaped` gives argv[0] raw), else every argument escaped and joined by a space.
 */
export function buildCommandLine(args: readonly string[], commandLine?: string): string {
  if (commandLine !== undefined && commandLine !== '') return commandLine;
  return args.map(escapeArg).join(' ');
}

/**
 * Splits a command line as `CommandLineToArgvW` does (the inverse of `escapeArg`): 2n
 * backslashes before `"` → n and the quote toggles; 2n+1 → n and a literal `"`; other
 * backslashes are literal; `""` inside quotes is a literal `"`. Used to check round trips and
 * to show a command line to a user as argv.
 */
export function splitCommandLine(commandLine: string): string[] {
  const args: string[] = [];
  let cur = '';
  let inArg = false;
  let inQuotes = false;
  let i = 0;
  const n = commandLine.length;
  while (i < n) {
    const c = commandLine[i] as string;
    if (!inQuotes && (c === ' ' || c === '\t')) {
      if (inArg) args.push(cur);
      cur = '';
      inArg = false;
      i++;
      continue;
    }
    inArg = true;
    if (c === '\\') {
      let k = i;
      while (k < n && commandLine[k] === '\\') k++;
      const count = k - i;
      if (commandLine[k] === '"') {
        cur += '\\'.repeat(Math.floor(count / 2));
        if (count % 2 === 1) {
          cur += '"';
          i = k + 1;
        } else {
          i = k;
        }
      } else {
        cur += '\\'.repeat(count);
        i = k;
      }
      continue;
    }
    if (c === '"') {
      if (inQuotes && commandLine[i + 1] === '"') {
        cur += '"';
        i += 2;
        continue;
      }
      inQuotes = !inQuotes;
      i++;
      continue;
    }
    cur += c;
    i++;
  }
  if (inArg) args.push(cur);
  return args;
}
