import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isRuntimeError } from '../../errors.ts';
import type { CgroupManager } from '../group/group-manager.ts';
import { NoCgroupManager } from '../group/no-cgroup.ts';
import { readExit } from './exit-record.ts';
import { shimPath } from './shim.ts';
import { openTask, startTask } from './start-task.ts';
import { stopTask } from './stop-task.ts';
import {
  alive,
  eventually,
  IS_ROOT,
  MEMHOG,
  readLog,
  shSpec,
  tempDir,
  testGroups,
} from './testing/fixtures.ts';
import { waitTask } from './wait-task.ts';

let groups: CgroupManager;
let cleanupGroups: () => Promise<void>;
let root: string;
let cleanupDir: () => Promise<void>;
let n = 0;
const next = (): { id: string; dir: string } => {
  n++;
  return { id: `t${n}`, dir: join(root, `t${n}`) };
};

describe('task lifecycle (real processes, real cgroups)', {
  skip: !IS_ROOT && 'needs root for cgroups',
}, () => {
  before(async () => {
    ({ groups, cleanup: cleanupGroups } = await testGroups('task'));
    ({ dir: root, cleanup: cleanupDir } = await tempDir('task'));
  });
  after(async () => {
    await cleanupGroups();
    await cleanupDir();
  });

  it('startTask() runs the program inside the job and logs stdout/stderr in the CRI format', async () => {
    const { id, dir } = next();
    const group = await groups.create(id);
    const task = await startTask(
      shSpec(dir, 'echo out; echo err >&2; cat /proc/self/cgroup; printf "no newline"'),
      {
        group,
        dir,
      },
    );
    const exit = await waitTask(dir);
    assert.equal(exit.exitCode, 0);
    assert.equal(exit.signal, undefined);
    assert.equal(exit.initPid, task.initPid);
    const log = await readLog(join(dir, 'log'));
    for (const l of log) assert.match(l.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const plain = log.filter((l) => !/^\d+:/.test(l.text)).map((l) => `${l.stream} ${l.tag} ${l.text}`);
    assert.deepEqual(plain, ['stdout F out', 'stderr F err', 'stdout F no newline']);
    const cgroups = log.map((l) => l.text).join('\n');
    assert.match(cgroups, new RegExp(`:memory:.*/hostpod-test-task-${process.pid}/${id}\\b`));
    assert.match(cgroups, new RegExp(`0::/hostpod-test-task-${process.pid}/${id}\\b`));
    assert.deepEqual(await group.pids(), []);
    await group.destroy();
  });

  it('startTask() keeps a line longer than 16 KiB as P chunks then F, bytes (CR, NUL, invalid UTF-8) unchanged', async () => {
    const { id, dir } = next();
    const group = await groups.create(id);
    await startTask(
      shSpec(dir, 'head -c 40000 /dev/zero | tr "\\0" x; echo; printf "caf\\303\\251\\r\\n\\377\\000x\\n"'),
      {
        group,
        dir,
      },
    );
    await waitTask(dir);
    const log = await readLog(join(dir, 'log'));
    assert.deepEqual(
      log.map((l) => `${l.tag}${l.text.length}`),
      ['P16384', 'P16384', `F${40000 - 2 * 16384}`, 'F5', 'F3'],
    );
    assert.equal(log[3]?.text, 'café\r');
    const raw = await readFile(join(dir, 'log'));
    assert.ok(
      raw.includes(Buffer.from(' stdout F \xff\x00x\n', 'latin1')),
      'invalid UTF-8 and NUL bytes kept',
    );
    await group.destroy();
  });

  it('startTask() fails with TaskStartError naming the step when the program is missing or cwd is bad', async () => {
    const { id, dir } = next();
    const group = await groups.create(id);
    await assert.rejects(
      startTask({ ...shSpec(dir, ''), argv: ['/nonexistent/prog'] }, { group, dir }),
      (e: unknown) => isRuntimeError(e, 'NotFound') && /executing the program failed: ENOENT/.test(e.message),
    );
    await assert.rejects(
      startTask(shSpec(dir, 'true', { cwd: '/nonexistent-dir' }), { group, dir }),
      (e: unknown) => isRuntimeError(e, 'NotFound') && /working directory failed: ENOENT/.test(e.message),
    );
    assert.deepEqual(await group.pids(), [], 'nothing left running in the job');
    await group.destroy();
  });

  it('encodeLaunchSpec() via startTask() refuses a relative program and NUL bytes before any side effect', async () => {
    const { id, dir } = next();
    const group = await groups.create(id);
    await assert.rejects(startTask({ ...shSpec(dir, ''), argv: ['sh'] }, { group, dir }), (e: unknown) =>
      isRuntimeError(e, 'InvalidArgument'),
    );
    await assert.rejects(startTask(shSpec(dir, 'echo a\0b'), { group, dir }), (e: unknown) =>
      isRuntimeError(e, 'InvalidArgument'),
    );
    await assert.rejects(stat(join(dir, 'spec')), { code: 'ENOENT' });
    await group.destroy();
  });

  it('startTask() gives the program only stdin, stdout and stderr: an fd the caller leaked does not reach it', async () => {
    const wrapper = join(root, 'leaky-shim');
    await writeFile(wrapper, `#!/bin/sh\nexec 7</etc/hostname\nexec ${shimPath()} "$@"\n`, { mode: 0o755 });
    for (const launch of ['spawn', 'server'] as const) {
      const { id, dir } = next();
      const group = await groups.create(id);
      await startTask(shSpec(dir, 'ls /proc/self/fd'), { group, dir, shim: wrapper, launch });
      await waitTask(dir);
      // ls itself holds one more fd for the directory it reads.
      const fds = (await readLog(join(dir, 'log'))).map((l) => l.text).filter((f) => f !== '3');
      assert.deepEqual(fds, ['0', '1', '2'], launch);
      await group.destroy();
    }
  });

  it('startTask() from a real-time caller: the program joins the cpu cgroup and runs SCHED_OTHER', async () => {
    const wrapper = join(root, 'rt-shim');
    await writeFile(wrapper, `#!/bin/sh\nexec chrt -f 10 ${shimPath()} "$@"\n`, { mode: 0o755 });
    const { id, dir } = next();
    const group = await groups.create(id, { cpuLimitMilli: 500 });
    await startTask(shSpec(dir, 'chrt -p $$'), { group, dir, shim: wrapper, launch: 'spawn' });
    assert.equal((await waitTask(dir)).exitCode, 0);
    assert.match((await readLog(join(dir, 'log')))[0]?.text ?? '', /scheduling policy: SCHED_OTHER/);
    await group.destroy();
  });

  it('startTask() runs as the given user and groups', async () => {
    const { id, dir } = next();
    const group = await groups.create(id);
    await startTask(
      shSpec(dir, 'id -u; id -g; id -G', { user: { uid: 65534, gid: 65534, groups: [65534, 4] } }),
      {
        group,
        dir,
      },
    );
    assert.equal((await waitTask(dir)).exitCode, 0);
    const lines = (await readLog(join(dir, 'log'))).map((l) => l.text);
    assert.deepEqual(lines.slice(0, 2), ['65534', '65534']);
    assert.deepEqual(lines[2]?.split(' ').sort(), ['4', '65534']);
    await group.destroy();
  });

  it('startTask() with a mount plan binds read-only inside a private namespace that the host never sees', async () => {
    const { id, dir } = next();
    const group = await groups.create(id);
    const target = join(dir, 'hpc');
    await startTask(
      shSpec(
        dir,
        `cat ${target}/hostname; touch ${target}/x 2>/dev/null || echo read-only; grep -c " ${target} " /proc/self/mountinfo`,
        {
          mounts: [{ source: '/etc', destination: target, readOnly: true }],
        },
      ),
      { group, dir },
    );
    assert.equal((await waitTask(dir)).exitCode, 0);
    const lines = (await readLog(join(dir, 'log'))).map((l) => l.text);
    assert.equal(lines[0], (await readFile('/etc/hostname', 'utf8')).trim());
    assert.deepEqual(lines.slice(1), ['read-only', '1']);
    assert.doesNotMatch(await readFile('/proc/self/mountinfo', 'utf8'), new RegExp(` ${target} `));
    await group.destroy();
  });

  it('waitTask() gives exit 3 of the first process; a child ignoring SIGTERM is SIGKILLed after 5 s', async () => {
    const { id, dir } = next();
    const group = await groups.create(id);
    const t0 = Date.now();
    await startTask(
      shSpec(dir, '(trap "echo child got TERM" TERM; while :; do sleep 0.05; done) & sleep 0.3; exit 3'),
      {
        group,
        dir,
      },
    );
    const exit = await waitTask(dir);
    const took = Date.now() - t0;
    assert.equal(exit.exitCode, 3);
    assert.equal(exit.killed, true, 'the rest of the job needed SIGKILL');
    assert.ok(took >= 5000 && took < 8000, `the job ended ${took} ms after start`);
    assert.ok((await readLog(join(dir, 'log'))).some((l) => l.text === 'child got TERM'));
    assert.deepEqual(await group.pids(), []);
    await group.destroy();
  });

  it('waitTask() after init exits: a child that honours SIGTERM ends at once, not after the grace', async () => {
    const { id, dir } = next();
    const group = await groups.create(id);
    const t0 = Date.now();
    await startTask(shSpec(dir, 'sleep 600 & sleep 0.1; exit 0'), { group, dir });
    const exit = await waitTask(dir);
    assert.equal(exit.exitCode, 0);
    assert.equal(exit.killed, false);
    assert.ok(Date.now() - t0 < 3000);
    await group.destroy();
  });

  it('stopTask() kills a setsid double-forked daemon with the rest of the job', async () => {
    const { id, dir } = next();
    const group = await groups.create(id);
    await startTask(shSpec(dir, `setsid sh -c 'sleep 600 & echo $! > ${dir}/daemon.pid' ; sleep 600`), {
      group,
      dir,
    });
    const daemon = await eventually(
      () => readFile(join(dir, 'daemon.pid'), 'utf8').catch(() => ''),
      (s) => s.trim() !== '',
    );
    const pid = Number(daemon);
    assert.ok(await alive(pid), 'the daemon runs');
    const exit = await stopTask({ dir, group }, 1000);
    assert.equal(exit.signal, 'SIGTERM');
    assert.equal(exit.exitCode, 128 + 15);
    assert.equal(await alive(pid), false, 'the daemon is gone');
    await group.destroy();
  });

  it('stopTask() SIGKILLs a process ignoring SIGTERM at the grace period (137); a second stop is harmless', async () => {
    const { id, dir } = next();
    const group = await groups.create(id);
    await startTask(shSpec(dir, 'trap "" TERM; echo ready; while :; do sleep 0.05; done'), { group, dir });
    await eventually(
      () => readLog(join(dir, 'log')),
      (l) => l.length > 0,
    );
    const t0 = Date.now();
    const exit = await stopTask({ dir, group }, 700);
    const took = Date.now() - t0;
    assert.equal(exit.exitCode, 137);
    assert.equal(exit.signal, 'SIGKILL');
    assert.ok(took >= 650 && took < 3000, `stopped after ${took} ms`);
    assert.deepEqual(await stopTask({ dir, group }, 700), exit);
    await group.destroy();
    await group.destroy();
  });

  it('stats() of a busy task report CPU time, working set and processes', async () => {
    const { id, dir } = next();
    const group = await groups.create(id);
    await startTask(
      shSpec(dir, `${MEMHOG} 8 & i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 600`),
      {
        group,
        dir,
      },
    );
    const s = await eventually(
      () => group.stats(),
      (v) => v.cpuUsageNs > 50_000_000 && v.memoryWorkingSetBytes > 8 * 1024 * 1024,
    );
    assert.ok(s.cpuUsageNs > 50_000_000, `cpu ${s.cpuUsageNs} ns`);
    assert.ok(s.memoryWorkingSetBytes > 8 * 1024 * 1024, `working set ${s.memoryWorkingSetBytes}`);
    assert.ok(s.memoryUsageBytes >= s.memoryWorkingSetBytes);
    assert.ok(s.processCount >= 2);
    assert.equal(s.oomKillCount, 0);
    await stopTask({ dir, group }, 500);
    await group.destroy();
  });

  it('stats() counts an OOM kill: a 64Mi job cannot hold two 40 MiB processes; 256Mi holds both', async () => {
    const run = async (memoryBytes: number): Promise<{ held: number; oom: number }> => {
      const { id, dir } = next();
      const group = await groups.create(id, { memoryBytes });
      await startTask(shSpec(dir, `${MEMHOG} 40 & ${MEMHOG} 40 & wait; wait; sleep 600`), { group, dir });
      const held = async (): Promise<number> =>
        (await readLog(join(dir, 'log'))).filter((l) => l.text === 'held 40').length;
      const done = await eventually(
        async () => ({ held: await held(), oom: (await group.stats()).oomKillCount }),
        (v) => v.held === 2 || v.oom > 0,
      );
      await stopTask({ dir, group }, 200);
      await group.destroy();
      return done;
    };
    const small = await run(64 * 1024 * 1024);
    assert.ok(small.oom >= 1, 'an OOM kill is counted');
    assert.ok(small.held < 2);
    const big = await run(256 * 1024 * 1024);
    assert.deepEqual(big, { held: 2, oom: 0 });
  });

  it('startTask() leaves a shim that outlives a SIGKILLed caller: output keeps reaching the log; openTask() + stopTask() from another process', async () => {
    const { id, dir } = next();
    const script = `
      import { startTask } from ${JSON.stringify(fileURLToPath(new URL('./start-task.ts', import.meta.url)))};
      import { CgroupManager } from ${JSON.stringify(fileURLToPath(new URL('../group/group-manager.ts', import.meta.url)))};
      import { readCgroupLayout } from ${JSON.stringify(fileURLToPath(new URL('../group/layout.ts', import.meta.url)))};
      const groups = new CgroupManager(await readCgroupLayout(), ${JSON.stringify({ parent: `/hostpod-test-task-${process.pid}` })});
      const group = await groups.create(${JSON.stringify(id)});
      const t = await startTask({ argv: ['/bin/sh', '-c', 'i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.05; done'],
        env: ['PATH=/usr/bin:/bin'], cwd: '/', logPath: ${JSON.stringify(join(dir, 'log'))} }, { group, dir: ${JSON.stringify(dir)} });
      console.log(JSON.stringify({ initPid: t.initPid, shimPid: t.shimPid }));
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    await eventually(
      async () => out,
      (s) => s.includes('\n'),
      20_000,
    );
    const started = JSON.parse(out) as { initPid: number; shimPid: number };
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    const before = (await readLog(join(dir, 'log'))).length;
    await new Promise((r) => setTimeout(r, 400));
    assert.ok((await readLog(join(dir, 'log'))).length > before + 3, 'output keeps reaching the log');
    assert.ok(await alive(started.initPid));
    const task = await openTask(dir, groups, id);
    assert.equal(task.shimPid, started.shimPid);
    assert.equal(task.initPid, started.initPid);
    assert.match(task.startedAt, /^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    const exit = await stopTask(task, 1000);
    assert.equal(exit.exitCode, 128 + 15);
    try {
      // The shim ends right after writing the exit record: give it that moment.
      assert.equal(
        await eventually(
          () => alive(started.shimPid),
          (a) => !a,
          5000,
        ),
        false,
      );
    } finally {
      await task.group.destroy();
    }
  });

  it('startTask() shim reopens its log on SIGUSR1, so a log renamed away (rotated) is followed by a fresh one', async () => {
    const { id, dir } = next();
    const group = await groups.create(id);
    const task = await startTask(shSpec(dir, 'i=0; while :; do i=$((i+1)); echo line $i; sleep 0.02; done'), {
      group,
      dir,
    });
    const log = join(dir, 'log');
    await eventually(
      () => readLog(log),
      (l) => l.length >= 2,
    );
    await rename(log, `${log}.1`);
    process.kill(task.shimPid, 'SIGUSR1');
    const fresh = await eventually(
      () => readLog(log),
      (l) => l.length >= 2,
    );
    await stopTask(task, 500);
    const old = await readLog(`${log}.1`);
    const last = Number(old.at(-1)?.text.split(' ')[1]);
    const first = Number(fresh[0]?.text.split(' ')[1]);
    assert.ok(first > last, `the new log goes on where the old one stopped (${last} → ${first})`);
    await group.destroy();
  });

  it('waitTask() rejects DataLoss when the shim is killed before the task ends', async () => {
    const { id, dir } = next();
    const group = await groups.create(id);
    const task = await startTask(shSpec(dir, 'sleep 600'), { group, dir });
    process.kill(task.shimPid, 'SIGKILL');
    await assert.rejects(waitTask(dir, { pollMs: 50 }), (e: unknown) => isRuntimeError(e, 'DataLoss'));
    assert.equal(await readExit(dir), undefined);
    await group.destroy();
    assert.equal(await alive(task.initPid), false, 'destroy killed what the lost shim left');
  });

  it('listOrphans() finds the job a SIGKILLed caller left behind; destroy() kills its process and removes it', async () => {
    const { id, dir } = next();
    const parent = `/hostpod-test-task-${process.pid}`;
    const script = `
      import { startTask } from ${JSON.stringify(fileURLToPath(new URL('./start-task.ts', import.meta.url)))};
      import { CgroupManager } from ${JSON.stringify(fileURLToPath(new URL('../group/group-manager.ts', import.meta.url)))};
      import { readCgroupLayout } from ${JSON.stringify(fileURLToPath(new URL('../group/layout.ts', import.meta.url)))};
      const groups = new CgroupManager(await readCgroupLayout(), { parent: ${JSON.stringify(parent)} });
      const group = await groups.create(${JSON.stringify(id)}, { memoryBytes: 64 * 1024 * 1024 });
      await startTask({ argv: ['/bin/sleep', '600'], env: [], cwd: '/' }, { group, dir: ${JSON.stringify(dir)} });
      console.log('started');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    await eventually(
      async () => out,
      (s) => s.includes('started'),
      20_000,
    );
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    const orphans = await groups.listOrphans(['some-live-id']);
    assert.deepEqual(orphans, [id]);
    const group = groups.open(id);
    assert.equal((await group.pids()).length, 1);
    await group.destroy();
    assert.deepEqual(await groups.listOrphans([]), []);
    await assert.rejects(stat(join(groups.parents.memory as string, id)), { code: 'ENOENT' });
  });
});

describe('task lifecycle without cgroups (process-tree fallback)', () => {
  it('NoCgroupManager: stopTask() kills a double-forked daemon found through the subreaper shim', async () => {
    const groups = new NoCgroupManager('test');
    assert.match(groups.warning, /resource limits are off/);
    const { dir, cleanup } = await tempDir('nocg');
    try {
      const group = await groups.create('nocg');
      await startTask(shSpec(dir, `setsid sh -c 'sleep 600 & echo $! > ${dir}/daemon.pid'; sleep 600`), {
        group,
        dir,
      });
      const pid = Number(
        await eventually(
          () => readFile(join(dir, 'daemon.pid'), 'utf8').catch(() => ''),
          (s) => s.trim() !== '',
        ),
      );
      assert.ok((await group.pids()).includes(pid), 'the daemon is tracked');
      const exit = await stopTask({ dir, group }, 1000);
      assert.equal(exit.exitCode, 143);
      assert.equal(await alive(pid), false);
    } finally {
      await cleanup();
    }
  });
});
