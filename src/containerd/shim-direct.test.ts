/**
 * containerd-shim-hostpod-v1 driven directly, as containerd drives it (its `start` and
 * `delete` subcommands, ttrpc calls), with a stand-in for containerd's event service: hostile
 * bundles, the pod network refusal, oom_score_adj limits, event order, `delete` after a crash.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { decode, encode } from './protos.ts';
import { CHECKOUT, cgroupsUnder, missingTools, pidsMentioning } from './testing/private-containerd.ts';
import { TtrpcClient } from './ttrpc-client.ts';
import { TtrpcServer } from './ttrpc-server.ts';

const skip = missingTools();
const run = promisify(execFile);
const SHIM = join(CHECKOUT, 'containerd-shim-hostpod-v1');
const T = 'containerd.task.v2.';
let dir = '';
let events: { topic: string; type: string; body: Record<string, unknown> }[] = [];
let eventServer: TtrpcServer | undefined;
let env: NodeJS.ProcessEnv = {};
const cgroupParent = `/hostpod-test-direct-${process.pid}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'hostpod-test-direct-'));
  eventServer = new TtrpcServer();
  eventServer.register('containerd.services.events.ttrpc.v1.Events', {
    Forward: async (payload) => {
      const req = decode<{
        envelope: { topic: string; namespace: string; event: { type_url: string; value: Buffer } };
      }>('containerd.services.events.ttrpc.v1.ForwardRequest', payload);
      const { topic, event } = req.envelope;
      events.push({ topic, type: event.type_url, body: decode(event.type_url, event.value) });
      return new Uint8Array();
    },
  });
  await eventServer.listen(join(dir, 'events.sock'));
  env = { ...process.env, HOSTPOD_CONTAINERD_ROOT: join(dir, 'hp'), TTRPC_ADDRESS: join(dir, 'events.sock') };
});

after(async () => {
  if (skip) return;
  for (const p of pidsMentioning(dir)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {}
  }
  await eventServer?.close();
  for (const d of cgroupsUnder(cgroupParent).sort((a, b) => b.length - a.length))
    await rm(d, { recursive: false }).catch(() => {});
  for (const h of readdirSync('/sys/fs/cgroup'))
    await import('node:fs/promises').then((f) =>
      f.rmdir(join('/sys/fs/cgroup', h, cgroupParent)).catch(() => {}),
    );
  await rm(dir, { recursive: true, force: true });
});

const flags = (id: string, ns = 'direct') => [
  '-namespace',
  ns,
  '-address',
  join(dir, 'fake-containerd.sock'),
  '-publish-binary',
  '/bin/false',
  '-id',
  id,
];

async function bundle(id: string, spec: object | undefined): Promise<string> {
  const b = join(dir, 'bundles', id);
  await mkdir(join(b, 'rootfs'), { recursive: true });
  if (spec) await writeFile(join(b, 'config.json'), JSON.stringify(spec));
  return b;
}

async function start(id: string, b: string): Promise<TtrpcClient> {
  const { stdout, stderr } = await run(SHIM, [...flags(id), 'start'], { cwd: b, env });
  assert.equal(stderr, '', 'start says nothing on stderr (containerd reads stdout+stderr as the address)');
  assert.match(stdout, /^unix:\/\/\/\S+\.sock$/);
  assert.equal(readFileSync(join(b, 'address'), 'utf8'), stdout, 'the address file holds what start printed');
  return TtrpcClient.connect(stdout);
}

function spec(
  args: string[],
  extra: { annotations?: Record<string, string>; linux?: object; process?: object } = {},
) {
  return {
    ociVersion: '1.0.2',
    process: { args, env: ['PATH=/usr/bin:/bin'], cwd: '/', user: { uid: 0, gid: 0 }, ...extra.process },
    root: { path: 'rootfs' },
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
    annotations: extra.annotations ?? {},
    linux: {
      cgroupsPath: `${cgroupParent}/${Math.random().toString(36).slice(2)}`,
      namespaces: [{ type: 'mount' }],
      ...extra.linux,
    },
  };
}

async function call(
  cl: TtrpcClient,
  method: string,
  req: string,
  body: object,
  res?: string,
): Promise<Record<string, unknown>> {
  const out = await cl.call(`${T}Task`, method, encode(T + req, body));
  return res ? decode(res, out) : {};
}

test('start: one server answers every task of a namespace; a second start returns its address', {
  skip,
}, async () => {
  const a = await start('one', await bundle('one', undefined));
  const b = await start('two', await bundle('two', undefined));
  const servers = pidsMentioning(join(dir, 'hp', 's')).filter((p) =>
    readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('\0serve\0'),
  );
  assert.equal(servers.length, 1);
  a.close();
  b.close();
});

test('Create: a bundle without config.json gets a clear NotFound back, and nothing is left', {
  skip,
}, async () => {
  const b = await bundle('nocfg', undefined);
  const cl = await start('nocfg', b);
  await assert.rejects(
    call(cl, 'Create', 'CreateTaskRequest', { id: 'nocfg', bundle: b, rootfs: [] }),
    (e: { grpcCode: number; message: string }) =>
      e.grpcCode === 5 && /the bundle .*nocfg has no config.json/.test(e.message),
  );
  assert.ok(!existsSync(join(dir, 'hp', 'direct', 'tasks', 'nocfg')));
  cl.close();
});

test("Create: a pod sandbox in a network namespace of its own is refused with the API server's words", {
  skip,
}, async () => {
  const netns = spawn('unshare', ['--net', 'sleep', '60'], { stdio: 'ignore' }) as ChildProcess;
  try {
    await sleep(200);
    const b = await bundle(
      'podnet',
      spec(['pause'], {
        annotations: { 'io.kubernetes.cri.container-type': 'sandbox' },
        linux: {
          cgroupsPath: `${cgroupParent}/podnet`,
          namespaces: [{ type: 'network', path: `/proc/${netns.pid}/ns/net` }],
        },
      }),
    );
    const cl = await start('podnet', b);
    await assert.rejects(
      call(cl, 'Create', 'CreateTaskRequest', { id: 'podnet', bundle: b, rootfs: [] }),
      (e: { grpcCode: number; message: string }) => {
        assert.equal(e.grpcCode, 3);
        assert.match(e.message, /hostNetwork must be true if pod contains any hostProcess containers/);
        return true;
      },
    );
    assert.deepEqual(cgroupsUnder(cgroupParent), []);
    cl.close();
  } finally {
    netns.kill('SIGKILL');
  }
});

test('events: create → start → exec-added → exec-started → exec exit → init exit → delete; oom_score_adj kept within what the host allows', {
  skip,
}, async () => {
  events = [];
  const rootfs = join(dir, 'img');
  await mkdir(join(rootfs, 'bin'), { recursive: true });
  await writeFile(join(rootfs, 'marker'), 'from the image\n');
  const b = await bundle(
    'ev',
    spec(['sh', '-c', 'cat $CONTAINER_SANDBOX_MOUNT_POINT/marker > /dev/null; sleep 30'], {
      process: { oomScoreAdj: -500 },
    }),
  );
  const cl = await start('ev', b);
  await call(cl, 'Create', 'CreateTaskRequest', {
    id: 'ev',
    bundle: b,
    rootfs: [{ type: 'bind', source: rootfs, options: ['rbind', 'ro'] }],
  });
  const { pid } = (await call(cl, 'Start', 'StartRequest', { id: 'ev' }, `${T}StartResponse`)) as {
    pid: number;
  };
  const own = readFileSync('/proc/self/oom_score_adj', 'utf8').trim();
  assert.equal(
    readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8').trim(),
    own,
    '-500 is below what the server may set: the nearest allowed value',
  );
  const log = readFileSync(join(dir, 'hp', 'direct', 'shim.log'), 'utf8');
  assert.equal(log.match(/oom_score_adj -500 refused by the host/g)?.length, 1);
  const exec = {
    type_url: 'types.containerd.io/opencontainers/runtime-spec/1/Process',
    value: Buffer.from(JSON.stringify({ args: ['sh', '-c', 'exit 6'], env: ['PATH=/bin'], cwd: '/' })),
  };
  await call(cl, 'Exec', 'ExecProcessRequest', { id: 'ev', exec_id: 'x1', spec: exec });
  await call(cl, 'Start', 'StartRequest', { id: 'ev', exec_id: 'x1' });
  const w = (await call(cl, 'Wait', 'WaitRequest', { id: 'ev', exec_id: 'x1' }, `${T}WaitResponse`)) as {
    exit_status: number;
  };
  assert.equal(w.exit_status, 6);
  await call(cl, 'Kill', 'KillRequest', { id: 'ev', signal: 9, all: true });
  const wi = (await call(cl, 'Wait', 'WaitRequest', { id: 'ev' }, `${T}WaitResponse`)) as {
    exit_status: number;
  };
  assert.equal(wi.exit_status, 137);
  await assert.rejects(call(cl, 'Kill', 'KillRequest', { id: 'ev', signal: 15 }), { grpcCode: 5 });
  await call(cl, 'Delete', 'DeleteRequest', { id: 'ev', exec_id: 'x1' });
  await call(cl, 'Delete', 'DeleteRequest', { id: 'ev' });
  await assert.rejects(call(cl, 'Wait', 'WaitRequest', { id: 'ev' }), { grpcCode: 5 });
  for (let i = 0; i < 50 && events.length < 7; i++) await sleep(50);
  assert.deepEqual(
    events.map((e) => `${e.topic} ${e.type}`),
    [
      '/tasks/create containerd.events.TaskCreate',
      '/tasks/start containerd.events.TaskStart',
      '/tasks/exec-added containerd.events.TaskExecAdded',
      '/tasks/exec-started containerd.events.TaskExecStarted',
      '/tasks/exit containerd.events.TaskExit',
      '/tasks/exit containerd.events.TaskExit',
      '/tasks/delete containerd.events.TaskDelete',
    ],
  );
  assert.equal(events[4]?.body.id, 'x1');
  assert.equal(events[4]?.body.exit_status, 6);
  assert.equal(events[5]?.body.id, 'ev');
  assert.equal(events[5]?.body.exit_status, 137);
  await call(cl, 'Shutdown', 'ShutdownRequest', { id: 'ev' });
  cl.close();
});

test("delete after a kill -9 of the server: the task's processes, job and workspace go; DeleteResponse says 137", {
  skip,
}, async () => {
  const rootfs = join(dir, 'img2');
  await mkdir(rootfs, { recursive: true });
  const s = spec(['sh', '-c', 'setsid sleep 4001 & sleep 4002']);
  const b = await bundle('crash', s);
  const cl = await start('crash', b);
  await call(cl, 'Create', 'CreateTaskRequest', {
    id: 'crash',
    bundle: b,
    rootfs: [{ type: 'bind', source: rootfs, options: ['rbind'] }],
  });
  const { pid } = (await call(cl, 'Start', 'StartRequest', { id: 'crash' }, `${T}StartResponse`)) as {
    pid: number;
  };
  const server = pidsMentioning(join(dir, 'hp', 's')).find((p) =>
    readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('\0serve\0'),
  );
  assert.ok(server);
  process.kill(server, 'SIGKILL');
  cl.close();
  await sleep(300);
  assert.ok(existsSync(`/proc/${pid}`), 'the container does not depend on the server');
  const { stdout } = await run(SHIM, [...flags('crash'), '-bundle', b, 'delete'], {
    cwd: b,
    env,
    encoding: 'buffer',
  });
  const res = decode<{ pid: number; exit_status: number; exited_at: { seconds: number } }>(
    `${T}DeleteResponse`,
    stdout,
  );
  assert.equal(res.pid, pid);
  assert.equal(res.exit_status, 137);
  assert.ok(res.exited_at.seconds > 0);
  for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await sleep(100);
  const left = pidsMentioning('sleep\u000040').filter((p) =>
    ['sleep\u00004001\u0000', 'sleep\u00004002\u0000'].includes(readFileSync(`/proc/${p}/cmdline`, 'utf8')),
  );
  assert.deepEqual(left, []);
  assert.deepEqual(cgroupsUnder(cgroupParent), []);
  assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(join(dir, 'hp')));
  assert.ok(!existsSync(join(dir, 'hp', 'direct', 'tasks', 'crash')));
  // Idempotent: a second delete finds nothing and still answers.
  const again = await run(SHIM, [...flags('crash'), '-bundle', b, 'delete'], {
    cwd: b,
    env,
    encoding: 'buffer',
  });
  assert.equal(decode<{ exit_status: number }>(`${T}DeleteResponse`, again.stdout).exit_status, 137);
});
