import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readProcStat } from '../../../lib/process-identity.ts';
import { removeCgroupDirs } from '../../group/cgroup-fs.ts';
import { CgroupManager } from '../../group/group-manager.ts';
import { readCgroupLayout } from '../../group/layout.ts';
import type { GroupManager } from '../../group/types.ts';
import type { LaunchSpec } from '../launch-spec.ts';

/** Test helpers for real tasks: a private cgroup parent, temp dirs, fixture paths. */

export const MEMHOG = fileURLToPath(new URL('../../../../native/build/testing/memhog', import.meta.url));
export const IS_ROOT = process.getuid?.() === 0;

/** A cgroup manager under a parent private to this test process; `cleanup()` removes it all. */
export async function testGroups(
  name: string,
): Promise<{ groups: CgroupManager; cleanup: () => Promise<void> }> {
  const layout = await readCgroupLayout();
  if (layout.kind === 'none') throw new Error(`no cgroups here: ${layout.reason}`);
  const groups = new CgroupManager(layout, { parent: `/hostpod-test-${name}-${process.pid}` });
  const cleanup = async (): Promise<void> => {
    for (const id of await groups.listOrphans([])) await groups.open(id).destroy();
    await removeCgroupDirs([...new Set(Object.values(groups.parents))]);
  };
  return { groups, cleanup };
}

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `hostpod-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A spec running `script` with /bin/sh, logging to `<dir>/log`. */
export function shSpec(dir: string, script: string, extra: Partial<LaunchSpec> = {}): LaunchSpec {
  return {
    argv: ['/bin/sh', '-c', script],
    env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'HOME=/root'],
    cwd: '/',
    logPath: join(dir, 'log'),
    ...extra,
  };
}

/** The log's lines, parsed from the CRI format. */
export async function readLog(
  path: string,
): Promise<{ time: string; stream: string; tag: string; text: string }[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const m = /^(\S+) (stdout|stderr) ([FP]) (.*)$/s.exec(l);
      if (!m) throw new Error(`not a CRI log line: ${JSON.stringify(l)}`);
      return { time: m[1] as string, stream: m[2] as string, tag: m[3] as string, text: m[4] as string };
    });
}

/** Polls `read` until `ok` holds (at most `ms`). */
export async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** True while pid exists (and is not a zombie). */
export async function alive(pid: number): Promise<boolean> {
  const st = await readProcStat(pid);
  return st !== undefined && st.state !== 'Z' && st.state !== 'X';
}

export type { GroupManager };
