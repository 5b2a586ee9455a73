import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ephemeralUserName, parseWindowsAccount, tokenError } from './account.ts';

test('parseWindowsAccount() gives the service logon only for the exact NT AUTHORITY domain', () => {
  assert.deepEqual(parseWindowsAccount('NT AUTHORITY\\SYSTEM'), {
    kind: 'named',
    name: 'NT AUTHORITY\\SYSTEM',
    domain: 'NT AUTHORITY',
    user: 'SYSTEM',
    logonType: 'service',
  });
  assert.equal(
    (parseWindowsAccount('NT AUTHORITY\\Local Service') as { user: string }).user,
    'LOCAL SERVICE',
  );
  assert.equal(
    (parseWindowsAccount('NT AUTHORITY\\NetworkService') as { user: string }).user,
    'NETWORK SERVICE',
  );
  assert.equal(
    (parseWindowsAccount('nt authority\\system') as { logonType: string }).logonType,
    'interactive',
  );
  assert.equal((parseWindowsAccount('CORP\\alice') as { logonType: string }).logonType, 'interactive');
});

test('parseWindowsAccount() takes a name without a domain as a group candidate', () => {
  assert.deepEqual(parseWindowsAccount('Administrators'), {
    kind: 'named',
    name: 'Administrators',
    domain: undefined,
    user: 'Administrators',
    logonType: 'interactive',
  });
});

test('parseWindowsAccount() inherits hostpod\'s token only for the exact annotation value "true"', () => {
  assert.deepEqual(parseWindowsAccount(undefined, { 'microsoft.com/hostprocess-inherit-user': 'true' }), {
    kind: 'inherit',
  });
  assert.equal(
    parseWindowsAccount('NT AUTHORITY\\SYSTEM', { 'microsoft.com/hostprocess-inherit-user': 'True' }).kind,
    'named',
  );
});

test('parseWindowsAccount() refuses an empty name and more than one backslash, naming the field', () => {
  assert.throws(
    () => parseWindowsAccount(''),
    (e: Error & { code?: string }) =>
      e.code === 'InvalidArgument' &&
      e.message.includes('runAsUserName: empty username or group name passed'),
  );
  assert.throws(() => parseWindowsAccount('a\\b\\c'), /invalid user string `a\\b\\c`/);
});

test('ephemeralUserName() keeps the first 20 characters; tokenError() words failures as hcsshim', () => {
  assert.equal(ephemeralUserName('0123456789abcdef0123456789'), '0123456789abcdef0123');
  const e = tokenError('failed to logon user', 'Access is denied.');
  assert.equal(e.message, 'failed to create user process token: failed to logon user: Access is denied.');
  assert.equal(e.code, 'FailedPrecondition');
});
