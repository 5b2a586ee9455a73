import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, isRuntimeError, RuntimeError } from '../../errors.ts';
import { runTool } from './exec-tool.ts';

const AUFS_OPAQUE = '.wh..wh..opq';

/**
 * An unpacked layer: its directory, optionally with the in-layer paths marked opaque (`''`
 * for its root) when the unpacker recorded them — then the copy needs no xattr reading.
 */
export type LayerInput = string | { dir: string; opaque?: readonly string[] | undefined };

/** The directory of a layer input. */
export function layerDir(layer: LayerInput): string {
  return typeof layer === 'string' ? layer : layer.dir;
}
const AUFS_PREFIX = '.wh.';

/**
 * Builds a workspace by copying unpacked layers (lowest first) into `target`, for hosts without
 * overlayfs. Each layer's whiteouts are applied first — overlay format (a char device 0:0, a
 * directory with `trusted.overlay.opaque=y`) and tar format (`.wh.<name>`, `.wh..wh..opq`) —
 * then the layer is copied with `cp -a --reflink=auto --remove-destination` (ownership, modes,
 * times, xattrs, hardlinks kept; a path that was a symlink in a lower layer is replaced, never
 * written through), then the copied whiteout markers are removed. Opaque dirs come from the
 * layer input when given, else from `getfattr`. Returns warnings (e.g. when
 * getfattr is missing and opaque directories cannot be seen). Throws Internal when cp fails.
 */
export async function copyLayers(layers: readonly LayerInput[], target: string): Promise<string[]> {
  const warnings: string[] = [];
  for (const input of layers) {
    const layer = layerDir(input);
    const known = typeof input === 'string' ? undefined : input.opaque;
    const opaque = known ? new Set(known) : await readOpaqueDirs(layer, warnings);
    const markers: string[] = [];
    await prepare(layer, target, '', opaque, markers);
    const r = await runTool('cp', [
      '-a',
      '--reflink=auto',
      '--remove-destination',
      `${layer}/.`,
      `${target}/`,
    ]);
    if (r.exitCode !== 0) {
      throw new RuntimeError(
        'Internal',
        `Cannot copy layer "${layer}" into the workspace: ${r.stderr.trim()}`,
      );
    }
    for (const m of markers) await rm(join(target, m), { recursive: true, force: true });
  }
  return warnings;
}

type Kind = 'dir' | 'symlink' | 'other' | 'missing';

async function kindOf(path: string): Promise<Kind> {
  try {
    const st = await lstat(path);
    return st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return 'missing';
    throw err;
  }
}

/** Empties a directory without following any symlink in it. */
async function clearDir(dir: string): Promise<void> {
  for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
}

/**
 * Walks one layer (pre-order) and makes `target` ready for `cp`: applies whiteouts, clears
 * opaque dirs, resolves type conflicts with lower layers, and collects the marker paths to
 * delete after the copy. The target parent of every visited entry is a real directory or missing.
 */
async function prepare(layer: string, target: string, rel: string, opaque: Set<string>, markers: string[]) {
  const dst = join(target, rel);
  const dstKind = await kindOf(dst);
  if (opaque.has(rel) && dstKind === 'dir') await clearDir(dst);
  if (dstKind !== 'dir' && dstKind !== 'missing') await rm(dst, { force: true });
  const entries = await readdir(join(layer, rel), { withFileTypes: true });
  if (entries.some((e) => e.name === AUFS_OPAQUE) && dstKind === 'dir') await clearDir(dst);
  const dstLive = dstKind === 'dir';
  for (const e of entries) {
    const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
    const childDst = join(target, childRel);
    if (e.name === AUFS_OPAQUE) {
      markers.push(childRel);
      continue;
    }
    if (e.name.startsWith(AUFS_PREFIX)) {
      markers.push(childRel);
      const victim = e.name.slice(AUFS_PREFIX.length);
      const safe = victim !== '' && victim !== '.' && victim !== '..';
      if (dstLive && safe) await rm(join(dst, victim), { recursive: true, force: true });
      continue;
    }
    if (e.isCharacterDevice() && (await lstat(join(layer, childRel))).rdev === 0) {
      markers.push(childRel);
      if (dstLive) await rm(childDst, { recursive: true, force: true });
      continue;
    }
    if (e.isDirectory()) {
      if (dstLive) await prepare(layer, target, childRel, opaque, markers);
      else await collectMarkers(layer, childRel, markers);
      continue;
    }
    if (dstLive && (await kindOf(childDst)) === 'dir') await rm(childDst, { recursive: true, force: true });
  }
}

/** For a directory new to the target: only the whiteout markers to delete after the copy. */
async function collectMarkers(layer: string, rel: string, markers: string[]): Promise<void> {
  for (const e of await readdir(join(layer, rel), { withFileTypes: true })) {
    const childRel = `${rel}/${e.name}`;
    if (e.name.startsWith(AUFS_PREFIX)) markers.push(childRel);
    else if (e.isCharacterDevice() && (await lstat(join(layer, childRel))).rdev === 0) markers.push(childRel);
    else if (e.isDirectory()) await collectMarkers(layer, childRel, markers);
  }
}

/** Relative paths of the layer's directories marked opaque (`trusted.overlay.opaque=y`). */
async function readOpaqueDirs(layer: string, warnings: string[]): Promise<Set<string>> {
  let r: Awaited<ReturnType<typeof runTool>>;
  try {
    r = await runTool('getfattr', ['-R', '-P', '-h', '-m', '^trusted\\.overlay\\.opaque$', '-d', '.'], {
      cwd: layer,
    });
  } catch (err) {
    if (!isRuntimeError(err, 'Unavailable')) throw err;
    const w =
      'getfattr is not installed (Debian package "attr"): opaque directories of overlay-format layers are not applied';
    if (!warnings.includes(w)) warnings.push(w);
    return new Set();
  }
  const out = new Set<string>();
  let file: string | undefined;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('# file: ')) file = unescapeGetfattr(line.slice(8));
    else if (file !== undefined && line === 'trusted.overlay.opaque="y"') out.add(file === '.' ? '' : file);
  }
  return out;
}

function unescapeGetfattr(s: string): string {
  return s.replace(/\\(\\|[0-7]{3})/g, (_, x: string) =>
    x === '\\' ? '\\' : String.fromCharCode(Number.parseInt(x, 8)),
  );
}
