import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep } from './sleep.ts';

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
