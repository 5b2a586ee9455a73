import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeForCompare, sameDesiredState, sameSpec } from './applied-object.ts';

const pod = (extra: Record<string, unknown> = {}, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', ...(labels ? { labels } : {}) },
  spec: { containers: [{ name: 'c', image: 'x:1' }], ...extra },
});

test('sameDesiredState() ignores status, server metadata and the API server defaults', () => {
  const saved = {
    ...pod({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', nodeName: 'n1' }),
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: 'u-1',
      creationTimestamp: '2026-01-01T00:00:00Z',
      resourceVersion: '7',
      generation: 1,
      managedFields: [{ manager: 'x' }],
      labels: {},
    },
    status: { phase: 'Running' },
  };
  const c = (saved.spec.containers as Record<string, unknown>[])[0]!;
  c.imagePullPolicy = 'IfNotPresent';
  c.terminationMessagePath = '/dev/termination-log';
  assert.ok(sameDesiredState(pod(), saved));
});

test('sameDesiredState() sees label, annotation, image and pull policy changes', () => {
  assert.ok(!sameDesiredState(pod(), pod({}, { a: 'b' })));
  assert.ok(!sameDesiredState(pod(), { ...pod(), metadata: { name: 'web', annotations: { a: 'b' } } }));
  assert.ok(!sameDesiredState(pod(), pod({ containers: [{ name: 'c', image: 'x:2' }] })));
  assert.ok(
    !sameDesiredState(pod(), pod({ containers: [{ name: 'c', image: 'x:1', imagePullPolicy: 'Always' }] })),
  );
  assert.ok(sameSpec(pod(), pod({}, { a: 'b' })), 'a label is not a spec change');
});

test('normalizeForCompare() does not change its input and tolerates hostile shapes', () => {
  const p = pod();
  const text = JSON.stringify(p);
  normalizeForCompare(p);
  assert.equal(JSON.stringify(p), text);
  for (const v of [
    null,
    1,
    'x',
    [],
    { kind: 'Pod', spec: 'x', metadata: 3 },
    { kind: 'Pod', spec: { containers: 'x' } },
  ])
    assert.doesNotThrow(() => normalizeForCompare(v));
});
