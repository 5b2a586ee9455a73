import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildImage } from './build.ts';
import { LocalContentStore } from './content-store.ts';
import { ImageStore } from './image-store.ts';
import { importImage } from './import.ts';
import { readImage, unpackImageTo } from './layers.ts';
import { saveImages } from './save.ts';
import { describeTree } from './unpack/testing/tree.ts';

const work = mkdtempSync(join(tmpdir(), 'hostpod-build-win-'));
after(() => rmSync(work, { recursive: true, force: true }));

function stores() {
  const root = mkdtempSync(join(work, 'state-'));
  const content = new LocalContentStore(join(root, 'content'));
  return { root, content, images: new ImageStore(root, content), tmpDir: join(root, 'tmp') };
}

function windowsSource(): string {
  const src = mkdtempSync(join(work, 'src-'));
  mkdirSync(join(src, 'bin'));
  writeFileSync(join(src, 'bin', 'hello.cmd'), '@echo hello from %CONTAINER_SANDBOX_MOUNT_POINT%\r\n');
  writeFileSync(join(src, 'bin', 'tool.exe'), 'MZ');
  writeFileSync(join(src, 'readonly.txt'), 'ro');
  chmodSync(join(src, 'readonly.txt'), 0o444);
  symlinkSync('bin/hello.cmd', join(src, 'hello'));
  return src;
}

const windows = { os: 'windows', architecture: 'amd64' };

test('buildImage(platform windows/amd64) writes the Windows layer format: Files/, Hives/, MSWINDOWS.fileattr', async () => {
  const s = stores();
  const r = await buildImage(windowsSource(), s.content, s.images, {
    tag: 'localhost/win/hello:1',
    cmd: ['bin\\hello.cmd'],
    platform: windows,
    sourceDateEpoch: 1_700_000_000,
    tmpDir: s.tmpDir,
  });
  assert.equal(r.platform, 'windows/amd64');
  const { config } = await readImage(s.content, r.digest);
  assert.equal(config.os, 'windows');
  // Read the layer with GNU tar: another tool sees the Windows layout and the PAX records.
  const layer = s.content.path(r.layerDigest);
  const names = execFileSync('tar', ['-tzf', layer], { encoding: 'utf8' }).trim().split('\n');
  assert.deepEqual(names, [
    'Files/',
    'Hives/',
    'Files/bin/',
    'Files/bin/hello.cmd',
    'Files/bin/tool.exe',
    'Files/hello',
    'Files/readonly.txt',
  ]);
  const verbose = execFileSync(
    'tar',
    ['--pax-option=delete=none', '-xzOf', layer, '--to-stdout', 'Files/readonly.txt'],
    { encoding: 'utf8' },
  );
  assert.equal(verbose, 'ro');
  const raw = execFileSync(
    'sh',
    ['-c', `gzip -dc '${layer}' | strings | grep MSWINDOWS.fileattr | sort | uniq -c`],
    { encoding: 'utf8' },
  );
  assert.match(raw, /MSWINDOWS\.fileattr=16/);
  assert.match(raw, /MSWINDOWS\.fileattr=33/); // read-only + archive
  assert.match(raw, /MSWINDOWS\.fileattr=1056/); // symlink: reparse point + archive
});

test('unpackImageTo() unpacks a built windows image as its Files/ (the workspace copy)', async () => {
  const s = stores();
  const r = await buildImage(windowsSource(), s.content, s.images, {
    tag: 'localhost/win/hello:2',
    platform: windows,
    tmpDir: s.tmpDir,
  });
  const target = join(work, `ws-${Date.now()}`);
  const results = await unpackImageTo(target, s.content, r.digest);
  assert.deepEqual(readdirSync(target).sort(), ['bin', 'hello', 'readonly.txt']);
  assert.equal(readFileSync(join(target, 'bin', 'tool.exe'), 'utf8'), 'MZ');
  assert.equal(readlinkSync(join(target, 'hello')), 'bin\\hello.cmd');
  assert.equal(statSync(join(target, 'readonly.txt')).mode & 0o222, 0);
  assert.equal(results[0]?.diffId, r.diffId);
});

test('buildImage(platform windows) refuses names Windows cannot hold, and names differing only in case', async () => {
  for (const [name, why] of [
    ['CON', /reserved device name/],
    ['ab:c', /alternate data stream/],
    ['a:b', /drive letter/],
    ['trailing.', /end with a space or a dot/],
    ['q?', /not allowed/],
  ] as const) {
    const src = mkdtempSync(join(work, 'bad-'));
    writeFileSync(join(src, name), 'x');
    const s = stores();
    await assert.rejects(
      buildImage(src, s.content, s.images, {
        tag: 'localhost/win/bad:1',
        platform: windows,
        tmpDir: s.tmpDir,
      }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'InvalidArgument');
        assert.match(e.message, why);
        assert.ok(e.message.includes(`"${name}"`), e.message);
        return true;
      },
    );
    assert.equal(await s.images.get('localhost/win/bad:1'), undefined, 'nothing stored');
  }
  const src = mkdtempSync(join(work, 'case-'));
  writeFileSync(join(src, 'Readme'), 'a');
  writeFileSync(join(src, 'README'), 'b');
  const s = stores();
  await assert.rejects(
    buildImage(src, s.content, s.images, { tag: 'localhost/win/bad:2', platform: windows, tmpDir: s.tmpDir }),
    /differ only in case/,
  );
  // The same directory builds for linux.
  const ok = await buildImage(src, s.content, s.images, { tag: 'localhost/lin/ok:1', tmpDir: s.tmpDir });
  assert.equal(ok.entries, 2);
});

test('a built windows image survives save (docker-archive) and import into another store, unpacking the same', async () => {
  const a = stores();
  const r = await buildImage(windowsSource(), a.content, a.images, {
    tag: 'localhost/win/move:1',
    platform: windows,
    sourceDateEpoch: 1_700_000_000,
    tmpDir: a.tmpDir,
  });
  for (const format of ['docker-archive', 'oci-archive'] as const) {
    const file = join(work, `win-${format}.tar`);
    const out = createWriteStream(file);
    await saveImages(['localhost/win/move:1'], out, {
      content: a.content,
      images: a.images,
      format,
      tmpDir: a.tmpDir,
    });
    out.end();
    await once(out, 'close');
    const b = stores();
    const [imported] = await importImage(file, b.content, b.images, {
      platform: { os: 'windows', architecture: 'amd64' },
      tmpDir: b.tmpDir,
    });
    assert.equal(imported?.platform, 'windows/amd64', format);
    const ta = join(work, `a-${format}`);
    const tb = join(work, `b-${format}`);
    await unpackImageTo(ta, a.content, r.digest);
    await unpackImageTo(tb, b.content, imported!.digest);
    assert.deepEqual(describeTree(tb), describeTree(ta), format);
    assert.ok(
      describeTree(tb).some((l) => l.startsWith('bin/hello.cmd file')),
      format,
    );
  }
});

test('ensureUnpacked() caches a windows image layer by layer: Files/ only, tombstones as .wh. markers', async () => {
  const { craftTar } = await import('./unpack/testing/tar-builder.ts');
  const { ensureUnpacked } = await import('./layers.ts');
  const { createHash } = await import('node:crypto');
  const { gzipSync } = await import('node:zlib');
  const s = stores();
  const layers = [
    craftTar([
      { name: 'Files', type: 'dir' },
      { name: 'Files/app.exe', body: 'MZ' },
      { name: 'Files/old.txt', body: 'old' },
      { name: 'Hives', type: 'dir' },
      { name: 'Hives/SOFTWARE_Delta', body: 'regf' },
    ]),
    craftTar([
      { name: 'Files/.wh.OLD.txt' },
      { name: 'Files/app2.exe', type: 'hardlink', linkname: 'Files/APP.exe' },
    ]),
  ];
  const diffIds = layers.map((l) => `sha256:${createHash('sha256').update(l).digest('hex')}`);
  const blobs = [];
  for (const l of layers) blobs.push(await s.content.writeBlob(gzipSync(l)));
  const config = await s.content.writeBlob(
    JSON.stringify({ architecture: 'amd64', os: 'windows', rootfs: { type: 'layers', diff_ids: diffIds } }),
  );
  const manifest = await s.content.writeBlob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: config.digest,
        size: config.size,
      },
      layers: blobs.map((b) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: b.digest,
        size: b.size,
      })),
    }),
  );
  const out = await ensureUnpacked(s.root, s.content, manifest.digest);
  assert.equal(out.length, 2);
  assert.deepEqual(readdirSync(out[0]!.dir).sort(), ['app.exe', 'old.txt']);
  assert.deepEqual(readdirSync(out[1]!.dir).sort(), ['.wh.OLD.txt', 'app2.exe']);
  assert.equal(readFileSync(join(out[1]!.dir, 'app2.exe'), 'utf8'), 'MZ');
});
