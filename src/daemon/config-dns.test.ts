import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRuntimeError } from '../errors.ts';
import { buildConfig } from './config.ts';

test('buildConfig() reads clusterDNS, clusterDomain and resolvConf (file keys and flags), with the kubelet defaults', () => {
  const d = buildConfig({}, {}, 'flags');
  assert.deepEqual(d.dns, { clusterDNS: [], clusterDomain: '', resolvConf: '/etc/resolv.conf' });
  const c = buildConfig(
    {
      clusterDNS: ['10.96.0.10'],
      clusterDomain: 'cluster.local',
      resolvConf: '/run/systemd/resolve/resolv.conf',
    },
    { clusterDNS: '10.96.0.10, fd00::10' },
    '/etc/hostpod/config.yaml',
  );
  assert.deepEqual(c.dns, {
    clusterDNS: ['10.96.0.10', 'fd00::10'],
    clusterDomain: 'cluster.local',
    resolvConf: '/run/systemd/resolve/resolv.conf',
  });
  assert.equal(
    buildConfig({ clusterDomain: 'cluster.local.', resolvConf: '' }, {}, 'f').dns.clusterDomain,
    'cluster.local',
  );
  assert.equal(buildConfig({ resolvConf: '' }, {}, 'f').dns.resolvConf, '');
});

test('buildConfig() refuses a cluster DNS that is not an IP, a bad domain, a relative resolvConf, naming the key and source', () => {
  for (const [raw, key] of [
    [{ clusterDNS: ['kube-dns.kube-system'] }, 'clusterDNS'],
    [{ clusterDNS: '10.96.0.10,nope' }, 'clusterDNS'],
    [{ clusterDNS: 10 }, 'clusterDNS'],
    [{ clusterDomain: 'Cluster_Local' }, 'clusterDomain'],
    [{ resolvConf: 'etc/resolv.conf' }, 'resolvConf'],
  ] as const) {
    assert.throws(
      () => buildConfig(raw as Record<string, unknown>, {}, '/etc/hostpod/config.yaml'),
      (e: unknown) =>
        isRuntimeError(e, 'InvalidArgument') &&
        e.message.startsWith(`/etc/hostpod/config.yaml: ${key}: expected`),
      JSON.stringify(raw),
    );
  }
});
