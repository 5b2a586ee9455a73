import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { isRuntimeError } from '../errors.ts';
import { EVENT_MESSAGE_MAX, EVENTS_PER_POD } from './events.ts';
import { parsePodUid } from './ids.ts';
import { openStateDb } from './state-db.ts';
import { podManifest, type TempState, tempState } from './testing/temp-state.ts';

const temps: TempState[] = [];
after(() => {
  for (const t of temps) t.cleanup();
});
function fresh() {
  const t = tempState();
  temps.push(t);
  const db = openStateDb(t.path);
  const pod = (name: string) =>
    db.pods.put({ namespace: 'default', name, manifest: podManifest(name), source: { kind: 'apply' } }).pod
      .uid;
  return { db, pod };
}
const T = (s: number) => new Date(Date.UTC(2026, 10, 27, 12, 0, s)).toISOString();

test('EventRepository.add() and list() keep events per pod, oldest first, node events apart', () => {
  const { db, pod } = fresh();
  try {
    const a = pod('a');
    const b = pod('b');
    db.events.add({ podUid: a, type: 'Normal', reason: 'Pulled', message: 'image present', at: T(1) });
    db.events.add({ podUid: b, type: 'Normal', reason: 'Started', message: 'started main', at: T(2) });
    db.events.add({ type: 'Warning', reason: 'DiskFull', message: 'state root full', at: T(3) });
    const last = db.events.add({
      podUid: a,
      type: 'Warning',
      reason: 'BackOff',
      message: 'back-off 10s',
      at: T(4),
    });
    assert.deepEqual(
      db.events.list({ podUid: a }).map((e) => e.reason),
      ['Pulled', 'BackOff'],
    );
    assert.deepEqual(
      db.events.list({ podUid: null }).map((e) => e.reason),
      ['DiskFull'],
    );
    assert.equal(db.events.list().length, 4);
    assert.deepEqual(db.events.list({ afterId: last.id - 1 }), [last]);
    assert.deepEqual(last, {
      id: last.id,
      podUid: a,
      type: 'Warning',
      reason: 'BackOff',
      message: 'back-off 10s',
      firstTime: T(4),
      time: T(4),
      count: 1,
    });
  } finally {
    db.close();
  }
});

test('EventRepository.add() continues a series: count rises, it becomes the newest, first time kept', () => {
  const { db, pod } = fresh();
  try {
    const a = pod('a');
    const first = db.events.add({
      podUid: a,
      type: 'Warning',
      reason: 'BackOff',
      message: 'back-off',
      at: T(1),
    });
    db.events.add({ podUid: a, type: 'Normal', reason: 'Started', message: 'started', at: T(2) });
    const again = db.events.add({
      podUid: a,
      type: 'Warning',
      reason: 'BackOff',
      message: 'back-off',
      at: T(3),
    });
    assert.ok(again.id > first.id);
    assert.equal(again.count, 2);
    assert.equal(again.firstTime, T(1));
    assert.equal(again.time, T(3));
    assert.deepEqual(
      db.events.list({ podUid: a }).map((e) => `${e.reason}x${e.count}`),
      ['Startedx1', 'BackOffx2'],
    );
    // Another message is another series.
    db.events.add({ podUid: a, type: 'Warning', reason: 'BackOff', message: 'back-off 20s', at: T(4) });
    assert.equal(db.events.list({ podUid: a }).length, 3);
  } finally {
    db.close();
  }
});

test('EventRepository.add() keeps only the newest events of each pod', () => {
  const { db, pod } = fresh();
  try {
    const a = pod('a');
    const b = pod('b');
    db.events.add({ podUid: b, type: 'Normal', reason: 'Started', message: 'b started' });
    const n = EVENTS_PER_POD + 50;
    db.transition(() => {
      for (let i = 0; i < n; i++)
        db.events.add({ podUid: a, type: 'Normal', reason: 'Probe', message: `line ${i}` });
    });
    const kept = db.events.list({ podUid: a });
    assert.equal(kept.length, EVENTS_PER_POD);
    assert.equal(kept[0]?.message, `line ${n - EVENTS_PER_POD}`);
    assert.equal(kept.at(-1)?.message, `line ${n - 1}`);
    assert.equal(
      db.events.list({ podUid: b }).length,
      1,
      "one pod's flood does not push out another's events",
    );
  } finally {
    db.close();
  }
});

test('EventRepository.add() cuts long messages and refuses bad reasons and unknown pods', () => {
  const { db, pod } = fresh();
  try {
    const a = pod('a');
    const e = db.events.add({ podUid: a, type: 'Normal', reason: 'Output', message: 'x'.repeat(100_000) });
    assert.equal(e.message.length, EVENT_MESSAGE_MAX);
    assert.ok(e.message.endsWith('…'));
    for (const reason of ['', 'back off', 'x'.repeat(200), '1Start'])
      assert.throws(
        () => db.events.add({ podUid: a, type: 'Normal', reason, message: 'm' }),
        (err) => isRuntimeError(err, 'InvalidArgument'),
      );
    assert.throws(
      () => db.events.add({ podUid: parsePodUid('gone'), type: 'Normal', reason: 'Started', message: 'm' }),
      (err) => isRuntimeError(err, 'NotFound'),
    );
  } finally {
    db.close();
  }
});

test('EventRepository.add() bounds node events apart from pod events', () => {
  const t = tempState();
  temps.push(t);
  const db = openStateDb(t.path, { eventsPerPod: 3 });
  try {
    const a = db.pods.put({
      namespace: 'default',
      name: 'a',
      manifest: podManifest('a'),
      source: { kind: 'apply' },
    }).pod.uid;
    for (let i = 0; i < 5; i++)
      db.events.add({ podUid: a, type: 'Normal', reason: 'Probe', message: `pod ${i}` });
    for (let i = 0; i < 5; i++) db.events.add({ type: 'Warning', reason: 'DiskFull', message: `node ${i}` });
    assert.deepEqual(
      db.events.list({ podUid: null }).map((e) => e.message),
      ['node 2', 'node 3', 'node 4'],
    );
    assert.deepEqual(
      db.events.list({ podUid: a }).map((e) => e.message),
      ['pod 2', 'pod 3', 'pod 4'],
    );
  } finally {
    db.close();
  }
});
