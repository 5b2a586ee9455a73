import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isRuntimeError } from '../../errors.ts';
import { sha256Of } from '../../oci/digest.ts';
import { type ApplyLayerOptions, applyLayer } from './apply-layer.ts';
import { type CraftEntry, chunked, craftTar } from './testing/tar-builder.ts';
import { describeTree } from './testing/tree.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A sandbox: `outside/` with sentinel content next to an empty `target/`. */
function sandbox(): { base: string; target: string; outside: string; around: () => string[] } {
  const base = mkdtempSync(join(tmpdir(), 'hostpod-unpack-'));
  dirs.push(base);
  const outside = join(base, 'outside');
  mkdirSync(join(outside, 'dir'), { recursive: true });
  writeFileSync(join(outside, 'sentinel'), 'keep me');
  writeFileSync(join(outside, 'dir', 'inner'), 'keep me too');
  const target = join(base, 'target');
  mkdirSync(target);
  return {
    base,
    target,
    outside,
    around: () => describeTree(base, { exclude: ['target'], mtime: true }),
  };
}

/** A zstd frame holding `data` in raw (stored) blocks: valid for every zstd decoder. */
function zstdRawFrame(data: Buffer): Buffer {
  assert.ok(data.length >= 256 && data.length < 65536 + 256);
  const parts: Buffer[] = [
    Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x60, (data.length - 256) & 0xff, (data.length - 256) >> 8]),
  ];
  for (let off = 0; off < data.length; off += 65536) {
    const block = data.subarray(off, off + 65536);
    const last = off + 65536 >= data.length ? 1 : 0;
    const h = (block.length << 3) | last;
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), block);
  }
  return Buffer.concat(parts);
}

async function apply(entries: CraftEntry[], opts: Partial<ApplyLayerOptions> & { target: string }) {
  return applyLayer(chunked(craftTar(entries), 700), { mode: 'apply', ...opts });
}

async function assertRefused(p: Promise<unknown>, code: string, needle: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isRuntimeError(e), `expected a RuntimeError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (typeof needle === 'string') assert.ok(e.message.includes(needle), e.message);
    else assert.match(e.message, needle);
    return true;
  });
}

test('applyLayer() unpacks files, dirs, symlinks and hardlinks with modes, owners and mtimes', async () => {
  const s = sandbox();
  const r = await apply(
    [
      { name: 'etc/', type: 'dir', mode: 0o750, mtime: 1_500_000_000 },
      { name: 'etc/conf', body: 'a=1\n', mode: 0o640, uid: 1000, gid: 1001, mtime: 1_500_000_001 },
      { name: 'etc/link', type: 'symlink', linkname: '../somewhere/else' },
      { name: 'etc/hard', type: 'hardlink', linkname: 'etc/conf' },
      { name: './tmp/', type: 'dir', mode: 0o1777 },
    ],
    { target: s.target },
  );
  assert.equal(r.entries, 5);
  assert.equal(r.compression, 'none');
  const conf = lstatSync(join(s.target, 'etc/conf'));
  assert.equal(conf.mode & 0o7777, 0o640);
  assert.equal(conf.uid, 1000);
  assert.equal(conf.gid, 1001);
  assert.equal(Math.floor(conf.mtimeMs / 1000), 1_500_000_001);
  assert.equal(conf.nlink, 2);
  assert.equal(readFileSync(join(s.target, 'etc/hard'), 'utf8'), 'a=1\n');
  assert.equal(readlinkSync(join(s.target, 'etc/link')), '../somewhere/else');
  const etc = lstatSync(join(s.target, 'etc'));
  assert.equal(etc.mode & 0o7777, 0o750);
  assert.equal(Math.floor(etc.mtimeMs / 1000), 1_500_000_000);
  assert.equal(lstatSync(join(s.target, 'tmp')).mode & 0o7777, 0o1777);
});

test('applyLayer() computes the diffID of gzip and zstd layers and checks the expected one', async () => {
  const s = sandbox();
  const tar = craftTar([{ name: 'a', body: 'hello' }]);
  const gz = await applyLayer(chunked(gzipSync(tar)), { target: s.target, mode: 'apply' });
  assert.equal(gz.compression, 'gzip');
  assert.equal(gz.diffId, sha256Of(tar));
  // A zstd frame of raw blocks (built here), and one from the zstd tool when it is installed.
  const frames = [zstdRawFrame(tar)];
  const z = spawnSync('zstd', ['-q', '-c'], { input: tar });
  if (z.status === 0) frames.push(z.stdout);
  for (const frame of frames) {
    const zs = await applyLayer(chunked(frame), {
      target: s.target,
      mode: 'apply',
      expectedDiffId: sha256Of(tar),
    });
    assert.equal(zs.compression, 'zstd');
    assert.equal(readFileSync(join(s.target, 'a'), 'utf8'), 'hello');
  }
  await assertRefused(
    applyLayer(chunked(tar), { target: s.target, mode: 'apply', expectedDiffId: sha256Of('other') }),
    'DataLoss',
    'diffID',
  );
});

test('applyLayer() accepts a layer without end-of-archive blocks but refuses a truncated entry', async () => {
  const s = sandbox();
  const tar = craftTar([{ name: 'a', body: 'x'.repeat(3000) }], { noEnd: true });
  await applyLayer(chunked(tar), { target: s.target, mode: 'apply' });
  assert.equal(readFileSync(join(s.target, 'a'), 'utf8').length, 3000);
  // Not even the padding after the last body (umoci insert): still whole.
  const t1 = join(s.base, 't1');
  mkdirSync(t1);
  await applyLayer(chunked(tar.subarray(0, 512 + 3000)), { target: t1, mode: 'apply' });
  assert.equal(readFileSync(join(t1, 'a'), 'utf8').length, 3000);
  const t2 = join(s.base, 't2');
  mkdirSync(t2);
  await assertRefused(
    applyLayer(chunked(tar.subarray(0, 512 + 1024)), { target: t2, mode: 'apply' }),
    'DataLoss',
    'truncated in entry "a"',
  );
  await assertRefused(
    applyLayer(chunked(tar.subarray(0, 300)), { target: t2, mode: 'apply' }),
    'DataLoss',
    'truncated',
  );
});

test('applyLayer() refuses ../ names and leaves the filesystem around the target untouched', async () => {
  const s = sandbox();
  const before = s.around();
  for (const name of ['../outside/sentinel', 'a/../../outside/pwned', '../../x']) {
    await assertRefused(
      apply([{ name, body: 'pwned' }], { target: s.target }),
      'InvalidArgument',
      `"${name}"`,
    );
  }
  assert.deepEqual(s.around(), before);
  assert.equal(readFileSync(join(s.outside, 'sentinel'), 'utf8'), 'keep me');
});

test('applyLayer() keeps absolute names inside the target', async () => {
  const s = sandbox();
  const before = s.around();
  const abs = join(s.outside, 'sentinel');
  await apply([{ name: abs, body: 'inside' }], { target: s.target });
  assert.deepEqual(s.around(), before);
  assert.equal(readFileSync(join(s.target, abs), 'utf8'), 'inside');
});

test('applyLayer() never writes through a symlink placed by an earlier entry', async () => {
  const s = sandbox();
  const before = s.around();
  await apply(
    [
      { name: 'abs', type: 'symlink', linkname: s.outside },
      { name: 'abs/pwned', body: 'x' },
      { name: 'rel', type: 'symlink', linkname: '../../../../../../outside' },
      { name: 'rel/pwned', body: 'y' },
      { name: 'final', type: 'symlink', linkname: join(s.outside, 'sentinel') },
      { name: 'final', body: 'replaced the link, not its target' },
      { name: 'dirlink', type: 'symlink', linkname: join(s.outside, 'dir') },
      { name: 'dirlink', type: 'dir' },
      { name: 'dirlink/inner', body: 'z' },
    ],
    { target: s.target },
  );
  assert.deepEqual(s.around(), before);
  // Resolved inside the target, chroot-style.
  assert.equal(readFileSync(join(s.target, s.outside, 'pwned'), 'utf8'), 'x');
  assert.equal(readFileSync(join(s.target, 'outside/pwned'), 'utf8'), 'y');
  assert.ok(lstatSync(join(s.target, 'final')).isFile());
  assert.ok(lstatSync(join(s.target, 'dirlink')).isDirectory());
  assert.equal(readFileSync(join(s.outside, 'dir/inner'), 'utf8'), 'keep me too');
});

test('applyLayer() never writes through a symlink placed by an earlier layer (apply and overlay)', async () => {
  const s = sandbox();
  const before = s.around();
  const l1 = [{ name: 'esc', type: 'symlink', linkname: s.outside } as const];
  const l2 = [
    { name: 'esc/sentinel', body: 'pwned' },
    { name: 'esc/dir/new', body: 'new' },
  ];
  await apply([...l1], { target: s.target });
  await apply(l2, { target: s.target });
  assert.deepEqual(s.around(), before);
  assert.equal(readFileSync(join(s.target, s.outside, 'sentinel'), 'utf8'), 'pwned');

  const lower = join(s.base, 'lower');
  const upper = join(s.base, 'upper');
  mkdirSync(lower);
  mkdirSync(upper);
  await apply([...l1], { target: lower, mode: 'overlay' });
  await apply(l2, { target: upper, mode: 'overlay', lowers: [{ dir: lower, opaque: new Set() }] });
  assert.deepEqual(describeTree(s.base, { exclude: ['target', 'lower', 'upper'], mtime: true }), before);
  assert.equal(readFileSync(join(upper, s.outside, 'sentinel'), 'utf8'), 'pwned');
  assert.ok(lstatSync(join(lower, 'esc')).isSymbolicLink());
});

test('applyLayer() confines symlink chains that point outside', async () => {
  const s = sandbox();
  const before = s.around();
  await apply(
    [
      { name: 'a', type: 'symlink', linkname: 'b' },
      { name: 'b', type: 'symlink', linkname: 'c/../../..' },
      { name: 'c', type: 'dir' },
      { name: 'd', type: 'symlink', linkname: '/a/../../a/outside' },
      { name: 'd/sentinel', body: 'chain' },
      { name: 'loop1', type: 'symlink', linkname: 'loop2' },
      { name: 'loop2', type: 'symlink', linkname: 'loop1' },
    ],
    { target: s.target },
  );
  assert.deepEqual(s.around(), before);
  assert.equal(readFileSync(join(s.target, 'outside/sentinel'), 'utf8'), 'chain');
  const t2 = join(s.base, 't2');
  mkdirSync(t2);
  await assertRefused(
    apply(
      [
        { name: 'loop1', type: 'symlink', linkname: 'loop2' },
        { name: 'loop2', type: 'symlink', linkname: 'loop1' },
        { name: 'loop1/x', body: '' },
      ],
      { target: t2 },
    ),
    'InvalidArgument',
    'too many levels of symbolic links',
  );
});

test('applyLayer() refuses hardlinks to outside and to paths not yet extracted', async () => {
  const s = sandbox();
  const before = s.around();
  const cases: [CraftEntry[], string][] = [
    [[{ name: 'h', type: 'hardlink', linkname: '../outside/sentinel' }], 'climbs above'],
    [[{ name: 'h', type: 'hardlink', linkname: join(s.outside, 'sentinel') }], 'does not exist'],
    [
      [
        { name: 'l', type: 'symlink', linkname: s.outside },
        { name: 'h', type: 'hardlink', linkname: 'l/sentinel' },
      ],
      'does not exist',
    ],
    [
      [
        { name: 'h', type: 'hardlink', linkname: 'later' },
        { name: 'later', body: 'x' },
      ],
      'does not exist',
    ],
    [
      [
        { name: 'd', type: 'dir' },
        { name: 'h', type: 'hardlink', linkname: 'd' },
      ],
      'is a directory',
    ],
  ];
  const targets: string[] = [];
  for (const [entries, why] of cases) {
    const t = mkdtempSync(join(s.base, 't-'));
    targets.push(t.slice(s.base.length + 1));
    await assertRefused(apply(entries, { target: t }), 'InvalidArgument', why);
  }
  assert.deepEqual(describeTree(s.base, { exclude: ['target', ...targets], mtime: true }), before);
  assert.equal(lstatSync(join(s.outside, 'sentinel')).nlink, 1);
});

test('applyLayer() refuses escaping whiteouts and confines whiteouts through symlinked dirs', async () => {
  const s = sandbox();
  const before = s.around();
  await assertRefused(
    apply([{ name: '../.wh.sentinel' }], { target: s.target }),
    'InvalidArgument',
    '.wh.sentinel',
  );
  await assertRefused(apply([{ name: 'a/.wh..' }], { target: s.target }), 'InvalidArgument', 'whiteout');
  await apply(
    [
      { name: 'l', type: 'symlink', linkname: s.outside },
      { name: 'l/.wh.sentinel' },
      { name: 'r', type: 'symlink', linkname: '../outside' },
      { name: 'r/.wh.dir' },
      { name: 'r/.wh..wh..opq' },
    ],
    { target: s.target },
  );
  assert.deepEqual(s.around(), before);
  // Overlay mode: the whiteout device lands inside the layer dir.
  const up = join(s.base, 'up');
  mkdirSync(up);
  await apply([{ name: 'l', type: 'symlink', linkname: s.outside }, { name: 'l/.wh.sentinel' }], {
    target: up,
    mode: 'overlay',
  });
  assert.deepEqual(describeTree(s.base, { exclude: ['target', 'up'], mtime: true }), before);
  const wh = lstatSync(join(up, s.outside, 'sentinel'));
  assert.ok(wh.isCharacterDevice() && wh.rdev === 0);
});

test('applyLayer() skips device nodes and FIFOs with a note', async () => {
  const s = sandbox();
  const r = await apply(
    [
      { name: 'dev/', type: 'dir' },
      { name: 'dev/sda', type: 'block', devmajor: 8, devminor: 0 },
      { name: 'dev/mem', type: 'char', devmajor: 1, devminor: 1 },
      { name: 'dev/null-ish', type: 'char', devmajor: 0, devminor: 0 },
      { name: 'fifo', type: 'fifo' },
    ],
    { target: s.target },
  );
  assert.deepEqual(
    describeTree(s.target).map((l) => l.split(' ')[0]),
    ['dev'],
  );
  assert.ok(r.notes.some((n) => n.includes('"dev/sda"')));
  assert.ok(r.notes.some((n) => n.includes('"fifo"')));
});

test('applyLayer() drops setuid/setgid bits unless keepSetuid is set', async () => {
  const s = sandbox();
  const entries: CraftEntry[] = [
    { name: 'su', body: '#!/bin/sh\n', mode: 0o4755 },
    { name: 'sg', body: '#!/bin/sh\n', mode: 0o2755 },
    { name: 'shared', type: 'dir', mode: 0o2775 },
  ];
  const r = await apply(entries, { target: s.target });
  assert.equal(lstatSync(join(s.target, 'su')).mode & 0o7777, 0o755);
  assert.equal(lstatSync(join(s.target, 'sg')).mode & 0o7777, 0o755);
  assert.equal(lstatSync(join(s.target, 'shared')).mode & 0o7777, 0o2775);
  assert.ok(r.notes.some((n) => n.includes('setuid')));
  const t2 = join(s.base, 't2');
  mkdirSync(t2);
  await apply(entries, { target: t2, keepSetuid: true });
  assert.equal(lstatSync(join(t2, 'su')).mode & 0o7777, 0o4755);
});

test('applyLayer() enforces the entry count, entry size and total size limits', async () => {
  const s = sandbox();
  const many = Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, body: '' }));
  await assertRefused(
    apply(many, { target: s.target, limits: { maxEntries: 10 } }),
    'ResourceExhausted',
    'maxEntries',
  );
  // A header claiming 8 GiB: refused before a byte is written.
  const t2 = join(s.base, 't2');
  mkdirSync(t2);
  const huge = craftTar([{ name: 'big', size: 8 ** 11 - 1 }]);
  await assertRefused(
    applyLayer(chunked(huge), { target: t2, mode: 'apply', limits: { maxEntrySize: 1024 ** 3 } }),
    'ResourceExhausted',
    'maxEntrySize',
  );
  assert.equal(existsSync(join(t2, 'big')), false);
  // A gzip bomb: 32 MiB of zeros in ~32 KiB, bounded by maxTotalSize.
  const bomb = gzipSync(craftTar([{ name: 'zeros', body: Buffer.alloc(32 * 1024 * 1024) }]), { level: 1 });
  assert.ok(bomb.length < 200_000);
  const t3 = join(s.base, 't3');
  mkdirSync(t3);
  await assertRefused(
    applyLayer(chunked(bomb), { target: t3, mode: 'apply', limits: { maxTotalSize: 4 * 1024 * 1024 } }),
    'ResourceExhausted',
    'maxTotalSize',
  );
  assert.ok(lstatSync(join(t3, 'zeros')).size <= 4 * 1024 * 1024);
});

test('applyLayer() unpacks the legitimate absolute-symlink image: bin -> /usr/bin, then bin/tool', async () => {
  const s = sandbox();
  const l1: CraftEntry[] = [
    { name: 'usr/', type: 'dir' },
    { name: 'usr/bin/', type: 'dir' },
    { name: 'bin', type: 'symlink', linkname: '/usr/bin' },
  ];
  const l2: CraftEntry[] = [{ name: 'bin/tool', body: '#!/bin/sh\necho tool\n', mode: 0o755 }];
  await apply(l1, { target: s.target });
  await apply(l2, { target: s.target });
  assert.equal(readFileSync(join(s.target, 'usr/bin/tool'), 'utf8'), '#!/bin/sh\necho tool\n');
  assert.equal(readlinkSync(join(s.target, 'bin')), '/usr/bin');
  // overlay: the second layer's dir holds usr/bin/tool, with usr and usr/bin copied up.
  const lo = join(s.base, 'lo');
  const up = join(s.base, 'up');
  mkdirSync(lo);
  mkdirSync(up);
  await apply(l1, { target: lo, mode: 'overlay' });
  await apply(l2, { target: up, mode: 'overlay', lowers: [{ dir: lo, opaque: new Set() }] });
  assert.deepEqual(
    describeTree(up).map((l) => l.split(' ').slice(0, 2).join(' ')),
    ['usr dir', 'usr/bin dir', 'usr/bin/tool file'],
  );
});

test('applyLayer() applies whiteouts and opaque dirs onto a tree (apply mode)', async () => {
  const s = sandbox();
  await apply(
    [
      { name: 'keep', body: '1' },
      { name: 'gone', body: '2' },
      { name: 'dir/', type: 'dir' },
      { name: 'dir/old', body: '3' },
      { name: 'dir/sub/old2', body: '4' },
    ],
    { target: s.target },
  );
  await apply(
    [
      { name: '.wh.gone' },
      { name: 'dir/', type: 'dir' },
      { name: 'dir/new', body: '5' },
      { name: 'dir/.wh..wh..opq' },
    ],
    { target: s.target },
  );
  assert.deepEqual(
    describeTree(s.target).map((l) => l.split(' ')[0]),
    ['dir', 'dir/new', 'keep'],
  );
});

test('applyLayer() writes overlay whiteouts and opaque markers that a real overlay mount honours', async (t) => {
  const s = sandbox();
  const l1 = join(s.base, 'l1');
  const l2 = join(s.base, 'l2');
  const merged = join(s.base, 'merged');
  for (const d of [l1, l2, merged]) mkdirSync(d);
  await apply(
    [
      { name: 'keep', body: '1' },
      { name: 'gone', body: '2' },
      { name: 'dir/old', body: '3' },
      { name: 'dir2/kept', body: '4' },
    ],
    { target: l1, mode: 'overlay' },
  );
  const r = await apply(
    [
      { name: '.wh.gone' },
      { name: 'dir/', type: 'dir' },
      { name: 'dir/.wh..wh..opq' },
      { name: 'dir/new', body: '5' },
      { name: 'dir2/added', body: '6' },
    ],
    { target: l2, mode: 'overlay', lowers: [{ dir: l1, opaque: new Set() }] },
  );
  assert.deepEqual(r.opaque, ['dir']);
  const wh = lstatSync(join(l2, 'gone'));
  assert.ok(wh.isCharacterDevice() && wh.rdev === 0);
  const m = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `ro,lowerdir=${l2}:${l1}`, merged]);
  if (m.status !== 0) {
    t.skip(`overlay mount not available: ${m.stderr.toString().trim()}`);
    return;
  }
  try {
    assert.deepEqual(
      describeTree(merged).map((l) => l.split(' ')[0]),
      ['dir', 'dir/new', 'dir2', 'dir2/added', 'dir2/kept', 'keep'],
    );
  } finally {
    spawnSync('umount', [merged]);
  }
});

test('applyLayer() ignores overlay xattrs from the archive and sets other xattrs', async () => {
  const s = sandbox();
  const r = await apply(
    [
      {
        name: 'f',
        body: 'x',
        pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y', 'SCHILY.xattr.user.note': 'hello' },
      },
    ],
    { target: s.target },
  );
  assert.ok(r.notes.some((n) => n.includes('trusted.overlay.opaque')));
  const probe = spawnSync(
    'python3',
    ['-c', 'import os,sys; print(os.listxattr(sys.argv[1]))', join(s.target, 'f')],
    { encoding: 'utf8' },
  );
  if (probe.status === 0) {
    assert.ok(probe.stdout.includes('user.note'), probe.stdout);
    assert.ok(!probe.stdout.includes('trusted.overlay'), probe.stdout);
  }
});

test('applyLayer() in overlay mode copies a lower file up before hardlinking to it', async () => {
  const s = sandbox();
  const lo = join(s.base, 'lo');
  const up = join(s.base, 'up');
  mkdirSync(lo);
  mkdirSync(up);
  await apply([{ name: 'etc/conf', body: 'lower\n', mode: 0o640 }], { target: lo, mode: 'overlay' });
  await apply([{ name: 'etc/conf.link', type: 'hardlink', linkname: 'etc/conf' }], {
    target: up,
    mode: 'overlay',
    lowers: [{ dir: lo, opaque: new Set() }],
  });
  const a = lstatSync(join(up, 'etc/conf'));
  const b = lstatSync(join(up, 'etc/conf.link'));
  assert.equal(a.ino, b.ino);
  assert.equal(a.mode & 0o7777, 0o640);
  assert.equal(readFileSync(join(up, 'etc/conf.link'), 'utf8'), 'lower\n');
  assert.equal(lstatSync(join(lo, 'etc/conf')).nlink, 1, 'the lower layer is not touched');
});

test('applyLayer() reports a name the filesystem refuses as a RuntimeError naming the entry', async () => {
  const s = sandbox();
  const long = `${'n'.repeat(300)}`;
  await assertRefused(
    apply([{ name: 'x', body: '', pax: { path: long } }], { target: s.target }),
    'InvalidArgument',
    `entry "${long}"`,
  );
});

test('applyLayer() drops deferred whiteouts and directory modes when a later entry replaces their parent with a symlink', async () => {
  const s = sandbox();
  mkdirSync(join(s.outside, 'y'), { mode: 0o755 });
  const before = s.around();
  for (const mode of ['apply', 'overlay'] as const) {
    const t = mkdtempSync(join(s.base, `t-${mode}-`));
    await apply(
      [
        { name: 'x/.wh.sentinel' },
        { name: 'x/y/', type: 'dir', mode: 0o700, mtime: 1 },
        { name: 'x', type: 'symlink', linkname: s.outside },
      ],
      { target: t, mode },
    );
    assert.ok(lstatSync(join(t, 'x')).isSymbolicLink());
  }
  assert.deepEqual(
    describeTree(s.base, { exclude: ['target'], mtime: true }).filter((l) => !l.startsWith('t-')),
    before,
  );
  assert.equal(lstatSync(join(s.outside, 'y')).mode & 0o7777, 0o755);
  assert.ok(lstatSync(join(s.outside, 'sentinel')).isFile());
});

test('applyLayer() refuses a hardlink whose target is inside its own path', async () => {
  const s = sandbox();
  await assertRefused(
    apply(
      [
        { name: 'd/f', body: 'x' },
        { name: 'd', type: 'hardlink', linkname: 'd/f' },
      ],
      { target: s.target },
    ),
    'InvalidArgument',
    "inside the entry's own path",
  );
});
