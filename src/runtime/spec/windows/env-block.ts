import { RuntimeError } from '../../../errors.ts';
import { SANDBOX_ENV_NAME } from '../tokens.ts';
import type { EnvVar } from '../types.ts';
import { replaceWindowsSandboxTokens } from './mount-point.ts';

/** What hcsshim (containerd 1.7) appends to every `PATH` after the workspace (HS #1473). */
export const POWERSHELL_PATH_SUFFIX =
  'C:\\WINDOWS\\System32\\WindowsPowerShell\\v1.0\\;C:\\WINDOWS\\System32\\Wbem';

export interface WindowsEnvInput {
  /**
   * The account's default environment (`CreateEnvironmentBlock(token, bInherit=FALSE)`), in
   * its order — on Windows the caller reads it through the accounts module.
   */
  userDefault: readonly EnvVar[];
  /** Image `Env` then the container's env, in order (containerd's merge). */
  spec: readonly EnvVar[];
  /** The mount point, ending in `\`. */
  mountPoint: string;
  /** hostpod's own `SYSTEMROOT`, added when the block has none (default `C:\Windows`). */
  systemRoot?: string | undefined;
}

/**
 * The process's environment block as hcsshim builds it (windows-backend.md §2.4): the user's
 * defaults, then the spec's variables (empty values dropped, tokens replaced in values), then
 * `CONTAINER_SANDBOX_MOUNT_POINT=<mount point>`; every `PATH` (any case) gets `;<mount point>`
 * and the PowerShell/Wbem dirs; names compare case-insensitively — a later entry replaces an
 * earlier one's value and keeps its position and spelling; `SYSTEMROOT` is added if absent.
 */
export function buildWindowsEnv(input: WindowsEnvInput): EnvVar[] {
  const entries: EnvVar[] = [...input.userDefault];
  for (const e of input.spec) {
    if (e.value === '') continue;
    entries.push({ name: e.name, value: replaceWindowsSandboxTokens(e.value, input.mountPoint).value });
  }
  entries.push({ name: SANDBOX_ENV_NAME, value: input.mountPoint });
  const out: EnvVar[] = [];
  const index = new Map<string, number>();
  for (const e of entries) {
    const value = e.name.toLowerCase() === 'path' ? augmentPath(e.value, input.mountPoint) : e.value;
    const key = e.name.toUpperCase();
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, out.length);
      out.push({ name: e.name, value });
    } else {
      (out[at] as EnvVar).value = value;
    }
  }
  if (!index.has('SYSTEMROOT')) out.push({ name: 'SYSTEMROOT', value: input.systemRoot ?? 'C:\\Windows' });
  return out;
}

function augmentPath(value: string, mountPoint: string): string {
  const sep = value === '' || value.endsWith(';') ? '' : ';';
  return `${value}${sep}${mountPoint};${POWERSHELL_PATH_SUFFIX}`;
}

/** Case-insensitive lookup in an environment, as Windows does. */
export function getWindowsEnv(env: readonly EnvVar[], name: string): string | undefined {
  const key = name.toUpperCase();
  return env.find((e) => e.name.toUpperCase() === key)?.value;
}

/**
 * The block `CreateProcess` takes with `CREATE_UNICODE_ENVIRONMENT`: UTF-16LE `k=v\0` per
 * entry, in order, then one more `\0` (an empty block is two NULs). Throws InvalidArgument
 * for a name that is empty or holds `=` (past its first character, as in `=C:`) or NUL, or a value holding NUL, naming the variable.
 */
export function encodeEnvBlock(env: readonly EnvVar[]): Buffer {
  let text = '';
  for (const e of env) {
    if (e.name === '' || e.name.slice(1).includes('=') || e.name.includes('\0') || e.value.includes('\0')) {
      throw new RuntimeError(
        'InvalidArgument',
        `environment variable "${e.name}" cannot be passed to a Windows process`,
        {
          hint: 'a name must be non-empty and hold no "=" (after its first character) or NUL; a value no NUL',
        },
      );
    }
    text += `${e.name}=${e.value}\0`;
  }
  if (env.length === 0) text += '\0';
  text += '\0';
  return Buffer.from(text, 'utf16le');
}

/**
 * The inverse of `encodeEnvBlock` on text: `k=v\0…` → variables in order. An entry without
 * `=` past its first character is skipped; a leading `=` (`=C:=C:\\`) belongs to the name.
 */
export function decodeEnvBlockText(text: string): EnvVar[] {
  const out: EnvVar[] = [];
  for (const entry of text.split('\0')) {
    if (entry === '') continue;
    const eq = entry.indexOf('=', 1);
    if (eq < 0) continue;
    out.push({ name: entry.slice(0, eq), value: entry.slice(eq + 1) });
  }
  return out;
}
