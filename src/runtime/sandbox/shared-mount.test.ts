import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { mountsUnder, parseMountInfo } from './mountinfo.ts';
import { ensureSharedMount, mountOf } from './shared-mount.ts';
import { type CheckedMount, checkPropagation } from './volumes.ts';

const isRoot = process.getuid?.() === 0;

describe('shared mounts for mountPropagation', () => {
  it('mountOf() picks the deepest mount holding a path, the topmost of a stack', () => {
    const mounts = parseMountInfo(
      '1 0 8:1 / / rw - ext4 /dev/vda rw\n' +
        '2 1 0:5 / /var/lib rw shared:3 - tmpfs t rw\n' +
        '3 2 0:6 / /var/lib rw - tmpfs u rw\n' +
        '4 1 0:7 / /var/lib2 rw shared:4 - tmpfs v rw\n',
    );
    assert.equal(mountOf('/var/lib/kubelet', mounts)?.source, 'u');
    assert.equal(mountOf('/var/lib', mounts)?.source, 'u');
    assert.equal(mountOf('/var/lib2x', mounts)?.source, '/dev/vda');
    assert.equal(mountOf('/etc', mounts)?.mountPoint, '/');
  });

  it('checkPropagation() refuses a Bidirectional mount that cannot reach the host or would carry other binds onto it', () => {
    const m = (
      mountPath: string,
      propagation?: CheckedMount['propagation'],
      extra: Partial<CheckedMount> = {},
    ): CheckedMount => ({
      hostPath: `/srv${mountPath}`,
      mountPath,
      readOnly: false,
      kind: 'dir',
      ...(propagation ? { propagation } : {}),
      ...extra,
    });
    const opts = { container: 'csi', mountPoint: '/hpc/' };
    // Side by side, private ones next to it: fine.
    checkPropagation(
      [m('/var/lib/kubelet', 'shared'), m('/csi', 'private'), m('/registration', 'slave')],
      opts,
    );
    const refused: [CheckedMount[], RegExp][] = [
      [
        [m('/var/lib/kubelet', 'shared'), m('/var/lib/kubelet/plugins', 'private')],
        /the volume at "\/var\/lib\/kubelet\/plugins" is inside it/,
      ],
      [[m('/data', 'private'), m('/data/mnt', 'shared')], /it is inside the volume at "\/data"/],
      [[m('/hpc/mnt', 'shared')], /it is inside the workspace at "\/hpc"/],
      [[m('/mnt', 'shared', { subPath: { volume: '/srv', path: 'x' } })], /a subPath mount cannot propagate/],
      [[m('/mnt', 'shared'), m('/mnt', 'private')], /is inside it/],
    ];
    for (const [mounts, why] of refused) {
      assert.throws(
        () => checkPropagation(mounts, opts),
        (e: unknown) =>
          e instanceof Error &&
          why.test(e.message) &&
          /Cannot mount .* in container "csi" with Bidirectional/.test(e.message),
      );
    }
  });

  describe('ensureSharedMount() on this host', { skip: !isRoot && 'needs root to mount' }, () => {
    let base = '';
    after(async () => {
      for (let i = 0; i < 5 && base; i++)
        for (const m of await mountsUnder(base)) spawnSync('umount', ['-l', m.mountPoint]);
      if (base) await rm(base, { recursive: true, force: true });
    });
    const shared = async (p: string) =>
      parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8')).some(
        (m) => m.mountPoint === p && m.optional.some((o) => o.startsWith('shared:')),
      );

    it('binds a path of a private mount onto itself and shares it; makes a private mount point shared; leaves a shared one', async () => {
      base = await mkdtemp(join(tmpdir(), 'hostpod-shared-'));
      const plain = join(base, 'plain');
      const point = join(base, 'point');
      await mkdir(plain);
      await mkdir(point);
      const holder = mountOf(plain, parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8')));
      if (holder?.optional.some((o) => o.startsWith('shared:'))) {
        // A host whose / is shared (systemd's default): nothing to do, nothing done.
        assert.equal(await ensureSharedMount(plain), 'was-shared');
        return;
      }
      assert.equal(await ensureSharedMount(plain), 'bound-shared');
      assert.ok(await shared(plain));
      assert.equal(await ensureSharedMount(plain), 'was-shared', 'idempotent');
      assert.equal((await mountsUnder(plain)).length, 1, 'bound once');

      spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', point]);
      spawnSync('mount', ['--make-private', point]);
      assert.equal(await ensureSharedMount(point), 'made-shared');
      assert.ok(await shared(point));
      assert.equal((await mountsUnder(point)).length, 1, 'no bind added over a mount point');
    });
  });
});
