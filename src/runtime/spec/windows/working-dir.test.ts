import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveWindowsWorkingDir } from './working-dir.ts';

const mountPoint = 'C:\\hpc\\abc\\';

test('resolveWindowsWorkingDir() defaults to the mount point, or C:\\hpc under it (containerd >= 1.7.19)', () => {
  assert.equal(resolveWindowsWorkingDir({ mountPoint, layout: 'bind' }), mountPoint);
  assert.equal(resolveWindowsWorkingDir({ mountPoint, layout: 'bind', workingDir: '' }), mountPoint);
  assert.equal(
    resolveWindowsWorkingDir({ mountPoint, layout: 'bind', defaultToHpc: true }),
    'C:\\hpc\\abc\\hpc',
  );
});

test('resolveWindowsWorkingDir() drops any drive letter and joins under the workspace when no token was used', () => {
  const wd = (w: string) => resolveWindowsWorkingDir({ mountPoint, layout: 'symlink', workingDir: w });
  assert.equal(wd('C:\\work'), 'C:\\hpc\\abc\\work');
  assert.equal(wd('D:\\x\\y'), 'C:\\hpc\\abc\\x\\y');
  assert.equal(wd('C:'), mountPoint);
  assert.equal(wd('/app/./bin'), 'C:\\hpc\\abc\\app\\bin');
  assert.equal(wd('rel'), 'C:\\hpc\\abc\\rel');
});

test('resolveWindowsWorkingDir() never climbs out of the workspace with ..', () => {
  const wd = resolveWindowsWorkingDir({
    mountPoint,
    layout: 'bind',
    workingDir: 'C:\\..\\..\\Windows\\System32',
  });
  assert.equal(wd, 'C:\\hpc\\abc\\Windows\\System32');
});

test('resolveWindowsWorkingDir() uses a token-substituted path verbatim', () => {
  const wd = resolveWindowsWorkingDir({
    mountPoint,
    layout: 'bind',
    workingDir: '%CONTAINER_SANDBOX_MOUNT_POINT%\\app',
  });
  assert.equal(wd, 'C:\\hpc\\abc\\app');
});
