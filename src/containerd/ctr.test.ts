/**
 * containerd 1.6 (private, see testing/private-containerd.ts) running tasks through
 * containerd-shim-hostpod-v1, driven with `ctr` as a user would.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
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
  if (!skip) c = await startPrivateContainerd('ctr');
});
after(async () => {
  await c?.stop();
});

const fifo = () => ['--fifo-dir', join(c.dir, 'fifo')];
const cg = (id: string) => ['--cgroup', `${c.cgroupParent}/${id}`];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function untilGone(pids: number[], ms = 10_000): Promise<number[]> {
  const alive = () =>
    pids.filter((p) => existsSync(`/proc/${p}`) && !readFileSync(`/proc/${p}/stat`, 'utf8').includes(') Z'));
  for (let t = 0; t < ms && alive().length; t += 100) await sleep(100);
  return alive();
}

test('ctr run: the task is a host process with the image at $CONTAINER_SANDBOX_MOUNT_POINT, its exit code kept', {
  skip,
}, async () => {
  const script = [
    'hostname',
    'readlink /proc/self/ns/pid /proc/self/ns/net /proc/self/ns/uts',
    'echo "mp=$CONTAINER_SANDBOX_MOUNT_POINT"',
    'ls $CONTAINER_SANDBOX_MOUNT_POINT/bin/busybox',
    'grep -E "^[0-9]+:(memory|pids):" /proc/self/cgroup',
    'exit 3',
  ].join('; ');
  const r = await c.ctrTry(
    '-n',
    'test',
    'run',
    '--rm',
    ...RT,
    ...fifo(),
    ...cg('run1'),
    IMAGE,
    'run1',
    'sh',
    '-c',
    script,
  );
  assert.equal(r.code, 3, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], hostname());
  for (const [i, ns] of ['pid', 'net', 'uts'].entries())
    assert.equal(lines[1 + i], readlinkSync(`/proc/self/ns/${ns}`));
  assert.equal(lines[4], 'mp=/hpc/');
  assert.equal(lines[5], '/hpc//bin/busybox', 'the mount point keeps its trailing /, as on Windows');
  assert.match(r.stdout, new RegExp(`:memory:${c.cgroupParent}/run1\\n`));
  assert.deepEqual(cgroupsUnder(c.cgroupParent), [], 'the job is removed with the task');
  assert.equal((await c.ctr('-n', 'test', 'containers', 'ls', '-q')).stdout.trim(), '');
});

test('ctr task exec (with and without -t), ps, metrics, kill: a double-forked child dies with the task', {
  skip,
}, async () => {
  await c.ctr(
    '-n',
    'test',
    'run',
    '-d',
    ...RT,
    ...fifo(),
    ...cg('t2'),
    IMAGE,
    't2',
    'sh',
    '-c',
    'setsid sh -c "sleep 1001 & sleep 1002" & sleep 600',
  );
  const ls = (await c.ctr('-n', 'test', 'tasks', 'ls')).stdout;
  const pid = Number(/^t2\s+(\d+)\s+RUNNING/m.exec(ls)?.[1]);
  assert.ok(pid > 0, ls);
  assert.equal(readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), 'sh');
  const e = await c.ctrTry(
    '-n',
    'test',
    'tasks',
    'exec',
    ...fifo(),
    '--exec-id',
    'e1',
    't2',
    'sh',
    '-c',
    'echo "in $CONTAINER_SANDBOX_MOUNT_POINT $(id -u)"; cat /proc/self/cgroup | grep :pids:; exit 7',
  );
  assert.equal(e.code, 7);
  assert.match(e.stdout, /^in \/hpc\/ 0\n/);
  assert.match(e.stdout, new RegExp(`:pids:${c.cgroupParent}/t2`));
  // -t needs a terminal on ctr's side: script(1) gives it one.
  const cmd = `ctr -a ${c.sock} -n test tasks exec -t --fifo-dir ${join(c.dir, 'fifo')} --exec-id e2 t2 sh -c 'tty; exit 4'`;
  const t = spawnSync('script', ['-qec', cmd, '/dev/null'], {
    encoding: 'utf8',
    timeout: 30_000,
    stdin: 'ignore',
  } as never);
  assert.equal(t.status, 4, String(t.stdout));
  assert.match(String(t.stdout), /\/dev\/pts\/\d+/);
  const sleeps = () =>
    pidsMentioning('sleep\u0000100').filter((p) =>
      ['sleep\u00001001\u0000', 'sleep\u00001002\u0000'].includes(readFileSync(`/proc/${p}/cmdline`, 'utf8')),
    );
  for (let i = 0; i < 50 && sleeps().length < 2; i++) await sleep(100);
  const kids = sleeps();
  assert.equal(kids.length, 2);
  const ps = (await c.ctr('-n', 'test', 'tasks', 'ps', 't2')).stdout;
  for (const k of [pid, ...kids]) assert.match(ps, new RegExp(`^${k}\\s`, 'm'));
  const m = (await c.ctr('-n', 'test', 'tasks', 'metrics', 't2')).stdout;
  assert.match(m, /pids\.current\s+[4-9]/);
  assert.match(m, /memory\.usage_in_bytes\s+[1-9]\d*/);
  await c.ctr('-n', 'test', 'tasks', 'kill', 't2');
  assert.deepEqual(
    await untilGone([pid, ...kids]),
    [],
    'SIGTERM to the task: the first process ends, the job is emptied',
  );
  // containerd hears of the exit from the shim server's event (asynchronous): give it a moment.
  let st = '';
  for (let i = 0; i < 50; i++) {
    st = (await c.ctr('-n', 'test', 'tasks', 'ls')).stdout;
    if (/^t2\s+\d+\s+STOPPED/m.test(st)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(st, /^t2\s+\d+\s+STOPPED/m);
  await c.ctr('-n', 'test', 'tasks', 'delete', 't2');
  await c.ctr('-n', 'test', 'containers', 'delete', 't2');
  assert.deepEqual(cgroupsUnder(c.cgroupParent), []);
  assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(c.hpRoot), 'no workspace left mounted');
});

test('ctr run: mounts over / or /proc, a non-bind mount, an unknown cgroups path form are refused, nothing left', {
  skip,
}, async () => {
  const src = join(c.dir, 'vol');
  await mkdir(src, { recursive: true });
  const cases: [string[], RegExp][] = [
    [
      ['--mount', `type=bind,src=${src},dst=/proc,options=rbind:rw`],
      /would cover the host's own file system/,
    ],
    [
      ['--mount', `type=bind,src=${src},dst=/,options=rbind:rw`],
      /would (cover the host's own file system|hide the workspace)/,
    ],
    [['--mount', `type=bind,src=${src},dst=/hpc,options=rbind:rw`], /would hide the workspace at "\/hpc"/],
    [['--mount', 'type=tmpfs,src=tmpfs,dst=/scratch'], /only bind mounts of host paths are supported/],
  ];
  for (const [i, [opts, re]] of cases.entries()) {
    const id = `bad${i}`;
    const r = await c.ctrTry(
      '-n',
      'test',
      'run',
      '--rm',
      ...RT,
      ...fifo(),
      ...cg(id),
      ...opts,
      IMAGE,
      id,
      'true',
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, re);
    await c.ctrTry('-n', 'test', 'containers', 'delete', id);
  }
  const r = await c.ctrTry(
    '-n',
    'test',
    'run',
    '--rm',
    ...RT,
    ...fifo(),
    '--cgroup',
    'not-a-cgroup-path',
    IMAGE,
    'bad9',
    'true',
  );
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /linux\.cgroupsPath "not-a-cgroup-path" is neither an absolute cgroupfs path nor slice:prefix:name/,
  );
  await c.ctrTry('-n', 'test', 'containers', 'delete', 'bad9');
  assert.deepEqual(cgroupsUnder(c.cgroupParent), []);
  assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(c.hpRoot));
  assert.ok(!existsSync(join(c.hpRoot, 'test', 'tasks', 'bad0')));
});

test('mount propagation of spec mounts: rprivate, rslave and rshared are honoured in the private view', {
  skip,
}, async () => {
  // This host's / is private: the test's source directory is made a shared mount first.
  const src = join(c.dir, 'prop');
  await mkdir(src, { recursive: true });
  const sh = (cmd: string) => {
    const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
  };
  sh(`mount --bind ${src} ${src} && mount --make-shared ${src}`);
  const mounted = (path: string) =>
    readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .some((l) => l.split(' ')[4] === path);
  try {
    for (const p of ['rprivate', 'rslave', 'rshared']) await mkdir(join(src, p), { recursive: true });
    const id = 'prop';
    await c.ctr(
      '-n',
      'test',
      'run',
      '-d',
      ...RT,
      ...fifo(),
      ...cg(id),
      '--mount',
      `type=bind,src=${src}/rprivate,dst=/mnt/hostpod-test-private,options=rbind:rprivate`,
      '--mount',
      `type=bind,src=${src}/rslave,dst=/mnt/hostpod-test-slave,options=rbind:rslave`,
      '--mount',
      `type=bind,src=${src}/rshared,dst=/mnt/hostpod-test-shared,options=rbind:rshared`,
      IMAGE,
      id,
      'sleep',
      '600',
    );
    // Host → container: mounts made on the host after the start.
    for (const p of ['rprivate', 'rslave', 'rshared']) {
      await mkdir(join(src, p, 'from-host'), { recursive: true });
      sh(`mount -t tmpfs hostpod-test ${src}/${p}/from-host`);
    }
    const inside = async (cmd: string) =>
      (
        await c.ctr(
          '-n',
          'test',
          'tasks',
          'exec',
          ...fifo(),
          '--exec-id',
          `x${Math.random().toString(36).slice(2, 8)}`,
          id,
          'sh',
          '-c',
          cmd,
        )
      ).stdout;
    const seen = await inside(
      'for d in private slave shared; do grep -q " /mnt/hostpod-test-$d/from-host " /proc/self/mountinfo && echo "$d sees"; done; true',
    );
    assert.deepEqual(
      seen.trim().split('\n'),
      ['slave sees', 'shared sees'],
      'None sees nothing new; HostToContainer and Bidirectional do',
    );
    // Container → host: only Bidirectional.
    await inside(
      'for d in private slave shared; do mkdir -p /mnt/hostpod-test-$d/from-ctr && mount -t tmpfs hostpod-test /mnt/hostpod-test-$d/from-ctr; done',
    );
    assert.equal(mounted(`${src}/rshared/from-ctr`), true, "rshared: the container's mount reaches the host");
    assert.equal(mounted(`${src}/rslave/from-ctr`), false);
    assert.equal(mounted(`${src}/rprivate/from-ctr`), false);
    assert.ok(
      !existsSync('/mnt/hostpod-test-shared/from-ctr'),
      "the container's view stays private: the host path is not mounted over",
    );
    await c.ctr('-n', 'test', 'tasks', 'kill', '-s', '9', id);
    for (let i = 0; i < 50 && !/STOPPED/.test((await c.ctr('-n', 'test', 'tasks', 'ls')).stdout); i++)
      await sleep(100);
    await c.ctr('-n', 'test', 'tasks', 'delete', id);
    await c.ctr('-n', 'test', 'containers', 'delete', id);
    assert.ok(!existsSync('/mnt/hostpod-test-shared'), 'the mount targets hostpod made are removed');
  } finally {
    spawnSync('sh', ['-c', `grep -o " ${src}[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l`]);
  }
});

test('ctr run -t: the first process gets a terminal; the symlink layout by annotation puts the workspace on the host', {
  skip,
}, async () => {
  const cmd = `ctr -a ${c.sock} -n test run --rm -t --runtime io.containerd.hostpod.v1 --fifo-dir ${join(c.dir, 'fifo')} --cgroup ${c.cgroupParent}/tty1 --annotation hostpod.io/workspace-layout=symlink ${IMAGE} tty1 sh -c 'tty; echo "mp=$CONTAINER_SANDBOX_MOUNT_POINT"; ls "$CONTAINER_SANDBOX_MOUNT_POINT/bin/busybox"; exit 9'`;
  const t = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(t.status, 9, String(t.stdout));
  const out = String(t.stdout);
  assert.match(out, /\/dev\/pts\/\d+/);
  const mp = join(c.hpRoot, 'test', 'sandboxes', 'tty1', 'rootfs/');
  assert.ok(out.includes(`mp=${mp}`), out);
  assert.ok(out.includes(`${mp}/bin/busybox`), out);
  assert.ok(
    !existsSync(join(c.hpRoot, 'test', 'sandboxes', 'tty1')),
    'the workspace is removed with the task',
  );
});
