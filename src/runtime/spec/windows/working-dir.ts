import type { Layout } from '../types.ts';
import { replaceWindowsSandboxTokens } from './mount-point.ts';
import { joinUnderRoot } from './paths.ts';

export interface WindowsWorkingDirInput {
  /** Container `workingDir`, else the image's `WorkingDir`; undefined or '' = none. */
  workingDir?: string | undefined;
  /** The mount point, ending in `\`. */
  mountPoint: string;
  layout: Layout;
  /**
   * containerd ≥ 1.7.19 defaults a HostProcess container's working dir to `C:\hpc` when
   * neither the pod nor the image sets one; false = the older default (the mount point).
   */
  defaultToHpc?: boolean;
}

/**
 * The process's working directory (windows-backend.md §2.3): none → the mount point (or
 * `C:\hpc`, see `defaultToHpc`, which lands under the workspace like any drive path); tokens
 * replaced; a path that had no token has its drive letter dropped and is joined under the
 * workspace (`C:\work` → `<mount>\work`, `D:\x` → `<mount>\x`, `C:` → the workspace) —
 * hostpod has no bind filter, so both layouts take the fallback rule. `..` cannot climb
 * out of the workspace. A token-substituted path is used verbatim.
 */
export function resolveWindowsWorkingDir(input: WindowsWorkingDirInput): string {
  let wd = input.workingDir ?? '';
  if (wd === '') {
    if (!input.defaultToHpc) return input.mountPoint;
    wd = 'C:\\hpc';
  }
  const { value, replaced } = replaceWindowsSandboxTokens(wd, input.mountPoint);
  if (replaced) return value;
  const rest = value.replace(/^[A-Za-z]:/, '');
  return joinUnderRoot(input.mountPoint, rest);
}
