import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasSandboxToken, normalizeSeparators, replaceSandboxTokens, stripTrailingSlash } from './tokens.ts';

test('replaceSandboxTokens() replaces both tokens by the mount point without its trailing slash', () => {
  assert.equal(replaceSandboxTokens('%CONTAINER_SANDBOX_MOUNT_POINT%/bin/app', '/hpc/'), '/hpc/bin/app');
  assert.equal(replaceSandboxTokens('$env:CONTAINER_SANDBOX_MOUNT_POINT/x.ps1', '/hpc/'), '/hpc/x.ps1');
  assert.equal(
    replaceSandboxTokens('a=%CONTAINER_SANDBOX_MOUNT_POINT%;b=$env:CONTAINER_SANDBOX_MOUNT_POINT', '/r/'),
    'a=/r;b=/r',
  );
});

test('replaceSandboxTokens() is case-sensitive and leaves look-alikes alone', () => {
  for (const s of [
    '%container_sandbox_mount_point%',
    '$ENV:CONTAINER_SANDBOX_MOUNT_POINT',
    '$CONTAINER_SANDBOX_MOUNT_POINT',
    '%CONTAINER_SANDBOX_MOUNT_POINT',
    `\${CONTAINER_SANDBOX_MOUNT_POINT}`,
  ]) {
    assert.equal(replaceSandboxTokens(s, '/hpc/'), s);
    assert.equal(hasSandboxToken(s), false);
  }
});

test('normalizeSeparators() turns backslashes into slashes and collapses repeats', () => {
  assert.equal(normalizeSeparators('/hpc\\bin/\\uname'), '/hpc/bin/uname');
  assert.equal(stripTrailingSlash('/hpc///'), '/hpc');
  assert.equal(stripTrailingSlash('/'), '/');
});
