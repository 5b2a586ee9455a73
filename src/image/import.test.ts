import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isRuntimeError } from '../errors.ts';
import { hostPlatform, type Platform } from '../oci/platform.ts';
import { LocalContentStore } from './content-store.ts';
import { ImageStore } from './image-store.ts';
import { importImage } from './import.ts';
import { ensureUnpacked, pruneLayers, unpackImageTo } from './layers.ts';
import { writeImage, writeLayout } from './testing/registry.ts';
import { craftTar } from './unpack/testing/tar-builder.ts';
import { describeTree } from './unpack/testing/tree.ts';
import { buildUmociImage, run } from './unpack/testing/umoci-image.ts';

let work = '';
let layout = '';
/** umoci's own unpack of the test image: the reference result. */
let expected: string[] = [];

before(() => {
  work = mkdtempSync(join(tmpdir(), 'hostpod-import-'));
  ({ layout } = buildUmociImage(work));
  run('umoci', ['unpack', '--image', `${layout}:t`, join(work, 'umoci-bundle')]);
  expected = describeTree(join(work, 'umoci-bundle', 'rootfs'));
});
after(() => rmSync(work, { recursive: true, force: true }));

function stores(): { root: string; content: LocalContentStore; images: ImageStore; tmpDir: string } {
  const root = mkdtempSync(join(work, 'state-'));
  const content = new LocalContentStore(join(root, 'content'));
  return { root, content, images: new ImageStore(root, content), tmpDir: join(root, 'tmp') };
}

test('importImage() imports a umoci OCI layout and unpacks it identically to umoci unpack', async () => {
  const s = stores();
  const [img] = await importImage(layout, s.content, s.images, {
    tag: 'localhost/test/umoci:1',
    tmpDir: s.tmpDir,
  });
  assert.equal(img?.name, 'localhost/test/umoci:1');
  const target = join(s.root, 'rootfs');
  await unpackImageTo(target, s.content, img!.digest, { keepSetuid: true });
  assert.deepEqual(describeTree(target), expected);
  assert.ok(
    expected.some((l) => l.startsWith('opt/inserted.txt file')),
    'the umoci insert layer is in',
  );
  assert.ok(expected.some((l) => l.startsWith('usr/bin/su-tool file 4755')));
  // With keepSetuid: false the setuid bit is the one difference.
  const t2 = join(s.root, 'rootfs2');
  await unpackImageTo(t2, s.content, img!.digest, { keepSetuid: false });
  const diff = describeTree(t2).filter((l) => !expected.includes(l));
  assert.deepEqual(
    diff.map((l) => l.split(' ').slice(0, 3).join(' ')),
    ['usr/bin/su-tool file 0755'],
  );
});

test('importImage() imports skopeo oci-archive and docker-archive files, gzip or not', async () => {
  const ociTar = join(work, 'img-oci.tar');
  const dockerTar = join(work, 'img-docker.tar');
  run('skopeo', ['copy', '-q', `oci:${layout}:t`, `oci-archive:${ociTar}:latest`]);
  run('skopeo', ['copy', '-q', `oci:${layout}:t`, `docker-archive:${dockerTar}:localhost/test/img:1`]);
  run('gzip', ['-k', '-1', dockerTar]);
  const cases: [string, string | undefined, string][] = [
    [ociTar, 'localhost/from/oci-archive:2', 'localhost/from/oci-archive:2'],
    [dockerTar, undefined, 'localhost/test/img:1'],
    [`${dockerTar}.gz`, undefined, 'localhost/test/img:1'],
  ];
  for (const [file, tag, name] of cases) {
    const s = stores();
    const imgs = await importImage(file, s.content, s.images, { ...(tag ? { tag } : {}), tmpDir: s.tmpDir });
    assert.deepEqual(
      imgs.map((i) => i.name),
      [name],
      file,
    );
    assert.equal((await s.images.get(name))?.digest, imgs[0]!.digest);
    const target = join(s.root, 'rootfs');
    await unpackImageTo(target, s.content, imgs[0]!.digest, { keepSetuid: true });
    assert.deepEqual(describeTree(target), expected, file);
    assert.deepEqual(readdirSync(s.tmpDir), [], 'the extraction dir is cleaned up');
  }
});

test('importImage() without a name keeps a tag-only archive as digest-only and says so', async () => {
  const s = stores();
  const [img] = await importImage(layout, s.content, s.images, { tmpDir: s.tmpDir });
  assert.equal(img?.name, '');
  assert.match(img!.notes.join('\n'), /only by tag "t".*--tag/);
});

test('ensureUnpacked() caches layers by chain ID and a real overlay mount of them matches umoci', async (t) => {
  const s = stores();
  const [img] = await importImage(layout, s.content, s.images, {
    tag: 'localhost/test/overlay:1',
    tmpDir: s.tmpDir,
  });
  const events: boolean[] = [];
  const layers = await ensureUnpacked(s.root, s.content, img!.digest, {
    keepSetuid: true,
    onLayer: (e) => events.push(e.cached),
  });
  assert.equal(layers.length, 3);
  assert.deepEqual(events, [false, false, false]);
  const again = await ensureUnpacked(s.root, s.content, img!.digest, {
    onLayer: (e) => events.push(e.cached),
  });
  assert.deepEqual(again, layers);
  assert.deepEqual(events.slice(3), [true, true, true]);
  // Layer 2 deleted data/gone: an overlay whiteout in its own dir.
  assert.ok(describeTree(layers[1]!.dir).includes('data/gone char 0'));
  const merged = join(s.root, 'merged');
  mkdirSync(merged);
  const lower = layers
    .map((l) => l.dir)
    .reverse()
    .join(':');
  const m = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `ro,lowerdir=${lower}`, merged], {
    encoding: 'utf8',
  });
  if (m.status !== 0) {
    t.skip(`overlay mount not available: ${m.stderr.trim()}`);
  } else {
    try {
      assert.deepEqual(describeTree(merged), expected);
    } finally {
      spawnSync('umount', [merged]);
    }
  }
  const removed = await pruneLayers(s.root, [layers[0]!.chainId]);
  assert.equal(removed.length, 2);
  assert.deepEqual(readdirSync(join(s.root, 'layers', 'sha256')), [layers[0]!.chainId.slice(7)]);
});

test('ensureUnpacked() refuses a layer whose diffID does not match the config and leaves nothing behind', async () => {
  const s = stores();
  const layer = craftTar([{ name: 'hello', body: 'hi' }]);
  const layerBlob = await s.content.writeBlob(layer);
  const config = await s.content.writeBlob(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [`sha256:${'ab'.repeat(32)}`] },
    }),
  );
  const manifest = await s.content.writeBlob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layerBlob }],
    }),
  );
  await assert.rejects(ensureUnpacked(s.root, s.content, manifest.digest), (e: unknown) => {
    assert.ok(isRuntimeError(e, 'DataLoss'), String(e));
    assert.match(e.message, /diffID/);
    return true;
  });
  assert.deepEqual(readdirSync(join(s.root, 'layers')), ['sha256']);
  assert.deepEqual(readdirSync(join(s.root, 'layers', 'sha256')), []);
});

test('importImage() refuses archives that point outside themselves and leaves the host untouched', async () => {
  const s = stores();
  const outside = join(work, 'outside-import');
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'sentinel'), 'keep');
  const before = describeTree(work, { exclude: [s.root.slice(work.length + 1)], mtime: true });
  const cases: [string, Buffer, string][] = [
    ['escape-entry.tar', craftTar([{ name: '../outside-import/sentinel', body: 'pwned' }]), 'climbs above'],
    [
      'escape-manifest.tar',
      craftTar([
        {
          name: 'manifest.json',
          body: JSON.stringify([{ Config: '../../etc/passwd', RepoTags: [], Layers: [] }]),
        },
      ]),
      'points outside',
    ],
    [
      'escape-symlink.tar',
      craftTar([
        { name: 'cfg.json', type: 'symlink', linkname: join(outside, 'sentinel') },
        { name: 'manifest.json', body: JSON.stringify([{ Config: 'cfg.json', RepoTags: [], Layers: [] }]) },
      ]),
      'missing from the archive',
    ],
    ['not-an-image.tar', craftTar([{ name: 'readme', body: 'x' }]), 'neither an OCI image layout'],
  ];
  for (const [name, bytes, why] of cases) {
    const f = join(s.root, name);
    writeFileSync(f, bytes);
    await assert.rejects(importImage(f, s.content, s.images, { tmpDir: s.tmpDir }), (e: unknown) => {
      assert.ok(isRuntimeError(e, 'InvalidArgument'), String(e));
      assert.ok(e.message.includes(why), e.message);
      return true;
    });
  }
  assert.deepEqual(describeTree(work, { exclude: [s.root.slice(work.length + 1)], mtime: true }), before);
  assert.deepEqual(await s.images.list(), []);
});

test('ensureUnpacked() run by two processes at once on the same layers: both succeed, one copy kept', async () => {
  const s = stores();
  const [img] = await importImage(layout, s.content, s.images, {
    tag: 'localhost/test/race:1',
    tmpDir: s.tmpDir,
  });
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `import { LocalContentStore } from ${JSON.stringify(new URL('./content-store.ts', import.meta.url).href)};
       import { ensureUnpacked } from ${JSON.stringify(new URL('./layers.ts', import.meta.url).href)};
       const root = process.argv[1];
       console.log('ready');
       await new Promise((r) => process.stdin.once('data', r));
       const layers = await ensureUnpacked(root, new LocalContentStore(root + '/content'), process.argv[2]);
       console.log(JSON.stringify(layers));
       process.stdin.destroy();`,
      s.root,
      img!.digest,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  let errText = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    errText += b.toString();
  });
  const exited = new Promise<number | null>((r) => child.on('close', r));
  // Start both unpacks at the same moment: the child waits for a line once it is loaded.
  for (let i = 0; i < 600 && !out.includes('ready'); i++) await new Promise((r) => setTimeout(r, 20));
  out = '';
  child.stdin.write('go\n');
  const mine = await ensureUnpacked(s.root, s.content, img!.digest);
  assert.equal(await exited, 0, errText);
  assert.deepEqual(JSON.parse(out), mine);
  assert.deepEqual(readdirSync(join(s.root, 'layers')), ['sha256'], 'no temp dir left behind');
  assert.equal(readdirSync(join(s.root, 'layers', 'sha256')).length, 3);
  assert.ok(describeTree(mine[0]!.dir).some((l) => l.startsWith('usr/bin/busybox file')));
});

test('importImage() takes the host platform from a multi-platform layout, or the one asked for', async () => {
  const dir = join(work, 'multi-layout');
  const host = hostPlatform();
  const other = host.architecture === 'amd64' ? 'arm64' : 'amd64';
  const imgs = [
    await writeImage(dir, {
      os: 'linux',
      architecture: host.architecture,
      layers: [{ 'which.txt': 'host' }],
    }),
    await writeImage(dir, { os: 'linux', architecture: other, layers: [{ 'which.txt': 'other' }] }),
    // A Windows image's layer is in the Windows layer format: its files under Files/.
    await writeImage(dir, {
      os: 'windows',
      architecture: 'amd64',
      layers: [{ 'Files/which.txt': 'windows' }],
    }),
  ];
  await writeLayout(dir, '1', imgs);
  const cases: [Platform | undefined, string][] = [
    [undefined, 'host'],
    [{ os: 'windows', architecture: 'amd64' }, 'windows'],
  ];
  for (const [platform, which] of cases) {
    const s = stores();
    const [img] = await importImage(dir, s.content, s.images, {
      tag: 'localhost/test/multi:1',
      tmpDir: s.tmpDir,
      ...(platform ? { platform } : {}),
    });
    assert.ok(img?.indexDigest, 'the index is recorded');
    const target = join(s.root, 'rootfs');
    await unpackImageTo(target, s.content, img!.digest);
    assert.equal(readFileSync(join(target, 'which.txt'), 'utf8'), which);
  }
  const s = stores();
  await assert.rejects(
    importImage(dir, s.content, s.images, {
      tmpDir: s.tmpDir,
      platform: { os: 'linux', architecture: 's390x' },
    }),
    (e: unknown) =>
      isRuntimeError(e, 'FailedPrecondition') && /no manifest for platform linux\/s390x/.test(e.message),
  );
});

/** podman with all its state under `dir`: vfs storage, no network setup, nothing in /run or /var. */
function podman(dir: string, args: readonly string[]): string {
  const r = spawnSync(
    'podman',
    [
      '--root',
      join(dir, 'root'),
      '--runroot',
      join(dir, 'runroot'),
      '--tmpdir',
      join(dir, 'tmp'),
      '--storage-driver',
      'vfs',
      '--cgroup-manager',
      'cgroupfs',
      '--events-backend',
      'none',
      '--network-backend',
      'cni',
      '--network-config-dir',
      join(dir, 'net'),
      ...args,
    ],
    { encoding: 'utf8', env: { ...process.env, TMPDIR: join(dir, 'tmp') } },
  );
  if (r.status !== 0) throw new Error(`podman ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

test('importImage() imports what podman save writes (docker-archive, oci-archive, oci-dir) identically to umoci unpack', async (t) => {
  if (spawnSync('podman', ['--version']).error) {
    t.skip('podman is not installed (apt-get install podman)');
    return;
  }
  const dir = join(work, 'podman');
  for (const d of ['tmp', 'net']) mkdirSync(join(dir, d), { recursive: true });
  const name = 'localhost/test/podman:1';
  const loaded = join(work, 'podman-in.tar');
  run('skopeo', ['copy', '-q', `oci:${layout}:t`, `oci-archive:${loaded}:${name}`]);
  assert.match(podman(dir, ['load', '-q', '-i', loaded]), /localhost\/test\/podman:1/);
  const configDigest = `sha256:${podman(dir, ['image', 'inspect', '--format', '{{.ID}}', name]).trim()}`;
  const saved: [string, string[]][] = [
    [join(work, 'podman-save.tar'), []],
    [join(work, 'podman-save-oci.tar'), ['--format', 'oci-archive']],
    [join(work, 'podman-save-oci-dir'), ['--format', 'oci-dir']],
  ];
  for (const [out, format] of saved) podman(dir, ['save', '-q', ...format, '-o', out, name]);
  // The default format is docker-archive: layers as <digest>.tar plus <id>/layer.tar symlinks.
  const listing = run('tar', ['-tvf', saved[0]![0]]);
  assert.match(listing, /manifest\.json/);
  assert.match(listing, /layer\.tar -> \.\.\//);
  for (const [file] of saved) {
    const s = stores();
    const imgs = await importImage(file, s.content, s.images, { tmpDir: s.tmpDir });
    assert.deepEqual(
      imgs.map((i) => i.name),
      [name],
      file,
    );
    const rec = await s.images.get(name);
    assert.equal(rec?.configDigest, configDigest, `${file}: the config survived podman unchanged`);
    const target = join(s.root, 'rootfs');
    await unpackImageTo(target, s.content, imgs[0]!.digest, { keepSetuid: true });
    assert.deepEqual(describeTree(target), expected, file);
    if (existsSync(s.tmpDir)) assert.deepEqual(readdirSync(s.tmpDir), [], 'the extraction dir is cleaned up');
  }
});

test('importImage() of a layout with several tags: every name kept, --tag REPO names them all, --tag REPO:TAG picks one', () => {
  const multi = join(work, 'multi-tags');
  // skopeo (not us) writes the layout: tags 1 and 2 name the umoci image, 3 a small other one.
  const other = join(work, 'other-layout');
  run('umoci', ['init', '--layout', other]);
  run('umoci', ['new', '--image', `${other}:x`]);
  for (const [src, tag] of [
    [`${layout}:t`, '1'],
    [`${layout}:t`, '2'],
    [`${other}:x`, '3'],
  ] as const) {
    run('skopeo', ['copy', '-q', `oci:${src}`, `oci:${multi}:${tag}`]);
  }
  for (const [src, name] of [
    [`${layout}:t`, 'localhost/full/a:1'],
    [`${layout}:t`, 'localhost/full/a:2'],
  ] as const) {
    run('skopeo', ['copy', '-q', `oci:${src}`, `oci:${join(work, 'full-names')}:${name}`]);
  }
  return (async () => {
    let s = stores();
    const plain = await importImage(multi, s.content, s.images, { tmpDir: s.tmpDir });
    assert.equal(plain.length, 3);
    assert.ok(
      plain.every((i) => i.name === '' && /--tag REPOSITORY to name it REPOSITORY:[123]/.test(i.notes[0]!)),
    );

    s = stores();
    const all = await importImage(multi, s.content, s.images, { tag: 'localhost/agent', tmpDir: s.tmpDir });
    assert.deepEqual(all.map((i) => i.name).sort(), [
      'localhost/agent:1',
      'localhost/agent:2',
      'localhost/agent:3',
    ]);
    assert.equal(
      all.find((i) => i.name.endsWith(':1'))!.digest,
      all.find((i) => i.name.endsWith(':2'))!.digest,
    );
    assert.deepEqual((await s.images.list()).map((r) => r.name).sort(), all.map((i) => i.name).sort());

    s = stores();
    const one = await importImage(multi, s.content, s.images, { tag: 'localhost/agent:2', tmpDir: s.tmpDir });
    assert.deepEqual(
      one.map((i) => i.name),
      ['localhost/agent:2'],
    );
    assert.deepEqual(
      (await s.images.list()).map((r) => r.name),
      ['localhost/agent:2'],
    );
    await assert.rejects(
      importImage(multi, s.content, s.images, { tag: 'localhost/agent:9', tmpDir: s.tmpDir }),
      (e) =>
        isRuntimeError(e, 'InvalidArgument') &&
        /none is tagged "9"/.test(e.message) &&
        /its tags: 1, 2, 3/.test(e.hint ?? ''),
    );

    s = stores();
    const full = await importImage(join(work, 'full-names'), s.content, s.images, { tmpDir: s.tmpDir });
    assert.deepEqual(full.map((i) => i.name).sort(), ['localhost/full/a:1', 'localhost/full/a:2']);
  })();
});
