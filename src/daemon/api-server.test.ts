import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PodWatchEvent } from '../api/protocol.ts';
import { ERROR_CODES, RuntimeError } from '../errors.ts';
import { produced } from '../lib/async-queue.ts';
import { statusFor } from './api/errors.ts';
import { httpRequest, startTestServer, type TestServer } from './testing/api-harness.ts';
import { fakePod } from './testing/fake-backend.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

const pod = (name: string, ns = 'default') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns },
  spec: { containers: [{ name: 'main', image: 'example/agent:1' }] },
});

test('startApiServer() answers version and healthz; healthz is 503 while the daemon has problems', async () => {
  const v = await t.client.version();
  assert.equal(v.api, 'v1');
  assert.equal(v.node.name, 'node-a');
  assert.deepEqual(await t.client.health(), { ok: true, problems: [] });
  t.backend.healthState = { ok: false, problems: ['disk full under /var/lib/hostpod'] };
  const raw = await httpRequest(t.socketPath, 'GET', '/v1/healthz');
  assert.equal(raw.status, 503);
  assert.deepEqual((await t.client.health()).problems, ['disk full under /var/lib/hostpod']);
  t.backend.healthState = { ok: true, problems: [] };
});

test('startApiServer() applies objects and reports created, unchanged, configured; dryRun changes nothing', async () => {
  const r1 = await t.client.apply({ objects: [pod('web'), { kind: 'Service', metadata: { name: 's' } }] });
  assert.deepEqual(r1.results, [{ kind: 'Pod', namespace: 'default', name: 'web', change: 'created' }]);
  assert.equal(r1.skipped[0]?.kind, 'Service');
  const r2 = await t.client.apply({ objects: [pod('web')] });
  assert.equal(r2.results[0]?.change, 'unchanged');
  const changed = { ...pod('web'), spec: { containers: [{ name: 'main', image: 'example/agent:2' }] } };
  const r3 = await t.client.apply({ objects: [changed], dryRun: true });
  assert.equal(r3.results[0]?.change, 'configured');
  assert.equal(t.backend.pods.get('default/web')?.generation, 1, 'dry run left the pod alone');
  assert.match(t.backend.calls.at(-1)!, /"dryRun":true/);
});

test('startApiServer() lists, filters and gets pods; a missing pod is 404 NotFound', async () => {
  t.backend.putPod(fakePod('kube-system', 'agent'));
  const all = await t.client.listPods();
  assert.ok(all.some((p) => p.name === 'agent') && all.some((p) => p.name === 'web'));
  const ks = await t.client.listPods({ namespace: 'kube-system' });
  assert.deepEqual(
    ks.map((p) => p.name),
    ['agent'],
  );
  assert.equal((await t.client.getPod('kube-system', 'agent')).uid, 'uid-kube-system-agent');
  const raw = await httpRequest(t.socketPath, 'GET', '/v1/namespaces/default/pods/nope');
  assert.equal(raw.status, 404);
  assert.equal(raw.json().error?.code, 'NotFound');
  await assert.rejects(
    t.client.getPod('default', 'nope'),
    (e: unknown) => e instanceof RuntimeError && e.code === 'NotFound',
  );
});

test('startApiServer() deletes with gracePeriod, force and wait; a static pod is 409 with the hint', async () => {
  t.backend.putPod(fakePod('default', 'gone'));
  const r = await t.client.deletePod('default', 'gone', { gracePeriodSeconds: 3, force: true, wait: false });
  assert.deepEqual(r, { namespace: 'default', name: 'gone', status: 'terminating' });
  assert.match(
    t.backend.calls.find((c) => c.startsWith('deletePod'))!,
    /deletePod "default" "gone" \{"gracePeriodSeconds":3,"force":true,"wait":false\}/,
  );
  t.backend.putPod(
    fakePod('default', 'static-one', { source: { kind: 'static', path: '/etc/hostpod/manifests/a.yaml' } }),
  );
  const raw = await httpRequest(t.socketPath, 'DELETE', '/v1/namespaces/default/pods/static-one');
  assert.equal(raw.status, 409);
  assert.equal(raw.json().error?.code, 'FailedPrecondition');
  assert.match(raw.json().error?.hint ?? '', /a\.yaml/);
});

test('startApiServer() watches pods: current pods as ADDED first, then changes; a closed watch unsubscribes', async () => {
  const ac = new AbortController();
  const seen: PodWatchEvent[] = [];
  const before = t.backend.podWatcherCount;
  for await (const e of t.client.watchPods({ namespace: 'kube-system' }, ac.signal)) {
    seen.push(e);
    if (seen.length === 1) {
      t.backend.putPod(fakePod('default', 'other')); // another namespace: not shown
      t.backend.putPod(fakePod('kube-system', 'agent', { phase: 'Failed' }));
      t.backend.putPod(fakePod('kube-system', 'agent2'));
    }
    if (seen.length === 3) ac.abort();
  }
  assert.deepEqual(
    seen.map((e) => `${e.type} ${e.object.name} ${e.object.phase}`),
    ['ADDED agent Running', 'MODIFIED agent Failed', 'ADDED agent2 Running'],
  );
  assert.equal(seen[0]?.type, 'ADDED');
  assert.equal(seen[1]?.object.phase, 'Failed');
  for (let i = 0; i < 50 && t.backend.podWatcherCount > before; i++)
    await new Promise((r) => setTimeout(r, 10));
  assert.equal(t.backend.podWatcherCount, before, 'the server unsubscribed when the client went away');
});

test('startApiServer() ends a watch with an error line when an event cannot be sent', async () => {
  const ac = new AbortController();
  const it = t.client.watchPods({ namespace: 'broken' }, ac.signal)[Symbol.asyncIterator]();
  const first = it.next();
  await new Promise((r) => setTimeout(r, 50));
  t.backend.putPod(fakePod('broken', 'x', { generation: 10n as unknown as number }));
  await assert.rejects(first, (e: unknown) => e instanceof RuntimeError && e.code === 'Internal');
  ac.abort();
  t.backend.pods.delete('broken/x');
  assert.ok(
    t.logged.some((l) => l.startsWith('error') && /BigInt/.test(l)),
    'the cause is logged',
  );
});

test('startApiServer() streams logs with tailLines and timestamps; follow ends when the run ends', async () => {
  t.backend.putPod(fakePod('default', 'logger'));
  t.backend.logLines.set('default/logger/main', ['one', 'two', 'three']);
  const text = async (it: AsyncIterable<Buffer>) => {
    let s = '';
    for await (const c of it) s += c.toString();
    return s;
  };
  assert.equal(await text(t.client.logs('default', 'logger')), 'one\ntwo\nthree\n');
  assert.equal(await text(t.client.logs('default', 'logger', { tailLines: 1 })), 'three\n');
  assert.match(
    await text(t.client.logs('default', 'logger', { timestamps: true, tailLines: 1 })),
    /^2026-01-01T\S+ three\n$/,
  );
  const got: string[] = [];
  for await (const c of t.client.logs('default', 'logger', { follow: true })) {
    got.push(c.toString());
    if (got.join('').endsWith('three\n')) {
      t.backend.logLines.get('default/logger/main')!.push('four');
    }
    if (got.join('').endsWith('four\n')) t.backend.endFollows();
  }
  assert.equal(got.join(''), 'one\ntwo\nthree\nfour\n');
  await assert.rejects(
    t.client.logs('default', 'logger', { previous: true }).next(),
    (e: unknown) => e instanceof RuntimeError && e.code === 'NotFound',
  );
});

test('startApiServer() ends a log stream that fails midway with the Hostpod-Error trailer', async () => {
  t.backend.putPod(fakePod('default', 'half'));
  const orig = t.backend.logs.bind(t.backend);
  t.backend.logs = () =>
    produced<Buffer>(async (write) => {
      await write(Buffer.from('partial\n'));
      throw new RuntimeError('DataLoss', 'the log file was truncated');
    });
  try {
    let s = '';
    await assert.rejects(
      (async () => {
        for await (const c of t.client.logs('default', 'half')) s += c.toString();
      })(),
      (e: unknown) => e instanceof RuntimeError && e.code === 'DataLoss' && /truncated/.test(e.message),
    );
    assert.equal(s, 'partial\n');
  } finally {
    t.backend.logs = orig;
  }
});

test('startApiServer() answers exec targets, events (list, after, watch), stats and images', async () => {
  t.backend.putPod(fakePod('default', 'ex'));
  assert.deepEqual(await t.client.execTarget('default', 'ex', 'main'), {
    containerId: 'hostpod://c1',
    container: 'main',
    taskDir: '/var/lib/hostpod/containers/hostpod://c1/task',
    mountPoint: '/hpc/',
    mappings: [],
    env: ['PATH=/usr/bin:/bin'],
    cwd: '/hpc',
  });
  const e1 = t.backend.addEvent({
    type: 'Normal',
    reason: 'Started',
    message: 'Started container main',
    time: '2026-01-01T00:00:01Z',
    pod: { namespace: 'default', name: 'ex', uid: 'u' },
  });
  t.backend.addEvent({
    type: 'Warning',
    reason: 'BackOff',
    message: 'x',
    time: '2026-01-01T00:00:02Z',
    pod: { namespace: 'other', name: 'y', uid: 'v' },
  });
  assert.deepEqual(
    (await t.client.listEvents({ namespace: 'default', pod: 'ex' })).map((e) => e.reason),
    ['Started'],
  );
  assert.equal((await t.client.listEvents({ after: e1.id })).length, 1);
  const ac = new AbortController();
  const seen: string[] = [];
  for await (const e of t.client.watchEvents({ namespace: 'default' }, ac.signal)) {
    seen.push(e.reason);
    if (seen.length === 1)
      t.backend.addEvent({
        type: 'Warning',
        reason: 'Unhealthy',
        message: 'm',
        time: '2026-01-01T00:00:03Z',
        pod: { namespace: 'default', name: 'ex', uid: 'u' },
      });
    if (seen.length === 2) ac.abort();
  }
  assert.deepEqual(seen, ['Started', 'Unhealthy']);
  t.backend.statsItems = [
    {
      namespace: 'default',
      pod: 'ex',
      container: 'main',
      containerId: 'c1',
      cpuUsageNs: 5e9,
      cpuMillicores: 12,
      memoryWorkingSetBytes: 34 << 20,
      processCount: 2,
      logBytes: 10,
    },
  ];
  assert.equal((await t.client.stats({ namespace: 'default' }))[0]?.cpuMillicores, 12);
  assert.equal((await t.client.stats({ namespace: 'none' })).length, 0);
  const img = await t.client.pullImage('example/agent:1', 'linux/amd64');
  assert.equal(img.reference, 'example/agent:1');
  assert.equal((await t.client.listImages()).length, 1);
  assert.deepEqual(await t.client.removeImage('example/agent:1'), { removed: ['example/agent:1'] });
  await assert.rejects(
    t.client.removeImage('example/agent:1'),
    (e: unknown) => e instanceof RuntimeError && e.code === 'NotFound',
  );
});

test('startApiServer() maps every error code to its status, with message and hint', async () => {
  const expected: Record<string, number> = {
    InvalidArgument: 400,
    NotFound: 404,
    AlreadyExists: 409,
    FailedPrecondition: 409,
    PermissionDenied: 403,
    Unavailable: 503,
    ResourceExhausted: 507,
    NotImplemented: 501,
    DeadlineExceeded: 504,
    Canceled: 499,
    DataLoss: 500,
    Internal: 500,
  };
  for (const code of ERROR_CODES) {
    assert.equal(statusFor(code), expected[code], code);
    t.backend.failNext('version', new RuntimeError(code, `failure ${code}`, { hint: `do ${code}` }));
    const raw = await httpRequest(t.socketPath, 'GET', '/v1/version');
    assert.equal(raw.status, expected[code], code);
    assert.deepEqual(raw.json(), { error: { code, message: `failure ${code}`, hint: `do ${code}` } });
    t.backend.failNext('version', new RuntimeError(code, `failure ${code}`, { hint: `do ${code}` }));
    await assert.rejects(
      t.client.version(),
      (e: unknown) => e instanceof RuntimeError && e.code === code && e.hint === `do ${code}`,
    );
  }
});

test('startApiServer() passes the field details of an invalid apply to the client', async () => {
  const details = [{ path: 'spec.containers[0].image', message: 'Required value', object: 'Pod/web' }];
  t.backend.failNext(
    'apply',
    new RuntimeError('InvalidArgument', 'the objects have 1 error; nothing was applied', { details }),
  );
  const raw = await httpRequest(t.socketPath, 'POST', '/v1/apply', {
    body: '{"objects":[]}',
    headers: { 'Content-Type': 'application/json' },
  });
  assert.equal(raw.status, 400);
  assert.deepEqual(raw.json().error, {
    code: 'InvalidArgument',
    message: 'the objects have 1 error; nothing was applied',
    details,
  });
  t.backend.failNext(
    'apply',
    new RuntimeError('InvalidArgument', 'the objects have 1 error; nothing was applied', { details }),
  );
  await assert.rejects(t.client.apply({ objects: [] }), (e: unknown) => {
    assert.ok(e instanceof RuntimeError);
    assert.equal(
      e.message,
      'the objects have 1 error; nothing was applied\n  Pod/web: spec.containers[0].image: Required value',
    );
    assert.deepEqual(e.details, details);
    return true;
  });
});

test('startApiServer() answers an unexpected exception with a generic 500 and logs the stack', async () => {
  t.backend.failNext(
    'listPods',
    new TypeError("Cannot read properties of undefined (reading 'secret/path')"),
  );
  const raw = await httpRequest(t.socketPath, 'GET', '/v1/pods');
  assert.equal(raw.status, 500);
  const e = raw.json().error!;
  assert.equal(e.code, 'Internal');
  assert.doesNotMatch(raw.body, /secret\/path|TypeError|at /);
  assert.ok(
    t.logged.some((l) => /secret\/path/.test(l) && /api-server|fake-backend/.test(l)),
    'stack logged',
  );
  assert.equal((await httpRequest(t.socketPath, 'GET', '/v1/pods')).status, 200, 'still serving');
});

test('startApiServer() reports every request with its route pattern and status', async () => {
  t.requests.length = 0;
  await httpRequest(t.socketPath, 'GET', '/v1/namespaces/default/pods/nope');
  await httpRequest(t.socketPath, 'GET', '/v1/version');
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(t.requests, [
    { method: 'GET', route: '/v1/namespaces/{namespace}/pods/{name}', status: 404 },
    { method: 'GET', route: '/v1/version', status: 200 },
  ]);
});
