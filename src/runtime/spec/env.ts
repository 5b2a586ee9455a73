import { replaceSandboxTokens, SANDBOX_ENV_NAME } from './tokens.ts';
import type { EnvVar } from './types.ts';

/** The PATH of a user's base environment (Debian's login default for root and services). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The account facts the base environment is made of. */
export interface BaseEnvAccount {
  name: string;
  home: string;
  shell: string;
}

/**
 * The Linux analogue of the user's default environment block (what a Windows logon token
 * yields): HOME, USER, LOGNAME, SHELL and PATH. Host-side: nothing here comes from the image.
 */
export function userBaseEnv(account: BaseEnvAccount): EnvVar[] {
  return [
    { name: 'HOME', value: account.home },
    { name: 'USER', value: account.name },
    { name: 'LOGNAME', value: account.name },
    { name: 'SHELL', value: account.shell },
    { name: 'PATH', value: DEFAULT_PATH },
  ];
}

/** Parses image config `Env` entries (`NAME=value`); entries without `=` are skipped. */
export function parseImageEnv(entries: readonly string[] | undefined): EnvVar[] {
  const out: EnvVar[] = [];
  for (const e of entries ?? []) {
    const eq = e.indexOf('=');
    if (eq <= 0) continue;
    out.push({ name: e.slice(0, eq), value: e.slice(eq + 1) });
  }
  return out;
}

export interface BuildEnvInput {
  /** The user's base environment (`userBaseEnv()`), not token-expanded. */
  base: readonly EnvVar[];
  /** The image's Env. */
  image: readonly EnvVar[];
  /** The container's env, sources already resolved. */
  container: readonly EnvVar[];
  /** The mount point, with its trailing `/`. */
  mountPoint: string;
}

/**
 * The environment a container's processes get, in this order: the base environment, the
 * image Env, the container env (a later value replaces an earlier one and keeps the earlier
 * one's position), then `CONTAINER_SANDBOX_MOUNT_POINT=<mount point>/` last. Sandbox tokens
 * are expanded in image and container values. `PATH` (exact name: Linux names are
 * case-sensitive) gets `:<mount point>/` appended.
 */
export function buildEnv(input: BuildEnvInput): EnvVar[] {
  const values = new Map<string, string>();
  for (const v of input.base) values.set(v.name, v.value);
  for (const v of [...input.image, ...input.container]) {
    values.set(v.name, replaceSandboxTokens(v.value, input.mountPoint));
  }
  values.delete(SANDBOX_ENV_NAME);
  const path = values.get('PATH');
  values.set('PATH', appendPathEntry(path ?? DEFAULT_PATH, input.mountPoint));
  values.set(SANDBOX_ENV_NAME, input.mountPoint);
  return [...values].map(([name, value]) => ({ name, value }));
}

function appendPathEntry(path: string, entry: string): string {
  if (path === '') return entry;
  return path.endsWith(':') ? `${path}${entry}` : `${path}:${entry}`;
}

/** The value of `name` in an env list (the last one wins), or undefined. */
export function getEnv(env: readonly EnvVar[], name: string): string | undefined {
  let found: string | undefined;
  for (const v of env) if (v.name === name) found = v.value;
  return found;
}
