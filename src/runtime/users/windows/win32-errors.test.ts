import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeWin32Error } from './win32-errors.ts';

test('describeWin32Error() words known codes as Windows does and shows unknown ones in hex', () => {
  assert.equal(describeWin32Error(1326), 'The user name or password is incorrect. (error 1326)');
  assert.equal(describeWin32Error(2224), 'The account already exists. (error 2224)');
  assert.equal(describeWin32Error(31), 'Win32 error 31 (0x1F)');
});
