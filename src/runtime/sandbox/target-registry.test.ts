import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { acquireTarget, listTargetUsers, releaseTarget } from './target-registry.ts';

describe('mount targets hostpod makes on the host', () => {
  let dir = '';
  let sandboxes = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hostpod-targets-'));
    sandboxes = join(dir, 'state', 'sandboxes');
    await mkdir(sandboxes, { recursive: true });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('releaseTarget() removes a parent made for one target once another target below it is gone', async () => {
    // As for the SWT manifests: /host/opt/cni/bin and /host/etc/cni/net.d share /host, made for the first.
    const host = join(dir, 'host');
    const a = join(host, 'opt/cni/bin');
    const b = join(host, 'etc/cni/net.d');
    assert.deepEqual(await acquireTarget(sandboxes, 's1', a, 'dir'), { existed: false, owned: true });
    assert.deepEqual(await acquireTarget(sandboxes, 's1', b, 'dir'), { existed: false, owned: true });
    await releaseTarget(sandboxes, 's1', a);
    assert.ok(existsSync(join(host, 'etc/cni/net.d')), 'the other target stays while in use');
    assert.equal(existsSync(join(host, 'opt')), false);
    await releaseTarget(sandboxes, 's1', b);
    assert.equal(existsSync(host), false, 'the shared parent hostpod made is gone');
    assert.deepEqual(await readdir(join(sandboxes, '.made')).catch(() => []), []);
    assert.deepEqual(await readdir(join(sandboxes, '.targets')).catch(() => []), []);
  });

  test('acquireTarget() names the target for people, also when a crash lost its path file', async () => {
    const t = join(dir, 'named/target');
    await acquireTarget(sandboxes, 's1', t, 'dir');
    assert.deepEqual(await listTargetUsers(sandboxes), [{ path: t, users: ['s1'] }]);
    // A crash between making the entry and writing its path file: the next user writes it.
    const [entry] = await readdir(join(sandboxes, '.targets'));
    await unlink(join(sandboxes, '.targets', entry!, 'path'));
    await acquireTarget(sandboxes, 's2', t, 'dir');
    assert.deepEqual(await listTargetUsers(sandboxes), [{ path: t, users: ['s1', 's2'] }]);
    await releaseTarget(sandboxes, 's1', t);
    await releaseTarget(sandboxes, 's2', t);
    assert.deepEqual(await listTargetUsers(sandboxes), []);
  });

  test('releaseTarget() leaves what existed before, and a target another sandbox still uses', async () => {
    const existing = join(dir, 'existing');
    await mkdir(existing);
    const t = join(existing, 'x/y');
    await acquireTarget(sandboxes, 's1', t, 'dir');
    await acquireTarget(sandboxes, 's2', t, 'dir');
    await releaseTarget(sandboxes, 's1', t);
    assert.ok(existsSync(t), 'still used by s2');
    await releaseTarget(sandboxes, 's2', t);
    assert.equal(existsSync(join(existing, 'x')), false);
    assert.ok(existsSync(existing), 'a directory that existed before is never removed');
  });
});

test('acquireTarget() / releaseTarget(): a mount point two instances share stays until the last of them lets go', async () => {
  const base = await mkdtemp(join(tmpdir(), 'hostpod-targets-shared-'));
  try {
    // One host-wide registry; two state roots (instances) both bind their workspaces at /hpc.
    const registry = join(base, 'host', 'mount-targets');
    const hpc = join(base, 'hpc');
    assert.deepEqual(await acquireTarget(registry, 'aaaa-c1', hpc, 'dir'), { existed: false, owned: true });
    assert.deepEqual(await acquireTarget(registry, 'bbbb-c2', hpc, 'dir'), { existed: true, owned: true });
    // The first instance's run ends: the directory stays (removing it would detach the second
    // instance's workspace in its container's mount namespace).
    await releaseTarget(registry, 'aaaa-c1', hpc);
    assert.ok(existsSync(hpc));
    assert.deepEqual(await listTargetUsers(registry), [{ path: hpc, users: ['bbbb-c2'] }]);
    await releaseTarget(registry, 'bbbb-c2', hpc);
    assert.equal(existsSync(hpc), false, 'made by hostpod, removed by the last user');
    assert.deepEqual(await listTargetUsers(registry), []);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test('acquireTarget() from many processes at once: each registration is counted (the registry lock)', async () => {
  const base = await mkdtemp(join(tmpdir(), 'hostpod-targets-race-'));
  try {
    const registry = join(base, 'reg');
    const hpc = join(base, 'hpc');
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => acquireTarget(registry, `i${i % 3}-c${i}`, hpc, 'dir')),
    );
    assert.equal((await listTargetUsers(registry))[0]?.users.length, 12);
    await Promise.all(Array.from({ length: 11 }, (_, i) => releaseTarget(registry, `i${i % 3}-c${i}`, hpc)));
    assert.ok(existsSync(hpc), 'one user left');
    await releaseTarget(registry, 'i2-c11', hpc);
    assert.equal(existsSync(hpc), false);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
