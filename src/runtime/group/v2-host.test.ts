import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { removeCgroupDirs } from './cgroup-fs.ts';
import { CgroupManager, createGroupManager } from './group-manager.ts';
import { FakeCgroup2 } from './testing/fake-cgroup2.ts';

const IS_ROOT = process.getuid?.() === 0;
const UNIFIED = '/sys/fs/cgroup/unified';
const tmp = await mkdtemp(join(tmpdir(), 'hostpod-v2host-'));
after(() => rm(tmp, { recursive: true, force: true }));

const DAEMON_PID = 500;
let hosts = 0;

/**
 * A v2-only host as systemd lays it out: controllers enabled from the root down to
 * `system.slice`, the daemon's main process in `system.slice/hostpod.service` (Delegate=yes).
 */
function systemdHost(): { fake: FakeCgroup2; unit: string } {
  const fake = new FakeCgroup2(join(tmp, `host${++hosts}`));
  const { fs, mount } = fake;
  fs.write(join(mount, 'cgroup.subtree_control'), '+cpu +io +memory +pids');
  for (const d of ['init.scope', 'system.slice', 'user.slice']) fs.mkdir(join(mount, d));
  fake.addProcess(join(mount, 'init.scope'), 1);
  fs.write(join(mount, 'system.slice', 'cgroup.subtree_control'), '+cpu +memory +pids');
  const unit = join(mount, 'system.slice', 'hostpod.service');
  fs.mkdir(unit);
  fake.addProcess(unit, DAEMON_PID);
  return { fake, unit };
}

const read = (f: string) => readFileSync(f, 'utf8').trim();

describe("jobs on a cgroup v2-only host with systemd (temp dir with the kernel's rules)", () => {
  it("createGroupManager() puts jobs in /hostpod.slice, outside the daemon's cgroup, with memory, cpu and pids", async () => {
    const { fake, unit } = systemdHost();
    const layout = {
      kind: 'v2' as const,
      unified: { mount: fake.mount, own: '/system.slice/hostpod.service' },
    };
    const groups = await createGroupManager({
      layout,
      systemd: true,
      fs: fake.fs,
      instance: 'abc',
      hostCpus: 4,
    });
    assert.equal(groups.kind, 'v2');
    assert.equal(groups.warning, undefined);
    const parent = join(fake.mount, 'hostpod.slice');
    assert.equal((groups as CgroupManager).parents.unified, parent);
    assert.equal(read(join(parent, 'cgroup.subtree_control')), 'cpu memory pids');

    const g = await groups.create('c1', {
      memoryBytes: 64 * 1024 * 1024,
      cpuLimitMilli: 1500,
      cpuRequestMilli: 1000,
      pidsMax: 10,
    });
    const job = join(parent, 'abc-c1');
    assert.equal(read(join(job, 'memory.max')), String(64 * 1024 * 1024));
    assert.equal(read(join(job, 'cpu.max')), '150000 100000');
    assert.equal(read(join(job, 'cpu.weight')), '39');
    assert.equal(read(join(job, 'pids.max')), '10');
    assert.deepEqual(g.procsFiles, [join(job, 'cgroup.procs')]);
    // What the shim does: the container's first process joins the job (a leaf: allowed).
    fake.addProcess(job, 600);
    assert.deepEqual(await g.pids(), [600]);
    // The daemon's own cgroup is untouched: still its process, no child, no controller given away.
    assert.deepEqual(fake.procs(unit), [DAEMON_PID]);
    assert.deepEqual(fake.fs.subdirs(unit), []);
    assert.equal(read(join(unit, 'cgroup.subtree_control')), '');
    await g.destroy();
    assert.equal(existsSync(job), false);
  });

  it('the default parent without systemd is /hostpod', async () => {
    const { fake } = systemdHost();
    const layout = {
      kind: 'v2' as const,
      unified: { mount: fake.mount, own: '/system.slice/hostpod.service' },
    };
    const groups = new CgroupManager(layout, { systemd: false, fs: fake.fs });
    await groups.create('c2', { memoryBytes: 8 * 1024 * 1024 });
    assert.equal(read(join(fake.mount, 'hostpod', 'c2', 'memory.max')), String(8 * 1024 * 1024));
  });

  it('a parent under a cgroup with processes (the old default) gets no controllers: no-limit jobs run, a limit is refused naming the cgroup', async () => {
    const { fake, unit } = systemdHost();
    const layout = {
      kind: 'v2' as const,
      unified: { mount: fake.mount, own: '/system.slice/hostpod.service' },
    };
    const groups = new CgroupManager(layout, {
      parent: '/system.slice/hostpod.service/hostpod',
      fs: fake.fs,
    });
    await groups.prepare();
    assert.match(
      groups.warning ?? '',
      new RegExp(`limits \\(memory, cpu, pids\\) are off .*: ${unit} holds processes \\(${DAEMON_PID}\\)`),
    );
    const g = await groups.create('plain');
    fake.addProcess(join(unit, 'hostpod', 'plain'), 601);
    assert.deepEqual(await g.pids(), [601]);
    await assert.rejects(groups.create('limited', { memoryBytes: 64 * 1024 * 1024 }), (e: unknown) => {
      assert.ok(isRuntimeError(e, 'FailedPrecondition'));
      assert.match(e.message, /memory controller is not enabled .* holds processes/);
      assert.match(e.hint ?? '', /outside any cgroup that holds processes/);
      return true;
    });
    assert.equal(existsSync(join(unit, 'hostpod', 'limited')), false);
    // The daemon was never moved: the kernel's rule is obeyed, not worked around.
    assert.deepEqual(fake.procs(unit), [DAEMON_PID]);
  });

  it("open() re-adopts a job made under the old default; listOrphans() lists only this instance's", async () => {
    const { fake, unit } = systemdHost();
    const old = join(unit, 'hostpod');
    fake.fs.mkdir(old);
    for (const [name, pid] of [
      ['abc-c9', 700],
      ['c8', 701],
      ['zzz-c7', 702],
    ] as const) {
      fake.fs.mkdir(join(old, name));
      fake.addProcess(join(old, name), pid);
    }
    const layout = {
      kind: 'v2' as const,
      unified: { mount: fake.mount, own: '/system.slice/hostpod.service' },
    };
    const groups = new CgroupManager(layout, { systemd: true, fs: fake.fs, instance: 'abc' });
    await groups.prepare();
    assert.deepEqual(await groups.open('c9').pids(), [700]);
    assert.deepEqual(await groups.open('c8').pids(), [701], 'named by the id alone (older still)');
    assert.deepEqual(await groups.listOrphans([]), ['c9']);
    assert.deepEqual(await groups.listOrphans(['c9']), []);
    await groups.open('c9').destroy();
    assert.equal(existsSync(join(old, 'abc-c9')), false);
    assert.deepEqual(fake.procs(join(old, 'zzz-c7')), [702], "another instance's job is left alone");
    // A new job goes to the new parent, never the old one.
    await groups.create('c10');
    assert.equal(existsSync(join(fake.mount, 'hostpod.slice', 'abc-c10')), true);
  });
});

describe("jobs on the kernel's unified hierarchy", {
  skip:
    (!IS_ROOT || !existsSync(join(UNIFIED, 'cgroup.procs'))) &&
    'needs root and cgroup2 at /sys/fs/cgroup/unified',
}, () => {
  it('membership and cgroup.kill: a setsid double-forked grandchild is in the job and killed with it', async () => {
    const groups = new CgroupManager(
      { kind: 'v2', unified: { mount: UNIFIED, own: '/' } },
      { parent: `/hostpod-test-v2-${process.pid}` },
    );
    try {
      const g = await groups.create('tree');
      assert.equal(g.killFile, join(UNIFIED, `hostpod-test-v2-${process.pid}`, 'tree', 'cgroup.kill'));
      const sh = spawn('/bin/sh', ['-c', 'read go; setsid sh -c "sleep 600 & echo \\$!"; sleep 600'], {
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      await once(sh, 'spawn');
      for (const f of g.procsFiles) writeFileSync(f, String(sh.pid));
      let out = '';
      sh.stdout.setEncoding('utf8').on('data', (s: string) => {
        out += s;
      });
      sh.stdin.write('go\n');
      for (let i = 0; i < 1000 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 10));
      const grandchild = Number(out.trim());
      const pids = await g.pids();
      assert.ok(pids.includes(sh.pid as number) && pids.includes(grandchild), `job has ${pids}`);
      await g.kill();
      assert.deepEqual(await g.pids(), []);
      await g.destroy();
      // This hierarchy offers no memory controller here: a limit is refused before anything is made.
      await assert.rejects(groups.create('lim', { memoryBytes: 64 * 1024 * 1024 }), (e: unknown) =>
        isRuntimeError(e, 'FailedPrecondition'),
      );
      assert.deepEqual(await groups.listOrphans([]), []);
    } finally {
      for (const id of await groups.listOrphans([])) await groups.open(id).destroy();
      await removeCgroupDirs([...new Set(Object.values(groups.parents))]);
    }
  });
});
