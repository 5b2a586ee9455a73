import { RuntimeError } from '../../../errors.ts';
import { splitWindowsRelative, windowsFoldCase, windowsNameProblem } from '../../../lib/windows-path.ts';
import { joinUnderRoot } from './paths.ts';

/** The reference's refusal of a named-pipe mount source (hcsshim jc/mounts.go). */
export const PIPE_MOUNT_REFUSED =
  'named pipe mounts not supported for job containers - interact with the pipe directly';

/** True for `\\.\pipe\…` and `//./pipe/…` (any case). */
export function isNamedPipePath(p: string): boolean {
  return /^[\\/]{2}\.[\\/]pipe[\\/]/i.test(p);
}

/**
 * A hostPath volume's path on a Windows host, as the kubelet and containerd make it
 * (windows-backend.md §4.2, §6): a named pipe is refused (FailedPrecondition, the reference's
 * words); `/var/x` or `\var\x` (no drive, no UNC: the kubelet's `IsWindowsLocalPath`) becomes
 * `c:\var\x`; `/` → `\`; repeated separators collapse, `.` goes; `..`, a relative path, a
 * path with `:` past the drive, or a bad name (reserved device, trailing dot…) is
 * InvalidArgument naming `field`. A UNC share (`\\server\share\…`) is kept.
 */
export function normalizeWindowsHostPath(path: string, field = 'hostPath.path'): string {
  if (isNamedPipePath(path)) {
    throw new RuntimeError('FailedPrecondition', `${field}: ${PIPE_MOUNT_REFUSED}`, {
      hint: `open "${path}" from the container's process directly: it runs on the host`,
    });
  }
  const invalid = (why: string) =>
    new RuntimeError('InvalidArgument', `${field}: "${path}" ${why}`, {
      hint: 'use an absolute Windows path such as C:\\var\\lib\\x (a path starting with / or \\ is taken on drive C:)',
    });
  let p = path.replace(/\//g, '\\');
  let prefix: string;
  if (p.startsWith('\\\\')) {
    const m = /^\\\\([^\\]+)\\([^\\]+)(\\.*)?$/.exec(p);
    if (m === null || m[1] === '?' || m[1] === '.')
      throw invalid('is not a UNC share path (\\\\server\\share\\…)');
    prefix = `\\\\${m[1]}\\${m[2]}`;
    p = m[3] ?? '';
  } else if (p.startsWith('\\')) {
    prefix = 'c:';
  } else if (/^[A-Za-z]:\\/.test(p) || /^[A-Za-z]:$/.test(p)) {
    prefix = p.slice(0, 2);
    p = p.slice(2);
  } else {
    throw invalid('is not an absolute path');
  }
  const parts: string[] = [];
  for (const c of p.split(/\\+/)) {
    if (c === '' || c === '.') continue;
    if (c === '..') throw invalid('must not contain ".."');
    const problem = windowsNameProblem(c);
    if (problem !== undefined) throw invalid(`has a bad component "${c}": ${problem}`);
    parts.push(c);
  }
  return `${prefix}\\${parts.join('\\')}`;
}

/**
 * A volume's mountPath in a Windows container, as the kubelet (`MakeAbsolutePath`) and
 * containerd (`parseMount`) make it: `\x` or `/x` → `C:\x`, `x` → `C:\x`, drive paths kept
 * (the drive upper-cased), separators normalised. Throws InvalidArgument naming `field` for
 * the bare drive (`destination path can not be C drive`), `..`, a named pipe, or a bad name.
 */
export function normalizeWindowsMountPath(mountPath: string, field = 'volumeMounts.mountPath'): string {
  const invalid = (why: string) =>
    new RuntimeError('InvalidArgument', `${field}: "${mountPath}" ${why}`, {
      hint: 'use an absolute path inside the container such as C:\\etc\\app',
    });
  if (mountPath === '') throw invalid('is empty');
  if (isNamedPipePath(mountPath)) throw invalid(`is a named pipe: ${PIPE_MOUNT_REFUSED}`);
  let p = mountPath.replace(/\//g, '\\');
  let drive = 'C:';
  const d = /^([A-Za-z]):/.exec(p);
  if (d !== null) {
    drive = `${(d[1] as string).toUpperCase()}:`;
    p = p.slice(2);
  }
  const parts: string[] = [];
  for (const c of p.split(/\\+/)) {
    if (c === '' || c === '.') continue;
    if (c === '..') throw invalid('must not contain ".."');
    const problem = windowsNameProblem(c);
    if (problem !== undefined) throw invalid(`has a bad component "${c}": ${problem}`);
    parts.push(c);
  }
  if (parts.length === 0) throw invalid('is a whole drive: destination path can not be C drive');
  return `${drive}\\${parts.join('\\')}`;
}

/**
 * Where a mount appears without a bind filter (containerd 1.6's and 1.7's fallback): the link
 * `<mountPoint>\<mountPath minus its drive>` (`C:\etc\app` → `C:\hpc\<id>\etc\app`).
 * `mountPath` must come from `normalizeWindowsMountPath`.
 */
export function windowsMountLinkPath(mountPoint: string, mountPath: string): string {
  return joinUnderRoot(mountPoint, mountPath.replace(/^[A-Za-z]:/, ''));
}

/**
 * The relative paths of the files an emptyDir-backed volume writes (configMap / secret keys or
 * `items[].path`, projected sources, downwardAPI items) on a Windows host: each split into names
 * Windows accepts, joined with `\\`. Throws InvalidArgument naming `field` (e.g.
 * `spec.volumes[2].configMap.items[0].path`) for `..`, a drive, a UNC start, a bad name
 * (`CON`, `a:b`, trailing dot…), or two paths that differ only in case (one file on NTFS).
 */
export function windowsVolumeFilePaths(paths: readonly { path: string; field: string }[]): string[] {
  const seen = new Map<string, string>();
  return paths.map(({ path, field }) => {
    let parts: string[];
    try {
      parts = splitWindowsRelative(path);
    } catch (e) {
      throw new RuntimeError(
        'InvalidArgument',
        `${field}: "${path}" cannot be a file name on Windows: ${(e as Error).message}`,
        {
          hint: 'use a relative path of names Windows accepts (no .., drive, ":", reserved names such as CON)',
        },
      );
    }
    if (parts.length === 0) throw new RuntimeError('InvalidArgument', `${field}: the path is empty`);
    const joined = parts.join('\\');
    const key = windowsFoldCase(joined);
    const other = seen.get(key);
    if (other !== undefined) {
      throw new RuntimeError(
        'InvalidArgument',
        `${field}: "${path}" and "${other}" are the same file on Windows (names differ only in case)`,
        {
          hint: 'give the keys or items paths that differ in more than case',
        },
      );
    }
    seen.set(key, path);
    return joined;
  });
}
