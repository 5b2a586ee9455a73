/**
 * The shim's fd-relative path operations against hostile trees: property tests over symlink
 * chains, `..` forms and absolute links (nothing outside the base is ever created or removed,
 * and the in-root resolution lands where an independent walk says), and races against a
 * process swapping a directory for a symlink while hostpod works.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  realpath,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rootedFsWalker, walkPath } from '../../lib/walk-path.ts';
import { SafePathError, safeMkdir, safeRemove } from './safe-fs.ts';

const SWAPPER = fileURLToPath(new URL('../../../native/build/testing/swapper', import.meta.url));
const tmp = await realpath(await mkdtemp(join(tmpdir(), 'hostpod-safefs-')));
after(() => rm(tmp, { recursive: true, force: true }));

/** Every path under `dir` with what it is (a file's content, a link's target). */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string, rel: string) => {
    const st = await lstat(p);
    if (st.isSymbolicLink()) out.push(`${rel} -> ${await readlink(p)}`);
    else if (st.isDirectory()) {
      out.push(`${rel}/`);
      for (const e of (await readdir(p)).sort()) await walk(join(p, e), `${rel}/${e}`);
    } else out.push(`${rel} = ${await readFile(p, 'utf8')}`);
  };
  await walk(dir, '');
  return out;
}

/** A base dir full of traps next to an `outside` canary dir. */
async function trap(name: string): Promise<{ base: string; outside: string }> {
  const dir = join(tmp, name);
  const base = join(dir, 'base');
  const outside = join(dir, 'outside');
  await mkdir(join(base, 'a', 'b'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(join(outside, 'canary'), 'untouched');
  await symlink(outside, join(base, 'abs')); // an absolute link to the canary
  await symlink('../../../outside', join(base, 'a', 'up')); // climbs out relatively
  await symlink('../up', join(base, 'a', 'b', 'chain')); // a chain to the climber
  await symlink('/', join(base, 'root'));
  await symlink('loop2', join(base, 'loop1'));
  await symlink('loop1', join(base, 'loop2'));
  await writeFile(join(base, 'file'), 'f');
  return { base, outside };
}

const PARTS = ['a', 'b', 'c', '..', '.', 'abs', 'up', 'chain', 'root', 'x', 'a/b', '../..'];
const randomRel = () =>
  Array.from({ length: 1 + randomInt(6) }, () => PARTS[randomInt(PARTS.length)]).join('/');

describe('safeMkdir() over hostile trees', () => {
  test('in-root: 150 random paths of links and ".." never make anything outside, and land where walkPath says', async () => {
    const { base, outside } = await trap('inroot');
    const before = await snapshot(outside);
    const parent = await readdir(join(base, '..'));
    for (let i = 0; i < 150; i++) {
      const rel = randomRel();
      let made: string;
      try {
        made = (await safeMkdir(base, rel)).path;
      } catch (e) {
        // Only "a file is in the way" or a loop may refuse; never an escape.
        assert.ok(
          e instanceof SafePathError && ['ENOTDIR', 'ELOOP', 'EEXIST'].includes(e.errno),
          `${rel}: ${e}`,
        );
        continue;
      }
      assert.ok(made === base || made.startsWith(`${base}/`), `${rel} → ${made}`);
      const w = rootedFsWalker(base);
      const expected = w.toHost((await walkPath(rel, w)).path);
      assert.equal(made, expected, rel);
      assert.ok((await lstat(made)).isDirectory(), made);
    }
    assert.deepEqual(await snapshot(outside), before, 'the canary directory is untouched');
    assert.deepEqual(await readdir(join(base, '..')), parent, 'nothing new beside the base');
  });

  test('beneath: a path leading out (absolute link, climbing link, "..") is refused with EXDEV, nothing made outside', async () => {
    const { base, outside } = await trap('beneath');
    const before = await snapshot(outside);
    for (const rel of ['abs/x', 'a/up/x', 'a/b/chain/x', 'root/tmp/x', '../x', 'a/../../x']) {
      await assert.rejects(
        safeMkdir(base, rel, { resolve: 'beneath' }),
        (e) => e instanceof SafePathError && e.errno === 'EXDEV' && e.code === 'InvalidArgument',
        rel,
      );
    }
    assert.deepEqual(await safeMkdir(base, 'a/b/../new/dir', { resolve: 'beneath' }), {
      path: join(base, 'a', 'new', 'dir'),
      kind: 'dir',
    });
    assert.deepEqual(await safeMkdir(base, 'file', { resolve: 'beneath' }), {
      path: join(base, 'file'),
      kind: 'file',
    });
    await assert.rejects(
      safeMkdir(base, 'loop1/x'),
      (e) => e instanceof SafePathError && e.errno === 'ELOOP',
    );
    await assert.rejects(
      safeMkdir(base, 'file/x'),
      (e) => e instanceof SafePathError && e.errno === 'ENOTDIR',
    );
    assert.deepEqual(await snapshot(outside), before);
  });

  test('the directories made get the mode and owner asked for, exactly (no umask)', async () => {
    const { base } = await trap('owner');
    const made = (await safeMkdir(base, 'n1/n2', { mode: 0o2770, owner: { uid: 65534, gid: 65534 } })).path;
    for (const p of [join(base, 'n1'), made]) {
      const st = await lstat(p);
      assert.equal(st.mode & 0o7777, 0o2770, p);
      assert.equal(st.uid, 65534);
    }
    assert.equal((await lstat(join(base, 'a'))).uid, 0, 'what existed keeps its owner');
  });
});

describe('safeRemove()', () => {
  test('removes a tree full of links without touching what they point to', async () => {
    const { base, outside } = await trap('remove');
    const before = await snapshot(outside);
    await mkdir(join(base, 'a', 'deep', 'er'), { recursive: true });
    await symlink(join(outside, 'canary'), join(base, 'a', 'deep', 'er', 'file-link'));
    await safeRemove(join(base, '..'), 'base');
    assert.equal(existsSync(base), false);
    assert.deepEqual(await snapshot(outside), before);
    await safeRemove(join(base, '..'), 'base'); // idempotent
  });

  test('refuses to go into a mount below (EBUSY) and removes nothing of it', {
    skip: process.getuid?.() !== 0 && 'needs root',
  }, async () => {
    const dir = join(tmp, 'mounted');
    await mkdir(join(dir, 'victim', 'mnt'), { recursive: true });
    const { runTool } = await import('./exec-tool.ts');
    assert.equal((await runTool('mount', ['-t', 'tmpfs', 'tmpfs', join(dir, 'victim', 'mnt')])).exitCode, 0);
    try {
      await writeFile(join(dir, 'victim', 'mnt', 'keep'), 'k');
      await assert.rejects(
        safeRemove(dir, 'victim'),
        (e) => e instanceof SafePathError && e.errno === 'EBUSY',
      );
      assert.equal(await readFile(join(dir, 'victim', 'mnt', 'keep'), 'utf8'), 'k');
    } finally {
      await runTool('umount', [join(dir, 'victim', 'mnt')]);
    }
  });
});

describe('races against a directory swapped for a symlink', () => {
  /** Runs the swapper on (a, b) for `seconds` while `work` runs; returns its swap count. */
  async function racing(a: string, b: string, seconds: number, work: () => Promise<void>): Promise<number> {
    const child = spawn(SWAPPER, [String(seconds), a, b], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    const done = new Promise<void>((r) => child.once('close', () => r()));
    try {
      await work();
    } finally {
      await done;
    }
    return Number(/swapped (\d+)/.exec(out)?.[1] ?? 0);
  }

  test('safeMkdir() while `dir` and a symlink to the canary trade places: nothing is made outside', async () => {
    const { base, outside } = await trap('race-mkdir');
    const before = await snapshot(outside);
    await mkdir(join(base, 'dir'));
    await symlink(outside, join(base, 'evil'));
    let attempts = 0;
    const swaps = await racing(join(base, 'dir'), join(base, 'evil'), 2, async () => {
      const t0 = Date.now();
      while (Date.now() - t0 < 1800) {
        attempts++;
        await safeMkdir(base, `dir/made-${attempts}/x`, { resolve: 'beneath' }).catch((e) => {
          if (!(e instanceof SafePathError)) throw e;
        });
      }
    });
    assert.ok(swaps > 100, `the swapper raced (${swaps} swaps, ${attempts} attempts)`);
    assert.deepEqual(await snapshot(outside), before, 'nothing made through the symlink');
  });

  test('safeRemove() while a directory and a symlink to the canary trade places: the canary survives', async () => {
    const { base, outside } = await trap('race-rm');
    const before = await snapshot(outside);
    let rounds = 0;
    let swaps = 0;
    for (; rounds < 10; rounds++) {
      const victim = join(base, `v${rounds}`);
      for (let i = 0; i < 30; i++) await mkdir(join(victim, 'sub', `d${i}`), { recursive: true });
      await symlink(outside, join(victim, 'evil'));
      swaps += await racing(join(victim, 'sub'), join(victim, 'evil'), 0.3, () =>
        safeRemove(base, `v${rounds}`).catch((e) => {
          if (!(e instanceof SafePathError)) throw e;
        }),
      );
    }
    assert.ok(swaps > 100, `the swapper raced (${swaps} swaps)`);
    assert.deepEqual(await snapshot(outside), before, 'nothing deleted through the symlink');
  });
});
