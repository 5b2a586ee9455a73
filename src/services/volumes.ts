/**
 * The volumes of a pod, prepared on the host before its containers start (the kubelet's
 * volume manager, for standalone mode): emptyDir (disk, or a tmpfs for `medium: Memory`),
 * hostPath (with its `type`), configMap, secret, downwardAPI and projected, each under
 * `<root>/pods/<namespace>_<pod>_<uid>/volumes/<type>/<name>/`, plus each container's list of
 * mounts (`subPath`, `subPathExpr`, `readOnly`). See docs/volumes.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { integerValue } from '../api/quantity.ts';
import type { Pod, Volume } from '../api/types.ts';
import { containersWithPath } from '../api/visit-containers.ts';
import { describeError, errnoCode, isRuntimeError, RuntimeError } from '../errors.ts';
import { Rollback } from '../lib/rollback.ts';
import { runTool } from '../runtime/sandbox/exec-tool.ts';
import { mountsUnder } from '../runtime/sandbox/mountinfo.ts';
import { unmount } from '../runtime/sandbox/overlay.ts';
import { removeTreeSafely } from '../runtime/sandbox/safe-fs.ts';
import { trashDir } from '../runtime/sandbox/sandbox.ts';
import { parseRunAsUserName } from '../runtime/spec/account.ts';
import type { VolumeMount } from '../runtime/spec/types.ts';
import { effectiveRunAsUserName } from './container-input.ts';
import { type Allocatable, expandKubernetesVars, hostAllocatable, resolveEnv } from './env.ts';
import type { NodeInfo } from './node.ts';
import type { ObjectSet } from './object-set.ts';
import { type Owner, ownerAlive, selfOwner } from './records.ts';
import { type Payload, writePayload } from './volumes/atomic-writer.ts';
import { prepareHostPath } from './volumes/host-path.ts';
import { configMapPayload, downwardAPIPayload, projectedPayload, secretPayload } from './volumes/payloads.ts';
import { apiDataFileMode, dropPodGroup, groupedDir, podGroup, readPodGroup } from './volumes/pod-group.ts';
import { resolveSubPath } from './volumes/sub-path.ts';

export interface VolumeContext {
  root: string;
  node: NodeInfo;
  objects: ObjectSet;
  /** The token file `serviceAccountToken` projections read; without it they are left out. */
  serviceAccountTokenFile?: string;
  /** Node allocatable for resource fields (default: this host's). */
  allocatable?: Allocatable;
  /** The process that owns the pod's volumes (default: this one); see `removeStalePodVolumes`. */
  owner?: Owner;
  /**
   * Reopen the pod's directory when it exists (the daemon resuming a pod after its restart):
   * volumes keep their content, missing ones (after a reboot: tmpfs) are made again, and the
   * API-data volumes are rewritten (the swap is atomic for running readers).
   */
  reuse?: boolean;
}

/** A pod's prepared volumes. */
export interface PodVolumes {
  /** The pod's directory on the host (`<root>/pods/<namespace>_<pod>_<uid>`). */
  dir: string;
  /**
   * The pod's group (`volumes/pod-group.ts`): every container of the pod gets it as a
   * supplementary group; the pod's directories and volumes are grouped to it. Absent when
   * hostpod does not run as root.
   */
  gid?: number;
  /**
   * The host paths to mount into `container`, with their mountPath and readOnly. Throws the
   * container's own problem (a bad `subPath`, an env it cannot resolve for `subPathExpr`): that
   * container cannot start, the others can.
   */
  mountsFor(container: string): VolumeMount[];
  /**
   * What to tell the user: a projected token left out, a disk sizeLimit not enforced, envFrom
   * keys skipped as invalid env names (`container "c": InvalidEnvironmentVariableNames: …`).
   */
  warnings: string[];
  /** Removes what preparing made (emptyDirs, projected files, tmpfs mounts). Idempotent. */
  cleanup(): Promise<void>;
}

/** A prepared volume: its host path and whether every mount of it is read-only. */
interface PreparedVolume {
  hostPath: string;
  /** configMap, secret, downwardAPI and projected are always read-only (kubelet ≥ 1.10). */
  apiData: boolean;
}

const OWNER_FILE = 'owner.json';
const SAFE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const SAFE_UID = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;

/**
 * The runtime's propagation for `volumeMounts[].mountPropagation`, as the kubelet maps it on
 * Linux: unset and `None` → private, `HostToContainer` → slave, `Bidirectional` → shared.
 */
export function propagationOf(p: string | undefined): 'private' | 'slave' | 'shared' {
  return p === 'Bidirectional' ? 'shared' : p === 'HostToContainer' ? 'slave' : 'private';
}

/** The pod's directory: `<root>/pods/<namespace>_<name>_<uid or random>`. Throws InvalidArgument. */
export function podDir(root: string, pod: Pod): string {
  const ns = pod.metadata.namespace ?? 'default';
  const name = pod.metadata.name ?? '';
  if (!SAFE_NAME.test(ns) || !SAFE_NAME.test(name))
    throw new RuntimeError(
      'InvalidArgument',
      `Cannot prepare volumes of pod "${name}": not a valid pod name or namespace`,
    );
  const uid =
    pod.metadata.uid && SAFE_UID.test(pod.metadata.uid) ? pod.metadata.uid : randomBytes(8).toString('hex');
  return join(root, 'pods', `${ns}_${name}_${uid}`);
}

function volumeType(v: Volume): string {
  if (v.hostPath) return 'hostPath';
  if (v.configMap) return 'configMap';
  if (v.secret) return 'secret';
  if (v.downwardAPI) return 'downwardAPI';
  if (v.projected) return 'projected';
  if (v.persistentVolumeClaim) return 'persistentVolumeClaim';
  if (v.otherSources.length > 0) return v.otherSources[0] ?? 'unknown';
  return 'emptyDir'; // the API server's default source
}

/** Checks what needs no I/O: names, supported types. Throws InvalidArgument / NotImplemented. */
function checkVolumes(pod: Pod): void {
  const name = pod.metadata.name ?? '';
  const declared = new Set<string>();
  for (const v of pod.spec.volumes ?? []) {
    if (!SAFE_NAME.test(v.name) || v.name.includes('.'))
      throw new RuntimeError(
        'InvalidArgument',
        `Cannot run pod "${name}": volume name "${v.name}" is not a DNS label`,
      );
    const type = volumeType(v);
    if (!['emptyDir', 'hostPath', 'configMap', 'secret', 'downwardAPI', 'projected'].includes(type)) {
      throw new RuntimeError(
        'NotImplemented',
        `Cannot run pod "${name}": volume "${v.name}" is a ${type} volume, which hostpod does not provide`,
        {
          hint: 'use a hostPath volume (a HostProcess container shares the host filesystem), emptyDir, configMap, secret, downwardAPI or projected',
        },
      );
    }
    const medium = v.emptyDir?.medium ?? '';
    if (medium !== '' && medium !== 'Memory')
      throw new RuntimeError(
        'NotImplemented',
        `Cannot run pod "${name}": volume "${v.name}": emptyDir medium "${medium}" is not supported (only "" and "Memory")`,
      );
    declared.add(v.name);
  }
  for (const { container } of containersWithPath(pod.spec, [])) {
    for (const m of container.volumeMounts ?? []) {
      if (!declared.has(m.name))
        throw new RuntimeError(
          'InvalidArgument',
          `Cannot run pod "${name}": container "${container.name}" mounts volume "${m.name}", which the pod does not declare`,
        );
    }
  }
}

/** tmpfs size for a Memory emptyDir: sizeLimit, else the pod's memory limit, else node memory. */
function tmpfsSize(pod: Pod, v: Volume, allocatable: () => Allocatable): bigint {
  if (v.emptyDir?.sizeLimit) return integerValue(v.emptyDir.sizeLimit);
  const limits = pod.spec.containers.map((c) => c.resources?.limits?.memory);
  if (limits.every((l) => l !== undefined)) return limits.reduce((sum, l) => sum + integerValue(l!), 0n);
  return allocatable().memoryBytes;
}

/**
 * Prepares every volume of the pod, then each container's mounts. Throws (leaving nothing
 * behind): NotImplemented for a volume type hostpod does not provide (persistentVolumeClaim,
 * nfs, …); FailedPrecondition with the kubelet's message for a hostPath type check
 * (`hostPath type check failed: /x is not a directory`), a socket/FIFO/pipe source, a missing
 * ConfigMap/Secret or key (`configmap "x" not found`); InvalidArgument for bad names.
 */
export async function prepareVolumes(pod: Pod, ctx: VolumeContext): Promise<PodVolumes> {
  checkVolumes(pod);
  const podName = pod.metadata.name ?? '';
  const namespace = pod.metadata.namespace ?? 'default';
  const dir = podDir(ctx.root, pod);
  const warnings: string[] = [];
  const tmpfsMounts: string[] = [];
  let allocatable = ctx.allocatable;
  const getAllocatable = () => {
    allocatable ??= hostAllocatable();
    return allocatable;
  };
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    for (const t of tmpfsMounts.splice(0).reverse()) await unmount(t);
    await removePodDir(ctx.root, dir);
    await dropPodGroup(ctx.root, gid);
    cleaned = true;
  };

  const volumes = pod.spec.volumes ?? [];
  let gid: number | undefined;
  const rb = new Rollback();
  const prepared = new Map<string, PreparedVolume>();
  try {
    // The directory appears with its owner file already in it (made aside, then renamed), so
    // `removeStalePodVolumes` never mistakes one being made for one left by a crash.
    const pods = join(ctx.root, 'pods');
    await mkdir(pods, { recursive: true, mode: 0o711 });
    const reused = ctx.reuse === true && (await isDir(dir));
    const tmp = join(pods, `.new-${randomBytes(6).toString('hex')}`);
    await mkdir(tmp, { mode: 0o700 });
    try {
      const rootOnly = containersWithPath(pod.spec, []).every(({ container }) => {
        const spec = parseRunAsUserName(
          effectiveRunAsUserName(pod, container),
          pod.metadata.annotations ?? {},
        );
        return spec.kind === 'system' || spec.kind === 'inherit';
      });
      gid = await podGroup(ctx.root, reused ? dir : tmp, reused ? dir : undefined, { rootOnly });
      // The pod's directory: its group may enter (to its volumes), nobody else.
      await groupedDir(tmp, gid, 0o710, 0o711, { exists: true });
      await writeFile(join(tmp, OWNER_FILE), JSON.stringify(ctx.owner ?? (await selfOwner(process.pid))), {
        mode: 0o600,
      });
      if (reused) {
        await rename(join(tmp, OWNER_FILE), join(dir, OWNER_FILE));
        await rm(tmp, { recursive: true, force: true });
        await groupedDir(dir, gid, 0o710, 0o711, { exists: true });
      } else await rename(tmp, dir);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      if (!reused) await dropPodGroup(ctx.root, gid).catch(() => {});
      const code = errnoCode(err);
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw err;
      throw new RuntimeError(
        'AlreadyExists',
        `Cannot prepare volumes of pod "${podName}": "${dir}" already exists`,
        {
          hint: 'another run of the same pod (same uid) is using this state root',
        },
      );
    }
    if (!reused) rb.add('pod directory', cleanup);

    let token: Uint8Array | undefined;
    const readToken = async () => {
      if (token === undefined && ctx.serviceAccountTokenFile)
        token = new Uint8Array(await readFile(ctx.serviceAccountTokenFile));
      return token;
    };

    for (const v of volumes) {
      const type = volumeType(v);
      const what = `MountVolume.SetUp failed for volume "${v.name}"`;
      try {
        if (type === 'hostPath') {
          const hp = v.hostPath!;
          prepared.set(v.name, { hostPath: await prepareHostPath(hp.path, hp.type), apiData: false });
          continue;
        }
        const vdir = join(dir, 'volumes', type, v.name);
        await groupedDir(join(dir, 'volumes'), gid, 0o710, 0o711);
        await groupedDir(join(dir, 'volumes', type), gid, 0o710, 0o711);
        if (type === 'emptyDir') {
          const existed = reused && (await isDir(vdir));
          if (!existed) await mkdir(vdir, { mode: 0o700 });
          if (
            v.emptyDir?.medium === 'Memory' &&
            existed &&
            (await mountsUnder(vdir)).some((m) => m.mountPoint === vdir)
          ) {
            tmpfsMounts.push(vdir);
          } else if (v.emptyDir?.medium === 'Memory') {
            const size = tmpfsSize(pod, v, getAllocatable);
            const access = gid === undefined ? 'mode=0777' : `mode=2770,gid=${gid}`;
            const r = await runTool('mount', ['-t', 'tmpfs', '-o', `size=${size},${access}`, 'tmpfs', vdir]);
            if (r.exitCode !== 0)
              throw new RuntimeError('Internal', `cannot mount a tmpfs at "${vdir}": ${r.stderr.trim()}`);
            tmpfsMounts.push(vdir);
          } else if (v.emptyDir?.sizeLimit) {
            warnings.push(
              `emptyDir volume "${v.name}": sizeLimit ${v.emptyDir.sizeLimit.text} is not enforced on disk (the kubelet would evict the pod past it)`,
            );
          }
          // Writable by the pod's containers (its group; setgid so what they make stays the
          // pod's), by nobody else. Fresh, in a directory only root may write: no race.
          await groupedDir(vdir, gid, 0o2770, 0o777, { exists: true });
          prepared.set(v.name, { hostPath: vdir, apiData: false });
          continue;
        }
        let payload: Payload;
        let dirMode = 0o755;
        let secret = false;
        if (type === 'configMap') {
          payload = configMapPayload(v.configMap!, v.configMap!.defaultMode, namespace, ctx.objects);
        } else if (type === 'secret') {
          const s = v.secret!;
          const source = {
            ...(s.secretName !== undefined ? { name: s.secretName } : {}),
            ...(s.items ? { items: s.items } : {}),
            ...(s.optional !== undefined ? { optional: s.optional } : {}),
          };
          payload = secretPayload(source, s.defaultMode, namespace, ctx.objects);
          dirMode = 0o700;
          secret = true;
        } else if (type === 'downwardAPI') {
          payload = downwardAPIPayload(
            v.downwardAPI!.items ?? [],
            v.downwardAPI!.defaultMode,
            pod,
            ctx.node,
            getAllocatable(),
          );
        } else {
          const needsToken = (v.projected!.sources ?? []).some((s) => s.serviceAccountToken);
          secret = (v.projected!.sources ?? []).some((s) => s.secret || s.serviceAccountToken);
          if (secret) dirMode = 0o700;
          const tok = needsToken ? await readToken() : undefined;
          const r = projectedPayload(v.projected!.sources ?? [], v.projected!.defaultMode, pod, {
            node: ctx.node,
            objects: ctx.objects,
            allocatable: getAllocatable(),
            ...(tok ? { serviceAccountToken: tok } : {}),
          });
          payload = r.payload;
          warnings.push(...r.warnings.map((w) => `projected volume "${v.name}": ${w}`));
        }
        // Readable by the pod's group (Secret data by nobody else): root's, not writable by it.
        if (gid !== undefined) dirMode = 0o750;
        await mkdir(vdir, { mode: 0o700, recursive: reused });
        await groupedDir(vdir, gid, dirMode, dirMode, { exists: true });
        const fileMode = apiDataFileMode(gid, secret);
        await writePayload(vdir, payload, {
          dirMode,
          ...(gid !== undefined ? { group: gid } : {}),
          ...(fileMode ? { fileMode } : {}),
        });
        prepared.set(v.name, { hostPath: vdir, apiData: true });
      } catch (err) {
        const msg = `Cannot run pod "${podName}": ${what}: ${isRuntimeError(err) ? err.message : describeError(err)}`;
        throw new RuntimeError(isRuntimeError(err) ? err.code : 'Internal', msg, {
          cause: err,
          ...(isRuntimeError(err) && err.hint ? { hint: err.hint } : {}),
        });
      }
    }

    const mounts = new Map<string, VolumeMount[] | RuntimeError>();
    for (const { container } of containersWithPath(pod.spec, [])) {
      // The env's warnings (envFrom keys skipped) are the pod's, reported once with these; its
      // errors are the container's start error, thrown when it starts.
      const envWarnings: string[] = [];
      try {
        resolveEnv(pod, container, {
          node: ctx.node,
          objects: ctx.objects,
          allocatable: getAllocatable(),
          warnings: envWarnings,
        });
      } catch {}
      warnings.push(...envWarnings.map((w) => `container "${container.name}": ${w}`));
      try {
        const list: VolumeMount[] = [];
        let env: ReturnType<typeof resolveEnv> | undefined;
        for (const m of container.volumeMounts ?? []) {
          const vol = prepared.get(m.name)!;
          let hostPath = vol.hostPath;
          let sub = m.subPath;
          if (m.subPathExpr) {
            env ??= resolveEnv(pod, container, {
              node: ctx.node,
              objects: ctx.objects,
              allocatable: getAllocatable(),
            });
            sub = expandKubernetesVars(m.subPathExpr, env);
          }
          let subPath: VolumeMount['subPath'];
          if (sub) {
            hostPath = await resolveSubPath(
              vol.hostPath,
              sub,
              `volumeMount "${m.name}" of container "${container.name}"`,
            );
            subPath = { volume: vol.hostPath, path: sub };
          }
          list.push({
            hostPath,
            mountPath: m.mountPath,
            readOnly: vol.apiData || m.readOnly === true,
            propagation: propagationOf(m.mountPropagation),
            ...(subPath ? { subPath } : {}),
          });
        }
        mounts.set(container.name, list);
      } catch (err) {
        mounts.set(
          container.name,
          isRuntimeError(err) ? err : new RuntimeError('Internal', describeError(err), { cause: err }),
        );
      }
    }
    rb.commit();
    return {
      dir,
      ...(gid !== undefined ? { gid } : {}),
      warnings,
      mountsFor(container) {
        const m = mounts.get(container) ?? [];
        if (m instanceof RuntimeError) throw m;
        return m;
      },
      cleanup,
    };
  } catch (err) {
    const failures = await rb.rollback();
    if (failures.length > 0) {
      const e = isRuntimeError(err) ? err : new RuntimeError('Internal', describeError(err), { cause: err });
      throw new RuntimeError(
        e.code,
        `${e.message} (and cleaning up failed: ${failures.map((f) => `${f.what}: ${describeError(f.error)}`).join('; ')})`,
        { cause: err, ...(e.hint ? { hint: e.hint } : {}) },
      );
    }
    throw err;
  }
}

/**
 * Unmounts whatever is mounted under a pod's directory (deepest first), then deletes it without
 * following symlinks. Throws Internal when something stays mounted (nothing is deleted then).
 */
async function removePodDir(root: string, dir: string): Promise<void> {
  for (const m of await mountsUnder(dir)) await unmount(m.mountPoint);
  if ((await mountsUnder(dir)).length > 0)
    throw new RuntimeError('Internal', `Cannot remove "${dir}": something is still mounted under it`);
  // emptyDirs hold what containers wrote: moved out of their reach, then removed fd by fd (a
  // planted symlink, or a directory swapped for one meanwhile, is never followed).
  await removeTreeSafely(dir, trashDir(root));
}

function parseOwner(text: string): Owner | undefined {
  const v: unknown = JSON.parse(text);
  if (typeof v !== 'object' || v === null) return undefined;
  const { pid, startTime, daemon } = v as Record<string, unknown>;
  if (typeof pid !== 'number' || typeof startTime !== 'string') return undefined;
  return daemon === true ? { pid, startTime, daemon } : { pid, startTime };
}

/**
 * Crash cleanup of volumes: removes the pod directories under `<root>/pods/` whose owner
 * process is gone (a `hostpod run` killed with SIGKILL) or that have no readable owner,
 * unmounting their tmpfs volumes first. Directories of live owners are left alone. Never throws
 * for one directory; reports it.
 */
export async function removeStalePodVolumes(
  root: string,
  options: { daemonKeep?: ReadonlySet<string> } = {},
): Promise<{ removed: string[]; problems: string[] }> {
  const out = { removed: [] as string[], problems: [] as string[] };
  const pods = join(root, 'pods');
  let entries: string[];
  try {
    entries = await readdir(pods);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return out;
    throw err;
  }
  for (const name of entries) {
    if (name.startsWith('.new-')) continue; // being made: never holds a mount
    const dir = join(pods, name);
    let owner: Owner | undefined;
    try {
      owner = parseOwner(await readFile(join(dir, OWNER_FILE), 'utf8'));
    } catch {
      // unreadable: treated as left by a crash
    }
    if (owner?.daemon) {
      // The daemon's pods outlive its process: only the daemon decides which are gone.
      if (!options.daemonKeep || options.daemonKeep.has(name)) continue;
    } else if (owner && (await ownerAlive(owner))) continue;
    try {
      const gid = await readPodGroup(dir);
      await removePodDir(root, dir);
      await dropPodGroup(root, gid);
      out.removed.push(name);
    } catch (e) {
      out.problems.push(`pod volumes ${name}: ${describeError(e)}`);
    }
  }
  return out;
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** The pod groups recorded by the pod directories under `<root>/pods` (for crash cleanup). */
export async function livePodGroups(root: string): Promise<number[]> {
  const pods = join(root, 'pods');
  const out: number[] = [];
  for (const name of await readdir(pods).catch(() => [] as string[])) {
    const gid = await readPodGroup(join(pods, name)).catch(() => undefined);
    if (gid !== undefined) out.push(gid);
  }
  return out;
}
