import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { test } from 'node:test';
import type { ContainerStatsView } from '../api/protocol.ts';
import { isRuntimeError } from '../errors.ts';
import { DaemonMetrics, type MetricsServer, parseListenAddress, serveMetrics } from './metrics.ts';
import { type Exposition, parseExposition, sampleValue } from './testing/metrics-text.ts';

async function withServer(metrics: DaemonMetrics, fn: (s: MetricsServer) => Promise<void>): Promise<void> {
  const server = await serveMetrics(metrics, '127.0.0.1:0');
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

async function scrape(server: MetricsServer): Promise<Exposition> {
  const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

function stats(namespace: string, pod: string, container: string, n: number): ContainerStatsView {
  return {
    namespace,
    pod,
    container,
    containerId: `${pod}-${container}`,
    cpuUsageNs: n * 1_500_000_000,
    memoryWorkingSetBytes: n * 1024 * 1024,
    processCount: 1,
    logBytes: n * 100,
  };
}

test('serveMetrics() serves the kubelet HostProcess counters by container type, rising with each start and failed start', async () => {
  const metrics = new DaemonMetrics();
  await withServer(metrics, async (server) => {
    let exp = await scrape(server);
    assert.equal(exp.types.get('started_host_process_containers_total'), 'counter');
    assert.equal(exp.types.get('started_host_process_containers_errors_total'), 'counter');
    assert.match(
      exp.help.get('started_host_process_containers_total') ?? '',
      /hostprocess containers started/,
    );
    for (const t of ['container', 'init_container', 'ephemeral_container']) {
      assert.equal(sampleValue(exp, 'started_host_process_containers_total', { container_type: t }), 0, t);
    }
    metrics.containerStarted('container');
    metrics.containerStarted('container');
    metrics.containerStarted('init_container');
    metrics.containerStartFailed('container', 'PermissionDenied');
    metrics.containerStartFailed('ephemeral_container', 'NotFound');
    exp = await scrape(server);
    assert.equal(
      sampleValue(exp, 'started_host_process_containers_total', { container_type: 'container' }),
      2,
    );
    assert.equal(
      sampleValue(exp, 'started_host_process_containers_total', { container_type: 'init_container' }),
      1,
    );
    assert.equal(
      sampleValue(exp, 'started_host_process_containers_errors_total', {
        container_type: 'container',
        code: 'PermissionDenied',
      }),
      1,
    );
    assert.equal(
      sampleValue(exp, 'started_host_process_containers_errors_total', {
        container_type: 'ephemeral_container',
        code: 'NotFound',
      }),
      1,
    );
    // Process metrics of the daemon itself, from the same registry.
    assert.ok((sampleValue(exp, 'process_cpu_seconds_total') ?? -1) > 0);
    assert.ok((sampleValue(exp, 'process_resident_memory_bytes') ?? 0) > 1024 * 1024);
  });
});

test('render() reports per-container CPU seconds, working set and log bytes, and pods by phase, as they are at scrape time', async () => {
  let current = [stats('default', 'web', 'nginx', 2), stats('kube-system', 'proxy', 'kube-proxy', 4)];
  let phases = { Pending: 1, Running: 2, Succeeded: 0, Failed: 0 };
  const metrics = new DaemonMetrics({ collectContainers: async () => current, podPhases: () => phases });
  await withServer(metrics, async (server) => {
    let exp = await scrape(server);
    const web = { namespace: 'default', pod: 'web', container: 'nginx' };
    assert.equal(exp.types.get('container_cpu_usage_seconds_total'), 'counter');
    assert.equal(exp.types.get('container_memory_working_set_bytes'), 'gauge');
    assert.equal(sampleValue(exp, 'container_cpu_usage_seconds_total', web), 3);
    assert.equal(sampleValue(exp, 'container_memory_working_set_bytes', web), 2 * 1024 * 1024);
    assert.equal(sampleValue(exp, 'hostpod_container_log_bytes', web), 200);
    assert.equal(sampleValue(exp, 'container_cpu_usage_seconds_total', { pod: 'proxy' }), 6);
    assert.equal(sampleValue(exp, 'hostpod_pods', { phase: 'Running' }), 2);
    assert.equal(sampleValue(exp, 'hostpod_pods', { phase: 'Failed' }), 0);

    current = [stats('default', 'web', 'nginx', 5)];
    phases = { Pending: 0, Running: 1, Succeeded: 1, Failed: 1 };
    exp = await scrape(server);
    assert.equal(sampleValue(exp, 'container_cpu_usage_seconds_total', web), 7.5);
    assert.equal(sampleValue(exp, 'hostpod_container_log_bytes', web), 500);
    assert.equal(
      sampleValue(exp, 'container_cpu_usage_seconds_total', { pod: 'proxy' }),
      undefined,
      'a container that is gone has no series any more',
    );
    assert.equal(sampleValue(exp, 'hostpod_pods', { phase: 'Succeeded' }), 1);
    assert.equal(sampleValue(exp, 'hostpod_pods', { phase: 'Running' }), 1);
  });
});

test('render() still answers when a collector throws or hangs: its series are left out and the failure is counted', async () => {
  let mode: 'ok' | 'throw' | 'hang' = 'throw';
  const metrics = new DaemonMetrics({
    collectTimeoutMs: 200,
    collectContainers: () => {
      if (mode === 'throw') return Promise.reject(new Error('cgroup gone'));
      if (mode === 'hang') return new Promise<ContainerStatsView[]>(() => {});
      return Promise.resolve([stats('default', 'web', 'nginx', 1)]);
    },
    podPhases: () => {
      throw new Error('database locked');
    },
  });
  await withServer(metrics, async (server) => {
    let exp = await scrape(server);
    assert.equal(sampleValue(exp, 'hostpod_metrics_collector_errors_total', { collector: 'containers' }), 1);
    assert.equal(sampleValue(exp, 'hostpod_metrics_collector_errors_total', { collector: 'pods' }), 1);
    assert.equal(sampleValue(exp, 'container_cpu_usage_seconds_total', { pod: 'web' }), undefined);
    assert.equal(
      sampleValue(exp, 'started_host_process_containers_total', { container_type: 'container' }),
      0,
    );

    mode = 'ok';
    exp = await scrape(server);
    assert.equal(sampleValue(exp, 'container_cpu_usage_seconds_total', { pod: 'web' }), 1.5);

    mode = 'hang';
    exp = await scrape(server);
    assert.equal(sampleValue(exp, 'hostpod_metrics_collector_errors_total', { collector: 'containers' }), 2);
    assert.equal(
      sampleValue(exp, 'container_cpu_usage_seconds_total', { pod: 'web' }),
      undefined,
      'no stale value from the last good scrape',
    );
  });
});

test('observeImagePull(), observeApiRequest(), setDiskFull() and the write-failure counters show in the scrape', async () => {
  const metrics = new DaemonMetrics();
  metrics.observeImagePull(0.3, 'success');
  metrics.observeImagePull(42, 'success');
  metrics.observeImagePull(1, 'failure');
  metrics.observeApiRequest('GET', '/v1/pods', 200, 0.002);
  metrics.observeApiRequest('GET', '/v1/pods', 200, 0.004);
  metrics.observeApiRequest('DELETE', '/v1/namespaces/:ns/pods/:name', 404, 0.001);
  metrics.setDiskFull('/var/log/pods', true);
  metrics.setDiskFull('/var/lib/hostpod', true);
  metrics.setDiskFull('/var/lib/hostpod', false);
  metrics.stateWriteFailed();
  metrics.logWriteFailed();
  metrics.logWriteFailed();
  metrics.logBytesDropped(4096);
  const exp = parseExposition((await metrics.render()).body);
  assert.equal(exp.types.get('hostpod_image_pull_duration_seconds'), 'histogram');
  const pull = (le: string) =>
    sampleValue(exp, 'hostpod_image_pull_duration_seconds_bucket', { outcome: 'success', le });
  assert.equal(pull('0.5'), 1);
  assert.equal(pull('60'), 2);
  assert.equal(pull('+Inf'), 2);
  assert.equal(sampleValue(exp, 'hostpod_image_pull_duration_seconds_sum', { outcome: 'success' }), 42.3);
  assert.equal(sampleValue(exp, 'hostpod_image_pull_duration_seconds_count', { outcome: 'failure' }), 1);
  const api = { method: 'GET', route: '/v1/pods', code: '200' };
  assert.equal(sampleValue(exp, 'hostpod_api_request_duration_seconds_count', api), 2);
  assert.equal(sampleValue(exp, 'hostpod_api_request_duration_seconds_bucket', { ...api, le: '0.0025' }), 1);
  assert.equal(
    sampleValue(exp, 'hostpod_api_request_duration_seconds_count', {
      method: 'DELETE',
      route: '/v1/namespaces/:ns/pods/:name',
      code: '404',
    }),
    1,
  );
  assert.equal(sampleValue(exp, 'hostpod_disk_full', { path: '/var/log/pods' }), 1);
  assert.equal(sampleValue(exp, 'hostpod_disk_full', { path: '/var/lib/hostpod' }), 0);
  assert.equal(sampleValue(exp, 'hostpod_state_write_failures_total'), 1);
  assert.equal(sampleValue(exp, 'hostpod_log_write_failures_total'), 2);
  assert.equal(sampleValue(exp, 'hostpod_log_bytes_dropped_total'), 4096);
});

test('DaemonMetrics() instances do not share counters (each has its own registry)', async () => {
  const a = new DaemonMetrics();
  const b = new DaemonMetrics();
  a.containerStarted('container');
  const expB = parseExposition((await b.render()).body);
  assert.equal(
    sampleValue(expB, 'started_host_process_containers_total', { container_type: 'container' }),
    0,
  );
});

test('serveMetrics() answers 404 off /metrics and 405 for other methods, and HEAD without a body', async () => {
  await withServer(new DaemonMetrics(), async (server) => {
    const base = `http://127.0.0.1:${server.port}`;
    const other = await fetch(`${base}/`);
    assert.equal(other.status, 404);
    await other.text();
    const nested = await fetch(`${base}/metrics/extra`);
    assert.equal(nested.status, 404);
    await nested.text();
    const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    await post.text();
    const head = await fetch(`${base}/metrics?x=1`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });
});

test('serveMetrics() binds exactly the address given: 127.0.0.1 is not reachable through 127.0.0.2', async () => {
  await withServer(new DaemonMetrics(), async (server) => {
    assert.equal(server.address, '127.0.0.1');
    assert.equal(server.listen, `127.0.0.1:${server.port}`);
    const err = await new Promise<unknown>((resolve) => {
      const s = connect({ host: '127.0.0.2', port: server.port });
      s.once('connect', () => {
        s.destroy();
        resolve(undefined);
      });
      s.once('error', resolve);
    });
    assert.equal((err as { code?: string } | undefined)?.code, 'ECONNREFUSED');
  });
});

const hasIpv6Loopback = Object.values(networkInterfaces())
  .flat()
  .some((i) => i?.address === '::1');

test('serveMetrics() serves on a bracketed IPv6 loopback address', {
  skip: !hasIpv6Loopback && 'no ::1 here',
}, async () => {
  const metrics = new DaemonMetrics();
  const server = await serveMetrics(metrics, '[::1]:0');
  try {
    assert.equal(server.address, '::1');
    assert.equal(server.listen, `[::1]:${server.port}`);
    const res = await fetch(`http://[::1]:${server.port}/metrics`);
    assert.equal(res.status, 200);
    assert.ok(parseExposition(await res.text()).types.has('started_host_process_containers_total'));
  } finally {
    await server.close();
  }
});

test('serveMetrics() refuses a host name, a missing or out-of-range port and an unbracketed IPv6 address with InvalidArgument', async () => {
  for (const bad of [
    'localhost:9470',
    '127.0.0.1',
    ':9470',
    '127.0.0.1:65536',
    '::1:9470',
    '[127.0.0.1]:9470',
    '',
  ]) {
    await assert.rejects(
      serveMetrics(new DaemonMetrics(), bad),
      (e) => isRuntimeError(e, 'InvalidArgument'),
      bad,
    );
  }
  assert.deepEqual(parseListenAddress('0.0.0.0:9470'), { host: '0.0.0.0', port: 9470 });
  assert.deepEqual(parseListenAddress('[::]:80'), { host: '::', port: 80 });
});

test('serveMetrics() refuses a port in use with Unavailable, and an address not on this host with InvalidArgument', async () => {
  await withServer(new DaemonMetrics(), async (server) => {
    await assert.rejects(
      serveMetrics(new DaemonMetrics(), `127.0.0.1:${server.port}`),
      (e) => isRuntimeError(e, 'Unavailable') && /port is in use/.test(e.message),
    );
  });
  // TEST-NET-1 (RFC 5737) is never assigned to a local interface.
  await assert.rejects(serveMetrics(new DaemonMetrics(), '192.0.2.1:0'), (e) =>
    isRuntimeError(e, 'InvalidArgument'),
  );
});
