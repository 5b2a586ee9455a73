import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isRuntimeError } from '../errors.ts';
import { toJsonText } from './json.ts';

test('toJsonText() sorts keys at every level, so equal values give equal text', () => {
  assert.equal(
    toJsonText({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } }, 'x'),
    '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}',
  );
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const text = toJsonText({ v }, 'x');
      assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify({ v })));
      assert.equal(toJsonText(JSON.parse(text), 'x'), text);
    }),
  );
});

test('toJsonText() keeps a "__proto__" key as data', () => {
  const hostile = JSON.parse('{"metadata":{"__proto__":{"admin":true},"name":"x"}}');
  const text = toJsonText(hostile, 'x');
  assert.equal(text, '{"metadata":{"__proto__":{"admin":true},"name":"x"}}');
  assert.equal(({} as Record<string, unknown>).admin, undefined);
});

test('toJsonText() drops undefined members and honours toJSON like JSON.stringify', () => {
  assert.equal(
    toJsonText({ a: undefined, b: [undefined], d: new Date(0) }, 'x'),
    '{"b":[null],"d":"1970-01-01T00:00:00.000Z"}',
  );
});

test('toJsonText() refuses what JSON cannot hold, naming where', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.me = { again: cyclic };
  for (const [v, message] of [
    [cyclic, /\$\.me\.again refers back to itself/],
    [{ n: 1n }, /\$\.n is a BigInt/],
    [{ n: Number.NaN }, /\$\.n is NaN/],
    [{ n: Number.POSITIVE_INFINITY }, /is Infinity/],
    [{ m: new Map([['a', 1]]) }, /\$\.m is a Map/],
    [{ b: new Uint8Array(2) }, /binary data/],
    [undefined, /there is no value/],
  ] as const)
    assert.throws(
      () => toJsonText(v, 'the status of pod "default/web"'),
      (e) =>
        isRuntimeError(e, 'InvalidArgument') &&
        /^Cannot store the status of pod "default\/web"/.test(e.message) &&
        message.test(e.message),
      String(message),
    );
  // A shared (not cyclic) object is fine.
  const shared = { x: 1 };
  assert.equal(toJsonText({ a: shared, b: shared }, 'x'), '{"a":{"x":1},"b":{"x":1}}');
});
