import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { instanceId } from '../../lib/instance-id.ts';
import { isAlive, processIdentity } from '../../lib/process-identity.ts';
import { removeCgroupDirs } from './cgroup-fs.ts';
import { CgroupManager } from './group-manager.ts';
import { readCgroupLayout } from './layout.ts';
import { NoCgroupManager } from './no-cgroup.ts';

const IS_ROOT = process.getuid?.() === 0;
const tmp = await mkdtemp(join(tmpdir(), 'hostpod-instances-'));
after(() => rm(tmp, { recursive: true, force: true }));

describe('jobs of two instances under one cgroup parent', () => {
  it("listOrphans() of one instance never lists the other's jobs nor old-style ones; open() finds an old-style job", async () => {
    const mount = join(tmp, 'v2');
    await mkdir(mount, { recursive: true });
    const layout = { kind: 'v2' as const, unified: { mount, own: '/' } };
    const a = new CgroupManager(layout, { parent: '/hostpod', instance: instanceId('/var/lib/a') });
    const b = new CgroupManager(layout, { parent: '/hostpod', instance: instanceId('/var/lib/b') });
    await a.create('c1');
    await a.create('c2');
    await b.create('c3');
    // A job made by an older hostpod: named by the container id alone.
    await mkdir(join(mount, 'hostpod', 'cold'));
    assert.deepEqual(await a.listOrphans([]), ['c1', 'c2']);
    assert.deepEqual(await a.listOrphans(['c2']), ['c1']);
    assert.deepEqual(await b.listOrphans([]), ['c3']);
    assert.equal(a.open('c1').procsFiles[0], join(mount, 'hostpod', `${a.instance}-c1`, 'cgroup.procs'));
    assert.equal(a.open('cold').procsFiles[0], join(mount, 'hostpod', 'cold', 'cgroup.procs'));
    assert.equal(a.open('cold').id, 'cold');
    // Without an instance a manager owns its whole parent (tests, tools).
    const all = new CgroupManager(layout, { parent: '/hostpod' });
    assert.deepEqual(
      await all.listOrphans([]),
      [`${a.instance}-c1`, `${a.instance}-c2`, `${b.instance}-c3`, 'cold'].sort(),
    );
  });

  it("cleaning up one instance on the real kernel leaves the other instance's running job alone", {
    skip: !IS_ROOT && 'needs root for cgroups',
  }, async () => {
    const layout = await readCgroupLayout();
    if (layout.kind === 'none') return;
    const parent = `/hostpod-test-instances-${process.pid}`;
    const daemon = new CgroupManager(layout, { parent, instance: instanceId('/tmp/daemon-root') });
    const run = new CgroupManager(layout, { parent, instance: instanceId('/tmp/run-root') });
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await once(child, 'spawn');
      const g = await daemon.create('cdaemon');
      const { writeFileSync } = await import('node:fs');
      for (const f of g.procsFiles) writeFileSync(f, String(child.pid));
      await run.create('crun');
      // What the crash cleanup of `hostpod run` does with its own root's manager.
      for (const id of await run.listOrphans([])) await run.open(id).destroy();
      assert.deepEqual(await g.pids(), [child.pid]);
      assert.equal(child.exitCode, null);
      assert.deepEqual(await run.listOrphans([]), []);
    } finally {
      child.kill('SIGKILL');
      for (const id of await daemon.listOrphans([])) await daemon.open(id).destroy();
      await removeCgroupDirs([...new Set(Object.values(daemon.parents))]);
    }
  });
});

describe('containers started under the old default parent, after an upgrade', () => {
  it("open() finds a running job nested in the old daemon's cgroup on the real kernel and kills it", {
    skip: !IS_ROOT && 'needs root for cgroups',
  }, async () => {
    const real = await readCgroupLayout();
    if (real.kind === 'none') return;
    // This test's own cgroup poses as the cgroup the old daemon ran in.
    const own = `/hostpod-test-own-${process.pid}`;
    const layout =
      real.kind === 'v2'
        ? { ...real, unified: { ...real.unified, own } }
        : {
            ...real,
            ...(real.kind === 'hybrid' ? { unified: { ...real.unified, own } } : {}),
            controllers: Object.fromEntries(
              Object.entries(real.controllers).map(([c, h]) => [c, { ...h, own }]),
            ),
          };
    const instance = instanceId('/tmp/upgrade-root');
    // What the old default was: `hostpod` under the daemon's own cgroup.
    const before = new CgroupManager(layout, { parent: `${own}/hostpod`, instance });
    const after = new CgroupManager(layout, { parent: `/hostpod-test-new-${process.pid}`, instance });
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await once(child, 'spawn');
      const g = await before.create('cold');
      const { writeFileSync } = await import('node:fs');
      for (const f of g.procsFiles) writeFileSync(f, String(child.pid));
      const found = after.open('cold');
      assert.deepEqual(found.procsFiles, g.procsFiles);
      assert.deepEqual(await found.pids(), [child.pid]);
      assert.deepEqual(await after.listOrphans([]), ['cold']);
      assert.deepEqual(await after.listOrphans(['cold']), []);
      const exited = once(child, 'exit');
      await found.destroy();
      await exited;
      assert.deepEqual(await after.listOrphans([]), []);
    } finally {
      child.kill('SIGKILL');
      for (const id of await before.listOrphans([])) await before.open(id).destroy();
      const dirs = [
        ...Object.values(before.parents),
        ...Object.values(after.parents),
        ...Object.values(before.parents).map((d) => d.slice(0, -'/hostpod'.length)),
      ];
      await removeCgroupDirs([...new Set(dirs)]);
    }
  });
});

describe('NoCgroupGroup (no cgroups): the shim named by pid and start time', () => {
  it('a stale shim pid (now another process, or the same pid started later) signals nothing', async () => {
    // A process named like the shim with a child: the job's tree.
    const fake = join(tmp, 'hostpod-shim');
    await copyFile('/bin/sh', fake);
    await chmod(fake, 0o755);
    const shim = spawn(fake, ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
    const other = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
    try {
      await Promise.all([once(shim, 'spawn'), once(other, 'spawn')]);
      const groups = new NoCgroupManager('test');
      const real = (await processIdentity(shim.pid!))!;
      let pids: number[] = [];
      for (let i = 0; i < 100 && pids.length === 0; i++) {
        pids = await groups.open('j', { shimPid: real.pid, shimStartTime: real.startTime }).pids();
        if (pids.length === 0) await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(pids.length, 1, "the live shim's child is the job");

      // The same pid, but a start time of a process that has ended: nothing is the job.
      const stale = groups.open('j', { shimPid: real.pid, shimStartTime: `${real.startTime}0` });
      assert.deepEqual(await stale.pids(), []);
      assert.equal(await stale.signalAll('SIGKILL'), 0);
      await stale.kill();
      // Another process holding a recorded shim pid (not a shim): nothing either.
      const otherId = (await processIdentity(other.pid!))!;
      const reused = groups.open('j', { shimPid: otherId.pid, shimStartTime: otherId.startTime });
      assert.deepEqual(await reused.pids(), []);
      await reused.destroy();
      assert.equal(await isAlive(otherId), true);
      assert.equal(await isAlive(real), true);
      assert.equal(other.exitCode, null);
    } finally {
      shim.kill('SIGKILL');
      other.kill('SIGKILL');
    }
  });
});
