import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitWindowsRelative, windowsNameProblem } from './windows-path.ts';

test('windowsNameProblem() accepts ordinary names, including spaces and dots inside', () => {
  for (const n of ['a.txt', 'Program Files', '.hidden', 'x..y', 'CONFIG', 'nul_', 'com10', 'é']) {
    assert.equal(windowsNameProblem(n), undefined, n);
  }
});

test('windowsNameProblem() refuses reserved devices, ADS colons, bad characters, trailing dot/space and long names', () => {
  for (const n of [
    'CON',
    'nul.txt',
    'Com1',
    'LPT9.log',
    'aux',
    'a:b',
    'a<b',
    'a|b',
    'a?',
    'a*',
    'a"b',
    'tab\t',
    'x.',
    'x ',
    '..',
    '',
    'a'.repeat(256),
  ]) {
    assert.notEqual(windowsNameProblem(n), undefined, JSON.stringify(n));
  }
  assert.match(windowsNameProblem('file:stream') ?? '', /alternate data stream/);
});

test('splitWindowsRelative() splits on either separator and refuses .., drives and UNC', () => {
  assert.deepEqual(splitWindowsRelative('a/b\\.\\c'), ['a', 'b', 'c']);
  assert.deepEqual(splitWindowsRelative(''), []);
  for (const bad of ['a/../b', 'C:/x', 'c:x', '\\\\srv\\s', '//srv/s', 'a/CON']) {
    assert.throws(() => splitWindowsRelative(bad), TypeError, bad);
  }
});
