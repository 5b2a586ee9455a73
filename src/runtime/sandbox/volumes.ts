import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { errnoCode, RuntimeError } from '../../errors.ts';
import { stripTrailingSlash } from '../spec/tokens.ts';
import type { VolumeMount } from '../spec/types.ts';
import { toLinuxPath } from '../spec/working-dir.ts';

/** A volume mount checked against the host: a normalised mountPath and the source's kind. */
export interface CheckedMount {
  hostPath: string;
  /** Absolute, normalised, no trailing `/`. */
  mountPath: string;
  readOnly: boolean;
  kind: 'dir' | 'file';
  propagation?: VolumeMount['propagation'];
  /** A subPath mount's volume and path in it (see `VolumeMount.subPath`). */
  subPath?: { volume: string; path: string };
  replacesHostPath?: boolean;
}

/**
 * Checks each volume mount before anything is made: both paths present (hcsshim: "invalid OCI
 * spec - a mount must have both source and a destination"), the mountPath absolute without
 * `..` (`\` and a drive letter accepted), not the workspace's mount point nor one of its
 * parents, and a source that exists and is not a socket, FIFO or named pipe ("<kind> mounts not
 * supported for job containers - interact with the <kind> directly").
 * Throws InvalidArgument, or NotFound for a missing source.
 */
export async function checkVolumeMounts(
  mounts: readonly VolumeMount[],
  options: { container: string; mountPoint: string },
): Promise<CheckedMount[]> {
  const out: CheckedMount[] = [];
  const workspace = stripTrailingSlash(options.mountPoint);
  for (const m of mounts) {
    const invalid = (msg: string, hint?: string) =>
      new RuntimeError(
        'InvalidArgument',
        `Cannot mount "${m.hostPath}" at "${m.mountPath}" in container "${options.container}": ${msg}`,
        hint ? { hint } : {},
      );
    if (m.hostPath === '' || m.mountPath === '') {
      throw invalid(
        `invalid OCI spec - a mount must have both source and a destination: {source: "${m.hostPath}", destination: "${m.mountPath}"}`,
      );
    }
    if (m.hostPath.includes('\0') || m.mountPath.includes('\0'))
      throw invalid('the path contains a NUL byte');
    if (m.hostPath.startsWith('\\\\.\\pipe\\')) throw unsupported(invalid, 'named pipe');
    const mountPath = toLinuxPath(m.mountPath);
    if (!mountPath.startsWith('/')) throw invalid('the mount path must be absolute');
    if (mountPath.split('/').includes('..')) throw invalid('the mount path must not contain ".."');
    const target = stripTrailingSlash(posix.normalize(mountPath));
    if (target === workspace || workspace.startsWith(target === '/' ? '/' : `${target}/`)) {
      throw invalid(`the mount path would hide the workspace at "${workspace}"`);
    }
    if (!m.hostPath.startsWith('/')) throw invalid('the host path must be absolute');
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(m.hostPath);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') {
        throw new RuntimeError(
          'NotFound',
          `Cannot mount "${m.hostPath}" in container "${options.container}": it does not exist`,
          {
            cause: err,
          },
        );
      }
      throw err;
    }
    if (st.isSocket()) throw unsupported(invalid, 'socket');
    if (st.isFIFO()) throw unsupported(invalid, 'FIFO');
    out.push({
      hostPath: m.hostPath,
      mountPath: target,
      readOnly: m.readOnly,
      kind: st.isDirectory() ? 'dir' : 'file',
      ...(m.propagation === undefined ? {} : { propagation: m.propagation }),
      ...(m.subPath ? { subPath: m.subPath } : {}),
      ...(m.replacesHostPath ? { replacesHostPath: true } : {}),
    });
  }
  return out;
}

function unsupported(invalid: (msg: string, hint?: string) => RuntimeError, kind: string): RuntimeError {
  return invalid(
    `${kind} mounts not supported for job containers - interact with the ${kind} directly`,
    `the container shares the host's filesystem: use the ${kind}'s host path from the container instead of a volume`,
  );
}

/**
 * Refuses, before anything is made, a `shared` (Bidirectional) mount whose mounts could not reach
 * the host or would carry other binds onto it: one inside the workspace or inside another volume
 * or with a subPath (its bind is made fd by fd in the container's view, a peer of nothing on the
 * host), and any other mount — a volume, or the workspace — inside it (its bind would propagate
 * onto the host and stay there). Throws InvalidArgument naming both.
 */
export function checkPropagation(
  mounts: readonly CheckedMount[],
  options: { container: string; mountPoint: string },
): void {
  const workspace = stripTrailingSlash(options.mountPoint);
  const under = (p: string, parent: string) => parent === '/' || p.startsWith(`${parent}/`);
  for (const m of mounts) {
    if (m.propagation !== 'shared') continue;
    const refuse = (why: string) =>
      new RuntimeError(
        'InvalidArgument',
        `Cannot mount "${m.hostPath}" at "${m.mountPath}" in container "${options.container}" with Bidirectional mount propagation: ${why}`,
        {
          hint: 'give the Bidirectional volume a mountPath of its own, outside the workspace and the other volumes, and mount other volumes elsewhere',
        },
      );
    if (m.subPath) throw refuse('a subPath mount cannot propagate mounts to the host');
    if (under(m.mountPath, workspace)) throw refuse(`it is inside the workspace at "${workspace}"`);
    for (const o of mounts) {
      if (o === m) continue;
      if (under(m.mountPath, o.mountPath)) throw refuse(`it is inside the volume at "${o.mountPath}"`);
      if (under(o.mountPath, m.mountPath) || o.mountPath === m.mountPath)
        throw refuse(`the volume at "${o.mountPath}" is inside it, and its bind would appear on the host`);
    }
  }
}
