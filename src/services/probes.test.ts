import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseCriRecord } from '../runtime/logs/cri-log.ts';
import {
  appendCriLog,
  applyProbeOutcome,
  httpGet,
  initialThresholdState,
  resolvePort,
  runHandler,
  type ThresholdState,
  tcpConnect,
} from './probes.ts';

function run(kind: 'startup' | 'liveness' | 'readiness', outcomes: boolean[], s = 1, f = 3): string[] {
  let st: ThresholdState = initialThresholdState(kind);
  return outcomes.map((ok) => {
    st = applyProbeOutcome(st, ok, { successThreshold: s, failureThreshold: f });
    return st.result;
  });
}

test('initialThresholdState() readiness starts failed (not ready), liveness succeeded, startup unknown', () => {
  assert.equal(initialThresholdState('readiness').result, 'failure');
  assert.equal(initialThresholdState('liveness').result, 'success');
  assert.equal(initialThresholdState('startup').result, 'unknown');
});

test('applyProbeOutcome() liveness fails only after failureThreshold failures in a row', () => {
  assert.deepEqual(run('liveness', [false, false, true, false, false, false]), [
    'success',
    'success',
    'success',
    'success',
    'success',
    'failure',
  ]);
});

test('applyProbeOutcome() readiness needs successThreshold successes in a row to become ready', () => {
  assert.deepEqual(run('readiness', [true, false, true, true, false, false, false], 2, 3), [
    'failure',
    'failure',
    'failure',
    'success',
    'success',
    'success',
    'failure',
  ]);
});

test('applyProbeOutcome() failureThreshold 1 and successThreshold 1 flip at once', () => {
  assert.deepEqual(run('readiness', [true, false, true], 1, 1), ['success', 'failure', 'success']);
});

test('resolvePort() numbers, numeric strings and named container ports; unknown names are undefined', () => {
  const ports = [{ name: 'http', containerPort: 8080, protocol: 'TCP' }];
  assert.equal(resolvePort(80, ports), 80);
  assert.equal(resolvePort('81', ports), 81);
  assert.equal(resolvePort('http', ports), 8080);
  assert.equal(resolvePort('metrics', ports), undefined);
});

describe('httpGet() and tcpConnect() against loopback servers', () => {
  let server: Server;
  let port = 0;
  let seen: IncomingHttpHeaders = {};
  before(async () => {
    server = createServer((req, res) => {
      seen = req.headers;
      if (req.url === '/ok') res.writeHead(200).end('fine');
      else if (req.url === '/moved') res.writeHead(302, { Location: '/elsewhere' }).end();
      else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end(), 2000);
      else res.writeHead(500).end('broken');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const get = (path: string, timeoutMs = 1000, headers: { name: string; value: string }[] = []) =>
    httpGet({ scheme: 'HTTP', host: '127.0.0.1', port, path, headers }, timeoutMs);

  test('httpGet() 200 and 302 are success, 500 a failure with the kubelet message', async () => {
    assert.equal((await get('/ok')).ok, true);
    assert.equal((await get('/moved')).ok, true);
    assert.deepEqual(await get('/bad'), { ok: false, message: 'HTTP probe failed with statuscode: 500' });
  });

  test('httpGet() sends httpHeaders, and a kube-probe User-Agent', async () => {
    await get('/ok', 1000, [{ name: 'X-Custom', value: 'v1' }]);
    assert.equal(seen['x-custom'], 'v1');
    assert.match(seen['user-agent'] ?? '', /^kube-probe\//);
  });

  test('httpGet() CR/LF in a path or header is refused, never sent as a second request', async () => {
    let requests = 0;
    const count = () => requests++;
    server.on('request', count);
    try {
      const h1 = await get('/ok\r\nX-Injected: 1', 1000);
      const h2 = await get('/ok', 1000, [{ name: 'X-A', value: 'v\r\nGET /bad HTTP/1.1' }]);
      assert.deepEqual(h1, {
        ok: false,
        message: `Get ${JSON.stringify(`http://127.0.0.1:${port}/ok\r\nX-Injected: 1`)}: invalid control character in URL`,
      });
      assert.equal(h2.ok, false);
      assert.equal(requests, 0);
    } finally {
      server.off('request', count);
    }
  });

  test('httpGet() a response slower than the timeout is a failure', async () => {
    const t0 = Date.now();
    const r = await get('/slow', 200);
    assert.equal(r.ok, false);
    assert.match(r.message, /^Get "http:\/\/127\.0\.0\.1:\d+\/slow": .*timed out/);
    assert.ok(Date.now() - t0 < 1500);
  });

  test('httpGet() and tcpConnect() a closed port is a failure naming the address', async () => {
    const s = createTcpServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const closed = (s.address() as { port: number }).port;
    assert.equal((await tcpConnect('127.0.0.1', closed, 1000)).ok, true);
    await new Promise((r) => s.close(r));
    const h = await httpGet(
      { scheme: 'HTTP', host: '127.0.0.1', port: closed, path: '/', headers: [] },
      1000,
    );
    assert.equal(h.ok, false);
    assert.match(h.message, /ECONNREFUSED/);
    const t = await tcpConnect('127.0.0.1', closed, 1000);
    assert.equal(t.ok, false);
    assert.match(t.message, new RegExp(`^dial tcp 127\\.0\\.0\\.1:${closed}: .*ECONNREFUSED`));
  });
});

test('runHandler() a named port the container does not declare is a failure saying so', async () => {
  const target = {
    task: { dir: '/nonexistent', initPid: 1 },
    exec: {} as never,
    container: 'c',
    ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
    podIp: '127.0.0.1',
  };
  const h = await runHandler({ httpGet: { port: 'metrics', scheme: 'HTTP' } }, target, 500);
  assert.deepEqual(h, { ok: false, message: 'port "metrics" is not a port of the container' });
  const t = await runHandler({ tcpSocket: { port: 'nope' } }, target, 500);
  assert.equal(t.ok, false);
  const g = await runHandler({ grpc: { port: 9 } }, target, 500);
  assert.deepEqual(g, { ok: false, message: 'gRPC handlers are not supported by hostpod' });
});

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

test('httpGet() HTTPS with a self-signed certificate succeeds (no verification, as the kubelet)', {
  skip: !hasOpenssl && 'openssl not installed',
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hostpod-tls-'));
  const server = createHttpsServer();
  try {
    const r = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=probe-test',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]);
    assert.equal(r.status, 0, r.stderr?.toString());
    server.setSecureContext({
      key: await readFile(join(dir, 'key.pem')),
      cert: await readFile(join(dir, 'cert.pem')),
    });
    server.on('request', (_req, res) => res.writeHead(204).end());
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const port = (server.address() as { port: number }).port;
    const h = await httpGet({ scheme: 'HTTPS', host: '127.0.0.1', port, path: '/', headers: [] }, 2000);
    assert.deepEqual(h, { ok: true, message: 'HTTP probe succeeded with statuscode: 204' });
    // Plain HTTP against the TLS port is a failure, not a hang.
    const plain = await httpGet({ scheme: 'HTTP', host: '127.0.0.1', port, path: '/', headers: [] }, 2000);
    assert.equal(plain.ok, false);
  } finally {
    server.closeAllConnections();
    await new Promise((res) => server.close(res));
    await rm(dir, { recursive: true, force: true });
  }
});

test('appendCriLog() writes whole CRI records, one per line, that parse back', async () => {
  const path = join(tmpdir(), `hostpod-cri-${process.pid}.log`);
  try {
    await appendCriLog(path, 'stdout', Buffer.from('one\ntwo\n'));
    await appendCriLog(path, 'stderr', Buffer.from('no newline'));
    await appendCriLog(path, 'stdout', Buffer.alloc(0));
    const lines = (await readFile(path)).toString().split('\n');
    assert.equal(lines.pop(), '');
    const recs = lines.map((l) => parseCriRecord(Buffer.from(l))!);
    assert.deepEqual(
      recs.map((r) => [r.stream, r.partial, r.text.toString()]),
      [
        ['stdout', false, 'one'],
        ['stdout', false, 'two'],
        ['stderr', false, 'no newline'],
      ],
    );
  } finally {
    await rm(path, { force: true });
  }
});
