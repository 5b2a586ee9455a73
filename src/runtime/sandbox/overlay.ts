import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { isRuntimeError, RuntimeError } from '../../errors.ts';
import { shimPath } from '../task/shim.ts';
import { type ServerAnswer, shimServer } from '../task/shim-server.ts';
import { runTool } from './exec-tool.ts';
import { WORKSPACE_MOUNT_FLAGS } from './workspace-mount.ts';

/** The kernel takes at most one page of mount options. */
const MAX_OPTIONS = 4000;

export interface OverlayDirs {
  /** Layer directories, lowest first (as unpacked). */
  layers: readonly string[];
  upper: string;
  work: string;
  target: string;
}

/**
 * The `-o` string and the working directory to run mount(8) in. Lower dirs go highest first.
 * When absolute paths would not fit in a page, they are made relative to their common parent
 * (the kernel resolves them against mount's cwd). Throws InvalidArgument for a path holding
 * `,`, `:` or `\` (overlay option separators) and ResourceExhausted when even relative paths
 * do not fit.
 */
export function overlayOptions(dirs: OverlayDirs): { options: string; cwd: string | undefined } {
  const all = [...dirs.layers, dirs.upper, dirs.work];
  for (const p of all) {
    if (/[,:\\]/.test(p)) {
      throw new RuntimeError(
        'InvalidArgument',
        `Cannot mount an overlay over "${p}": the path holds "," ":" or "\\"`,
      );
    }
  }
  const build = (f: (p: string) => string) =>
    `lowerdir=${[...dirs.layers].reverse().map(f).join(':')},upperdir=${f(dirs.upper)},workdir=${f(dirs.work)}`;
  const absolute = build((p) => p);
  if (absolute.length <= MAX_OPTIONS) return { options: absolute, cwd: undefined };
  const cwd = commonParent(all);
  const rel = build((p) => relative(cwd, p) || '.');
  if (rel.length > MAX_OPTIONS) {
    throw new RuntimeError(
      'ResourceExhausted',
      `Cannot mount an overlay of ${dirs.layers.length} layers: too many layers`,
      {
        hint: 'squash the image into fewer layers',
      },
    );
  }
  return { options: rel, cwd };
}

function commonParent(paths: readonly string[]): string {
  let common = dirname(paths[0]!);
  while (!paths.every((p) => p.startsWith(common === '/' ? '/' : `${common}/`))) common = dirname(common);
  return common;
}

/**
 * The mount/unmount answer from the long-lived shim server (mount(2)/umount2(2), no process
 * spawn), or undefined when the server cannot be used — the shim is not built, the binary
 * predates these requests, or the server ended — and mount(8)/umount(8) must do it.
 */
async function viaServer(ask: (s: ReturnType<typeof shimServer>) => Promise<ServerAnswer>) {
  let server: ReturnType<typeof shimServer>;
  try {
    server = shimServer(shimPath());
  } catch {
    return undefined;
  }
  try {
    return await ask(server);
  } catch (err) {
    if (isRuntimeError(err, 'Internal') || isRuntimeError(err, 'NotImplemented')) return undefined;
    throw err;
  }
}

/**
 * Mounts an overlay of `layers` at `target`, `nosuid,nodev` (a workspace: see
 * workspace-mount.ts). Throws FailedPrecondition with the kernel's message on failure.
 */
export async function mountOverlay(dirs: OverlayDirs): Promise<void> {
  const { options, cwd } = overlayOptions(dirs);
  const fail = (why: string) =>
    new RuntimeError('FailedPrecondition', `Cannot mount the workspace overlay at "${dirs.target}": ${why}`, {
      hint: 'the file system under the state root does not allow overlayfs here; use the copy mode',
    });
  const rel = (p: string) => (cwd ? relative(cwd, p) || '.' : p);
  const r = await viaServer((s) =>
    s.mount({
      cwd,
      target: resolve(dirs.target),
      lowers: [...dirs.layers].reverse().map(rel),
      upper: rel(dirs.upper),
      work: rel(dirs.work),
    }),
  );
  if (r?.ok) return;
  if (r) throw fail(r.message);
  const t = await runTool(
    'mount',
    ['-t', 'overlay', 'overlay', '-o', `${WORKSPACE_MOUNT_FLAGS.join(',')},${options}`, dirs.target],
    cwd ? { cwd } : {},
  );
  if (t.exitCode !== 0) throw fail(t.stderr.trim());
}

/** Unmounts `target`; a busy mount is detached lazily. Throws Internal when both fail. */
export async function unmount(target: string): Promise<void> {
  const s = await viaServer((server) => server.unmount(resolve(target)));
  if (s?.ok) return;
  if (s) throw new RuntimeError('Internal', `Cannot unmount "${target}": ${s.message}`);
  const r = await runTool('umount', [target]);
  if (r.exitCode === 0) return;
  const lazy = await runTool('umount', ['-l', target]);
  if (lazy.exitCode !== 0) {
    throw new RuntimeError(
      'Internal',
      `Cannot unmount "${target}": ${r.stderr.trim() || lazy.stderr.trim()}`,
    );
  }
}

const probes = new Map<string, Promise<boolean>>();

/**
 * Whether an overlay with its upper dir under `dir` can be mounted here (kernel support,
 * privileges, a filesystem that can hold an upper dir). Probed once per directory by mounting
 * a real one; the answer is cached for the life of the process.
 */
export function probeOverlay(dir: string): Promise<boolean> {
  let p = probes.get(dir);
  if (p === undefined) {
    p = doProbe(dir);
    probes.set(dir, p);
  }
  return p;
}

async function doProbe(dir: string): Promise<boolean> {
  const base = join(dir, `.probe-${randomBytes(4).toString('hex')}`);
  const d = {
    lower: join(base, 'l'),
    upper: join(base, 'u'),
    work: join(base, 'w'),
    target: join(base, 'm'),
  };
  try {
    for (const p of Object.values(d)) await mkdir(p, { recursive: true });
    await mountOverlay({ layers: [d.lower], upper: d.upper, work: d.work, target: d.target });
    await unmount(d.target);
    return true;
  } catch {
    return false;
  } finally {
    await rm(base, { recursive: true, force: true }).catch(() => {});
  }
}
