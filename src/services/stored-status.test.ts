import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ContainerState } from '../api/pod-status-types.ts';
import type { ContainerType } from '../api/visit-containers.ts';
import {
  initialPodStatus,
  markProbed,
  markStarted,
  markTerminated,
  markWaiting,
  type PodStatus,
  type StatusSpec,
} from './pod-status.ts';
import { composeStatus, storedStatus } from './stored-status.ts';

interface Row {
  id: string;
  type: ContainerType;
  name: string;
  attempt: number;
  state: ContainerState;
}

const spec: StatusSpec = {
  restartPolicy: 'Always',
  initContainers: [
    { name: 'setup', image: 'i:1' },
    { name: 'sidecar', image: 's:1', restartPolicy: 'Always' },
  ],
  containers: [
    { name: 'main', image: 'm:1' },
    { name: 'helper', image: 'h:1' },
  ],
};

type Step =
  | { kind: 'start'; c: number; readiness: boolean; startup: boolean }
  | { kind: 'exit'; c: number; code: number }
  | { kind: 'startError'; c: number }
  | { kind: 'backoff'; c: number }
  | { kind: 'probe'; c: number; ready: boolean }
  | { kind: 'pullError' };

const NAMES: [ContainerType, string][] = [
  ['init_container', 'setup'],
  ['init_container', 'sidecar'],
  ['container', 'main'],
  ['container', 'helper'],
];

const step = fc.oneof(
  fc.record({
    kind: fc.constant('start' as const),
    c: fc.nat(3),
    readiness: fc.boolean(),
    startup: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('exit' as const), c: fc.nat(3), code: fc.constantFrom(0, 1, 137) }),
  fc.record({ kind: fc.constant('startError' as const), c: fc.nat(3) }),
  fc.record({ kind: fc.constant('backoff' as const), c: fc.nat(3) }),
  fc.record({ kind: fc.constant('probe' as const), c: fc.nat(3), ready: fc.boolean() }),
  fc.record({ kind: fc.constant('pullError' as const) }),
);

/** Plays the steps on a status (as the services do) and on records (as the store does). */
function play(steps: Step[]): { status: PodStatus; rows: Row[] } {
  const t = (n: number) => new Date(Date.UTC(2026, 11, 5, 10, 0, n)).toISOString();
  const status = initialPodStatus(spec, t(0));
  const rows: Row[] = [];
  const next = new Map<string, number>();
  const live = new Map<string, Row>();
  let clock = 1;
  for (const s of steps) {
    clock++;
    if (s.kind === 'pullError') {
      for (const [type, name] of NAMES) {
        const list = type === 'init_container' ? status.initContainerStatuses : status.containerStatuses;
        if ('waiting' in list.find((c) => c.name === name)!.state)
          markWaiting(
            status,
            spec,
            type,
            name,
            { reason: 'ErrImagePull', message: 'no such host' },
            t(clock),
          );
      }
      continue;
    }
    const [type, name] = NAMES[s.c]!;
    const k = `${type}/${name}`;
    const attempt = next.get(k) ?? 0;
    const running = live.get(k);
    if (s.kind === 'start' && !running) {
      const row: Row = {
        id: `c${k}${attempt}`,
        type,
        name,
        attempt,
        state: { running: { startedAt: t(clock) } },
      };
      rows.push(row);
      live.set(k, row);
      next.set(k, attempt + 1);
      markStarted(status, spec, type, name, {
        containerID: row.id,
        startedAt: t(clock),
        restartCount: attempt,
        startupProbe: s.startup,
        readinessProbe: s.readiness,
      });
    } else if (s.kind === 'exit' && running) {
      const terminated = {
        exitCode: s.code,
        reason: s.code === 0 ? 'Completed' : 'Error',
        startedAt: (running.state as { running: { startedAt: string } }).running.startedAt,
        finishedAt: t(clock),
      };
      running.state = { terminated: { ...terminated, containerID: running.id } };
      live.delete(k);
      markTerminated(status, spec, type, name, { ...terminated, restartCount: running.attempt });
    } else if (s.kind === 'startError' && !running) {
      const id = `c${k}${attempt}`;
      // A start that failed is a run that never started: its record, its id.
      const terminated = {
        exitCode: 128,
        reason: 'StartError',
        message: 'no such file',
        finishedAt: t(clock),
      };
      rows.push({ id, type, name, attempt, state: { terminated: { ...terminated, containerID: id } } });
      next.set(k, attempt + 1);
      markTerminated(status, spec, type, name, { ...terminated, containerID: id, restartCount: attempt });
    } else if (s.kind === 'backoff' && !running && attempt > 0) {
      markWaiting(
        status,
        spec,
        type,
        name,
        { reason: 'CrashLoopBackOff', message: `back-off ${name}` },
        t(clock),
      );
    } else if (s.kind === 'probe' && running) {
      markProbed(status, spec, type, name, { started: true, ready: s.ready }, t(clock));
    }
  }
  return { status, rows };
}

test('composeStatus() of the kept status and the records is the status the services hold, after any run of events', () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
      const { status, rows } = play(steps);
      const kept = JSON.parse(JSON.stringify(storedStatus(status)));
      assert.deepEqual(composeStatus(spec, kept, rows), status);
    }),
    { numRuns: 400 },
  );
});

test('storedStatus() keeps no container state, last state, id or restart count: the records hold them', () => {
  const { status } = play([
    { kind: 'start', c: 2, readiness: false, startup: false },
    { kind: 'exit', c: 2, code: 1 },
    { kind: 'backoff', c: 2 },
  ]);
  const text = JSON.stringify(storedStatus(status));
  assert.doesNotMatch(text, /terminated|running|containerID|restartCount|lastState/);
  assert.match(text, /CrashLoopBackOff/);
});

test('composeStatus() ignores what is kept about an older attempt once a newer run is recorded', () => {
  const { status, rows } = play([
    { kind: 'start', c: 2, readiness: false, startup: false },
    { kind: 'exit', c: 2, code: 1 },
    { kind: 'backoff', c: 2 },
  ]);
  const kept = storedStatus(status);
  // The next run started and was recorded, but the daemon stopped before the status said so.
  rows.push({
    id: 'cnext',
    type: 'container',
    name: 'main',
    attempt: 1,
    state: { running: { startedAt: '2026-12-05T11:00:00.000Z' } },
  });
  const c = composeStatus(spec, kept, rows).containerStatuses.find((x) => x.name === 'main')!;
  assert.deepEqual(c.state, { running: { startedAt: '2026-12-05T11:00:00.000Z' } });
  assert.equal(c.restartCount, 1);
  assert.ok('terminated' in c.lastState);
  assert.equal(c.ready, false, 'not ready until a status says so');
});
