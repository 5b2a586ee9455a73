import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { userBaseEnv } from './env.ts';
import { resolveMountPoint } from './mount-point.ts';
import { buildProcessConfig } from './process-config.ts';
import type { ContainerInput, Probe } from './types.ts';

const container = (over: Partial<ContainerInput>): ContainerInput => ({
  name: 'web',
  id: 'c1',
  command: [],
  args: [],
  env: [],
  annotations: {},
  mounts: [],
  ...over,
});
const baseEnv = userBaseEnv({ name: 'root', home: '/root', shell: '/bin/sh' });
const files = new Set(['/hpc/bin/hello.sh', '/bin/sh', '/var/lib/hostpod/sandboxes/c1/rootfs/bin/hello.sh']);
const probe: Probe = (p) => (files.has(p) ? 'file' : 'missing');

test('buildProcessConfig() turns a Windows-style manifest into a runnable Linux process (bind layout)', async () => {
  const { mountPoint } = resolveMountPoint({ layout: 'bind', id: 'c1', root: '/var/lib/hostpod' });
  const cfg = await buildProcessConfig(
    container({
      command: ['%CONTAINER_SANDBOX_MOUNT_POINT%\\bin\\hello.sh'],
      args: ['$env:CONTAINER_SANDBOX_MOUNT_POINT\\data', 'x\\d'],
      env: [{ name: 'CONF', value: '%CONTAINER_SANDBOX_MOUNT_POINT%/etc' }],
    }),
    { Env: ['PATH=/usr/bin:/bin'], Entrypoint: ['ignored'], Cmd: ['dropped'] },
    { layout: 'bind', mountPoint, baseEnv, probe },
  );
  assert.equal(cfg.executable, '/hpc/bin/hello.sh');
  assert.deepEqual(cfg.argv, ['/hpc/bin/hello.sh', '/hpc\\data', 'x\\d']);
  assert.equal(cfg.cwd, '/hpc');
  assert.deepEqual(
    cfg.env.filter((v) => ['PATH', 'CONF', 'CONTAINER_SANDBOX_MOUNT_POINT'].includes(v.name)),
    [
      { name: 'PATH', value: '/usr/bin:/bin:/hpc/' },
      { name: 'CONF', value: '/hpc/etc' },
      { name: 'CONTAINER_SANDBOX_MOUNT_POINT', value: '/hpc/' },
    ],
  );
});

test('buildProcessConfig() resolves a relative command against the workspace in the symlink layout', async () => {
  const { mountPoint } = resolveMountPoint({ layout: 'symlink', id: 'c1', root: '/var/lib/hostpod' });
  const cfg = await buildProcessConfig(
    container({ command: ['bin/hello.sh'] }),
    {},
    { layout: 'symlink', mountPoint, baseEnv, probe },
  );
  assert.equal(cfg.executable, '/var/lib/hostpod/sandboxes/c1/rootfs/bin/hello.sh');
  assert.equal(cfg.cwd, '/var/lib/hostpod/sandboxes/c1/rootfs');
});

test('buildProcessConfig() refuses NUL bytes and bad env names before resolving anything', async () => {
  const opts = { layout: 'bind' as const, mountPoint: '/hpc/', baseEnv, probe };
  await assert.rejects(
    buildProcessConfig(container({ command: ['/bin/sh', 'a\0b'] }), {}, opts),
    (e) => isRuntimeError(e, 'InvalidArgument') && /argument 1 contains a NUL/.test(e.message),
  );
  await assert.rejects(
    buildProcessConfig(container({ command: ['/bin/sh'], env: [{ name: 'A=B', value: '' }] }), {}, opts),
    (e) => isRuntimeError(e, 'InvalidArgument') && /invalid environment variable name "A=B"/.test(e.message),
  );
  await assert.rejects(
    buildProcessConfig(container({ command: ['nope'] }), {}, opts),
    (e) =>
      isRuntimeError(e, 'NotFound') &&
      /Cannot start container "web": failed to find executable "nope"/.test(e.message),
  );
});
