import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { parseRunAsUserName } from './account.ts';

test('parseRunAsUserName() maps the NT AUTHORITY accounts, user part case- and space-insensitively', () => {
  const cases: [string, string][] = [
    ['NT AUTHORITY\\SYSTEM', 'system'],
    ['NT AUTHORITY\\system', 'system'],
    ['NT AUTHORITY\\Local Service', 'local-service'],
    ['NT AUTHORITY\\LocalService', 'local-service'],
    ['NT AUTHORITY\\Local service', 'local-service'],
    ['NT AUTHORITY\\Network Service', 'network-service'],
    ['NT AUTHORITY\\NetworkService', 'network-service'],
  ];
  for (const [name, kind] of cases) assert.equal(parseRunAsUserName(name).kind, kind, name);
});

test('parseRunAsUserName() treats a name without a domain as a group candidate', () => {
  assert.deepEqual(parseRunAsUserName('hpc-abcdefgh'), { kind: 'group', name: 'hpc-abcdefgh' });
  assert.deepEqual(parseRunAsUserName('bad-user-name'), { kind: 'group', name: 'bad-user-name' });
});

test('parseRunAsUserName() compares the NT AUTHORITY domain case-sensitively and refuses other domains', () => {
  for (const name of ['nt authority\\system', 'NT Authority\\SYSTEM', 'HOST\\bob', 'NT AUTHORITY\\Guest']) {
    assert.throws(
      () => parseRunAsUserName(name),
      (e) =>
        isRuntimeError(e, 'FailedPrecondition') &&
        e.message.startsWith('failed to create user process token: failed to logon user:'),
      name,
    );
  }
});

test('parseRunAsUserName() refuses more than one backslash and a missing name', () => {
  assert.throws(
    () => parseRunAsUserName('a\\b\\c'),
    (e) => isRuntimeError(e, 'InvalidArgument') && e.message.includes('invalid user string'),
  );
  assert.throws(
    () => parseRunAsUserName(undefined),
    (e) => isRuntimeError(e, 'InvalidArgument'),
  );
  assert.throws(
    () => parseRunAsUserName(''),
    (e) => isRuntimeError(e, 'InvalidArgument'),
  );
});

test('parseRunAsUserName() lets the inherit-user annotation win, accepting Go bool spellings', () => {
  const a = (v: string) => ({ 'microsoft.com/hostprocess-inherit-user': v });
  assert.deepEqual(parseRunAsUserName('NT AUTHORITY\\SYSTEM', a('true')), { kind: 'inherit' });
  assert.deepEqual(parseRunAsUserName(undefined, a('1')), { kind: 'inherit' });
  assert.deepEqual(parseRunAsUserName('a\\b\\c', a('True')), { kind: 'inherit' });
  assert.equal(parseRunAsUserName('NT AUTHORITY\\SYSTEM', a('false')).kind, 'system');
  assert.equal(parseRunAsUserName('NT AUTHORITY\\SYSTEM', a('yes')).kind, 'system');
});
