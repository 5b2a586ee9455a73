import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { removeCgroupDirs } from './cgroup-fs.ts';
import { CgroupManager, createGroupManager } from './group-manager.ts';
import { readCgroupLayout } from './layout.ts';

const IS_ROOT = process.getuid?.() === 0;

describe('CgroupManager on this host (real kernel)', { skip: !IS_ROOT && 'needs root for cgroups' }, () => {
  let groups: CgroupManager;
  before(async () => {
    const layout = await readCgroupLayout();
    assert.notEqual(layout.kind, 'none');
    if (layout.kind === 'none') return;
    groups = new CgroupManager(layout, { parent: `/hostpod-test-group-${process.pid}`, hostCpus: 2 });
  });
  after(async () => {
    for (const id of await groups.listOrphans([])) await groups.open(id).destroy();
    await removeCgroupDirs([...new Set(Object.values(groups.parents))]);
  });

  it('create() writes the limits into real cgroup files before any process joins', async () => {
    const g = await groups.create('limits', {
      memoryBytes: 64 * 1024 * 1024 + 5,
      cpuLimitMilli: 500,
      cpuRequestMilli: 250,
      pidsMax: 64,
    });
    const read = (p: string): Promise<string> => readFile(p, 'utf8').then((s) => s.trim());
    if (groups.kind === 'v2') {
      const dir = groups.parents.unified as string;
      assert.equal(await read(`${dir}/limits/memory.max`), '67108864');
      assert.equal(await read(`${dir}/limits/cpu.max`), '50000 100000');
    } else {
      assert.equal(await read(`${groups.parents.memory}/limits/memory.limit_in_bytes`), '67108864');
      assert.equal(await read(`${groups.parents.cpu}/limits/cpu.cfs_quota_us`), '50000');
      assert.equal(await read(`${groups.parents.cpu}/limits/cpu.cfs_period_us`), '100000');
      assert.equal(await read(`${groups.parents.cpu}/limits/cpu.shares`), '256');
      assert.equal(await read(`${groups.parents.pids}/limits/pids.max`), '64');
    }
    assert.deepEqual(await g.pids(), []);
    await g.destroy();
    await assert.rejects(stat(`${groups.parents.memory ?? groups.parents.unified}/limits`), {
      code: 'ENOENT',
    });
  });

  it('create() refuses an unsafe id and a duplicate, leaving nothing half-made', async () => {
    for (const bad of ['../x', 'a/b', '.', '', 'x'.repeat(200), '-x']) {
      await assert.rejects(groups.create(bad), (e: unknown) => isRuntimeError(e, 'InvalidArgument'), bad);
    }
    const g = await groups.create('dup');
    await assert.rejects(groups.create('dup'), (e: unknown) => isRuntimeError(e, 'AlreadyExists'));
    await g.destroy();
    await assert.rejects(groups.create('neg', { memoryBytes: -5 }), (e: unknown) =>
      isRuntimeError(e, 'InvalidArgument'),
    );
    assert.deepEqual(await groups.listOrphans([]), []);
  });

  it('kill() removes the whole tree, a setsid double-forked grandchild included; destroy() is idempotent', async () => {
    const g = await groups.create('tree');
    // The shell waits for a line so it is in the job before it forks anything.
    const sh = spawn('/bin/sh', ['-c', 'read go; setsid sh -c "sleep 600 & echo \\$!"; sleep 600'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    for (const f of g.procsFiles) await writeFile(f, String(sh.pid));
    let out = '';
    sh.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    sh.stdin.write('go\n');
    for (let i = 0; i < 1000 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 10));
    const daemon = Number(out.trim());
    assert.ok(daemon > 0);
    const pids = await g.pids();
    assert.ok(pids.includes(sh.pid as number) && pids.includes(daemon), `job has ${pids}`);
    // The shell, the daemon and the shell's own `sleep 600` (forked a moment after the daemon's pid is printed).
    let count = 0;
    for (let i = 0; i < 500 && count < 3; i++) {
      count = (await g.stats()).processCount;
      if (count < 3) await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(count >= 3, `job counts ${count} processes`);
    await g.kill();
    assert.deepEqual(await g.pids(), []);
    // Gone, or a zombie waiting for whichever ancestor it was reparented to.
    const state = await readFile(`/proc/${daemon}/stat`, 'utf8').then(
      (t) => t.slice(t.lastIndexOf(')') + 2)[0],
      () => 'gone',
    );
    assert.ok(state === 'gone' || state === 'Z', `daemon state ${state}`);
    await g.destroy();
    await g.destroy();
    assert.deepEqual(await groups.listOrphans([]), []);
  });

  it('kill() on the plain-v1 variant (no cgroup2) freezes the job and kills a tree that keeps forking', async () => {
    const layout = await readCgroupLayout();
    if (layout.kind !== 'hybrid' || layout.controllers.freezer === undefined) return;
    const v1 = new CgroupManager(
      { kind: 'v1', controllers: layout.controllers },
      { parent: `/hostpod-test-v1-${process.pid}` },
    );
    const g = await v1.create('forky');
    assert.equal(g.killFile, undefined);
    const sh = spawn('/bin/sh', ['-c', 'read go; while :; do sleep 600 & sleep 0.01; done'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    for (const f of g.procsFiles) await writeFile(f, String(sh.pid));
    sh.stdin.write('go\n');
    for (let i = 0; i < 100 && (await g.pids()).length < 5; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok((await g.pids()).length >= 5);
    await g.kill();
    assert.deepEqual(await g.pids(), []);
    await g.destroy();
    assert.deepEqual(await v1.listOrphans([]), []);
    await removeCgroupDirs([...new Set(Object.values(v1.parents))]);
  });

  it('the default parent is outside the cgroup hostpod runs in; the old default is kept for lookups', async () => {
    const layout = await readCgroupLayout();
    if (layout.kind === 'none') return;
    const own = await readFile('/proc/self/cgroup', 'utf8');
    for (const systemd of [false, true]) {
      const mgr: CgroupManager = new CgroupManager(layout, { systemd });
      const top = systemd ? '/hostpod.slice' : '/hostpod';
      const mem = /:memory:(.*)/.exec(own)?.[1];
      if (layout.kind !== 'v2' && mem !== undefined) {
        assert.equal(mgr.parents.memory, join('/sys/fs/cgroup/memory', top));
        // This process's memory cgroup is nested here: the old default differs and is remembered.
        if (mem !== '/')
          assert.equal(mgr.legacyParents.memory, join('/sys/fs/cgroup/memory', mem, 'hostpod'));
      }
      if (layout.kind !== 'v1') assert.equal(mgr.parents.unified, join(layout.unified.mount, top));
    }
  });
});

/** Writes the files a kernel would show in a fresh cgroup directory. */
async function fakeKernelDir(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
}

describe('CgroupManager on a temp dir posing as cgroupfs', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'hostpod-fakecg-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('stats() on v2 reads cpu.stat, memory.current minus inactive_file, memory.events and cgroup.procs', async () => {
    const mount = join(root, 'v2s');
    await fakeKernelDir(join(mount, 'hostpod', 'c2'), {
      'cpu.stat': 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n',
      'memory.current': '10485760\n',
      'memory.stat': 'anon 4096\nfile 8192\ninactive_file 4194304\nactive_file 0\n',
      'memory.events': 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\n',
      'cgroup.procs': '12\n34\n',
    });
    const groups = new CgroupManager({ kind: 'v2', unified: { mount, own: '/' } }, { parent: '/hostpod' });
    assert.deepEqual(await groups.open('c2').stats(), {
      cpuUsageNs: 1_500_000,
      memoryUsageBytes: 10_485_760,
      memoryWorkingSetBytes: 10_485_760 - 4_194_304,
      processCount: 2,
      oomKillCount: 2,
    });
    assert.deepEqual(await groups.listOrphans(['other']), ['c2']);
    assert.deepEqual(await groups.listOrphans(['c2']), []);
  });

  it('create() on plain v1 writes limit_in_bytes, cfs quota/period and shares; membership is the memory cgroup.procs', async () => {
    const base = join(root, 'v1');
    const h = (c: string) => ({ mount: join(base, c), own: '/' });
    for (const c of ['memory', 'cpu,cpuacct', 'pids', 'freezer'])
      await mkdir(join(base, c), { recursive: true });
    const groups = new CgroupManager(
      {
        kind: 'v1',
        controllers: {
          memory: h('memory'),
          cpu: h('cpu,cpuacct'),
          cpuacct: h('cpu,cpuacct'),
          pids: h('pids'),
          freezer: h('freezer'),
        },
      },
      { parent: '/hp', hostCpus: 2 },
    );
    const g = await groups.create('c3', {
      memoryBytes: 64 * 1024 * 1024,
      cpuLimitMilli: 500,
      cpuRequestMilli: 250,
    });
    const read = (c: string, f: string): Promise<string> => readFile(join(base, c, 'hp', 'c3', f), 'utf8');
    assert.equal(await read('memory', 'memory.limit_in_bytes'), '67108864');
    assert.equal(await read('cpu,cpuacct', 'cpu.cfs_period_us'), '100000');
    assert.equal(await read('cpu,cpuacct', 'cpu.cfs_quota_us'), '50000');
    assert.equal(await read('cpu,cpuacct', 'cpu.shares'), '256');
    assert.equal(g.kind, 'v1');
    assert.equal(g.killFile, undefined, 'plain v1 has no cgroup.kill: the freezer is used');
    assert.deepEqual(
      g.procsFiles,
      ['memory', 'cpu,cpuacct', 'pids', 'freezer'].map((c) => join(base, c, 'hp', 'c3', 'cgroup.procs')),
    );
    await writeFile(join(base, 'memory', 'hp', 'c3', 'memory.usage_in_bytes'), '2097152\n');
    await writeFile(
      join(base, 'memory', 'hp', 'c3', 'memory.stat'),
      'cache 0\ntotal_inactive_file 1048576\n',
    );
    await writeFile(
      join(base, 'memory', 'hp', 'c3', 'memory.oom_control'),
      'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n',
    );
    await writeFile(join(base, 'cpu,cpuacct', 'hp', 'c3', 'cpuacct.usage'), '123456789\n');
    await writeFile(join(base, 'memory', 'hp', 'c3', 'cgroup.procs'), '');
    assert.deepEqual(await g.stats(), {
      cpuUsageNs: 123_456_789,
      memoryUsageBytes: 2_097_152,
      memoryWorkingSetBytes: 1_048_576,
      processCount: 0,
      oomKillCount: 1,
    });
  });

  it('create() on v1 without a pids controller refuses a pids limit and rolls back its directories', async () => {
    const base = join(root, 'v1b');
    await mkdir(join(base, 'memory'), { recursive: true });
    const groups = new CgroupManager(
      { kind: 'v1', controllers: { memory: { mount: join(base, 'memory'), own: '/' } } },
      { parent: '/hp' },
    );
    await assert.rejects(groups.create('c4', { pidsMax: 5 }), (e: unknown) =>
      isRuntimeError(e, 'FailedPrecondition'),
    );
    await assert.rejects(stat(join(base, 'memory', 'hp', 'c4')), { code: 'ENOENT' });
  });

  it('createGroupManager() falls back to the process tree, with a warning, where cgroups may not be created', async () => {
    // The kernel refuses mkdir in /sys/kernel even to root: a stand-in for an unprivileged user.
    const layout = { kind: 'v2' as const, unified: { mount: '/sys/kernel', own: '/' } };
    const groups = await createGroupManager({ layout });
    assert.equal(groups.kind, 'none');
    assert.match(groups.warning ?? '', /may not create cgroups.*limits are off/s);
    await assert.rejects(createGroupManager({ layout, fallback: false }), (e: unknown) =>
      isRuntimeError(e, 'PermissionDenied'),
    );
    const real = await createGroupManager({ layout: { kind: 'v2', unified: { mount: root, own: '/' } } });
    assert.equal(real.kind, 'v2');
    assert.equal(real.warning, undefined);
  });

  it('CgroupManager refuses a parent that is relative or climbs out', async () => {
    const layout = { kind: 'v2' as const, unified: { mount: root, own: '/' } };
    assert.throws(
      () => new CgroupManager(layout, { parent: 'hostpod' }),
      (e: unknown) => isRuntimeError(e, 'InvalidArgument'),
    );
    assert.throws(
      () => new CgroupManager(layout, { parent: '/a/../../etc' }),
      (e: unknown) => isRuntimeError(e, 'InvalidArgument'),
    );
  });
});
