import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { parseManifestText } from './manifests.ts';
import { decodeWorkload, findObjects } from './objects.ts';
import { evaluatePodSecurity, formatPodSecurity } from './pod-security.ts';
import { ctr, hpcPod } from './testing/pods.ts';

function specOf(obj: Record<string, unknown>) {
  const { objects } = findObjects(parseManifestText(stringify(obj), 't.yaml').documents);
  return decodeWorkload(objects[0]!).pod.spec;
}

test('evaluatePodSecurity() scenario 9: an HPC pod is denied at baseline with hostProcess and host namespaces', () => {
  const r = evaluatePodSecurity(specOf(hpcPod()), 'baseline');
  assert.equal(r.allowed, false);
  assert.deepEqual(
    r.violations.map((v) => [v.check, v.reason, v.detail]),
    [
      [
        'windowsHostProcess',
        'hostProcess',
        'pod must not set securityContext.windowsOptions.hostProcess=true',
      ],
      ['hostNamespaces', 'host namespaces', 'hostNetwork'],
    ],
  );
  assert.equal(
    formatPodSecurity(r),
    'violates PodSecurity "baseline:latest": hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true), host namespaces (hostNetwork)',
  );
});

test('evaluatePodSecurity() names the containers that set hostProcess, and hostPath volumes', () => {
  const pod = hpcPod({ volumes: [{ name: 'cni', hostPath: { path: '/opt/cni/bin' } }] }, [
    ctr('a', { hostProcess: true }),
    ctr('b', { hostProcess: true }),
  ]);
  const r = evaluatePodSecurity(specOf(pod), 'baseline');
  const byCheck = Object.fromEntries(r.violations.map((v) => [v.check, v.detail]));
  assert.equal(
    byCheck.windowsHostProcess,
    'pod and containers "a", "b" must not set securityContext.windowsOptions.hostProcess=true',
  );
  assert.equal(byCheck.hostPathVolumes, 'volume "cni"');
});

test('evaluatePodSecurity() restricted adds the restricted checks; privileged admits', () => {
  const spec = specOf(hpcPod());
  const restricted = evaluatePodSecurity(spec, 'restricted');
  assert.equal(restricted.allowed, false);
  const checks = restricted.violations.map((v) => v.check);
  for (const c of [
    'windowsHostProcess',
    'hostNamespaces',
    'allowPrivilegeEscalation',
    'runAsNonRoot',
    'seccompProfile_restricted',
    'capabilities_restricted',
  ]) {
    assert.ok(checks.includes(c), `missing ${c} in ${checks.join(',')}`);
  }
  assert.deepEqual(evaluatePodSecurity(spec, 'privileged'), {
    level: 'privileged',
    allowed: true,
    violations: [],
  });
});

test('evaluatePodSecurity() admits a hardened ordinary pod at restricted', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'ok' },
    spec: {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'a',
          image: 'img:1',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  };
  assert.equal(evaluatePodSecurity(specOf(pod), 'restricted').allowed, true);
});
