import assert from 'node:assert/strict';
import { mkdir, open, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import type { CgroupManager } from '../group/group-manager.ts';
import { parseMountInfo } from '../sandbox/mountinfo.ts';
import { shimPath } from './shim.ts';
import { ShimServer } from './shim-server.ts';
import { startTask } from './start-task.ts';
import { stopTask } from './stop-task.ts';
import { eventually, IS_ROOT, readLog, shSpec, tempDir, testGroups } from './testing/fixtures.ts';
import { waitTask } from './wait-task.ts';

describe('ShimServer', { skip: !IS_ROOT && 'needs root for cgroups' }, () => {
  let groups: CgroupManager;
  let cleanupGroups: () => Promise<void>;
  let root: string;
  let cleanupDir: () => Promise<void>;
  before(async () => {
    ({ groups, cleanup: cleanupGroups } = await testGroups('server'));
    ({ dir: root, cleanup: cleanupDir } = await tempDir('server'));
  });
  after(async () => {
    await cleanupGroups();
    await cleanupDir();
  });

  it('startTask() through the server: 30 concurrent starts each get their own task, job and log', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `c${i}`);
    const tasks = await Promise.all(
      ids.map(async (id) => {
        const group = await groups.create(id);
        const dir = join(root, id);
        return startTask(shSpec(dir, `echo ${id}; sleep 600`), { group, dir });
      }),
    );
    assert.equal(new Set(tasks.map((t) => t.initPid)).size, 30);
    for (const [i, t] of tasks.entries()) {
      const cg = await readFile(`/proc/${t.initPid}/cgroup`, 'utf8');
      assert.match(cg, new RegExp(`/c${i}\\n`));
    }
    for (const [i, t] of tasks.entries()) {
      const log = await eventually(
        () => readLog(join(t.dir, 'log')),
        (l) => l.length > 0,
      );
      assert.deepEqual(
        log.map((l) => l.text),
        [`c${i}`],
      );
    }
    await Promise.all(tasks.map((t) => stopTask(t, 1000)));
    for (const t of tasks) await t.group.destroy();
  });

  it('ShimServer reports a bad spec as an error line and keeps serving', async () => {
    const server = new ShimServer(shimPath());
    try {
      const { dir, cleanup } = await tempDir('server-bad');
      try {
        assert.match(await server.start(dir), /^error spec 22$/, 'no spec file');
        const group = await groups.create('after-bad');
        const ok = await startTask(shSpec(join(root, 'after-bad'), 'exit 4'), {
          group,
          dir: join(root, 'after-bad'),
        });
        assert.equal((await waitTask(ok.dir)).exitCode, 4);
        await group.destroy();
        assert.match(await server.start(dir), /^error spec 22$/);
      } finally {
        await cleanup();
      }
    } finally {
      server.close();
    }
  });

  it('ShimServer rejects pending starts when it dies, then starts a new server on the next call', async () => {
    const server = new ShimServer(shimPath());
    const dir = join(root, 'dies');
    const group = await groups.create('dies');
    try {
      // A start is in flight when the server is killed: its caller hears of it.
      await startTask(shSpec(dir, 'true'), { group, dir }); // warm the shared server; unrelated
      const child = (server as unknown as { ensure(): { kill(s: string): void } }).ensure();
      child.kill('SIGKILL');
      await assert.rejects(server.start('/nonexistent-dir'), (e: unknown) => isRuntimeError(e, 'Internal'));
      assert.match(await server.start('/nonexistent-dir'), /^error spec 22$/);
    } finally {
      server.close();
      await group.destroy();
    }
  });
});

async function mountPoints(): Promise<string[]> {
  return parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8')).map((m) => m.mountPoint);
}

describe('ShimServer mount requests', { skip: !IS_ROOT && 'needs root to mount' }, () => {
  let server: ShimServer;
  let root: string;
  let cleanupDir: () => Promise<void>;
  before(async () => {
    server = new ShimServer(shimPath());
    ({ dir: root, cleanup: cleanupDir } = await tempDir('server-mount'));
  });
  after(async () => {
    for (const m of (await mountPoints()).filter((p) => p.startsWith(root)).reverse()) {
      await server.unmount(m).catch(() => {});
    }
    server.close();
    await cleanupDir();
  });

  /** Lower dirs l1 (lowest), l2 with `f` in both, upper, work and target under `base`. */
  async function layout(base: string) {
    const d = {
      l1: join(base, 'l1'),
      l2: join(base, 'l2'),
      u: join(base, 'u'),
      w: join(base, 'w'),
      m: join(base, 'm'),
    };
    for (const p of Object.values(d)) await mkdir(p, { recursive: true });
    await writeFile(join(d.l1, 'f'), 'low');
    await writeFile(join(d.l1, 'only-low'), 'x');
    await writeFile(join(d.l2, 'f'), 'high');
    return d;
  }

  it('ShimServer.mount() mounts a real overlay (paths with a space and a newline), unmount() removes it', async () => {
    const d = await layout(join(root, 'a b\nc'));
    const r = await server.mount({ target: d.m, lowers: [d.l2, d.l1], upper: d.u, work: d.w });
    assert.deepEqual(r, { ok: true, detached: false });
    const entry = parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8')).find(
      (m) => m.mountPoint === d.m,
    );
    assert.equal(entry?.fsType, 'overlay');
    assert.ok(entry.options.includes('nosuid') && entry.options.includes('nodev'), 'a workspace flags');
    assert.equal(await readFile(join(d.m, 'f'), 'utf8'), 'high', 'the first lower dir is the highest');
    assert.equal(await readFile(join(d.m, 'only-low'), 'utf8'), 'x');
    await writeFile(join(d.m, 'new'), 'n');
    assert.equal(await readFile(join(d.u, 'new'), 'utf8'), 'n', 'writes land in the upper dir');
    assert.deepEqual(await server.unmount(d.m), { ok: true, detached: false });
    assert.ok(!(await mountPoints()).includes(d.m));
    assert.deepEqual(await readdir(d.m), []);
  });

  it('ShimServer.mount() resolves relative dirs against cwd and leaves the server where it was', async () => {
    const base = join(root, 'rel');
    const d = await layout(base);
    const r = await server.mount({ cwd: base, target: d.m, lowers: ['l2', 'l1'], upper: 'u', work: 'w' });
    assert.deepEqual(r, { ok: true, detached: false });
    assert.equal(await readFile(join(d.m, 'f'), 'utf8'), 'high');
    assert.deepEqual(await server.unmount(d.m), { ok: true, detached: false });
    // The server returned to its own directory: a relative start dir still means the same place.
    const pid = (server as unknown as { child: { pid: number } }).child.pid;
    assert.equal(await readlink(`/proc/${pid}/cwd`), process.cwd());
  });

  it('ShimServer.mount() refuses "," ":" "\\" in a dir, an empty dir and options over a page, mounting nothing', async () => {
    const d = await layout(join(root, 'bad'));
    const before = await mountPoints();
    for (const bad of [`${d.l1},upperdir=/etc`, `${d.l1}:/etc`, `${d.l1}\\x`, '']) {
      const r = await server.mount({ target: d.m, lowers: [bad], upper: d.u, work: d.w });
      assert.deepEqual(
        r.ok ? r : { what: r.what, errno: r.errno },
        { what: 'path', errno: 22 },
        JSON.stringify(bad),
      );
    }
    const long = Array.from({ length: 60 }, () => `${d.l1}/${'y'.repeat(60)}`);
    const r = await server.mount({ target: d.m, lowers: long, upper: d.u, work: d.w });
    assert.equal(r.ok ? 'ok' : r.what, 'options');
    const missing = await server.mount({ target: d.m, lowers: [join(d.l1, 'nope')], upper: d.u, work: d.w });
    assert.deepEqual(missing.ok ? missing : [missing.what, missing.message], [
      'mount',
      'No such file or directory',
    ]);
    assert.deepEqual(await mountPoints(), before);
    assert.equal(await readFile(join(d.l1, 'f'), 'utf8'), 'low', 'still serving after refusals');
    assert.deepEqual(await server.mount({ target: d.m, lowers: [d.l1], upper: d.u, work: d.w }), {
      ok: true,
      detached: false,
    });
    assert.deepEqual(await server.unmount(d.m), { ok: true, detached: false });
  });

  it('ShimServer.unmount() detaches a busy mount lazily (EBUSY) and reports a path that is not a mount', async () => {
    const d = await layout(join(root, 'busy'));
    assert.deepEqual(await server.mount({ target: d.m, lowers: [d.l2, d.l1], upper: d.u, work: d.w }), {
      ok: true,
      detached: false,
    });
    const fh = await open(join(d.m, 'f'), 'r');
    try {
      assert.deepEqual(await server.unmount(d.m), { ok: true, detached: true });
      assert.ok(!(await mountPoints()).includes(d.m), 'gone from the mount table at once');
      assert.equal(await fh.readFile('utf8'), 'high', 'an open file keeps working');
    } finally {
      await fh.close();
    }
    const r = await server.unmount(d.m);
    assert.deepEqual(r.ok ? r : [r.what, r.errno], ['umount', 22]);
  });

  it('ShimServer.mount() answers 20 concurrent requests, each under its own tag', async () => {
    const all = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const d = await layout(join(root, `many-${i}`));
        await writeFile(join(d.l2, 'id'), String(i));
        return d;
      }),
    );
    const answers = await Promise.all(
      all.map((d, i) =>
        server.mount({ target: d.m, lowers: i % 2 ? [d.l2, d.l1] : [`${d.l1},bad`], upper: d.u, work: d.w }),
      ),
    );
    for (const [i, a] of answers.entries()) assert.equal(a.ok, i % 2 === 1, `request ${i}`);
    for (const [i, d] of all.entries()) {
      if (i % 2) assert.equal(await readFile(join(d.m, 'id'), 'utf8'), String(i));
    }
    await Promise.all(all.filter((_, i) => i % 2).map((d) => server.unmount(d.m)));
    assert.ok(!(await mountPoints()).some((p) => p.startsWith(join(root, 'many-'))));
  });
});

it('ShimServer.mount() rejects NotImplemented when an older shim takes the request for a task directory; start() of a dir named "mount …" sends ./DIR', async () => {
  const { dir, cleanup } = await tempDir('server-old');
  const old = join(dir, 'old-shim');
  // What a shim without mount requests answers: the rest of the line is read as a start dir.
  await writeFile(
    old,
    '#!/bin/sh\nwhile read -r tag rest; do\n  case "$rest" in mount\\ *|unmount\\ *) echo "$tag error spec 22" ;; *) echo "$tag got $rest" ;; esac\ndone\n',
    {
      mode: 0o755,
    },
  );
  const server = new ShimServer(old);
  try {
    await assert.rejects(
      server.mount({ target: '/m', lowers: ['/l'], upper: '/u', work: '/w' }),
      (e: unknown) => isRuntimeError(e, 'NotImplemented'),
    );
    await assert.rejects(server.unmount('/m'), (e: unknown) => isRuntimeError(e, 'NotImplemented'));
    // A start dir named like a request goes out as ./DIR, so no server reads it as a mount.
    assert.equal(await server.start('mount x'), 'got ./mount x');
    assert.equal(await server.start('/d'), 'got /d');
  } finally {
    server.close();
    await cleanup();
  }
});
