import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveWorkingDir } from './working-dir.ts';

const SYM = '/var/lib/hostpod/sandboxes/c1/rootfs/';

test('resolveWorkingDir() defaults to the mount point, then honours the image WorkingDir', () => {
  assert.equal(resolveWorkingDir({ layout: 'bind', mountPoint: '/hpc/' }), '/hpc');
  assert.equal(
    resolveWorkingDir({ layout: 'bind', mountPoint: '/hpc/', imageWorkingDir: '/srv/app' }),
    '/srv/app',
  );
  assert.equal(
    resolveWorkingDir({ layout: 'bind', mountPoint: '/hpc/', workingDir: '/go', imageWorkingDir: '/srv' }),
    '/go',
  );
});

test('resolveWorkingDir() replaces tokens and normalises Windows separators', () => {
  for (const wd of [
    '%CONTAINER_SANDBOX_MOUNT_POINT%/bin',
    '%CONTAINER_SANDBOX_MOUNT_POINT%/bin/',
    '%CONTAINER_SANDBOX_MOUNT_POINT%\\bin\\',
    '$env:CONTAINER_SANDBOX_MOUNT_POINT\\bin\\',
  ]) {
    assert.equal(resolveWorkingDir({ layout: 'bind', mountPoint: '/hpc/', workingDir: wd }), '/hpc/bin', wd);
  }
  assert.equal(resolveWorkingDir({ layout: 'bind', mountPoint: '/hpc/', workingDir: 'C:\\go\\' }), '/go');
});

test('resolveWorkingDir() re-roots a token-free path under the workspace in the symlink layout only', () => {
  assert.equal(resolveWorkingDir({ layout: 'symlink', mountPoint: SYM, workingDir: '/work' }), `${SYM}work`);
  assert.equal(
    resolveWorkingDir({ layout: 'symlink', mountPoint: SYM, imageWorkingDir: '/app' }),
    `${SYM}app`,
  );
  assert.equal(
    resolveWorkingDir({
      layout: 'symlink',
      mountPoint: SYM,
      workingDir: '%CONTAINER_SANDBOX_MOUNT_POINT%/x',
    }),
    `${SYM}x`,
  );
  assert.equal(resolveWorkingDir({ layout: 'bind', mountPoint: '/hpc/', workingDir: '/work' }), '/work');
});

test('resolveWorkingDir() takes a relative path relative to the workspace', () => {
  assert.equal(resolveWorkingDir({ layout: 'bind', mountPoint: '/hpc/', workingDir: 'bin' }), '/hpc/bin');
  assert.equal(
    resolveWorkingDir({ layout: 'symlink', mountPoint: SYM, workingDir: 'bin/../etc' }),
    `${SYM}etc`,
  );
});

test('resolveWorkingDir() never lets a relative or re-rooted working dir climb out of the workspace', () => {
  for (const wd of ['../../../../etc', 'a/../../..//etc', '..\\..\\etc', './../etc']) {
    assert.equal(resolveWorkingDir({ layout: 'symlink', mountPoint: SYM, workingDir: wd }), `${SYM}etc`, wd);
    assert.equal(resolveWorkingDir({ layout: 'bind', mountPoint: '/hpc/', workingDir: wd }), '/hpc/etc', wd);
  }
  assert.equal(
    resolveWorkingDir({ layout: 'symlink', mountPoint: SYM, workingDir: '/../../etc' }),
    `${SYM}etc`,
  );
  assert.equal(resolveWorkingDir({ layout: 'symlink', mountPoint: SYM, workingDir: '..' }), SYM.slice(0, -1));
  // An absolute path (or one written with the token) is the author's explicit choice: kept.
  assert.equal(resolveWorkingDir({ layout: 'bind', mountPoint: '/hpc/', workingDir: '/srv/../etc' }), '/etc');
});
