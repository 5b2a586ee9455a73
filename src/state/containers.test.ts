import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { isRuntimeError } from '../errors.ts';
import type { ContainerState } from './container-state.ts';
import { type ContainerId, type PodUid, parseContainerId, parsePodUid } from './ids.ts';
import { openStateDb, type StateDb } from './state-db.ts';
import { podManifest, type TempState, tempState } from './testing/temp-state.ts';

const OWNER = { pid: 1, startTime: '1', daemon: true as const };

let t: TempState;
let db: StateDb;
let pod: PodUid;
before(() => {
  t = tempState();
  db = openStateDb(t.path);
  pod = db.pods.put({
    namespace: 'default',
    name: 'web',
    manifest: podManifest('web'),
    source: { kind: 'apply' },
  }).pod.uid;
});
after(() => {
  db.close();
  t.cleanup();
});

const code = (c: string, message?: RegExp) => (e: unknown) =>
  isRuntimeError(e) && e.code === c && (message === undefined || message.test(e.message));
const id = (n: number): ContainerId => parseContainerId(`c${n.toString(16).padStart(32, '0')}`);
const T = (s: number) => `2026-11-27T12:00:${String(s).padStart(2, '0')}.000Z`;

test('ContainerRepository.create() stores a waiting container with its task dir and group', () => {
  const c = db.containers.create({
    id: id(1),
    podUid: pod,
    pod: { namespace: 'default', name: 'web' },
    owner: OWNER,
    name: 'main',
    type: 'container',
    attempt: 0,
    image: 'busybox:1.36',
    taskDir: '/var/lib/hostpod/containers/c1/task',
    at: T(0),
  });
  assert.deepEqual(c, {
    id: id(1),
    podUid: pod,
    pod: { namespace: 'default', name: 'web' },
    owner: OWNER,
    name: 'main',
    type: 'container',
    attempt: 0,
    image: 'busybox:1.36',
    state: { waiting: { reason: 'ContainerCreating' } },
    createdAt: T(0),
    taskDir: '/var/lib/hostpod/containers/c1/task',
  });
  assert.deepEqual(db.containers.get(id(1)), c);
});

test('ContainerRepository.update() moves waiting → running → terminated and copies the exit', () => {
  const running = db.containers.update(id(1), {
    state: { running: { startedAt: T(1) } },
    groupId: 'hostpod/c1',
  });
  assert.equal(running.startedAt, T(1));
  assert.equal(running.groupId, 'hostpod/c1');
  assert.equal(running.exit, undefined);
  const end: ContainerState = {
    terminated: { exitCode: 137, signal: 'SIGKILL', reason: 'OOMKilled', startedAt: T(1), finishedAt: T(5) },
  };
  const done = db.containers.update(id(1), { state: end });
  assert.deepEqual(done.state, end);
  assert.deepEqual(done.exit, { code: 137, reason: 'OOMKilled' });
  assert.equal(done.finishedAt, T(5));
  assert.equal(done.startedAt, T(1));
});

test('ContainerRepository.update() refuses to leave terminated and to go back to waiting from running', () => {
  assert.throws(
    () => db.containers.update(id(1), { state: { running: { startedAt: T(6) } } }),
    code('FailedPrecondition', /from terminated to running/),
  );
  db.containers.create({
    id: id(2),
    podUid: pod,
    pod: { namespace: 'default', name: 'web' },
    owner: OWNER,
    name: 'main',
    type: 'container',
    attempt: 1,
    image: 'busybox:1.36',
  });
  db.containers.update(id(2), { state: { running: { startedAt: T(7) } } });
  assert.throws(
    () => db.containers.update(id(2), { state: { waiting: { reason: 'CrashLoopBackOff' } } }),
    code('FailedPrecondition', /from running to waiting/),
  );
  assert.deepEqual(db.containers.get(id(2))?.state, { running: { startedAt: T(7) } });
  assert.throws(() => db.containers.update(id(99), { taskDir: '/x' }), code('NotFound'));
});

test('ContainerRepository.create() refuses a duplicate attempt, a missing pod, a bad name', () => {
  assert.throws(
    () =>
      db.containers.create({
        id: id(3),
        podUid: pod,
        pod: { namespace: 'default', name: 'web' },
        owner: OWNER,
        name: 'main',
        type: 'container',
        attempt: 1,
        image: 'x',
      }),
    code('AlreadyExists', /attempt 1/),
  );
  assert.throws(
    () =>
      db.containers.create({
        id: id(1),
        podUid: pod,
        pod: { namespace: 'default', name: 'web' },
        owner: OWNER,
        name: 'other',
        type: 'container',
        attempt: 0,
        image: 'x',
      }),
    code('AlreadyExists'),
  );
  assert.throws(
    () =>
      db.containers.create({
        id: id(3),
        podUid: parsePodUid('gone'),
        pod: { namespace: 'default', name: 'web' },
        owner: OWNER,
        name: 'main',
        type: 'container',
        attempt: 0,
        image: 'x',
      }),
    code('NotFound', /No pod gone/),
  );
  for (const name of ['../main', 'Main', 'a/b', ''])
    assert.throws(
      () =>
        db.containers.create({
          id: id(3),
          podUid: pod,
          pod: { namespace: 'default', name: 'web' },
          owner: OWNER,
          name,
          type: 'container',
          attempt: 0,
          image: 'x',
        }),
      code('InvalidArgument'),
    );
  assert.throws(
    () =>
      db.containers.create({
        id: id(3),
        podUid: pod,
        pod: { namespace: 'default', name: 'web' },
        owner: OWNER,
        name: 'main',
        type: 'container',
        attempt: -1,
        image: 'x',
      }),
    code('InvalidArgument'),
  );
});

test('ContainerRepository.listByPod() orders init before regular containers; latest keeps the newest attempt', () => {
  db.containers.create({
    id: id(4),
    podUid: pod,
    pod: { namespace: 'default', name: 'web' },
    owner: OWNER,
    name: 'setup',
    type: 'init_container',
    attempt: 0,
    image: 'busybox:1.36',
    state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: T(0) } },
  });
  db.containers.create({
    id: id(5),
    podUid: pod,
    pod: { namespace: 'default', name: 'web' },
    owner: OWNER,
    name: 'main',
    type: 'container',
    attempt: 2,
    image: 'busybox:1.36',
    lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: T(8) } },
  });
  assert.deepEqual(
    db.containers.listByPod(pod).map((c) => `${c.name}#${c.attempt}`),
    ['setup#0', 'main#0', 'main#1', 'main#2'],
  );
  const latest = db.containers.listByPod(pod, { latest: true });
  assert.deepEqual(
    latest.map((c) => `${c.name}#${c.attempt}`),
    ['setup#0', 'main#2'],
  );
  assert.deepEqual(latest[1]?.lastState, { terminated: { exitCode: 1, reason: 'Error', finishedAt: T(8) } });
  assert.equal(db.containers.remove(id(2)), true);
  assert.equal(db.containers.remove(id(2)), false);
});

test('ContainerRepository.get() reports a state that is not a container state as DataLoss', () => {
  const raw = new Database(t.path);
  try {
    raw.prepare('UPDATE containers SET state = ? WHERE id = ?').run('{"running":{},"waiting":{}}', id(5));
    raw.prepare('UPDATE containers SET exit_code = 3 WHERE id = ?').run(id(4));
  } finally {
    raw.close();
  }
  assert.throws(
    () => db.containers.get(id(5)),
    code('DataLoss', /container "main" .* column state is not exactly one of/),
  );
  assert.throws(
    () => db.containers.get(id(4)),
    code('DataLoss', /exit columns that disagree with its state/),
  );
});

test('ContainerRepository records a `hostpod run` container (no pod row) with its owner and exec info, found by pod name', (tc) => {
  // A database of its own: the tests above leave a damaged row in theirs.
  const t2 = tempState();
  const db = openStateDb(t2.path);
  tc.after(() => {
    db.close();
    t2.cleanup();
  });
  const run = { pid: 4242, startTime: '99' };
  const exec = {
    layout: 'bind' as const,
    mountPoint: '/hpc/',
    mappings: [{ source: '/var/lib/x', target: '/hpc' }],
    env: ['PATH=/usr/bin:/hpc/'],
    cwd: '/hpc',
    ephemeralUser: false,
  };
  const c = db.containers.create({
    id: id(40),
    pod: { namespace: 'default', name: 'runpod' },
    owner: run,
    name: 'main',
    type: 'container',
    attempt: 0,
    image: 'busybox:1.36',
  });
  assert.equal(c.podUid, undefined);
  db.containers.update(id(40), { state: { running: { startedAt: T(5) } }, exec });
  const [found] = db.containers.listByPodName('default', 'runpod', { runOnly: true });
  assert.deepEqual(found?.exec, exec);
  assert.deepEqual(found?.owner, run);
  assert.ok(db.containers.listUnfinished().some((r) => r.id === id(40)));
  // A second attempt of the same run, then pruning keeps the last two and never a running one.
  for (const n of [41, 42]) {
    db.containers.create({
      id: id(n),
      pod: { namespace: 'default', name: 'runpod' },
      owner: run,
      name: 'main',
      type: 'container',
      attempt: n - 40,
      image: 'busybox:1.36',
      state: { terminated: { exitCode: 1, reason: 'Error', finishedAt: T(n - 30) } },
    });
  }
  const removed = db.containers.pruneAttempts(
    { namespace: 'default', name: 'runpod', ownerPid: run.pid },
    { type: 'container', name: 'main' },
    2,
  );
  assert.deepEqual(removed, [id(41)], 'attempt 1 ended: pruned; attempt 0 still runs: never pruned');
  db.containers.update(id(40), {
    state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: T(20) } },
  });
  // Another run's rows of the same pod name are not this run's to prune.
  assert.deepEqual(
    db.containers.pruneAttempts(
      { namespace: 'default', name: 'runpod', ownerPid: 1 },
      { type: 'container', name: 'main' },
      2,
    ),
    [],
  );
  assert.deepEqual(
    db.containers.pruneAttempts(
      { namespace: 'default', name: 'runpod', ownerPid: run.pid },
      { type: 'container', name: 'main' },
      2,
    ),
    [id(40)],
  );
  assert.deepEqual(
    db.containers.listByPodName('default', 'runpod').map((r) => r.id),
    [id(42)],
  );
});

test('ContainerRepository refuses an exec info or owner it cannot read back as DataLoss', () => {
  db.containers.create({
    id: id(50),
    pod: { namespace: 'default', name: 'runpod' },
    owner: { pid: 1, startTime: '1' },
    name: 'bad',
    type: 'container',
    attempt: 0,
    image: 'x',
  });
  const raw = new Database(t.path);
  try {
    raw.prepare('UPDATE containers SET exec = \'{"layout":"weird"}\' WHERE id = ?').run(id(50));
  } finally {
    raw.close();
  }
  assert.throws(() => db.containers.get(id(50)), code('DataLoss', /column exec/));
});
