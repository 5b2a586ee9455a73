import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGroupManager } from '../runtime/group/group-manager.ts';
import { openStateDb } from '../state/state-db.ts';
import { tempState } from '../state/testing/temp-state.ts';
import { HealthMonitor } from './health-monitor.ts';
import { StateWriter } from './state-writer.ts';

const quiet = { info() {}, warn() {}, error() {} };

test('HealthMonitor reports each problem once as a node event, and is healthy again when they clear', async (t) => {
  const ts = tempState();
  const db = openStateDb(ts.path);
  t.after(() => {
    db.close();
    ts.cleanup();
  });
  const m = new HealthMonitor(new StateWriter(db, { log: quiet }), await createGroupManager({}));
  assert.deepEqual(m.health(), { ok: true, problems: [] });
  m.setProblem('disk', 'no space left on the filesystem of /var/lib/hostpod');
  m.setProblem('disk', 'no space left on the filesystem of /var/lib/hostpod');
  assert.deepEqual(m.health(), {
    ok: false,
    problems: ['no space left on the filesystem of /var/lib/hostpod'],
  });
  await new Promise((r) => setImmediate(r)); // the writer writes events at the end of the turn
  const events = db.events.list({ podUid: null });
  assert.deepEqual(
    events.map((e) => [e.reason, e.count]),
    [['NodeProblem', 1]],
    'one event for the same problem',
  );
  m.setProblem('disk', undefined);
  assert.deepEqual(m.health(), { ok: true, problems: [] });
  await m.check(); // nothing running, nothing held: no change
  assert.deepEqual(m.health(), { ok: true, problems: [] });
});

test('HealthMonitor.cpuRate() gives millicores between two samples, none at the first', () => {
  const ts = tempState();
  const db = openStateDb(ts.path);
  try {
    const m = new HealthMonitor(new StateWriter(db, { log: quiet }), {} as never);
    assert.deepEqual(m.cpuRate('c1', 0), {});
    const t0 = Date.now();
    while (Date.now() - t0 < 120) {} // a sample window of ≥ 100 ms
    const r = m.cpuRate('c1', 60_000_000); // 60 ms of CPU in ≥ 120 ms: at most 500 millicores
    assert.ok(
      r.cpuMillicores !== undefined && r.cpuMillicores > 0 && r.cpuMillicores <= 500,
      JSON.stringify(r),
    );
  } finally {
    db.close();
    ts.cleanup();
  }
});
