import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep, sleepUnlessAborted } from './sleep.ts';

test('sleep() resolves after the time, and rejects with the reason when aborted, before or during', async () => {
  const t0 = Date.now();
  await sleep(30);
  assert.ok(Date.now() - t0 >= 25);
  const before = new AbortController();
  before.abort(new Error('early'));
  await assert.rejects(sleep(10_000, before.signal), /early/);
  const during = new AbortController();
  const p = sleep(10_000, during.signal);
  setTimeout(() => during.abort(new Error('late')), 20);
  const t1 = Date.now();
  await assert.rejects(p, /late/);
  assert.ok(Date.now() - t1 < 5_000, 'the abort ended the wait');
});

test('sleepUnlessAborted() is true after the time, false at once on an abort, never rejects', async () => {
  assert.equal(await sleepUnlessAborted(1, new AbortController().signal), true);
  const ac = new AbortController();
  const t0 = Date.now();
  const p = sleepUnlessAborted(60_000, ac.signal);
  ac.abort();
  assert.equal(await p, false);
  assert.ok(Date.now() - t0 < 5000);
  assert.equal(await sleepUnlessAborted(60_000, ac.signal), false);
});
