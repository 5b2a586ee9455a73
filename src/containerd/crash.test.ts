/**
 * What happens to running tasks when a hostpod process or containerd dies (private containerd
 * 1.6 and ctr): the workload never depends on the Node server for staying correct.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  cgroupsUnder,
  IMAGE,
  missingTools,
  type PrivateContainerd,
  pidsMentioning,
  startPrivateContainerd,
} from './testing/private-containerd.ts';

const skip = missingTools();
let c: PrivateContainerd;
const RT = ['--runtime', 'io.containerd.hostpod.v1'];

before(async () => {
  if (!skip) c = await startPrivateContainerd('crash');
});
after(async () => {
  await c?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fifo = () => ['--fifo-dir', join(c.dir, 'fifo')];
const alive = (p: number) =>
  existsSync(`/proc/${p}`) && !/\) [ZX] /.test(readFileSync(`/proc/${p}/stat`, 'utf8'));

async function runDetached(id: string, script: string): Promise<number> {
  await c.ctr(
    '-n',
    'test',
    'run',
    '-d',
    ...RT,
    ...fifo(),
    '--cgroup',
    `${c.cgroupParent}/${id}`,
    IMAGE,
    id,
    'sh',
    '-c',
    script,
  );
  const ls = (await c.ctr('-n', 'test', 'tasks', 'ls')).stdout;
  const pid = Number(new RegExp(`^${id}\\s+(\\d+)\\s+RUNNING`, 'm').exec(ls)?.[1]);
  assert.ok(pid > 0, ls);
  return pid;
}

function sleeper(tag: string): number[] {
  return pidsMentioning(`sleep\u0000${tag}`).filter(
    (p) => readFileSync(`/proc/${p}/cmdline`, 'utf8') === `sleep\u0000${tag}\u0000`,
  );
}

async function until(ok: () => boolean, ms = 15_000): Promise<boolean> {
  for (let t = 0; t < ms && !ok(); t += 100) await sleep(100);
  return ok();
}

test('containerd restarted (SIGTERM, then SIGKILL) with tasks running: they keep running and stay reachable', {
  skip,
}, async () => {
  const pid = await runDetached('keep', 'sleep 3001');
  const server = c.serverPid();
  for (const kill of [false, true]) {
    await c.restart(kill);
    const ls = (await c.ctr('-n', 'test', 'tasks', 'ls')).stdout;
    assert.match(ls, new RegExp(`^keep\\s+${pid}\\s+RUNNING`, 'm'), `after ${kill ? 'SIGKILL' : 'SIGTERM'}`);
    assert.ok(alive(pid));
    const e = await c.ctrTry(
      '-n',
      'test',
      'tasks',
      'exec',
      ...fifo(),
      '--exec-id',
      `x${kill}`,
      'keep',
      'sh',
      '-c',
      'echo reachable',
    );
    assert.equal(e.stdout.trim(), 'reachable');
  }
  assert.equal(c.serverPid(), server, 'the same shim server served across the restarts');
  await c.ctr('-n', 'test', 'tasks', 'kill', '-s', '9', 'keep');
  await until(() => !alive(pid));
  await c.ctr('-n', 'test', 'tasks', 'delete', 'keep');
  await c.ctr('-n', 'test', 'containers', 'delete', 'keep');
  assert.deepEqual(cgroupsUnder(c.cgroupParent), []);
});

test("kill -9 of a task's native shim: the task is reported exited (137) and its whole job is gone", {
  skip,
}, async () => {
  const pid = await runDetached('shimkill', 'setsid sh -c "sleep 3002" & sleep 3003');
  assert.ok(await until(() => sleeper('3002').length === 1));
  // shim.pid holds "PID STARTTIME" (the shim's identity).
  const shimPid = Number.parseInt(
    readFileSync(join(c.hpRoot, 'test', 'tasks', 'shimkill', 'task', 'shim.pid'), 'utf8'),
    10,
  );
  process.kill(shimPid, 'SIGKILL');
  assert.ok(await until(() => !alive(pid)), 'the first process is killed with its job');
  assert.ok(
    await until(() => sleeper('3002').length === 0 && sleeper('3003').length === 0),
    'no orphan left',
  );
  const ls = (await c.ctr('-n', 'test', 'tasks', 'ls')).stdout;
  assert.match(ls, /^shimkill\s+\d+\s+STOPPED/m);
  const del = await c.ctr('-n', 'test', 'tasks', 'delete', 'shimkill');
  assert.match(del.stderr, /exit code 137/);
  await c.ctr('-n', 'test', 'containers', 'delete', 'shimkill');
  assert.deepEqual(cgroupsUnder(c.cgroupParent), []);
});

test("kill -9 of the 'hostpod-shim serve' helper: running tasks go on, new ones start", {
  skip,
}, async () => {
  const pid = await runDetached('helper1', 'sleep 3004');
  const helper = pidsMentioning('hostpod-shim\u0000serve').find((p) => {
    try {
      return readFileSync(`/proc/${p}/stat`, 'utf8').split(' ')[3] === String(c.serverPid());
    } catch {
      return false;
    }
  });
  assert.ok(helper, 'the server forks shims through its helper');
  process.kill(helper, 'SIGKILL');
  await sleep(200);
  assert.ok(alive(pid));
  const pid2 = await runDetached('helper2', 'sleep 3005');
  assert.ok(alive(pid2));
  for (const id of ['helper1', 'helper2']) {
    await c.ctr('-n', 'test', 'tasks', 'kill', '-s', '9', id);
  }
  await until(() => !alive(pid) && !alive(pid2));
  for (const id of ['helper1', 'helper2']) {
    await c.ctr('-n', 'test', 'tasks', 'delete', id);
    await c.ctr('-n', 'test', 'containers', 'delete', id);
  }
});

test('kill -9 of the shim server: containerd deletes its tasks through `delete`, which leaves no process, cgroup or mount', {
  skip,
}, async () => {
  const pids = [
    await runDetached('srv1', 'setsid sh -c "sleep 3006" & sleep 3007'),
    await runDetached('srv2', 'sleep 3008'),
  ];
  assert.ok(await until(() => sleeper('3006').length === 1));
  const server = c.serverPid();
  assert.ok(server);
  const t0 = Date.now();
  process.kill(server, 'SIGKILL');
  const gone = await until(
    () => pids.every((p) => !alive(p)) && sleeper('3006').length === 0 && sleeper('3007').length === 0,
  );
  const ms = Date.now() - t0;
  assert.ok(gone, 'every process of both tasks is killed');
  assert.ok(await until(() => cgroupsUnder(c.cgroupParent).length === 0), 'their jobs are removed');
  assert.ok(
    await until(() => !readFileSync('/proc/self/mountinfo', 'utf8').includes(c.hpRoot)),
    'their workspaces are unmounted',
  );
  assert.ok(
    await until(() => !existsSync(join(c.hpRoot, 'test', 'tasks', 'srv1'))),
    'their files are removed',
  );
  const ls = (await c.ctr('-n', 'test', 'tasks', 'ls', '-q')).stdout.trim();
  assert.equal(ls, '', 'containerd forgot the tasks');
  for (const id of ['srv1', 'srv2']) await c.ctr('-n', 'test', 'containers', 'delete', id);
  // A new task starts a new server.
  const again = await runDetached('srv3', 'sleep 3009');
  assert.ok(alive(again));
  assert.notEqual(c.serverPid(), server);
  await c.ctr('-n', 'test', 'tasks', 'kill', '-s', '9', 'srv3');
  await until(() => !alive(again));
  await c.ctr('-n', 'test', 'tasks', 'delete', 'srv3');
  await c.ctr('-n', 'test', 'containers', 'delete', 'srv3');
  process.stdout.write(`# kill -9 of the shim server → both tasks cleaned up in ${ms} ms\n`);
});
