/**
 * The sandbox-token replacement of hcsshim job containers: the literal, case-sensitive
 * tokens `%CONTAINER_SANDBOX_MOUNT_POINT%` and `$env:CONTAINER_SANDBOX_MOUNT_POINT` become
 * the mount point *without* its trailing `/`, in command, args, workingDir and env values.
 */

export const SANDBOX_ENV_NAME = 'CONTAINER_SANDBOX_MOUNT_POINT';
export const SANDBOX_TOKENS = [`%${SANDBOX_ENV_NAME}%`, `$env:${SANDBOX_ENV_NAME}`] as const;

/** True when `s` holds one of the sandbox tokens. */
export function hasSandboxToken(s: string): boolean {
  return SANDBOX_TOKENS.some((t) => s.includes(t));
}

/**
 * Replaces every sandbox token in `s` by `mountPoint` with its trailing `/` removed.
 * Everything else is kept byte for byte.
 */
export function replaceSandboxTokens(s: string, mountPoint: string): string {
  const bare = stripTrailingSlash(mountPoint);
  let out = s;
  for (const t of SANDBOX_TOKENS) out = out.split(t).join(bare);
  return out;
}

/**
 * Turns Windows separators into `/` and collapses repeated `/` — used only on path positions
 * (argv[0], workingDir, mountPath), never on args or env values, where a `\` may be a regex
 * escape or a literal.
 */
export function normalizeSeparators(path: string): string {
  return path.replace(/\\/g, '/').replace(/\/{2,}/g, '/');
}

/** `/hpc/` → `/hpc`; `/` stays `/`. */
export function stripTrailingSlash(path: string): string {
  let p = path;
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}
