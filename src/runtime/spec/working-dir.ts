import { posix } from 'node:path';
import { hasSandboxToken, normalizeSeparators, replaceSandboxTokens, stripTrailingSlash } from './tokens.ts';
import type { Layout } from './types.ts';

export interface WorkingDirInput {
  layout: Layout;
  /** The mount point, with its trailing `/`. */
  mountPoint: string;
  /** The container's `workingDir`, if set. */
  workingDir?: string | undefined;
  /** The image config's `WorkingDir`, if set. */
  imageWorkingDir?: string | undefined;
}

/**
 * The working directory of a container's processes, as they see it:
 * the container `workingDir`, else the image `WorkingDir`, else the mount point. Sandbox
 * tokens are replaced, `\` becomes `/`, a drive letter (`C:`) is dropped and a relative path
 * is taken relative to the workspace. In the symlink layout a path that did not hold a token
 * is re-rooted under the workspace (`/work` → `<workspace>/work`), as hcsshim's fallback mode
 * does. A relative or re-rooted path never leaves the workspace: its `..` stop at the workspace
 * (`../../etc` → `<workspace>/etc`). The result is normalised and has no trailing `/` (except `/`).
 */
export function resolveWorkingDir(input: WorkingDirInput): string {
  const workspace = stripTrailingSlash(input.mountPoint);
  const raw = nonEmpty(input.workingDir) ?? nonEmpty(input.imageWorkingDir);
  if (raw === undefined) return workspace;
  const hadToken = hasSandboxToken(raw);
  const p = toLinuxPath(replaceSandboxTokens(raw, input.mountPoint));
  // A relative path, and a token-free one re-rooted in the symlink layout, are taken inside the
  // workspace: normalised as if the workspace were `/`, so `..` never climbs out of it.
  if (!p.startsWith('/')) return stripTrailingSlash(`${workspace}${posix.normalize(`/${p}`)}`);
  if (input.layout === 'symlink' && !hadToken) return stripTrailingSlash(`${workspace}${posix.normalize(p)}`);
  return stripTrailingSlash(posix.normalize(p));
}

/** `\` → `/` and a leading drive letter (`C:`) dropped: a Windows path position on Linux. */
export function toLinuxPath(path: string): string {
  const p = normalizeSeparators(path);
  return /^[A-Za-z]:(\/|$)/.test(p) ? p.slice(2) || '/' : p;
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}
