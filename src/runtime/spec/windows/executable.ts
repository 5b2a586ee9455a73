import { RuntimeError } from '../../../errors.ts';
import type { PathKind } from '../types.ts';
import { isDriveAbsolute, joinUnderRoot } from './paths.ts';

/** Looks at a Windows host path (`C:\…`). */
export type WindowsProbe = (path: string) => PathKind | Promise<PathKind>;

export interface ApplicationNameOptions {
  /** The process's working directory (searched first). */
  workDir: string;
  /** The child's `PATH` value (already augmented, see `buildWindowsEnv`). */
  path: string;
  /** `GetSystemDirectory()`, e.g. `C:\Windows\system32`. */
  systemDir: string;
  /** `%WINDIR%`, e.g. `C:\Windows`. */
  winDir: string;
  probe: WindowsProbe;
  /**
   * Extensions tried, in order, for a name without one. Default `['.exe']`: what hcsshim's
   * `SearchPathW(…, ".exe")` does, so `app` finds `app.exe` but not `app.cmd`. Pass the child's
   * `PATHEXT` list (`parsePathExt`) for cmd.exe's rule, which the bind layout of containerd
   * 1.7 gets by prefixing `cmd /c`.
   */
  extensions?: readonly string[] | undefined;
}

export interface ApplicationName {
  /** Absolute path of the program (`lpApplicationName`). */
  applicationName: string;
  /** The command line, rebuilt as `"tok1 tok2" rest` when the name spanned several tokens. */
  commandLine: string;
}

/** cmd.exe's default `PATHEXT`. */
export const DEFAULT_PATHEXT = '.COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC';

/** `PATHEXT` → extensions, lower-cased, empty entries dropped (`.COM;.EXE; ` → `.com`, `.exe`). */
export function parsePathExt(value: string | undefined): string[] {
  return (value ?? DEFAULT_PATHEXT)
    .split(';')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e.startsWith('.') && e.length > 1);
}

/**
 * hcsshim's `getApplicationName` (windows-backend.md §2.5): the program a command line runs.
 * A quoted start names the program up to the closing quote; otherwise whitespace tokens
 * (quoted runs kept whole) are tried growing — `C:\Program Files\x.exe a` finds `C:\Program`
 * nowhere, then `C:\Program Files\x.exe`. Each try is a `SearchPathW`: an absolute name is
 * checked alone, a relative one in `workDir`, each `PATH` entry, the system dir,
 * `<winDir>\System` and `<winDir>`; a name without an extension gets each of `extensions`.
 * The first hit wins, a directory included.
 * Throws InvalidArgument `no ending quotation mark found in command`, FailedPrecondition
 * `found directory instead of executable "<p>"`, NotFound `failed to find executable "<cmd>"`,
 * each prefixed `failed to get application name from commandline "<cmd>": `.
 */
export async function getApplicationName(
  commandLine: string,
  options: ApplicationNameOptions,
): Promise<ApplicationName> {
  const prefix = `failed to get application name from commandline "${commandLine}": `;
  const dirs = [
    options.workDir,
    ...options.path.split(';'),
    options.systemDir,
    `${options.winDir}\\System`,
    options.winDir,
  ]
    .map((d) => d.trim())
    .filter((d) => d !== '');
  const exts = options.extensions ?? ['.exe'];
  const search = async (name: string): Promise<string | undefined> => {
    if (name === '' || name.includes('\0')) return undefined;
    const names = /\.[^.\\/]*$/.test(name.split(/[\\/]/).pop() ?? '') ? [name] : exts.map((e) => name + e);
    const bases = isDriveAbsolute(name) || name.startsWith('\\\\') ? [''] : dirs;
    for (const base of bases) {
      for (const n of names) {
        const p = base === '' ? n.replace(/\//g, '\\') : joinUnderRoot(base, n);
        const kind = await options.probe(p);
        if (kind === 'dir') {
          throw new RuntimeError(
            'FailedPrecondition',
            `${prefix}found directory instead of executable "${p}"`,
            {
              hint: 'point the command at a program file',
            },
          );
        }
        if (kind === 'file') return p;
      }
    }
    return undefined;
  };
  const notFound = () =>
    new RuntimeError('NotFound', `${prefix}failed to find executable "${commandLine}"`, {
      hint: `the program is looked up in the working directory "${options.workDir}", then PATH, then the Windows directories; a name without an extension gets ${exts.join(', ')}`,
    });
  const trimmed = commandLine.replace(/^[ \t]+/, '');
  if (trimmed.startsWith('"')) {
    const end = trimmed.indexOf('"', 1);
    if (end < 0) {
      throw new RuntimeError('InvalidArgument', `${prefix}no ending quotation mark found in command`, {
        hint: 'close the quote around the program path',
      });
    }
    const found = await search(trimmed.slice(1, end));
    if (found === undefined) throw notFound();
    return { applicationName: found, commandLine };
  }
  const tokens = trimmed.match(/[^\s"]+|"[^"]*"/g) ?? [];
  for (let i = 1; i <= tokens.length; i++) {
    const found = await search(tokens.slice(0, i).join(' '));
    if (found === undefined) continue;
    if (i === 1) return { applicationName: found, commandLine };
    const rebuilt = [`"${tokens.slice(0, i).join(' ')}"`, ...tokens.slice(i)].join(' ');
    return { applicationName: found, commandLine: rebuilt };
  }
  throw notFound();
}

/**
 * How `CreateProcess` is called for a resolved program. A `.exe`/`.com` (or any other
 * extension CreateProcess loads) runs as is; a `.cmd`/`.bat` through
 * `<systemDir>\cmd.exe /d /s /c "<command line>"` (what CreateProcess does for a batch file,
 * written out so it does not depend on that undocumented path); a `.ps1` through Windows
 * PowerShell with `-File`. The program in the new command line is the resolved path, quoted.
 */
export function launchFor(resolved: ApplicationName, systemDir: string): ApplicationName {
  const app = resolved.applicationName;
  const ext = /\.[^.\\]*$/.exec(app)?.[0]?.toLowerCase() ?? '';
  const rest = restOfCommandLine(resolved.commandLine);
  const tail = rest === '' ? '' : ` ${rest}`;
  if (ext === '.cmd' || ext === '.bat') {
    return {
      applicationName: `${systemDir}\\cmd.exe`,
      commandLine: `cmd.exe /d /s /c ""${app}"${tail}"`,
    };
  }
  if (ext === '.ps1') {
    const ps = `${systemDir}\\WindowsPowerShell\\v1.0\\powershell.exe`;
    return {
      applicationName: ps,
      commandLine: `powershell.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "${app}"${tail}`,
    };
  }
  return resolved;
}

/** The command line after its first token (a quoted first token counts as one). */
function restOfCommandLine(commandLine: string): string {
  const s = commandLine.replace(/^[ \t]+/, '');
  if (s.startsWith('"')) {
    const end = s.indexOf('"', 1);
    return end < 0 ? '' : s.slice(end + 1).replace(/^[ \t]+/, '');
  }
  const m = /^[^ \t]+[ \t]*/.exec(s);
  return m === null ? '' : s.slice(m[0].length);
}
