import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WorkloadView } from '../../api/protocol.ts';
import { fakePod } from '../../daemon/testing/fake-backend.ts';
import { toKubeWorkload, workloadHeader, workloadRow } from './workload-print.ts';

const NOW = new Date('2026-01-01T00:10:00Z');
const ds: WorkloadView = {
  uid: 'w1',
  kind: 'DaemonSet',
  namespace: 'default',
  name: 'agent',
  manifest: {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', labels: { app: 'agent' } },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: {
        spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'a', image: 'x:1' }] },
      },
    },
  },
  createdAt: '2026-01-01T00:00:00Z',
  generation: 2,
  pods: [fakePod('default', 'agent-12345')],
};

test('workloadRow() counts the pods of this node in kubectl columns; toKubeWorkload() has defaults and status', () => {
  assert.deepEqual(workloadHeader('DaemonSet'), [
    'NAME',
    'DESIRED',
    'CURRENT',
    'READY',
    'UP-TO-DATE',
    'AVAILABLE',
    'NODE SELECTOR',
    'AGE',
  ]);
  assert.deepEqual(workloadRow(ds, NOW), ['agent', '1', '1', '1', '1', '1', 'kubernetes.io/os=linux', '10m']);
  assert.deepEqual(workloadRow({ ...ds, kind: 'Deployment', pods: [] }, NOW), [
    'agent',
    '0/1',
    '0',
    '0',
    '10m',
  ]);
  assert.deepEqual(workloadRow(ds, NOW, true).slice(-3), ['a', 'x:1', 'app=agent']);
  const k = toKubeWorkload(ds);
  assert.deepEqual(Object.keys(k), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  assert.equal((k.status as Record<string, unknown>).numberReady, 1);
  assert.equal((k.status as Record<string, unknown>).observedGeneration, 2);
  const podSpec = (k.spec as { template: { spec: Record<string, unknown> } }).template.spec;
  assert.equal(podSpec.restartPolicy, 'Always');
  assert.equal(
    (ds.manifest.spec as { template: { spec: Record<string, unknown> } }).template.spec.restartPolicy,
    undefined,
    'the view is not changed',
  );
});
