import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isRuntimeError } from '../errors.ts';
import { parseImageConfig, parseJson } from '../oci/manifest.ts';
import { buildImage } from './build.ts';
import { LocalContentStore } from './content-store.ts';
import { ImageStore } from './image-store.ts';
import { readImage, unpackImageTo } from './layers.ts';
import { describeTree } from './unpack/testing/tree.ts';

const work = mkdtempSync(join(tmpdir(), 'hostpod-build-'));
after(() => rmSync(work, { recursive: true, force: true }));

function stores() {
  const root = mkdtempSync(join(work, 'state-'));
  const content = new LocalContentStore(join(root, 'content'));
  return { root, content, images: new ImageStore(root, content), tmpDir: join(root, 'tmp') };
}

function sourceDir(): string {
  const src = mkdtempSync(join(work, 'src-'));
  mkdirSync(join(src, 'bin'));
  writeFileSync(join(src, 'bin', 'hello.sh'), '#!/bin/sh\necho hello\n');
  chmodSync(join(src, 'bin', 'hello.sh'), 0o755);
  writeFileSync(join(src, 'README'), 'readme\n');
  symlinkSync('bin/hello.sh', join(src, 'hello'));
  const long = 'x'.repeat(120);
  mkdirSync(join(src, long));
  writeFileSync(join(src, long, 'deep.txt'), 'deep\n');
  return src;
}

test('buildImage() with SOURCE_DATE_EPOCH gives the same digest for the same directory, whatever the mtimes', async () => {
  const src = sourceDir();
  const opts = {
    tag: 'localhost/example/hello:1',
    cmd: ['/bin/hello.sh'],
    env: ['A=1', 'B=two'],
    sourceDateEpoch: 1_700_000_000,
  };
  const a = stores();
  const r1 = await buildImage(src, a.content, a.images, { ...opts, tmpDir: a.tmpDir });
  utimesSync(join(src, 'README'), 1_000_000, 1_000_000);
  const b = stores();
  const r2 = await buildImage(src, b.content, b.images, { ...opts, tmpDir: b.tmpDir, now: new Date() });
  assert.equal(r2.digest, r1.digest);
  assert.equal(r2.layerDigest, r1.layerDigest);
  const { config } = await readImage(b.content, r2.digest);
  assert.equal(config.created, '2023-11-14T22:13:20Z');
  writeFileSync(join(src, 'README'), 'changed\n');
  const r3 = await buildImage(src, b.content, b.images, { ...opts, tmpDir: b.tmpDir });
  assert.notEqual(r3.digest, r1.digest);
  const r4 = await buildImage(src, b.content, b.images, {
    ...opts,
    tmpDir: b.tmpDir,
    sourceDateEpoch: 1_700_000_001,
  });
  assert.notEqual(r4.digest, r3.digest);
  assert.notEqual(r4.layerDigest, r3.layerDigest, "the epoch is every entry's mtime");
  assert.equal((await b.images.get('localhost/example/hello:1'))?.digest, r4.digest);
});

test('buildImage() without SOURCE_DATE_EPOCH records the build time as created; the layer stays the same', async () => {
  const src = sourceDir();
  const s = stores();
  const before = Date.now();
  const r1 = await buildImage(src, s.content, s.images, { tag: 'localhost/example/now:1', tmpDir: s.tmpDir });
  const after = Date.now();
  const created = Date.parse((await readImage(s.content, r1.digest)).config.created ?? '');
  assert.ok(
    created >= Math.floor(before / 1000) * 1000 && created <= after,
    `created ${created} not in [${before}, ${after}]`,
  );
  assert.equal(
    (await s.images.get('localhost/example/now:1'))?.created,
    new Date(created).toISOString().replace('.000Z', 'Z'),
  );
  const r2 = await buildImage(src, s.content, s.images, {
    tag: 'localhost/example/now:2',
    tmpDir: s.tmpDir,
    now: new Date('2030-01-02T03:04:05.678Z'),
  });
  assert.equal((await readImage(s.content, r2.digest)).config.created, '2030-01-02T03:04:05Z');
  assert.equal(r2.layerDigest, r1.layerDigest, 'mtimes are 0 without an epoch');
  assert.notEqual(r2.digest, r1.digest);
});

test('buildImage() writes the config from the options and a layer GNU tar reads the same way', async () => {
  const src = sourceDir();
  const s = stores();
  const r = await buildImage(src, s.content, s.images, {
    tag: 'localhost/example/cfg',
    entrypoint: ['/bin/sh', '-c'],
    cmd: ['echo hi'],
    env: ['PATH=/bin'],
    workdir: '/work',
    labels: { b: '2', a: '1' },
    platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    tmpDir: s.tmpDir,
    sourceDateEpoch: 0,
  });
  assert.equal(r.name, 'localhost/example/cfg:latest');
  assert.equal(r.platform, 'linux/arm64/v8');
  const { config } = await readImage(s.content, r.digest);
  assert.equal(config.architecture, 'arm64');
  assert.deepEqual(config.config, {
    Env: ['PATH=/bin'],
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: ['echo hi'],
    WorkingDir: '/work',
    Labels: { a: '1', b: '2' },
  });
  assert.equal(config.created, '1970-01-01T00:00:00Z');
  assert.deepEqual(config.rootfs.diff_ids, [r.diffId]);
  parseImageConfig(parseJson(await s.content.readBytes(r.configDigest), 'config'));
  // GNU tar extracts the same tree as our unpacker (uid/gid 0, modes kept, symlink verbatim).
  const gnu = join(s.root, 'gnu');
  mkdirSync(gnu);
  const t = spawnSync('tar', ['-xzf', s.content.path(r.layerDigest), '-C', gnu], { encoding: 'utf8' });
  assert.equal(t.status, 0, t.stderr);
  const ours = join(s.root, 'ours');
  await unpackImageTo(ours, s.content, r.digest);
  assert.deepEqual(describeTree(ours, { mtime: true }), describeTree(gnu, { mtime: true }));
  assert.deepEqual(
    describeTree(ours).map((l) => l.replace(/ [0-9a-f]{16}$/, '')),
    [
      'README file 0644 0:0 7',
      'bin dir 0755 0:0',
      'bin/hello.sh file 0755 0:0 21',
      'hello symlink 0:0 -> bin/hello.sh',
      `${'x'.repeat(120)} dir 0755 0:0`,
      `${'x'.repeat(120)}/deep.txt file 0644 0:0 5`,
    ],
  );
  assert.equal(readFileSync(join(ours, 'bin/hello.sh'), 'utf8'), '#!/bin/sh\necho hello\n');
});

test('buildImage() refuses a bad tag, a bad --env and a missing directory', async () => {
  const s = stores();
  const base = { tmpDir: s.tmpDir };
  await assert.rejects(buildImage(work, s.content, s.images, { ...base, tag: 'Bad/Name' }), (e: unknown) =>
    isRuntimeError(e, 'InvalidArgument'),
  );
  await assert.rejects(
    buildImage(work, s.content, s.images, { ...base, tag: 'ok', env: ['NOEQUALS'] }),
    (e: unknown) => isRuntimeError(e, 'InvalidArgument') && e.message.includes('NOEQUALS'),
  );
  await assert.rejects(
    buildImage(join(work, 'nope'), s.content, s.images, { ...base, tag: 'ok' }),
    (e: unknown) => isRuntimeError(e, 'NotFound'),
  );
});
