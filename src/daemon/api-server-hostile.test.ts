import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { RuntimeError } from '../errors.ts';
import {
  httpRequest,
  rawExchange,
  rawStatus,
  startTestServer,
  type TestServer,
} from './testing/api-harness.ts';
import { fakePod } from './testing/fake-backend.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer({ limits: { bodyTimeoutMs: 2000, maxBodyBytes: 8 * 1024 * 1024 } });
  t.backend.putPod(fakePod('default', 'web'));
});
after(() => t.close());

const json = { 'Content-Type': 'application/json' };

test('startApiServer() refuses malformed JSON, non-object bodies and unknown fields with 400 naming them', async () => {
  const bad = await httpRequest(t.socketPath, 'POST', '/v1/apply', { body: '{"objects": [', headers: json });
  assert.equal(bad.status, 400);
  assert.match(bad.json().error!.message, /not valid JSON/);
  const arr = await httpRequest(t.socketPath, 'POST', '/v1/apply', { body: '[]', headers: json });
  assert.equal(arr.status, 400);
  const unknown = await httpRequest(t.socketPath, 'POST', '/v1/apply', {
    body: JSON.stringify({ objects: [], dryrun: true, __proto__x: 1 }),
    headers: json,
  });
  assert.equal(unknown.status, 400);
  assert.match(unknown.json().error!.message, /unknown fields in the apply request: "dryrun", "__proto__x"/);
  const types = await httpRequest(t.socketPath, 'POST', '/v1/apply', {
    body: '{"objects": {}}',
    headers: json,
  });
  assert.match(types.json().error!.message, /"objects" must be a list/);
  const pull = await httpRequest(t.socketPath, 'POST', '/v1/images/pull', {
    body: JSON.stringify({ reference: 'a b', tag: 'x' }),
    headers: json,
  });
  assert.match(pull.json().error!.message, /unknown field in the pull request: "tag"/);
  assert.ok(
    !t.backend.calls.some((c) => c.startsWith('apply') || c.startsWith('pullImage')),
    'backend never called',
  );
});

test('startApiServer() refuses a body nested deeper than 256 levels without parsing it', async () => {
  const n = 4_000_000;
  const deep = `{"objects":[${'['.repeat(n)}${']'.repeat(n)}]}`;
  const r = await httpRequest(t.socketPath, 'POST', '/v1/apply', { body: deep, headers: json });
  assert.equal(r.status, 400);
  assert.match(r.json().error!.message, /nested deeper than 256 levels/);
  const okDepth = `{"objects":[${'['.repeat(200)}${']'.repeat(200)}], "x": "[[[[${'['.repeat(300)}"}`;
  const r2 = await httpRequest(t.socketPath, 'POST', '/v1/apply', { body: okDepth, headers: json });
  assert.match(
    r2.json().error!.message,
    /unknown field in the apply request: "x"/,
    'brackets in strings do not count',
  );
});

test('startApiServer() refuses a body without the JSON content type (415) and a body where none belongs', async () => {
  const none = await httpRequest(t.socketPath, 'POST', '/v1/apply', { body: '{"objects":[]}' });
  assert.equal(none.status, 415);
  assert.equal(none.json().error!.code, 'InvalidArgument');
  const text = await httpRequest(t.socketPath, 'POST', '/v1/apply', {
    body: '{"objects":[]}',
    headers: { 'Content-Type': 'text/plain' },
  });
  assert.equal(text.status, 415);
  const getBody = await httpRequest(t.socketPath, 'GET', '/v1/pods', {
    body: '{}',
    headers: { ...json, 'Content-Length': 2 },
  });
  assert.equal(getBody.status, 400);
  assert.match(getBody.json().error!.message, /takes no request body/);
});

test('startApiServer() answers 413 to a body over 8 MiB, announced or streamed, without reading it all', async () => {
  const max = 8 * 1024 * 1024;
  const announced = await rawExchange(
    t.socketPath,
    `POST /v1/apply HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${max + 1}\r\n\r\n{"objects":[`,
  );
  assert.equal(rawStatus(announced), 413);
  assert.match(announced, /"message":"the request body is larger than 8388608 bytes"/);
  // Chunked: the server counts as it reads and stops at the limit.
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  const head = Buffer.from(
    'POST /v1/apply HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
  );
  const parts = [head];
  for (let i = 0; i < 9; i++)
    parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  const streamed = await rawExchange(t.socketPath, Buffer.concat(parts));
  assert.equal(rawStatus(streamed), 413);
  assert.equal((await httpRequest(t.socketPath, 'GET', '/v1/version')).status, 200);
});

test('startApiServer() refuses path-like and invalid names in paths and queries with 400', async () => {
  const paths = [
    '/v1/namespaces/default/pods/..%2Fx',
    '/v1/namespaces/default/pods/%2e%2e',
    '/v1/namespaces/default/pods/..',
    '/v1/namespaces/../pods/x',
    '/v1/namespaces/default/pods/',
    '/v1/namespaces//pods/web',
    `/v1/namespaces/default/pods/${'a'.repeat(254)}`,
    `/v1/namespaces/${'a'.repeat(64)}/pods/web`,
    '/v1/namespaces/Default/pods/web',
    '/v1/namespaces/default/pods/web%00/log',
    '/v1/namespaces/default/pods/%ZZ',
    '/v1/pods?namespace=..%2Fetc',
    '/v1/events?pod=../x',
    '/v1/namespaces/default/pods/web/log?container=../../etc/passwd',
    '/v1/namespaces/default/pods/web/exec?container=%2e%2e',
  ];
  for (const p of paths) {
    const r = await httpRequest(t.socketPath, 'GET', p);
    assert.equal(r.status, 400, p);
    assert.equal(r.json().error!.code, 'InvalidArgument', p);
  }
  assert.ok(!t.backend.calls.some((c) => c.includes('..')), 'no traversal reached the backend');
});

test('startApiServer() refuses unknown, repeated and malformed query parameters with 400 naming them', async () => {
  const cases: [string, RegExp][] = [
    ['/v1/pods?namespace=default&labelSelector=a', /unknown query parameter: "labelSelector"/],
    ['/v1/pods?namespace=a&namespace=b', /"namespace" is given twice/],
    ['/v1/pods?watch=yes', /"watch" must be 1, 0, true or false/],
    ['/v1/namespaces/default/pods/web/log?tailLines=-1', /"tailLines" must be an integer/],
    ['/v1/namespaces/default/pods/web/log?sinceTime=yesterday', /RFC 3339/],
    ['/v1/namespaces/default/pods/web/log?sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z', /at most one/],
    ['/v1/events?after=1e3', /"after" must be an integer/],
    ['/v1/images?reference=', /non-empty/],
  ];
  for (const [p, re] of cases) {
    const r = await httpRequest(t.socketPath, p.startsWith('/v1/images') ? 'DELETE' : 'GET', p);
    assert.equal(r.status, 400, p);
    assert.match(r.json().error!.message, re, p);
  }
  const del = await httpRequest(t.socketPath, 'DELETE', '/v1/namespaces/default/pods/web?gracePeriod=abc');
  assert.equal(del.status, 400);
  assert.ok(t.backend.pods.has('default/web'), 'nothing deleted');
});

test('startApiServer() answers 404 to unknown paths and 405 with Allow to wrong methods', async () => {
  for (const p of [
    '/',
    '/v2/pods',
    '/v1/podz',
    '/v1/pods/',
    '/v1/namespaces/default/pods/web/attach',
    '/v1/images%2Fpull',
  ]) {
    const r = await httpRequest(t.socketPath, 'GET', p);
    assert.equal(r.status, 404, p);
    assert.equal(r.json().error!.code, 'NotFound');
  }
  const put = await httpRequest(t.socketPath, 'PUT', '/v1/namespaces/default/pods/web');
  assert.equal(put.status, 405);
  assert.equal(put.headers.allow, 'GET, DELETE');
  assert.equal((await httpRequest(t.socketPath, 'GET', '/v1/apply')).status, 405);
});

test('startApiServer() drops a client that stalls mid-body with 408 and keeps serving', async () => {
  const answer = await rawExchange(
    t.socketPath,
    'POST /v1/apply HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"obj',
    5000,
  );
  assert.equal(rawStatus(answer), 408);
  assert.match(answer, /did not arrive within 2000 ms/);
  assert.equal((await httpRequest(t.socketPath, 'GET', '/v1/version')).status, 200);
});

test('startApiServer() survives a burst of hostile requests, then answers a good one', async () => {
  const hostile = [
    'GARBAGE\r\n\r\n',
    'GET /v1/pods HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
    `GET /v1/pods HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`,
    'POST /v1/apply HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n\u0000\u0001\u0002\u0003\u0004',
    'POST /v1/apply HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    'GET /v1/namespaces/default/pods/web/log?follow=1&follow=1 HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /v1/pods?%%% HTTP/1.1\r\nHost: x\r\n\r\n',
    'DELETE /v1/images?reference=%0a HTTP/1.1\r\nHost: x\r\n\r\n',
    'POST /v1/apply HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\n\r\nnull',
    'POST /v1/apply HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{"objects":[],"constructor":{"a":1}}    ',
  ];
  const answers = await Promise.all(
    hostile.map((h) =>
      rawExchange(t.socketPath, h.replace('Host: x\r\n', 'Host: x\r\nConnection: close\r\n'), 3000),
    ),
  );
  for (const [i, a] of answers.entries()) {
    const s = rawStatus(a);
    assert.ok(s >= 400 && s < 500, `request ${i} got ${s}: ${a.slice(0, 200)}`);
    assert.doesNotMatch(a, /\n\s+at /, 'no stack trace');
  }
  assert.equal((await httpRequest(t.socketPath, 'GET', '/v1/namespaces/default/pods/web')).status, 200);
});

test('startApiServer() answers 200 concurrent requests', async () => {
  const all = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      i % 2
        ? t.client.getPod('default', 'web').then((p) => p.name)
        : t.client.listPods().then((l) => String(l.length)),
    ),
  );
  assert.equal(all.length, 200);
  assert.equal(all.filter((x) => x === 'web').length, 100);
});

test('startApiServer() ends watches and log streams with Unavailable and removes its socket on close', async () => {
  const s = await startTestServer();
  const ac = new AbortController();
  const it = s.client.watchPods({ namespace: 'quiet' }, ac.signal)[Symbol.asyncIterator]();
  const first = it.next();
  await new Promise((r) => setTimeout(r, 50));
  s.backend.putPod(fakePod('default', 'f'));
  s.backend.logLines.set('default/f/main', ['line']);
  const log = s.client.logs('default', 'f', { follow: true });
  assert.equal((await log.next()).value?.toString(), 'line\n');
  const rest = log.next();
  const closed = s.close();
  await Promise.all([
    assert.rejects(first, /shutting down/),
    assert.rejects(
      rest,
      (e: unknown) =>
        e instanceof RuntimeError && e.code === 'Unavailable' && /shutting down/.test(e.message),
    ),
  ]);
  await closed;
  const gone = await new Promise<string>((resolve) => {
    const c = connect({ path: s.socketPath });
    c.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? ''));
    c.on('connect', () => resolve('connected'));
  });
  assert.equal(gone, 'ENOENT');
});
