import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AsyncQueue, produced } from './async-queue.ts';

test('AsyncQueue() gives pushed values in order, before and after the consumer waits, then ends', async () => {
  const q = new AsyncQueue<number>();
  q.push(1);
  const got: number[] = [];
  const done = (async () => {
    for await (const v of q) got.push(v);
  })();
  q.push(2);
  await new Promise((r) => setTimeout(r, 5));
  q.push(3);
  q.end();
  q.push(4); // after the end: dropped
  await done;
  assert.deepEqual(got, [1, 2, 3]);
});

test('AsyncQueue() ends the loop with the error given to end(), after the values before it', async () => {
  const q = new AsyncQueue<string>();
  q.push('a');
  q.end(new Error('broken'));
  const got: string[] = [];
  await assert.rejects(async () => {
    for await (const v of q) got.push(v);
  }, /broken/);
  assert.deepEqual(got, ['a']);
});

test('AsyncQueue() runs onEnd once when the consumer leaves its loop, and when the signal aborts', async () => {
  let ends = 0;
  const q = new AsyncQueue<number>({ onEnd: () => ends++ });
  q.push(1);
  q.push(2);
  for await (const v of q) if (v === 1) break;
  assert.equal(ends, 1);
  assert.equal(q.ended, true);

  const ac = new AbortController();
  let ends2 = 0;
  const q2 = new AsyncQueue<number>({ signal: ac.signal, onEnd: () => ends2++ });
  const loop = (async () => {
    const got: number[] = [];
    for await (const v of q2) got.push(v);
    return got;
  })();
  q2.push(7);
  await new Promise((r) => setTimeout(r, 5));
  ac.abort();
  assert.deepEqual(await loop, [7]);
  assert.equal(ends2, 1);
});

test('produced() holds the producer until each chunk is taken (back-pressure) and stops it when the consumer leaves', async () => {
  let written = 0;
  let stoppedBy: string | undefined;
  const it = produced<number>(async (write, signal) => {
    for (let i = 0; i < 1000; i++) {
      if (signal.aborted) {
        stoppedBy = 'signal';
        return;
      }
      await write(i);
      written++;
    }
  });
  const got: number[] = [];
  for await (const v of it) {
    got.push(v);
    // The producer is at most one chunk ahead of what was taken.
    assert.ok(written <= got.length, `written ${written}, taken ${got.length}`);
    if (got.length === 5) break;
  }
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got, [0, 1, 2, 3, 4]);
  assert.equal(stoppedBy, 'signal');
  assert.ok(written <= 6);
});

test('produced() ends the iteration with the error the producer throws', async () => {
  const it = produced<string>(async (write) => {
    await write('x');
    throw new Error('log gone');
  });
  const got: string[] = [];
  await assert.rejects(async () => {
    for await (const v of it) got.push(v);
  }, /log gone/);
  assert.deepEqual(got, ['x']);
});
