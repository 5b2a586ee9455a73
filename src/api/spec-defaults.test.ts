import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withPodSpecDefaults } from './spec-defaults.ts';

test('withPodSpecDefaults() fills what the API server defaults and keeps what was set', () => {
  const s = withPodSpecDefaults({
    restartPolicy: 'Never',
    containers: [
      { name: 'a', image: 'busybox', ports: [{ containerPort: 80 }], readinessProbe: { periodSeconds: 2 } },
      { name: 'b', image: 'x:1', imagePullPolicy: 'Never' },
    ],
  });
  assert.equal(s.restartPolicy, 'Never');
  assert.equal(s.dnsPolicy, 'ClusterFirst');
  assert.equal(s.terminationGracePeriodSeconds, 30);
  assert.equal(s.schedulerName, 'default-scheduler');
  const [a, b] = s.containers as Record<string, unknown>[];
  assert.equal(a!.imagePullPolicy, 'Always', 'an untagged image is pulled Always');
  assert.equal(a!.terminationMessagePath, '/dev/termination-log');
  assert.deepEqual(a!.ports, [{ protocol: 'TCP', containerPort: 80 }]);
  assert.deepEqual(a!.readinessProbe, {
    initialDelaySeconds: 0,
    timeoutSeconds: 1,
    periodSeconds: 2,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.equal(b!.imagePullPolicy, 'Never');
  assert.deepEqual(withPodSpecDefaults(null).containers, undefined);
});
