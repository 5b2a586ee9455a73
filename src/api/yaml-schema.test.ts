import assert from 'node:assert/strict';
import { test } from 'node:test';
import jsyaml from 'js-yaml';
import { KUBECTL_SCHEMA } from './yaml-schema.ts';

test('KUBECTL_SCHEMA resolves plain scalars as go-yaml v2 does (what kubectl sends)', () => {
  const cases: [string, unknown][] = [
    ['yes', true],
    ['On', true],
    ['y', true],
    ['TRUE', true],
    ['no', false],
    ['off', false],
    ['N', false],
    ['0644', 420],
    ['0o17', 15],
    ['0x1F', 31],
    ['0b101', 5],
    ['1_000', 1000],
    ['-12', -12],
    ['+7', 7],
    ['0', 0],
    ['1e3', 1000],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['~', null],
    ['null', null],
    ['.inf', Number.POSITIVE_INFINITY],
    ['2001-12-14', '2001-12-14'],
    ['1:20', '1:20'],
    ['500m', '500m'],
    ['64Mi', '64Mi'],
    ['yess', 'yess'],
    ['09', 9], // not octal: go-yaml then reads it as a float
    ['NT AUTHORITY\\SYSTEM', 'NT AUTHORITY\\SYSTEM'],
  ];
  for (const [text, expected] of cases) {
    assert.deepEqual(jsyaml.load(`v: ${text}`, { schema: KUBECTL_SCHEMA }), { v: expected }, text);
  }
  // Quoted scalars are strings, whatever they look like.
  assert.deepEqual(jsyaml.load('a: "yes"\nb: \'0644\'\nc: "~"', { schema: KUBECTL_SCHEMA }), {
    a: 'yes',
    b: '0644',
    c: '~',
  });
  // An empty value is null.
  assert.deepEqual(jsyaml.load('a:\nb: 1', { schema: KUBECTL_SCHEMA }), { a: null, b: 1 });
});
