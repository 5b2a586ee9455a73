import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { resolveMountPoint } from './mount-point.ts';

const root = '/var/lib/hostpod';

test('resolveMountPoint() gives /hpc/ in the bind layout and the host workspace in the symlink layout', () => {
  assert.deepEqual(resolveMountPoint({ layout: 'bind', id: 'c1', root }), {
    mountPoint: '/hpc/',
    workspaceHostPath: '/var/lib/hostpod/sandboxes/c1/rootfs',
  });
  assert.deepEqual(resolveMountPoint({ layout: 'symlink', id: 'c1', root: `${root}/` }), {
    mountPoint: '/var/lib/hostpod/sandboxes/c1/rootfs/',
    workspaceHostPath: '/var/lib/hostpod/sandboxes/c1/rootfs',
  });
});

test('resolveMountPoint() honours the rootfs-location annotation (scenario 29)', () => {
  assert.equal(
    resolveMountPoint({ layout: 'bind', id: 'c1', root, rootfsLocation: '/opt/x' }).mountPoint,
    '/opt/x/',
  );
  assert.deepEqual(resolveMountPoint({ layout: 'symlink', id: 'c1', root, rootfsLocation: '/opt/x/' }), {
    mountPoint: '/opt/x/c1/',
    workspaceHostPath: '/opt/x/c1',
  });
  assert.equal(
    resolveMountPoint({ layout: 'bind', id: 'c1', root, rootfsLocation: '\\opt\\y' }).mountPoint,
    '/opt/y/',
  );
});

test('resolveMountPoint() refuses a relative, root or dot-dot rootfs location', () => {
  for (const loc of ['opt/x', '/', '/opt/../etc', '/opt/./x']) {
    assert.throws(
      () => resolveMountPoint({ layout: 'bind', id: 'c1', root, rootfsLocation: loc }),
      (e) => isRuntimeError(e, 'InvalidArgument') && e.message.includes('hostprocess-rootfs-location'),
      loc,
    );
  }
});
