import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRuntimeError } from '../errors.ts';
import { matchesLabels, parseLabelSelector } from './label-selector.ts';

const match = (sel: string, labels: Record<string, string>) => matchesLabels(parseLabelSelector(sel), labels);

test('parseLabelSelector() reads equality and set-based requirements as kubectl does', () => {
  const web = { app: 'web', tier: 'front' };
  const db = { app: 'db', tier: 'back', legacy: 'yes' };
  assert.equal(match('app=web', web), true);
  assert.equal(match('app==web', web), true);
  assert.equal(match('app=web', db), false);
  assert.equal(match('app!=web', db), true);
  assert.equal(match('app!=web', {}), true, '!= holds when the key is absent');
  assert.equal(match('tier in (front, middle)', web), true);
  assert.equal(match('tier in (front,middle)', db), false);
  assert.equal(match('tier notin (front)', db), true);
  assert.equal(match('legacy', db), true);
  assert.equal(match('legacy', web), false);
  assert.equal(match('!legacy', web), true);
  assert.equal(match('a=b,c!=d,e in (x,y),!f', { a: 'b', e: 'y' }), true);
  assert.equal(match('a=b,c!=d,e in (x,y),!f', { a: 'b', e: 'y', f: '' }), false);
  assert.equal(match('a=b,c!=d,e in (x,y),!f', { a: 'b', c: 'd', e: 'x' }), false);
  assert.equal(match('', db), true, 'the empty selector matches everything');
  assert.equal(match('app.kubernetes.io/name=agent', { 'app.kubernetes.io/name': 'agent' }), true);
  assert.equal(match('app=', { app: '' }), true);
});

test('parseLabelSelector() refuses hostile and broken selectors with the problem named', () => {
  for (const [sel, why] of [
    ['app=web,', /empty requirement/],
    [',app', /empty requirement/],
    ['tier in (a,b', /parentheses/],
    ['tier in ((a))', /parentheses/],
    ['tier in ()', /at least one value/],
    ['=web', /no key|cannot read/],
    ['app=we b', /value "we b"/],
    ['a b', /cannot read/],
    ['../etc=x', /key "\.\.\/etc"/],
    ['app=$(rm -rf /)', /parentheses|value/],
    [`app=${'x'.repeat(64)}`, /value/],
  ] as const) {
    assert.throws(
      () => parseLabelSelector(sel),
      (e) => isRuntimeError(e, 'InvalidArgument') && why.test(e.message) && /a in \(x,y\)/.test(e.hint ?? ''),
      sel,
    );
  }
});
