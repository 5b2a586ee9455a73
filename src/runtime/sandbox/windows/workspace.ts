/**
 * A Windows container's workspace (windows-backend.md §4.2): hostpod has no bind filter, so both
 * layouts are plain directories on the host — `bind` is containerd 1.7's fallback
 * (`C:\hpc\<id>\`), `symlink` containerd 1.6's (`C:\C\<id>\`), or `<rootfs-location>\<id>\` —
 * holding a copy of the image's unpacked layers, with each volume linked at
 * `<workspace>\<mountPath minus its drive>` (a directory or file symbolic link to the host path;
 * a failure is fatal, "failed to setup mount for job container", as the fallback reports it).
 * What was made is recorded in `<root>\sandboxes\<id>\sandbox.json` before it is made, so removal
 * — also after a crash — knows what to delete; removal unlinks the volume links first and never
 * follows one.
 *
 * Runs on Windows (Node's `fs` on Windows paths); under Wine in `workspace.wine.test.ts`.
 */
import { cp, lstat, mkdir, readdir, readFile, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { win32 } from 'node:path';
import { describeError, errnoCode, RuntimeError } from '../../../errors.ts';
import { resolveWindowsMountPoint } from '../../spec/windows/mount-point.ts';
import { normalizeWindowsMountPath, windowsMountLinkPath } from '../../spec/windows/volume-paths.ts';
import { layerDir } from '../copy-layers.ts';
import type { CreateSandboxOptions, RemoveSandboxOptions, Sandbox } from '../sandbox.ts';

const RECORD = 'sandbox.json';
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

interface WindowsSandboxRecord {
  version: 1;
  os: 'windows';
  id: string;
  layout: Sandbox['layout'];
  workspace: string;
  /** The volume links made inside the workspace (removed first, never followed). */
  links: string[];
}

/** `<root>\sandboxes`. */
export function windowsSandboxesDir(root: string): string {
  return win32.join(root, 'sandboxes');
}

function checkId(id: string): void {
  if (!SAFE_ID.test(id) || id.includes('..'))
    throw new RuntimeError('InvalidArgument', `Invalid container id "${id}": not a safe path component`);
}

/**
 * Makes the container's workspace: the mount point of its layout, the layers copied in (lowest
 * first; `.wh.<name>` deletes, `.wh..wh..opq` empties the directory), the volume links. Checks
 * every mount path before the first side effect; on failure removes what it made.
 * Throws InvalidArgument (bad id, mount path or location annotation), AlreadyExists (the
 * workspace exists), Internal (a copy or link failed).
 */
export async function createWindowsSandbox(options: CreateSandboxOptions): Promise<Sandbox> {
  const { root, id, layout } = options;
  const container = options.container ?? id;
  checkId(id);
  const mountPoint = resolveWindowsMountPoint({ layout, id, rootfsLocation: options.rootfsLocation });
  const workspace = mountPoint.slice(0, -1);
  const links = options.mounts.map((m, i) => {
    const dest = normalizeWindowsMountPath(m.mountPath, `volumeMounts[${i}].mountPath`);
    return { link: windowsMountLinkPath(mountPoint, dest), target: m.hostPath, mount: m };
  });
  const dir = win32.join(windowsSandboxesDir(root), id);
  if (await exists(workspace))
    throw new RuntimeError(
      'AlreadyExists',
      `Cannot create the workspace of container "${container}": ${workspace} exists`,
      {
        hint: 'remove the container that uses it, or delete the directory if no container does',
      },
    );
  await mkdir(dir, { recursive: true });
  const record: WindowsSandboxRecord = {
    version: 1,
    os: 'windows',
    id,
    layout,
    workspace,
    links: links.map((l) => l.link),
  };
  await writeFile(win32.join(dir, RECORD), `${JSON.stringify(record)}\n`);
  try {
    await mkdir(workspace, { recursive: true });
    for (const layer of options.layers) await copyLayer(layerDir(layer), workspace);
    for (const l of links) {
      try {
        const st = await stat(l.target);
        await mkdir(win32.dirname(l.link), { recursive: true });
        await rm(l.link, { recursive: true, force: true });
        await symlink(l.target, l.link, st.isDirectory() ? 'dir' : 'file');
        // Wine 8's CreateSymbolicLinkW reports success and makes nothing: never trust the call alone.
        if (!(await lstat(l.link).catch(() => undefined))?.isSymbolicLink())
          throw new Error('the symbolic link was not created (does this host support symbolic links?)');
      } catch (e) {
        throw new RuntimeError(
          'Internal',
          `failed to setup mount for job container: ${l.mount.hostPath} at ${l.link}: ${describeError(e)}`,
          { cause: e },
        );
      }
    }
  } catch (e) {
    await removeWindowsSandbox({ root, id }).catch(() => {});
    if (e instanceof RuntimeError) throw e;
    throw new RuntimeError(
      'Internal',
      `Cannot make the workspace of container "${container}": ${describeError(e)}`,
      {
        cause: e,
      },
    );
  }
  return {
    id,
    dir,
    layout,
    mode: 'copy',
    workspace,
    mountPoint,
    plan: undefined,
    mappings: [],
    mounts: [],
    warnings: [],
  };
}

/** Copies one unpacked layer over the workspace, applying its whiteouts first. */
async function copyLayer(from: string, to: string): Promise<void> {
  const entries = await readdir(from, { withFileTypes: true });
  if (entries.some((e) => e.name === OPAQUE)) {
    for (const e of await readdir(to).catch(() => []))
      await rm(win32.join(to, e), { recursive: true, force: true });
  }
  await mkdir(to, { recursive: true });
  for (const e of entries) {
    if (e.name === OPAQUE) continue;
    const src = win32.join(from, e.name);
    if (e.name.startsWith(WHITEOUT)) {
      await rm(win32.join(to, e.name.slice(WHITEOUT.length)), { recursive: true, force: true });
      continue;
    }
    const dest = win32.join(to, e.name);
    if (e.isDirectory()) {
      const st = await lstat(dest).catch(() => undefined);
      if (st && !st.isDirectory()) await rm(dest, { force: true });
      await copyLayer(src, dest);
    } else {
      await rm(dest, { recursive: true, force: true });
      await cp(src, dest, { verbatimSymlinks: true, preserveTimestamps: true });
    }
  }
}

/**
 * Deletes what `createWindowsSandbox()` made for `id`: the volume links (unlinked, their
 * targets untouched), the workspace, the sandbox record. Idempotent.
 */
export async function removeWindowsSandbox(options: RemoveSandboxOptions): Promise<void> {
  checkId(options.id);
  const dir = win32.join(windowsSandboxesDir(options.root), options.id);
  let record: WindowsSandboxRecord | undefined;
  try {
    record = JSON.parse(await readFile(win32.join(dir, RECORD), 'utf8')) as WindowsSandboxRecord;
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT')
      throw new RuntimeError(
        'DataLoss',
        `Cannot read the sandbox record of "${options.id}": ${describeError(e)}`,
      );
  }
  if (record) {
    const base = `${record.workspace.toLowerCase()}\\`;
    for (const link of record.links) {
      if (!link.toLowerCase().startsWith(base)) continue; // never outside the workspace
      const st = await lstat(link).catch(() => undefined);
      if (st?.isSymbolicLink()) await unlink(link).catch(() => rm(link, { force: true }));
    }
    await rm(record.workspace, { recursive: true, force: true });
  }
  await rm(dir, { recursive: true, force: true });
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}
