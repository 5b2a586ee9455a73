import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRuntimeError, type RuntimeError } from '../errors.ts';
import { decodeDesired, decodeStoredPod, templatePodName } from './apply.ts';

const spec = {
  hostNetwork: true,
  securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
  containers: [{ name: 'c', image: 'localhost/x:1' }],
};
const pod = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { ...spec, ...extra },
});

function refused(values: unknown[]): RuntimeError {
  try {
    decodeDesired(values, { node: 'n1' });
  } catch (e) {
    assert.ok(isRuntimeError(e, 'InvalidArgument'), String(e));
    return e;
  }
  assert.fail('accepted');
}

test('decodeDesired() keeps a Pod as applied, defaults its namespace, drops its status', () => {
  const d = decodeDesired([{ ...pod('web'), status: { phase: 'Running' } }], { node: 'n1' });
  assert.equal(d.pods.length, 1);
  assert.equal(d.pods[0]!.namespace, 'default');
  assert.equal(d.pods[0]!.name, 'web');
  assert.equal('status' in d.pods[0]!.manifest, false);
  assert.deepEqual((d.pods[0]!.manifest.metadata as Record<string, unknown>).namespace, 'default');
});

test('decodeDesired() names a DaemonSet template pod after the node, the same each time', () => {
  const ds = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'calico-node', namespace: 'kube-system' },
    spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec } },
  };
  const a = decodeDesired([ds], { node: 'n1' }).pods[0]!;
  const b = decodeDesired([ds], { node: 'n1' }).pods[0]!;
  const other = decodeDesired([ds], { node: 'n2' }).pods[0]!;
  assert.equal(a.name, b.name);
  assert.notEqual(a.name, other.name);
  assert.match(a.name, /^calico-node-[0-9a-f]{5}$/);
  assert.equal(a.namespace, 'kube-system');
  assert.equal(a.manifest.kind, 'Pod');
  assert.deepEqual((a.manifest.metadata as Record<string, unknown>).labels, { a: 'b' });
  assert.equal(templatePodName('x'.repeat(80), 'n').length, 63);
  assert.match(templatePodName(`${'a'.repeat(56)}.b`, 'n'), /^a{56}-[0-9a-f]{5}$/);
});

test('decodeDesired() refuses every invalid object at once, naming the object and the field', () => {
  const e = refused([
    pod('../x'),
    pod('ok', { containers: [{ name: 'c' }] }),
    { kind: 'Pod' },
    'not an object',
  ]);
  const details = e.details ?? [];
  assert.ok(
    details.some((d) => d.object === 'Pod/../x' && d.path === 'metadata.name'),
    JSON.stringify(details),
  );
  assert.ok(
    details.some((d) => d.object === 'Pod/ok' && d.path === 'spec.containers[0].image'),
    JSON.stringify(details),
  );
  assert.ok(
    details.some((d) => d.object === 'objects[3]'),
    JSON.stringify(details),
  );
  assert.match(e.message, /nothing was applied/);
});

test('decodeDesired() refuses two pods of one name, a non-HostProcess container mix', () => {
  assert.deepEqual(refused([pod('a'), pod('a')]).details, [
    { path: 'metadata.name', message: 'two pods are named "default/a"', object: 'Pod/a' },
  ]);
  const mixed = refused([
    pod('m', {
      securityContext: {},
      containers: [
        { name: 'a', image: 'x', securityContext: { windowsOptions: { hostProcess: true } } },
        { name: 'b', image: 'x' },
      ],
    }),
  ]);
  assert.ok((mixed.details ?? []).length > 0);
});

test('decodeDesired() warns of unknown fields and skips kinds it does not run', () => {
  const d = decodeDesired(
    [pod('w', { bogus: 1 }), { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } }],
    { node: 'n1' },
  );
  assert.deepEqual(d.warnings, ['Pod/w: unknown field "spec.bogus"']);
  assert.deepEqual(d.skipped, [{ kind: 'Service', name: 's', reason: 'hostpod runs pods only' }]);
});

test('decodeDesired() takes ConfigMaps and Secrets, and Lists of objects', () => {
  const d = decodeDesired(
    [
      {
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { k: 'v' } },
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 's', namespace: 'ns' },
            stringData: { k: 'v' },
          },
          pod('p'),
        ],
      },
    ],
    { node: 'n1' },
  );
  assert.deepEqual(
    d.objects.map((o) => `${o.kind}/${o.namespace}/${o.name}`),
    ['ConfigMap/default/cm', 'Secret/ns/s'],
  );
  assert.equal(d.pods[0]!.name, 'p');
});

test('decodeStoredPod() decodes a stored manifest again; a damaged one is DataLoss', () => {
  const d = decodeDesired([pod('web')], { node: 'n1' });
  assert.equal(decodeStoredPod(d.pods[0]!.manifest, 'pod default/web').spec.containers[0]!.name, 'c');
  assert.throws(
    () =>
      decodeStoredPod({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'x' }, spec: {} }, 'pod default/x'),
    (e: unknown) => isRuntimeError(e, 'DataLoss'),
  );
});
