import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rollback } from './rollback.ts';

test('Rollback.rollback() undoes in reverse order and reports failures without stopping', async () => {
  const rb = new Rollback();
  const order: string[] = [];
  rb.add('a', () => order.push('a'));
  rb.add('b', () => {
    throw new Error('b failed');
  });
  rb.add('c', async () => order.push('c'));
  const failures = await rb.rollback();
  assert.deepEqual(order, ['c', 'a']);
  assert.equal(failures.length, 1);
  assert.equal(failures[0]?.what, 'b');
  assert.deepEqual(await rb.rollback(), []);
});

test('Rollback.commit() forgets the steps', async () => {
  const rb = new Rollback();
  let undone = false;
  rb.add('x', () => {
    undone = true;
  });
  rb.commit();
  await rb.rollback();
  assert.equal(undone, false);
});
