import { chmodSync, chownSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { chown, lstat, mkdir, readdir, readFile, rmdir, symlink, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errnoCode, RuntimeError } from '../../errors.ts';
import { instanceId } from '../../lib/instance-id.ts';
import { Rollback } from '../../lib/rollback.ts';
import { mountTargetRegistry } from '../host-state.ts';
import { resolveMountPoint } from '../spec/mount-point.ts';
import { stripTrailingSlash } from '../spec/tokens.ts';
import { type MountMapping, translatePath } from '../spec/translate-path.ts';
import type { Layout, VolumeMount } from '../spec/types.ts';
import { copyLayers, type LayerInput, layerDir } from './copy-layers.ts';
import { mkdirInRoot, mkdirs, resolveInRoot } from './host-paths.ts';
import { mountsUnder } from './mountinfo.ts';
import { mountOverlay, probeOverlay, unmount } from './overlay.ts';
import { mountRootfs } from './rootfs-mounts.ts';
import { removeTreeSafely } from './safe-fs.ts';
import { ensureSharedMount } from './shared-mount.ts';
import { acquireTarget, releaseTarget } from './target-registry.ts';
import { type CheckedMount, checkPropagation, checkVolumeMounts } from './volumes.ts';
import { bindWorkspace, checkWorkspaceMount } from './workspace-mount.ts';

/** How the workspace holds the image: an overlay of the layers, or a copy of them. */
export type WorkspaceMode = 'overlay' | 'copy';

export interface CreateSandboxOptions {
  /** hostpod's state root; sandboxes live in `<root>/sandboxes/<id>/`. */
  root: string;
  /** The container id: a safe path component. */
  id: string;
  /** The container name, for messages (default: the id). */
  container?: string;
  /** Unpacked layer directories (overlay format), lowest first. */
  layers: readonly LayerInput[];
  layout: Layout;
  /** The `microsoft.com/hostprocess-rootfs-location` annotation, if set. */
  rootfsLocation?: string | undefined;
  mounts: readonly VolumeMount[];
  /** 'auto' (default): overlay when the host allows it (probed once), else copy. */
  mode?: 'auto' | WorkspaceMode;
  /**
   * A rootfs made by someone else (containerd's snapshot mounts) instead of `layers`: mounted
   * at the workspace as given, in order, and unmounted with the sandbox. `layers` is ignored.
   */
  rootfsMounts?: readonly RootfsMount[];
  /** The directory shared by every instance on the host (default `HOST_STATE_DIR`; tests). */
  hostState?: string;
  /**
   * The container's account: the workspace root is handed to it (chowned) once everything
   * hostpod makes inside is made, so the account can use its own workspace (make its working
   * dir, write files) while hostpod never acts inside it after the handover.
   */
  owner?: { uid: number; gid: number };
  /**
   * The pod's group: the sandbox directory is then root's with that group, 0710 (the pod's
   * containers may pass through to their workspace — the symlink layout needs it — nobody
   * else). Without it: 0711.
   */
  group?: number;
}

/** One mount of a ready rootfs: mount(8)'s type, source and options (containerd's `Mount`). */
export interface RootfsMount {
  type: string;
  source: string;
  options: readonly string[];
}

/** One bind mount the shim makes inside the container's private mount namespace. */
export interface BindMount {
  /** Host path. */
  source: string;
  /** Path in the container. */
  destination: string;
  readOnly: boolean;
  propagation?: VolumeMount['propagation'];
  /**
   * For a source or destination inside something a less privileged party can write (a subPath
   * in a volume; a mount point inside the workspace or an earlier volume): the shim opens each
   * side fd by fd — `sourcePath` beneath `sourceBase` (never leading out), `destinationPath`
   * with `destinationBase` as its root (made if missing) — and mounts through /proc/self/fd.
   * `''` means the base itself.
   */
  within?: { sourceBase: string; sourcePath: string; destinationBase: string; destinationPath: string };
}

/** What the shim executes for the bind layout, in order: the workspace first, then volumes. */
export interface MountPlan {
  binds: BindMount[];
  /** True when hostpod created the mount point (e.g. `/hpc`) on the host for this container. */
  createdMountPoint: boolean;
}

export interface Sandbox {
  id: string;
  /** `<root>/sandboxes/<id>`. */
  dir: string;
  layout: Layout;
  mode: WorkspaceMode;
  /** The workspace on the host. */
  workspace: string;
  /** `CONTAINER_SANDBOX_MOUNT_POINT`, with its trailing `/`. */
  mountPoint: string;
  /** Only for the bind layout. */
  plan: MountPlan | undefined;
  /** Container path → host path mappings for `makeContainerProbe()` (empty for symlink). */
  mappings: MountMapping[];
  mounts: CheckedMount[];
  /** Things the caller should log (a shadowed host directory, a failed back-compat link, …). */
  warnings: string[];
}

/** What `sandbox.json` records, so that removal (also after a crash) knows what was made. */
interface SandboxRecord {
  version: 1;
  id: string;
  layout: Layout;
  mode: WorkspaceMode | undefined;
  workspace: string;
  /** Host paths used as mount targets, registered in `target-registry.ts`. */
  bindTargets: string[];
  /**
   * The registry they are registered in (host-wide) and under which user name. Absent in
   * records of older versions: those registered in `<root>/sandboxes` under the bare id.
   */
  targetRegistry?: { dir: string; user: string };
}

const RECORD = 'sandbox.json';
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** `<root>/sandboxes`. */
export function sandboxesDir(root: string): string {
  return join(stripTrailingSlash(root), 'sandboxes');
}

function checkId(id: string): void {
  if (!SAFE_ID.test(id) || id.includes('..')) {
    throw new RuntimeError('InvalidArgument', `Invalid container id "${id}": not a safe path component`);
  }
}

/**
 * Gives a container its own clean workspace of its image, laid out for `layout`:
 * - the workspace: an overlay (lower = layers, fresh upper/work under the sandbox dir) where
 *   the host allows, else a copy; at `<root>/sandboxes/<id>/rootfs`, or `<location>/<id>` for
 *   the symlink layout with a rootfs location;
 * - symlink layout: each volume linked at `<workspace>/<mountPath>` (parents created; a failure
 *   is fatal "failed to setup mount for job container");
 * - bind layout: the same links (failures are warnings), the mount targets made on the host,
 *   and the plan of binds the shim runs in the container's mount namespace.
 * Everything is checked before the first side effect; on failure nothing is left behind.
 * Throws InvalidArgument / NotFound (bad mounts or id), AlreadyExists (the sandbox exists),
 * Internal (mount or copy failed).
 */
export async function createSandbox(options: CreateSandboxOptions): Promise<Sandbox> {
  const { root, id, layout } = options;
  const container = options.container ?? id;
  checkId(id);
  const { mountPoint, workspaceHostPath: workspace } = resolveMountPoint({
    layout,
    id,
    root,
    rootfsLocation: options.rootfsLocation,
  });
  const mounts = await checkVolumeMounts(options.mounts, { container, mountPoint });
  if (layout === 'bind') checkPropagation(mounts, { container, mountPoint });
  const base = sandboxesDir(root);
  const dir = join(base, id);
  // The sandbox dir, its record and its first directories: a few metadata operations done
  // synchronously (page cache; cheaper than a thread-pool round trip each, see saveRecord).
  mkdirSync(base, { recursive: true, mode: 0o711 });
  try {
    mkdirSync(dir, { mode: 0o700 });
    if (options.group !== undefined) chownSync(dir, process.getuid?.() ?? 0, options.group);
    chmodSync(dir, options.group === undefined ? 0o711 : 0o710);
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') {
      throw new RuntimeError(
        'AlreadyExists',
        `Cannot create the sandbox of container "${container}": ${dir} exists`,
        {
          hint: 'remove the container first (its sandbox is removed with it)',
        },
      );
    }
    throw err;
  }
  const record: SandboxRecord = {
    version: 1,
    id,
    layout,
    mode: undefined,
    workspace: join(dir, 'rootfs'),
    bindTargets: [],
    targetRegistry: {
      dir: mountTargetRegistry(options.hostState),
      user: `${instanceId(root)}-${id}`,
    },
  };
  // Bind layout: where each volume's mount point lies, and so which host paths are mount targets.
  // They are recorded with the first save, before anything is mounted or registered, so that
  // removal (also after a crash) releases them — one record write less per start (releasing a
  // target never registered is a no-op).
  const targets = layout === 'bind' ? planTargets(mounts, mountPoint) : undefined;
  if (targets) record.bindTargets = targets.bindTargets;
  const rollback = new Rollback();
  rollback.add('sandbox', () => removeSandbox({ root, id }));
  try {
    const mode = options.mode === undefined || options.mode === 'auto' ? await pickMode(base) : options.mode;
    record.mode = mode;
    await saveRecord(dir, record);
    if (workspace !== join(dir, 'rootfs')) {
      await mkdir(dirname(workspace), { recursive: true });
      try {
        await mkdir(workspace, { mode: 0o755 });
      } catch (err) {
        if (errnoCode(err) === 'EEXIST') {
          throw new RuntimeError(
            'AlreadyExists',
            `Cannot create the workspace of container "${container}": ${workspace} exists`,
          );
        }
        throw err;
      }
      record.workspace = workspace;
      await saveRecord(dir, record);
    } else {
      mkdirSync(workspace, { mode: 0o755 });
    }
    const warnings: string[] = [];
    if (options.rootfsMounts !== undefined) {
      await mountRootfs(options.rootfsMounts, workspace);
    } else if (mode === 'overlay') {
      const upper = join(dir, 'upper');
      const work = join(dir, 'work');
      mkdirSync(upper, { mode: 0o755 });
      mkdirSync(work, { mode: 0o700 });
      let layers = options.layers.map(layerDir);
      if (layers.length === 0) {
        layers = [join(dir, 'empty')];
        await mkdir(layers[0]!, { mode: 0o755 });
      }
      await mountOverlay({ layers, upper, work, target: workspace });
    } else {
      warnings.push(...(await copyLayers(options.layers, workspace)));
      await bindWorkspace(workspace);
    }
    await checkWorkspaceMount(workspace);
    for (const m of mounts) {
      try {
        // Bind layout: the link names the container path, where the volume is mounted (read-only
        // when asked), so writing through the link cannot bypass a read-only mount. Symlink
        // layout: the host path itself.
        await linkVolume(workspace, m, layout === 'bind' ? m.mountPath : m.hostPath);
      } catch (err) {
        const msg = `failed to setup mount for job container: cannot link "${m.mountPath}" to "${m.hostPath}" in the workspace: ${describe(err)}`;
        if (layout === 'symlink')
          throw new RuntimeError('FailedPrecondition', `Cannot start container "${container}": ${msg}`, {
            cause: err,
          });
        warnings.push(msg);
      }
    }
    let plan: MountPlan | undefined;
    let mappings: MountMapping[] = [];
    if (targets) {
      const { target, byDepth, where } = targets;
      const registry = record.targetRegistry!;
      const acquire = async (path: string, kind: 'dir' | 'file') => {
        rollback.add(`mount target ${path}`, () => releaseTarget(registry.dir, registry.user, path));
        return acquireTarget(registry.dir, registry.user, path, kind);
      };
      const mp = await acquire(target, 'dir');
      // (Another state root may remove a mount point it made between these calls: the shim
      // makes a missing one again.)
      if (mp.existed && !mp.owned && (await readdir(target).catch(() => [])).length > 0) {
        warnings.push(
          `the workspace at "${target}" shadows the existing host directory "${target}" inside container "${container}" (the host's copy is unchanged)`,
        );
      }
      plan = {
        binds: [{ source: workspace, destination: target, readOnly: false }],
        createdMountPoint: mp.owned,
      };
      for (const [i, m] of byDepth.entries()) {
        const w = where[i]!;
        let destination = m.mountPath;
        // Where the shim resolves the destination fd by fd (undefined: a host path, trusted).
        let within: { base: string; path: string } | undefined;
        if (w.kind === 'workspace') {
          // Inside the workspace: resolve the image's symlinks there (the workspace is still
          // hostpod's alone: its account gets it only later), and hand the shim the resolved
          // path; the shim resolves it once more inside the workspace, fd by fd.
          const hostPath = await makeTargetInWorkspace(workspace, m.mountPath.slice(target.length), m.kind);
          destination = `${target}${hostPath.slice(workspace.length)}`;
          within = { base: target, path: destination.slice(target.length + 1) };
        } else if (w.kind === 'volume') {
          // Inside an earlier volume, which containers may write: the shim makes the mount point
          // in it (as the container sees it, and as runc does), fd by fd, inside that volume.
          const outer = byDepth
            .slice(0, i)
            .filter((o) => m.mountPath.startsWith(`${o.mountPath}/`))
            .reduce((a, b) => (b.mountPath.length > a.mountPath.length ? b : a));
          within = { base: outer.mountPath, path: m.mountPath.slice(outer.mountPath.length + 1) };
        } else {
          const t = await acquire(m.mountPath, m.kind);
          if (t.existed && !t.owned && !m.replacesHostPath) {
            warnings.push(
              `the volume at "${m.mountPath}" shadows the existing host ${m.kind === 'dir' ? 'directory' : 'file'} ` +
                `"${m.mountPath}" inside container "${container}" (the host's copy is unchanged)`,
            );
          }
        }
        const bind: BindMount = { source: m.hostPath, destination, readOnly: m.readOnly };
        if (within !== undefined || m.subPath !== undefined) {
          bind.within = {
            sourceBase: m.subPath?.volume ?? m.hostPath,
            sourcePath: m.subPath?.path ?? '',
            destinationBase: within?.base ?? m.mountPath,
            destinationPath: within?.path ?? '',
          };
        }
        if (m.propagation !== undefined) bind.propagation = m.propagation;
        // Mounts reach the container from the host (and the host from it) only from a shared mount.
        if (m.propagation === 'shared' || m.propagation === 'slave') {
          const done = await ensureSharedMount(m.hostPath);
          if (done !== 'was-shared')
            warnings.push(
              `"${m.hostPath}" was made a shared mount${done === 'bound-shared' ? ' (bound onto itself)' : ''} for the ${m.propagation === 'shared' ? 'Bidirectional' : 'HostToContainer'} volume at "${m.mountPath}" of container "${container}"; it stays so`,
            );
        }
        plan.binds.push(bind);
      }
      mappings = plan.binds.map((b) => ({ source: b.source, target: b.destination }));
    }
    // The handover: from here on the account may write in its workspace, so hostpod does
    // nothing more inside it but through the shim's fd-based operations.
    if (options.owner) await chown(workspace, options.owner.uid, options.owner.gid);
    rollback.commit();
    return { id, dir, layout, mode, workspace, mountPoint, plan, mappings, mounts, warnings };
  } catch (err) {
    await rollback.rollback();
    throw err;
  }
}

/** Bind layout: the mount point and the volumes, parents first, with where each one's target lies. */
function planTargets(mounts: readonly CheckedMount[], mountPoint: string) {
  const target = stripTrailingSlash(mountPoint);
  // Parents before children (as containerd sorts them), so a volume nested in another is
  // mounted on top of it; the order is otherwise kept.
  const byDepth = [...mounts].sort((a, b) => depth(a.mountPath) - depth(b.mountPath));
  const volumeMappings: MountMapping[] = [];
  const where = byDepth.map((m) => {
    const inVolume = translatePath(m.mountPath, volumeMappings);
    volumeMappings.push({ source: m.hostPath, target: m.mountPath });
    if (m.mountPath.startsWith(`${target}/`)) return { kind: 'workspace' as const };
    if (inVolume !== m.mountPath) return { kind: 'volume' as const, hostPath: inVolume };
    return { kind: 'host' as const };
  });
  const bindTargets = [
    target,
    ...byDepth.filter((_, i) => where[i]!.kind === 'host').map((m) => m.mountPath),
  ];
  return { target, byDepth, where, bindTargets };
}

async function pickMode(base: string): Promise<WorkspaceMode> {
  return (await probeOverlay(base)) ? 'overlay' : 'copy';
}

function depth(path: string): number {
  return path.split('/').filter((c) => c !== '').length;
}

/** Makes a mount target inside the workspace, symlinks resolved inside it; returns its host path. */
async function makeTargetInWorkspace(workspace: string, rel: string, kind: 'dir' | 'file'): Promise<string> {
  const { hostPath, kind: found } = await resolveInRoot(workspace, rel);
  if (found !== 'missing' && found !== kind) {
    throw new RuntimeError(
      'InvalidArgument',
      `Cannot mount a ${kind === 'dir' ? 'directory' : 'file'} at "${rel}" in the workspace: the image has a ${found === 'dir' ? 'directory' : 'file'} there`,
    );
  }
  if (kind === 'dir') {
    await mkdirs(hostPath, { mode: 0o755 });
  } else {
    await mkdirs(dirname(hostPath), { mode: 0o755 });
    if (found === 'missing') await writeFile(hostPath, '', { flag: 'wx', mode: 0o644 });
  }
  return hostPath;
}

/** Links `target` at `<workspace>/<mountPath>`, creating parents (mode 0777 less umask). */
async function linkVolume(workspace: string, m: CheckedMount, target: string): Promise<void> {
  const { hostPath } = await mkdirInRoot(workspace, dirname(m.mountPath));
  const link = join(hostPath, basename(m.mountPath));
  try {
    await symlink(target, link);
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
    const st = await lstat(link);
    if (st.isSymbolicLink()) await unlink(link);
    else if (st.isDirectory() && (await readdir(link)).length === 0) await rmdir(link);
    else throw new Error(`the image has a non-empty ${st.isDirectory() ? 'directory' : 'file'} there`);
    await symlink(target, link);
  }
}

export interface RemoveSandboxOptions {
  root: string;
  id: string;
}

/**
 * Unmounts and deletes everything `createSandbox()` made for `id`: mounts at or under the
 * workspace and the sandbox dir, the workspace, the sandbox dir, and the mount targets it
 * created on the host (unless another sandbox uses them). Never follows a symlink out of the
 * sandbox while deleting (a volume link is removed, its target untouched), and refuses to delete
 * while something is still mounted below. Idempotent. Throws Internal when a mount cannot be
 * removed.
 */
export async function removeSandbox(options: RemoveSandboxOptions): Promise<void> {
  checkId(options.id);
  const dir = join(sandboxesDir(options.root), options.id);
  const record = await loadRecord(dir);
  const workspace = record?.workspace ?? join(dir, 'rootfs');
  const areas = workspace.startsWith(`${dir}/`) ? [dir] : [dir, workspace];
  for (const area of areas) {
    const mounted = await mountsUnder(area);
    for (const m of mounted) await unmount(m.mountPoint);
    const left = mounted.length === 0 ? [] : await mountsUnder(area);
    if (left.length > 0) {
      throw new RuntimeError(
        'Internal',
        `Cannot remove sandbox "${options.id}": "${left[0]!.mountPoint}" is still mounted`,
        {
          hint: `unmount it (umount -l ${left[0]!.mountPoint}) and retry`,
        },
      );
    }
  }
  // The workspace and upper dir hold what the container wrote: removed fd by fd, moved out of
  // reach first (a symlink planted there, or a directory swapped for one, is never followed).
  const trash = trashDir(options.root);
  if (areas.length === 2) await removeTreeSafely(workspace, trash);
  const registry = record?.targetRegistry ?? { dir: sandboxesDir(options.root), user: options.id };
  for (const t of record?.bindTargets ?? []) await releaseTarget(registry.dir, registry.user, t);
  await removeTreeSafely(dir, trash);
}

/** `<root>/trash`: root-only; trees being removed are moved here first (see removeTreeSafely). */
export function trashDir(root: string): string {
  return join(stripTrailingSlash(root), 'trash');
}

/** The ids of the sandboxes under `<root>/sandboxes` (for crash cleanup). */
export async function listSandboxes(root: string): Promise<string[]> {
  try {
    const entries = await readdir(sandboxesDir(root), { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && SAFE_ID.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Temp + rename, without fsync: the record must survive hostpod being killed (the page cache
 * does), not a power loss — which also drops every mount it describes. Saves two fsyncs per
 * write on the start path. Synchronous: a few hundred bytes into the page cache cost less on
 * the calling thread than async writeFile's open/write/close round trips through the thread pool.
 */
async function saveRecord(dir: string, record: SandboxRecord): Promise<void> {
  const tmp = join(dir, `.${RECORD}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, join(dir, RECORD));
}

async function loadRecord(dir: string): Promise<SandboxRecord | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, RECORD), 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  const v: unknown = JSON.parse(text);
  if (!isRecord(v)) {
    throw new RuntimeError('DataLoss', `Cannot read ${join(dir, RECORD)}: not a sandbox record`);
  }
  return v;
}

function isRecord(v: unknown): v is SandboxRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  const strings = (x: unknown) =>
    Array.isArray(x) && x.every((s) => typeof s === 'string' && s.startsWith('/'));
  return (
    r.version === 1 &&
    typeof r.id === 'string' &&
    typeof r.workspace === 'string' &&
    r.workspace.startsWith('/') &&
    strings(r.bindTargets) &&
    (r.targetRegistry === undefined || isRegistry(r.targetRegistry))
  );
}

function isRegistry(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.dir === 'string' && r.dir.startsWith('/') && typeof r.user === 'string' && r.user !== '';
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
