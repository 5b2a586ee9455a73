import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildEnv, DEFAULT_PATH, parseImageEnv, userBaseEnv } from './env.ts';

const base = userBaseEnv({ name: 'root', home: '/root', shell: '/bin/bash' });

test('buildEnv() orders base, image, container env and puts CONTAINER_SANDBOX_MOUNT_POINT last', () => {
  const env = buildEnv({
    base,
    image: parseImageEnv(['IMG=1', 'SHARED=image', 'NOEQUALS']),
    container: [
      { name: 'SHARED', value: 'container' },
      { name: 'CTR', value: '2' },
    ],
    mountPoint: '/hpc/',
  });
  assert.deepEqual(
    env.map((v) => v.name),
    ['HOME', 'USER', 'LOGNAME', 'SHELL', 'PATH', 'IMG', 'SHARED', 'CTR', 'CONTAINER_SANDBOX_MOUNT_POINT'],
  );
  assert.equal(env.find((v) => v.name === 'SHARED')?.value, 'container');
  assert.deepEqual(env.at(-1), { name: 'CONTAINER_SANDBOX_MOUNT_POINT', value: '/hpc/' });
  assert.equal(env.find((v) => v.name === 'PATH')?.value, `${DEFAULT_PATH}:/hpc/`);
});

test('buildEnv() appends the mount point to a container PATH (scenario 17) and expands tokens in it', () => {
  const env = buildEnv({
    base,
    image: [],
    container: [{ name: 'PATH', value: '/usr/bin:/bin' }],
    mountPoint: '/hpc/',
  });
  assert.equal(env.find((v) => v.name === 'PATH')?.value, '/usr/bin:/bin:/hpc/');
  const env2 = buildEnv({
    base,
    image: parseImageEnv(['PATH=%CONTAINER_SANDBOX_MOUNT_POINT%/apps/vim/:/bin']),
    container: [],
    mountPoint: '/var/lib/hostpod/sandboxes/c1/rootfs/',
  });
  assert.equal(
    env2.find((v) => v.name === 'PATH')?.value,
    '/var/lib/hostpod/sandboxes/c1/rootfs/apps/vim/:/bin:/var/lib/hostpod/sandboxes/c1/rootfs/',
  );
});

test('buildEnv() expands tokens in image and container values but keeps backslashes in values', () => {
  const env = buildEnv({
    base,
    image: parseImageEnv(['A=$env:CONTAINER_SANDBOX_MOUNT_POINT\\conf']),
    container: [{ name: 'RE', value: '^\\d+$' }],
    mountPoint: '/hpc/',
  });
  assert.equal(env.find((v) => v.name === 'A')?.value, '/hpc\\conf');
  assert.equal(env.find((v) => v.name === 'RE')?.value, '^\\d+$');
});

test('buildEnv() does not let the pod override CONTAINER_SANDBOX_MOUNT_POINT', () => {
  const env = buildEnv({
    base,
    image: [],
    container: [{ name: 'CONTAINER_SANDBOX_MOUNT_POINT', value: '/elsewhere' }],
    mountPoint: '/hpc/',
  });
  assert.deepEqual(
    env.filter((v) => v.name === 'CONTAINER_SANDBOX_MOUNT_POINT'),
    [{ name: 'CONTAINER_SANDBOX_MOUNT_POINT', value: '/hpc/' }],
  );
});
