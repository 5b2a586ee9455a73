import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replaceWindowsSandboxTokens, resolveWindowsMountPoint } from './mount-point.ts';

test('resolveWindowsMountPoint() gives C:\\hpc\\<id>\\ (bind) and C:\\C\\<id>\\ (symlink), or <location>\\<id>\\', () => {
  assert.equal(resolveWindowsMountPoint({ layout: 'bind', id: 'abc' }), 'C:\\hpc\\abc\\');
  assert.equal(resolveWindowsMountPoint({ layout: 'symlink', id: 'abc' }), 'C:\\C\\abc\\');
  assert.equal(
    resolveWindowsMountPoint({ layout: 'bind', id: 'abc', rootfsLocation: 'D:/pods\\' }),
    'D:\\pods\\abc\\',
  );
});

test('resolveWindowsMountPoint() refuses a relative or climbing location, naming the annotation', () => {
  for (const loc of ['pods', '\\pods', 'C:\\a\\..\\..\\Windows', '\\\\srv\\share']) {
    assert.throws(
      () => resolveWindowsMountPoint({ layout: 'bind', id: 'x', rootfsLocation: loc }),
      (e: Error & { code?: string }) =>
        e.code === 'InvalidArgument' && /hostprocess-rootfs-location/.test(e.message),
      loc,
    );
  }
});

test('replaceWindowsSandboxTokens() replaces both token forms by the mount point without its trailing \\', () => {
  const mp = 'C:\\hpc\\abc\\';
  assert.deepEqual(replaceWindowsSandboxTokens('%CONTAINER_SANDBOX_MOUNT_POINT%\\bin\\x.exe', mp), {
    value: 'C:\\hpc\\abc\\bin\\x.exe',
    replaced: true,
  });
  assert.equal(
    replaceWindowsSandboxTokens(
      '& $env:CONTAINER_SANDBOX_MOUNT_POINT/a.ps1; %CONTAINER_SANDBOX_MOUNT_POINT%',
      mp,
    ).value,
    '& C:\\hpc\\abc/a.ps1; C:\\hpc\\abc',
  );
  // Case-sensitive, as hcsshim: other spellings are left for the shell.
  assert.deepEqual(
    replaceWindowsSandboxTokens('%container_sandbox_mount_point% $Env:CONTAINER_SANDBOX_MOUNT_POINT', mp),
    {
      value: '%container_sandbox_mount_point% $Env:CONTAINER_SANDBOX_MOUNT_POINT',
      replaced: false,
    },
  );
});
