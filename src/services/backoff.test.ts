import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMessage, formatDelay, KUBELET_BACKOFF, nextBackoff } from './backoff.ts';

test('nextBackoff() with the kubelet constants: 10s, 20s, 40s, 80s, 160s, 300s, 300s', () => {
  const seq: number[] = [];
  let d: number | undefined;
  for (let i = 0; i < 7; i++) {
    d = nextBackoff(KUBELET_BACKOFF, d, 1_000);
    seq.push(d / 1000);
  }
  assert.deepEqual(seq, [10, 20, 40, 80, 160, 300, 300]);
});

test('nextBackoff() starts over after a run of 10 min, not after 9 min 59 s', () => {
  assert.equal(nextBackoff(KUBELET_BACKOFF, 300_000, 600_000), 10_000);
  assert.equal(nextBackoff(KUBELET_BACKOFF, 300_000, 599_000), 300_000);
  assert.equal(nextBackoff(KUBELET_BACKOFF, 40_000, 599_999), 80_000);
});

test('nextBackoff() scaled constants keep the doubling and the cap', () => {
  const p = { initialMs: 100, maxMs: 350, resetAfterMs: 5_000 };
  const seq: number[] = [];
  let d: number | undefined;
  for (let i = 0; i < 4; i++) {
    d = nextBackoff(p, d, 10);
    seq.push(d);
  }
  assert.deepEqual(seq, [100, 200, 350, 350]);
});

test('formatDelay() and backoffMessage() write delays as the kubelet does', () => {
  assert.equal(formatDelay(10_000), '10s');
  assert.equal(formatDelay(300_000), '5m0s');
  assert.equal(formatDelay(160_000), '2m40s');
  assert.equal(formatDelay(200), '200ms');
  assert.equal(backoffMessage(20_000, 'web', 'p'), 'back-off 20s restarting failed container=web pod=p');
});
