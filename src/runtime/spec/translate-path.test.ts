import assert from 'node:assert/strict';
import { test } from 'node:test';
import { translatePath } from './translate-path.ts';

const mounts = [
  { source: '/var/lib/hostpod/sandboxes/c1/rootfs', target: '/hpc' },
  { source: '/srv/config', target: '/etc/config' },
  { source: '/srv/data', target: '/hpc/data' },
];

test('translatePath() maps container paths to host paths by the longest mount target', () => {
  assert.equal(translatePath('/hpc', mounts), '/var/lib/hostpod/sandboxes/c1/rootfs');
  assert.equal(translatePath('/hpc/bin/sh', mounts), '/var/lib/hostpod/sandboxes/c1/rootfs/bin/sh');
  assert.equal(translatePath('/hpc/data/x', mounts), '/srv/data/x');
  assert.equal(translatePath('/etc/config/a.txt', mounts), '/srv/config/a.txt');
  assert.equal(translatePath('/etc/configx', mounts), '/etc/configx');
  assert.equal(translatePath('/hpcx/y', mounts), '/hpcx/y');
  assert.equal(translatePath('/usr/bin/env', mounts), '/usr/bin/env');
});

test('translatePath() lets a later mount at the same target cover an earlier one', () => {
  const m = [
    { source: '/a', target: '/data' },
    { source: '/b', target: '/data' },
  ];
  assert.equal(translatePath('/data/f', m), '/b/f');
});
