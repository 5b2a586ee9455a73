import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareQuantity, integerValue, milliValue, parseQuantity, type Quantity } from './quantity.ts';

function q(s: string | number): Quantity {
  const r = parseQuantity(s);
  if (!r.ok) throw new Error(`did not parse ${s}: ${r.message}`);
  return r.value;
}

test('parseQuantity() parses the suffixes exactly', () => {
  const cases: [string | number, bigint, bigint][] = [
    // input, milli value, integer value (rounded up)
    ['500m', 500n, 1n],
    ['64Mi', 64n * 1048576n * 1000n, 64n * 1048576n],
    ['1e3', 1000000n, 1000n],
    ['1.5Gi', 1610612736000n, 1610612736n],
    ['0.5', 500n, 1n],
    ['.5', 500n, 1n],
    ['2', 2000n, 2n],
    [2, 2000n, 2n],
    [0.25, 250n, 1n],
    ['1k', 1000000n, 1000n],
    ['1M', 1000000000n, 1000000n],
    ['100u', 1n, 1n],
    ['1n', 1n, 1n],
    ['12E-3', 12n, 1n],
    ['1Ei', (1n << 60n) * 1000n, 1n << 60n],
    ['-1', -1000n, -1n],
    ['+7', 7000n, 7n],
  ];
  for (const [input, milli, whole] of cases) {
    const v = q(input);
    assert.equal(milliValue(v), milli, `milli of ${input}`);
    assert.equal(integerValue(v), whole, `value of ${input}`);
  }
});

test('parseQuantity() rejects what the API server rejects, with its message', () => {
  for (const bad of ['', 'abc', '1Gb', '1.2.3', '--1', 'Mi', '1 Mi', '1e', '1Mi5', '.', 'e3', '1ee3', NaN]) {
    const r = parseQuantity(bad as string);
    assert.equal(r.ok, false, `accepted ${String(bad)}`);
  }
  const r = parseQuantity('12x');
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.message, /unable to parse quantity's suffix/);
  const r2 = parseQuantity('x');
  if (!r2.ok) assert.match(r2.message, /quantities must match the regular expression/);
});

test('compareQuantity() compares across suffixes without float error', () => {
  assert.equal(compareQuantity(q('1Gi'), q('1024Mi')), 0);
  assert.equal(compareQuantity(q('1G'), q('1Gi')), -1);
  assert.equal(compareQuantity(q('0.1'), q('100m')), 0);
  assert.equal(compareQuantity(q('1001m'), q('1')), 1);
  assert.equal(compareQuantity(q('0.3'), q('300000000n')), 0);
});
