import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isRuntimeError } from '../errors.ts';
import { type Digest, digestHex, sha256Of, shortDigest } from '../oci/digest.ts';
import { MediaType } from '../oci/media-types.ts';
import { LocalContentStore } from './content-store.ts';
import { ImageStore } from './image-store.ts';

let dir: string;
let n = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hostpod-is-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function configJson(tag: string, os = 'linux'): string {
  return JSON.stringify({
    architecture: 'amd64',
    os,
    created: '2024-01-02T03:04:05Z',
    config: { Cmd: ['/bin/sh'], Labels: { tag } },
    rootfs: { type: 'layers', diff_ids: [] },
  });
}

/** Writes a config + manifest (no layer blobs needed by the image store) and returns the manifest digest. */
async function makeImage(cs: LocalContentStore, tag: string, os = 'linux'): Promise<Digest> {
  const config = await cs.writeBlob(configJson(tag, os));
  const m = await cs.writeBlob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: config.digest, size: config.size },
      layers: [{ mediaType: MediaType.ociLayerGzip, digest: config.digest, size: 1000 }],
    }),
  );
  return m.digest;
}

function fresh() {
  const root = join(dir, `root-${n++}`);
  const cs = new LocalContentStore(join(root, 'content'));
  return { root, cs, images: new ImageStore(root, cs) };
}

test('put() records a normalised name with config id, size and platform; get() finds it by name, id, digest', async () => {
  const { root, cs, images } = fresh();
  const m = await makeImage(cs, 'a');
  const rec = await images.put('busybox', m);
  assert.equal(rec.name, 'docker.io/library/busybox:latest');
  assert.equal(rec.platform, 'linux/amd64');
  assert.equal(rec.created, '2024-01-02T03:04:05Z');
  assert.ok(rec.size > 1000);
  for (const q of [
    'busybox',
    'busybox:latest',
    'docker.io/library/busybox:latest',
    m,
    rec.configDigest,
    shortDigest(rec.configDigest),
    `busybox@${m}`,
  ]) {
    assert.equal((await images.get(q))?.digest, m, q);
  }
  assert.equal(await images.get('busybox:other'), undefined);
  assert.equal(await images.get('zzzz'), undefined);
  const onDisk = JSON.parse(await readFile(join(root, 'images.json'), 'utf8'));
  assert.equal(onDisk.images.length, 1);
});

test('put() moves a tag to a new image and keeps digest-only records apart', async () => {
  const { cs, images } = fresh();
  const a = await makeImage(cs, 'a');
  const b = await makeImage(cs, 'b');
  await images.put('127.0.0.1:5000/x:1', a);
  await images.put('127.0.0.1:5000/x:1', b);
  await images.put('', a);
  await images.put('', a);
  const list = await images.list();
  assert.deepEqual(
    list.map((r) => [r.name, r.digest]),
    [
      ['127.0.0.1:5000/x:1', b],
      ['', a],
    ],
  );
});

test('put() refuses a bad name or a manifest that is not stored', async () => {
  const { cs, images } = fresh();
  const m = await makeImage(cs, 'a');
  await assert.rejects(images.put('Bad Name', m), (e) => isRuntimeError(e, 'InvalidArgument'));
  await assert.rejects(images.put('ok', `sha256:${'0'.repeat(64)}` as Digest), (e) =>
    isRuntimeError(e, 'NotFound'),
  );
  assert.deepEqual(await images.list(), []);
});

test('remove() by name drops that name only; by id every name of the image', async () => {
  const { cs, images } = fresh();
  const m = await makeImage(cs, 'a');
  await images.put('one', m);
  const rec = await images.put('two', m);
  assert.deepEqual(
    (await images.remove('one')).map((r) => r.name),
    ['docker.io/library/one:latest'],
  );
  await images.put('one', m);
  assert.equal((await images.remove(shortDigest(rec.configDigest))).length, 2);
  assert.deepEqual(await images.list(), []);
  assert.deepEqual(await images.remove('one'), []);
});

test('get() says an id prefix is ambiguous when it matches two images', async () => {
  const { cs, images } = fresh();
  // Search label values until two configs share their first 4 id digits (about 300 hashes).
  const seen = new Map<string, string>();
  let pair: [string, string] | undefined;
  for (let i = 0; !pair; i++) {
    const prefix = digestHex(sha256Of(configJson(`t${i}`))).slice(0, 4);
    const other = seen.get(prefix);
    if (other !== undefined) pair = [other, `t${i}`];
    else seen.set(prefix, `t${i}`);
  }
  await images.put('a', await makeImage(cs, pair[0]));
  await images.put('b', await makeImage(cs, pair[1]));
  const prefix = digestHex(sha256Of(configJson(pair[0]))).slice(0, 4);
  await assert.rejects(
    images.get(prefix),
    (e) => isRuntimeError(e, 'FailedPrecondition') && /ambiguous/.test(e.message),
  );
  assert.equal((await images.find(prefix)).length, 2);
  assert.equal(await images.get(prefix.slice(0, 3)), undefined, 'prefixes under 4 digits match nothing');
});

test('put() from several processes at once loses no record', async () => {
  const { root, cs, images } = fresh();
  const digests = await Promise.all(['p0', 'p1', 'p2', 'p3'].map((t) => makeImage(cs, t)));
  const script = join(root, 'put.mts');
  const storeUrl = new URL('./image-store.ts', import.meta.url).href;
  const csUrl = new URL('./content-store.ts', import.meta.url).href;
  await writeFile(
    script,
    `import { ImageStore } from ${JSON.stringify(storeUrl)};
import { LocalContentStore } from ${JSON.stringify(csUrl)};
const [root, name, digest] = process.argv.slice(2);
const s = new ImageStore(root, new LocalContentStore(root + '/content'));
for (let i = 0; i < 5; i++) await s.put(name + ':' + i, digest);
`,
  );
  const cwd = fileURLToPath(new URL('../..', import.meta.url));
  await Promise.all(
    digests.map(
      (d, i) =>
        new Promise<void>((resolve, reject) => {
          const c = spawn(process.execPath, ['--import', 'tsx', script, root, `proc${i}`, d], {
            cwd,
            stdio: 'inherit',
          });
          c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`child exited ${code}`))));
        }),
    ),
  );
  assert.equal((await images.list()).length, 20);
});
