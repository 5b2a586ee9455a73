import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isRuntimeError } from '../errors.ts';
import { openStateDb, type StateDb } from './state-db.ts';
import { type TempState, tempState } from './testing/temp-state.ts';

let t: TempState;
let db: StateDb;
before(() => {
  t = tempState();
  db = openStateDb(t.path);
});
after(() => {
  db.close();
  t.cleanup();
});

const ds = (image: string) => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'agent' },
  spec: { template: { spec: { containers: [{ name: 'a', image }] } } },
});

test('WorkloadRepository.put() creates, leaves unchanged, configures with a new generation', () => {
  const a = db.workloads.put({ kind: 'DaemonSet', namespace: 'default', name: 'agent', manifest: ds('x:1') });
  assert.equal(a.change, 'created');
  assert.equal(a.workload.generation, 1);
  const b = db.workloads.put({ kind: 'DaemonSet', namespace: 'default', name: 'agent', manifest: ds('x:1') });
  assert.equal(b.change, 'unchanged');
  assert.equal(b.workload.uid, a.workload.uid);
  const c = db.workloads.put({ kind: 'DaemonSet', namespace: 'default', name: 'agent', manifest: ds('x:2') });
  assert.equal(c.change, 'configured');
  assert.equal(c.workload.generation, 2);
  assert.equal(c.workload.uid, a.workload.uid);
  // A comparison that says "same" keeps the stored manifest.
  const d = db.workloads.put({
    kind: 'DaemonSet',
    namespace: 'default',
    name: 'agent',
    manifest: ds('x:3'),
    same: () => true,
  });
  assert.equal(d.change, 'unchanged');
  assert.equal(db.workloads.find('DaemonSet', 'default', 'agent')?.generation, 2);
});

test('WorkloadRepository keeps kinds apart, lists by kind and namespace; pods point to their owner', () => {
  const dep = db.workloads.put({ kind: 'Deployment', namespace: 'ops', name: 'agent', manifest: {} });
  assert.deepEqual(
    db.workloads.list({ namespace: 'ops' }).map((w) => `${w.kind}/${w.name}`),
    ['Deployment/agent'],
  );
  assert.deepEqual(
    db.workloads.list({ kind: 'DaemonSet' }).map((w) => `${w.namespace}/${w.name}`),
    ['default/agent'],
  );
  const p = db.pods.put({
    namespace: 'ops',
    name: 'agent-1',
    manifest: { kind: 'Pod' },
    source: { kind: 'apply' },
    ownerUid: dep.workload.uid,
  });
  assert.equal(p.pod.ownerUid, dep.workload.uid);
  assert.deepEqual(
    db.pods.listByOwner(dep.workload.uid).map((x) => x.name),
    ['agent-1'],
  );
  // Applied again without an owner (a bare Pod of that name): the owner goes.
  const again = db.pods.put({
    namespace: 'ops',
    name: 'agent-1',
    manifest: { kind: 'Pod' },
    source: { kind: 'apply' },
  });
  assert.equal(again.change, 'unchanged');
  assert.equal(again.pod.ownerUid, undefined);
  assert.equal(db.workloads.remove(dep.workload.uid), true);
  assert.equal(db.workloads.remove(dep.workload.uid), false);
});

test('WorkloadRepository.put() refuses a hostile name before storing it', () => {
  assert.throws(
    () => db.workloads.put({ kind: 'Job', namespace: 'default', name: '../etc', manifest: {} }),
    (e) => isRuntimeError(e, 'InvalidArgument') && /Invalid Job "default\/\.\.\/etc"/.test(e.message),
  );
  assert.equal(db.workloads.list({ kind: 'Job' }).length, 0);
});
