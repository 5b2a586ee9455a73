/**
 * Mounts reach the host (issue 13): `volumeMounts[].mountPropagation` in the bind layout, with a
 * real container mounting tmpfs and the host mounting after it started. This host's `/` is
 * private, as on many machines: the HostToContainer directory is made a shared mount by the test
 * (what an operator does), the Bidirectional one is left private for hostpod to share.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mountsUnder, parseMountInfo } from '../runtime/sandbox/mountinfo.ts';
import type { PodEvent } from './pod-events.ts';
import { runPod } from './pod-runner.ts';
import {
  containerOutput,
  type Harness,
  hpcPodSpecYaml,
  makeHarness,
  podsOf,
  TEST_IMAGE,
} from './testing/harness.ts';

const isRoot = process.getuid?.() === 0;

function mount(...args: string[]): void {
  const r = spawnSync('mount', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `mount ${args.join(' ')}: ${r.stderr}`);
}

async function hostMounts(): Promise<ReturnType<typeof parseMountInfo>> {
  return parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
}

describe('volumeMounts[].mountPropagation (bind layout)', { skip: !isRoot && 'needs root' }, () => {
  let h: Harness;
  let base: string;
  before(async () => {
    h = await makeHarness({ layout: 'bind' });
    base = await mkdtemp(join(tmpdir(), 'hostpod-prop-'));
    for (const d of ['bidir', 'h2c', 'none']) await mkdir(join(base, d));
    // The operator's step for HostToContainer on a host whose / is private.
    mount('--bind', join(base, 'h2c'), join(base, 'h2c'));
    mount('--make-shared', join(base, 'h2c'));
  });
  after(async () => {
    // Everything mounted under the test's directory, deepest first: what the container left on
    // the host through the Bidirectional volume, the host's late mounts, the shared binds.
    for (let i = 0; i < 10; i++) {
      const left = await mountsUnder(base);
      if (left.length === 0) break;
      for (const m of left) spawnSync('umount', ['-l', m.mountPoint]);
    }
    await rm(base, { recursive: true, force: true });
    await h.cleanup();
  });

  it('Bidirectional: a tmpfs the container mounts reaches the host; HostToContainer: a later host mount reaches the container; None: neither; nothing else leaks', async () => {
    const gate = join(base, 'gate');
    const yaml = hpcPodSpecYaml(
      'prop',
      `  containers:
  - name: c
    image: ${TEST_IMAGE}
    imagePullPolicy: Never
    command:
    - sh
    - -c
    - >-
      mkdir -p /mnt/bidir/sub /mnt/h2c/own /mnt/none/own &&
      mount -t tmpfs tmpfs /mnt/bidir/sub && echo from-container > /mnt/bidir/sub/f &&
      mount -t tmpfs tmpfs /mnt/h2c/own && mount -t tmpfs tmpfs /mnt/none/own &&
      echo READY;
      while [ ! -e ${gate} ]; do sleep 0.1; done;
      cat /mnt/h2c/late/m 2>/dev/null || echo h2c-missing;
      cat /mnt/none/late/m 2>/dev/null || echo none-missing
    volumeMounts:
    - {name: bidir, mountPath: /mnt/bidir, mountPropagation: Bidirectional}
    - {name: h2c, mountPath: /mnt/h2c, mountPropagation: HostToContainer}
    - {name: none, mountPath: /mnt/none}
  volumes:
  - {name: bidir, hostPath: {path: ${join(base, 'bidir')}}}
  - {name: h2c, hostPath: {path: ${join(base, 'h2c')}}}
  - {name: none, hostPath: {path: ${join(base, 'none')}}}
`,
    );
    const before = new Set((await hostMounts()).map((m) => m.mountPoint));
    const events: PodEvent[] = [];
    const running = runPod(podsOf(yaml)[0]!, {
      deps: h.deps,
      images: h.images,
      onEvent: (e) => events.push(e),
    });
    let out = '';
    for (let i = 0; i < 300 && !out.includes('READY'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      out = await containerOutput(h.root, h.db.containers.listByPodName('default', 'prop')[0]?.id);
    }
    try {
      assert.equal(out, 'READY\n', out);
      // Bidirectional: the container's tmpfs is a mount on the host, with what it wrote.
      const mounts = await hostMounts();
      const sub = mounts.find((m) => m.mountPoint === join(base, 'bidir', 'sub'));
      assert.equal(sub?.fsType, 'tmpfs', "the container's mount reached the host");
      assert.equal(await readFile(join(base, 'bidir', 'sub', 'f'), 'utf8'), 'from-container\n');
      // hostpod made the private directory shared (bound onto itself) and said so.
      assert.ok(
        mounts.some(
          (m) => m.mountPoint === join(base, 'bidir') && m.optional.some((o) => o.startsWith('shared:')),
        ),
      );
      assert.ok(
        events.some(
          (e) =>
            e.type === 'warning' && /bidir" was made a shared mount \(bound onto itself\)/.test(e.message),
        ),
      );
      // HostToContainer and None: the container's own mounts stay in the container.
      for (const d of ['h2c', 'none']) {
        assert.ok(
          !mounts.some((m) => m.mountPoint === join(base, d, 'own')),
          `${d}: the container's mount stays inside`,
        );
      }
      // The workspace's /hpc and the volumes' binds never appear on the host (the workspace's own
      // overlay under the state root is a host mount by design).
      const added = mounts
        .map((m) => m.mountPoint)
        .filter((p) => !before.has(p) && !p.startsWith(`${h.root}/`));
      assert.deepEqual(added.sort(), [join(base, 'bidir'), join(base, 'bidir', 'sub')].sort());

      // The host mounts after the container started.
      for (const d of ['h2c', 'none']) {
        await mkdir(join(base, d, 'late'));
        mount('-t', 'tmpfs', 'tmpfs', join(base, d, 'late'));
        await writeFile(join(base, d, 'late', 'm'), `host-${d}\n`);
      }
      await writeFile(gate, '');
      const r = await running;
      const text = await containerOutput(h.root, r.containers[0]!.id);
      assert.equal(text, 'READY\nhost-h2c\nnone-missing\n');
      assert.equal(r.containers[0]!.exitCode, 0);
      // The container is gone; what it mounted for the host stays (a CSI plugin's mounts must).
      assert.equal(await readFile(join(base, 'bidir', 'sub', 'f'), 'utf8'), 'from-container\n');
    } finally {
      if (!existsSync(gate)) await writeFile(gate, '');
      await running.catch(() => {});
    }
  });

  it('a Bidirectional volume with another volume inside it is refused before anything is made', async () => {
    const yaml = hpcPodSpecYaml(
      'nested',
      `  containers:
  - name: c
    image: ${TEST_IMAGE}
    imagePullPolicy: Never
    command: [sh, -c, 'true']
    volumeMounts:
    - {name: bidir, mountPath: /mnt/outer, mountPropagation: Bidirectional}
    - {name: none, mountPath: /mnt/outer/inner}
  volumes:
  - {name: bidir, hostPath: {path: ${join(base, 'bidir')}}}
  - {name: none, hostPath: {path: ${join(base, 'none')}}}
`,
    );
    const before = (await hostMounts()).length;
    const r = await runPod(podsOf(yaml)[0]!, { deps: h.deps, images: h.images });
    const c = r.containers[0]!;
    assert.equal(c.reason, 'StartError');
    assert.match(
      c.message ?? '',
      /Bidirectional mount propagation: the volume at "\/mnt\/outer\/inner" is inside it, and its bind would appear on the host/,
    );
    assert.equal((await hostMounts()).length, before);
  });
});
