// saveImages() archives read back by tools we did not write: skopeo and podman load (in a
// private storage root), and by our own import.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { isRuntimeError } from '../errors.ts';
import { sha256Of } from '../oci/digest.ts';
import { LocalContentStore } from './content-store.ts';
import { ImageStore } from './image-store.ts';
import { importImage } from './import.ts';
import { readImage } from './layers.ts';
import { type ArchiveFormat, saveImages } from './save.ts';
import { writeImage, writeLayout } from './testing/registry.ts';

const run = promisify(execFile);
let tmp: string;
let s: { content: LocalContentStore; images: ImageStore };
/** Two images: app (two layers, saved under two names) and tool (one layer). */
const img: Record<string, { digest: string; config: string; diffIds: string[] }> = {};

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'hostpod-save-'));
  const content = new LocalContentStore(join(tmp, 'root', 'content'));
  s = { content, images: new ImageStore(join(tmp, 'root'), content) };
  for (const [name, layers] of [
    ['app', [{ 'etc/app.conf': 'a=1\n' }, { 'bin/app': '#!/bin/sh\necho app\n' }]],
    ['tool', [{ 'bin/tool': '#!/bin/sh\necho tool\n' }]],
  ] as const) {
    const dir = join(tmp, `layout-${name}`);
    const d = await writeImage(dir, { os: 'linux', architecture: 'amd64', layers: [...layers] });
    await writeLayout(dir, '1', [d], false);
    const [r] = await importImage(dir, s.content, s.images, {
      tag: `localhost/${name}:1`,
      tmpDir: join(tmp, 'root', 'tmp'),
    });
    const { manifest, config } = await readImage(s.content, r!.digest);
    img[name] = { digest: r!.digest, config: manifest.config.digest, diffIds: config.rootfs.diff_ids };
  }
  await s.images.put('registry.example/team/app:stable', img.app!.digest as never);
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function save(format: ArchiveFormat, names: string[], file: string): Promise<void> {
  const out = createWriteStream(file);
  await saveImages(names, out, { ...s, format, tmpDir: join(tmp, 'root', 'tmp') });
  out.end();
  await finished(out);
}

async function skopeo(args: string[]): Promise<string> {
  return (await run('skopeo', args, { maxBuffer: 64 << 20 })).stdout;
}

test('saveImages() oci-archive: skopeo reads each name with its manifest digest; our import keeps every name', async () => {
  const file = join(tmp, 'two.oci.tar');
  await save(
    'oci-archive',
    ['localhost/app:1', 'registry.example/team/app:stable', 'localhost/tool:1'],
    file,
  );
  for (const [name, key] of [
    ['localhost/app:1', 'app'],
    ['registry.example/team/app:stable', 'app'],
    ['localhost/tool:1', 'tool'],
  ] as const) {
    const raw = await skopeo(['inspect', '--raw', `oci-archive:${file}:${name}`]);
    assert.equal(sha256Of(raw), img[key]!.digest, name);
  }
  const out = join(tmp, 'copied');
  await skopeo(['copy', '-q', `oci-archive:${file}:localhost/tool:1`, `oci:${out}:t`]);
  const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as {
    manifests: { digest: string }[];
  };
  assert.equal(index.manifests[0]!.digest, img.tool!.digest);

  const content = new LocalContentStore(join(tmp, 'back', 'content'));
  const back = new ImageStore(join(tmp, 'back'), content);
  const imported = await importImage(file, content, back, { tmpDir: join(tmp, 'back', 'tmp') });
  assert.deepEqual(imported.map((i) => [i.name, i.digest]).sort(), [
    ['localhost/app:1', img.app!.digest],
    ['localhost/tool:1', img.tool!.digest],
    ['registry.example/team/app:stable', img.app!.digest],
  ]);
});

test('saveImages() docker-archive: skopeo sees the config and the diffIDs as uncompressed layers', async () => {
  const file = join(tmp, 'two.docker.tar');
  await save('docker-archive', ['localhost/app:1', img.tool!.config.slice(7, 19)], file);
  for (const [ref, key] of [
    ['localhost/app:1', 'app'],
    ['localhost/tool:1', 'tool'],
  ] as const) {
    const config = await skopeo(['inspect', '--config', '--raw', `docker-archive:${file}:${ref}`]);
    assert.equal(sha256Of(config), img[key]!.config, ref);
    const info = JSON.parse(await skopeo(['inspect', `docker-archive:${file}:${ref}`])) as {
      Layers: string[];
    };
    assert.deepEqual(info.Layers, img[key]!.diffIds);
  }
});

test('saveImages() archives load into podman with their names and image ids', async () => {
  const store = join(tmp, 'podman');
  const podman = (args: string[]) =>
    run('podman', [
      '--root',
      join(store, 'root'),
      '--runroot',
      join(store, 'run'),
      '--storage-driver',
      'vfs',
      ...args,
    ]);
  try {
    for (const format of ['docker-archive', 'oci-archive'] as const) {
      const file = join(tmp, `podman.${format}.tar`);
      await save(format, ['localhost/tool:1'], file);
      await podman(['load', '-q', '-i', file]);
      const { stdout } = await podman([
        'images',
        '--format',
        '{{.Repository}}:{{.Tag}} {{.ID}}',
        '--no-trunc',
      ]);
      assert.ok(stdout.includes(`localhost/tool:1 ${img.tool!.config}`), `${format}: ${stdout}`);
      await podman(['rmi', '-a', '-f']);
    }
  } finally {
    // Only the private storage root is removed (vfs: plain files, no mounts left behind).
    await rm(store, { recursive: true, force: true });
  }
});

test('saveImages() writes the same bytes for the same images, and nothing for an unknown name', async () => {
  const a = join(tmp, 'a.tar');
  const b = join(tmp, 'b.tar');
  await save('docker-archive', ['localhost/app:1'], a);
  await save('docker-archive', ['localhost/app:1'], b);
  assert.deepEqual(await readFile(a), await readFile(b));
  const out = new PassThrough();
  let bytes = 0;
  out.on('data', (c: Buffer) => {
    bytes += c.length;
  });
  await assert.rejects(
    saveImages(['localhost/app:1', 'localhost/missing:1'], out, {
      ...s,
      format: 'oci-archive',
      tmpDir: join(tmp, 'root', 'tmp'),
    }),
    (e) => isRuntimeError(e, 'NotFound') && e.message.includes('localhost/missing:1'),
  );
  assert.equal(bytes, 0, 'every name is resolved before a byte is written');
});
