import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostDefaults, hostOs } from './host-os.ts';

test('hostOs() is windows on win32 only', () => {
  assert.equal(hostOs('win32'), 'windows');
  assert.equal(hostOs('linux'), 'linux');
  assert.equal(hostOs('darwin'), 'linux');
});

test('hostDefaults() puts Windows state under C:\\ProgramData and the API on a named pipe', () => {
  const w = hostDefaults('windows');
  assert.equal(w.root, 'C:\\ProgramData\\hostpod');
  assert.equal(w.socket, '\\\\.\\pipe\\hostpod');
  assert.equal(hostDefaults('linux').socket, '/run/hostpod/hostpod.sock');
  assert.equal(hostDefaults('linux').root, '/var/lib/hostpod');
});
