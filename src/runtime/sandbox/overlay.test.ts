import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { parseMountInfo } from './mountinfo.ts';
import { mountOverlay, overlayOptions, unmount } from './overlay.ts';

test('overlayOptions() lists lower dirs highest first', () => {
  assert.deepEqual(
    overlayOptions({ layers: ['/l/1', '/l/2', '/l/3'], upper: '/s/u', work: '/s/w', target: '/s/m' }),
    {
      options: 'lowerdir=/l/3:/l/2:/l/1,upperdir=/s/u,workdir=/s/w',
      cwd: undefined,
    },
  );
});

test('overlayOptions() switches to paths relative to a common parent when absolute ones exceed a page', () => {
  const base = `/var/lib/hostpod/${'x'.repeat(60)}`;
  const layers = Array.from({ length: 40 }, (_, i) => `${base}/layers/sha256-${String(i).padStart(64, '0')}`);
  const r = overlayOptions({ layers, upper: `${base}/s/u`, work: `${base}/s/w`, target: `${base}/s/m` });
  assert.equal(r.cwd, base);
  assert.ok(r.options.length <= 4000);
  assert.ok(r.options.startsWith(`lowerdir=layers/sha256-${String(39).padStart(64, '0')}:`));
  assert.ok(r.options.endsWith(',upperdir=s/u,workdir=s/w'));
  const tooMany = Array.from(
    { length: 200 },
    (_, i) => `${base}/layers/sha256-${String(i).padStart(64, '0')}`,
  );
  assert.throws(
    () => overlayOptions({ layers: tooMany, upper: `${base}/u`, work: `${base}/w`, target: `${base}/m` }),
    (e) => isRuntimeError(e, 'ResourceExhausted'),
  );
});

test('overlayOptions() refuses paths holding overlay option separators', () => {
  for (const bad of ['/l/a,upperdir=/etc', '/l/a:b', '/l/a\\b']) {
    assert.throws(
      () => overlayOptions({ layers: [bad], upper: '/u', work: '/w', target: '/m' }),
      (e) => isRuntimeError(e, 'InvalidArgument'),
    );
  }
});

test('parseMountInfo() decodes octal escapes and finds the fs type after the separator', () => {
  const text =
    '36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 - overlay overlay rw,lowerdir=/a\n' +
    '37 35 98:0 / /plain rw shared:2 - ext4 /dev/vda rw\n';
  assert.deepEqual(parseMountInfo(text), [
    {
      mountPoint: '/mnt/with space',
      options: ['rw', 'noatime'],
      fsType: 'overlay',
      source: 'overlay',
      optional: ['master:1'],
    },
    { mountPoint: '/plain', options: ['rw'], fsType: 'ext4', source: '/dev/vda', optional: ['shared:2'] },
  ]);
});

test('mountOverlay() and unmount() go through the shim server: they work with no mount(8) on PATH', {
  skip: process.getuid?.() !== 0 && 'needs root to mount',
}, async () => {
  const base = await mkdtemp(join(tmpdir(), 'hostpod-overlay-'));
  const path = process.env.PATH;
  try {
    const d = { l: join(base, 'l'), u: join(base, 'u'), w: join(base, 'w'), m: join(base, 'm') };
    for (const p of Object.values(d)) await mkdir(p);
    await writeFile(join(d.l, 'f'), 'image');
    process.env.PATH = join(base, 'no-tools-here');
    await mountOverlay({ layers: [d.l], upper: d.u, work: d.w, target: d.m });
    assert.equal(await readFile(join(d.m, 'f'), 'utf8'), 'image');
    await unmount(d.m);
    const mounts = parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
    assert.ok(!mounts.some((m) => m.mountPoint === d.m));
    await assert.rejects(
      mountOverlay({ layers: [join(base, 'missing')], upper: d.u, work: d.w, target: d.m }),
      (e) =>
        isRuntimeError(e, 'FailedPrecondition') &&
        e.message === `Cannot mount the workspace overlay at "${d.m}": No such file or directory`,
    );
    await assert.rejects(
      unmount(d.m),
      (e) => isRuntimeError(e, 'Internal') && /Invalid argument/.test(e.message),
    );
  } finally {
    process.env.PATH = path;
    await rm(base, { recursive: true, force: true });
  }
});
