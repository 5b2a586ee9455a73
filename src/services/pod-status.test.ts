import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PodSpec } from '../api/types.ts';
import {
  conditionTrue,
  initialPodStatus,
  markPodFinished,
  markProbed,
  markStarted,
  markTerminated,
  markWaiting,
  type PodStatus,
  shouldRestart,
} from './pod-status.ts';
import { hpcPodYaml, podsOf } from './testing/harness.ts';

function specOf(policy: string, containers: string, extra = ''): PodSpec {
  return podsOf(
    hpcPodYaml('p', containers, extra).replace('restartPolicy: Never', `restartPolicy: ${policy}`),
  )[0]!.spec;
}
const c = (name: string, extra = '') => `  - name: ${name}\n    image: img\n${extra}`;
const started = (id: string, restartCount = 0, probes: { startup?: boolean; readiness?: boolean } = {}) => ({
  containerID: id,
  startedAt: '2026-01-01T00:00:00.000Z',
  restartCount,
  startupProbe: probes.startup ?? false,
  readinessProbe: probes.readiness ?? false,
});
const ended = (exitCode: number, restartCount = 0) => ({
  exitCode,
  reason: exitCode === 0 ? 'Completed' : 'Error',
  finishedAt: '2026-01-01T00:00:01.000Z',
  restartCount,
});
const cond = (s: PodStatus) => s.conditions.map((x) => `${x.type}=${x.status}`).join(' ');

test('initialPodStatus() is Pending with every container waiting (PodInitializing with init containers)', () => {
  const spec = specOf('Always', c('a'), `  initContainers:\n${c('i')}`);
  const s = initialPodStatus(spec);
  assert.equal(s.phase, 'Pending');
  assert.equal(cond(s), 'Initialized=False ContainersReady=False Ready=False');
  assert.deepEqual(s.initContainerStatuses[0]!.state, { waiting: { reason: 'PodInitializing' } });
  assert.deepEqual(s.containerStatuses[0]!.state, { waiting: { reason: 'PodInitializing' } });
  const plain = initialPodStatus(specOf('Always', c('a')));
  assert.deepEqual(plain.containerStatuses[0]!.state, { waiting: { reason: 'ContainerCreating' } });
  assert.equal(cond(plain), 'Initialized=True ContainersReady=False Ready=False');
  // Plain data: it survives JSON as it is (the daemon persists it).
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
});

test('markStarted() without probes: running, started, ready; the pod Running and Ready', () => {
  const spec = specOf('Always', c('a'));
  const s = initialPodStatus(spec);
  markStarted(s, spec, 'container', 'a', started('id1'));
  const a = s.containerStatuses[0]!;
  assert.deepEqual(a.state, { running: { startedAt: '2026-01-01T00:00:00.000Z' } });
  assert.equal(a.started, true);
  assert.equal(a.ready, true);
  assert.equal(s.phase, 'Running');
  assert.equal(conditionTrue(s, 'Ready'), true);
});

test('markStarted() with startup and readiness probes: not started, not ready until they pass', () => {
  const spec = specOf('Always', c('a'));
  const s = initialPodStatus(spec);
  markStarted(s, spec, 'container', 'a', started('id1', 0, { startup: true, readiness: true }));
  const a = s.containerStatuses[0]!;
  assert.equal(a.started, false);
  assert.equal(a.ready, false);
  // Readiness cannot make a container ready before its startup probe passed.
  assert.equal(markProbed(s, spec, 'container', 'a', { ready: true }), false);
  assert.equal(markProbed(s, spec, 'container', 'a', { started: true }), true);
  assert.equal(conditionTrue(s, 'Ready'), false);
  assert.equal(markProbed(s, spec, 'container', 'a', { ready: true }), true);
  assert.equal(cond(s), 'Initialized=True ContainersReady=True Ready=True');
  assert.equal(markProbed(s, spec, 'container', 'a', { ready: false }), true);
  assert.equal(cond(s), 'Initialized=True ContainersReady=False Ready=False');
});

test('a restart: terminated → CrashLoopBackOff (end kept as lastState) → running with restartCount 1', () => {
  const spec = specOf('Always', c('a'));
  const s = initialPodStatus(spec);
  markStarted(s, spec, 'container', 'a', started('id1'));
  markTerminated(s, spec, 'container', 'a', ended(1));
  const a = s.containerStatuses[0]!;
  assert.equal(a.ready, false);
  assert.ok('terminated' in a.state && a.state.terminated.containerID === 'id1');
  assert.equal(s.phase, 'Running', 'Always: the pod keeps running while the container restarts');
  markWaiting(s, spec, 'container', 'a', { reason: 'CrashLoopBackOff', message: 'back-off 10s …' });
  assert.deepEqual(a.state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s …' } });
  assert.ok('terminated' in a.lastState && a.lastState.terminated.exitCode === 1);
  assert.equal(s.phase, 'Running');
  markStarted(s, spec, 'container', 'a', started('id2', 1));
  assert.equal(a.restartCount, 1);
  assert.equal(a.containerID, 'id2');
  assert.ok('terminated' in a.lastState && a.lastState.terminated.containerID === 'id1');
});

test('derived phase: OnFailure success → Succeeded; Never failure → Failed; OnFailure failure → Running', () => {
  for (const [policy, code, phase] of [
    ['OnFailure', 0, 'Succeeded'],
    ['Never', 1, 'Failed'],
    ['OnFailure', 1, 'Running'],
    ['Always', 0, 'Running'],
  ] as const) {
    const spec = specOf(policy, c('a'));
    const s = initialPodStatus(spec);
    markStarted(s, spec, 'container', 'a', started('id'));
    markTerminated(s, spec, 'container', 'a', ended(code));
    assert.equal(s.phase, phase, `${policy} exit ${code}`);
  }
});

test('init containers: Initialized once each succeeded; a failed one under Never fails the pod, else Pending', () => {
  const spec = specOf('Never', c('a'), `  initContainers:\n${c('i1')}${c('i2')}`);
  const s = initialPodStatus(spec);
  markStarted(s, spec, 'init_container', 'i1', started('x'));
  markTerminated(s, spec, 'init_container', 'i1', ended(0));
  assert.equal(conditionTrue(s, 'Initialized'), false);
  markStarted(s, spec, 'init_container', 'i2', started('y'));
  markTerminated(s, spec, 'init_container', 'i2', ended(2));
  assert.equal(s.phase, 'Failed');
  const spec2 = specOf('Always', c('a'), `  initContainers:\n${c('i1')}`);
  const s2 = initialPodStatus(spec2);
  markTerminated(s2, spec2, 'init_container', 'i1', ended(2));
  assert.equal(s2.phase, 'Pending', 'retried under Always');
  markTerminated(s2, spec2, 'init_container', 'i1', ended(0, 1));
  assert.equal(conditionTrue(s2, 'Initialized'), true);
  assert.equal(s2.initContainerStatuses[0]!.restartCount, 1);
});

test('a sidecar init container counts as initialized once started, and its readiness gates Ready', () => {
  const spec = specOf('Always', c('a'), `  initContainers:\n${c('side', '    restartPolicy: Always\n')}`);
  const s = initialPodStatus(spec);
  markStarted(s, spec, 'init_container', 'side', started('s', 0, { readiness: true }));
  assert.equal(conditionTrue(s, 'Initialized'), true);
  markStarted(s, spec, 'container', 'a', started('a'));
  assert.equal(conditionTrue(s, 'Ready'), false);
  markProbed(s, spec, 'init_container', 'side', { ready: true });
  assert.equal(conditionTrue(s, 'Ready'), true);
});

test('markPodFinished(): Succeeded only when every container last exited 0 and nothing failed', () => {
  const spec = specOf('Always', c('a'));
  const s = initialPodStatus(spec);
  markStarted(s, spec, 'container', 'a', started('id'));
  markTerminated(s, spec, 'container', 'a', ended(0));
  markPodFinished(s, spec, false);
  assert.equal(s.phase, 'Succeeded');
  assert.equal(conditionTrue(s, 'Ready'), false);
  const s2 = initialPodStatus(spec);
  markPodFinished(s2, spec, false);
  assert.equal(s2.phase, 'Failed', 'never ran');
});

test('shouldRestart() follows the policy', () => {
  assert.deepEqual(
    [
      shouldRestart('Always', 0),
      shouldRestart('Always', 1),
      shouldRestart('OnFailure', 0),
      shouldRestart('OnFailure', 137),
      shouldRestart('Never', 1),
    ],
    [true, true, false, true, false],
  );
});
