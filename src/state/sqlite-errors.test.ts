import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { RuntimeError } from '../errors.ts';
import { guard, toRuntimeError } from './sqlite-errors.ts';

test('guard() turns a full database into ResourceExhausted with a hint', () => {
  const db = new Database(':memory:');
  try {
    db.exec('CREATE TABLE t (x TEXT)');
    db.pragma('max_page_count = 8');
    const ins = db.prepare('INSERT INTO t VALUES (?)');
    assert.throws(
      () =>
        guard('record event BackOff', () => {
          for (let i = 0; i < 1000; i++) ins.run('x'.repeat(1000));
        }),
      (e) =>
        e instanceof RuntimeError &&
        e.code === 'ResourceExhausted' &&
        /^Cannot record event BackOff: database or disk is full/.test(e.message) &&
        /free space/.test(e.hint ?? ''),
    );
  } finally {
    db.close();
  }
});

test('toRuntimeError() passes RuntimeErrors through and makes other errors Internal', () => {
  const own = new RuntimeError('NotFound', 'No pod x');
  assert.equal(toRuntimeError(own, 'read pod x'), own);
  const other = toRuntimeError(new TypeError('boom'), 'read pod x');
  assert.equal(other.code, 'Internal');
  assert.equal(other.message, 'Cannot read pod x: boom');
});

test('toRuntimeError() maps a syntax error in SQL to Internal, not to a user-facing code', () => {
  const db = new Database(':memory:');
  try {
    assert.throws(
      () => guard('list pods', () => db.prepare('SELEC 1').get()),
      (e) => e instanceof RuntimeError && e.code === 'Internal',
    );
  } finally {
    db.close();
  }
});
