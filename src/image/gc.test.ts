import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Digest, digestHex, sha256Of } from '../oci/digest.ts';
import { MediaType } from '../oci/media-types.ts';
import { LocalContentStore } from './content-store.ts';
import { collectGarbage, removeImageContent } from './gc.ts';
import { ImageStore } from './image-store.ts';
import { chainIds, layerPath } from './layers.ts';

let dir: string;
let n = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hostpod-gc-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fresh() {
  const root = join(dir, `root-${n++}`);
  const content = new LocalContentStore(join(root, 'content'));
  return { root, content, images: new ImageStore(root, content) };
}

/** A two-layer image (layer blobs stored as-is; gc does not read them). */
async function makeImage(content: LocalContentStore, tag: string) {
  const l1 = await content.writeBlob(`layer one ${tag}`);
  const l2 = await content.writeBlob(`layer two ${tag}`);
  const diffIds = [sha256Of(`diff1 ${tag}`), sha256Of(`diff2 ${tag}`)];
  const config = await content.writeBlob(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds } }),
  );
  const m = await content.writeBlob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, ...config },
      layers: [l1, l2].map((l) => ({ mediaType: MediaType.ociLayerGzip, ...l })),
    }),
  );
  return {
    manifest: m.digest,
    blobs: [m.digest, config.digest, l1.digest, l2.digest],
    chains: chainIds(diffIds),
  };
}

async function exists(content: LocalContentStore, d: Digest) {
  return (await content.info(d)) !== undefined;
}

test('collectGarbage() deletes what no image references and keeps every blob an image needs', async () => {
  const { root, content, images } = await fresh();
  const a = await makeImage(content, 'a');
  const b = await makeImage(content, 'b');
  await images.put('keep', a.manifest);
  await images.put('gone', b.manifest);
  await images.remove('gone');
  const stray = await content.writeBlob('stray');
  await mkdir(join(content.root, 'ingest'), { recursive: true });
  const partialDigest = sha256Of('never finished');
  await writeFile(join(content.root, 'ingest', `sha256-${digestHex(partialDigest)}.partial`), 'never');
  for (const c of [...a.chains, ...b.chains])
    await mkdir(join(layerPath(root, c), 'fs'), { recursive: true });

  const dry = await collectGarbage(root, content, images, { dryRun: true });
  assert.equal(dry.removedBlobs.length, 5);
  assert.ok(await exists(content, stray.digest), 'dry run deletes nothing');

  const r = await collectGarbage(root, content, images);
  assert.deepEqual(r.removedBlobs.map((x) => x.digest).sort(), [...b.blobs, stray.digest].sort());
  assert.deepEqual(
    r.removedPartials.map((x) => x.digest),
    [partialDigest],
  );
  assert.deepEqual(r.removedLayers.sort(), [...b.chains].sort());
  assert.ok(r.reclaimedBytes > 0);
  for (const d of a.blobs) assert.ok(await exists(content, d), `kept ${d}`);
  for (const d of [...b.blobs, stray.digest]) assert.equal(await exists(content, d), false, `deleted ${d}`);
  for (const c of a.chains) await stat(layerPath(root, c));
  await assert.rejects(stat(layerPath(root, b.chains[0]!)));
  assert.equal(await content.partialSize(partialDigest), 0);
});

test('collectGarbage() keeps blobs committed while a pull holds a lease', async () => {
  const { root, content, images } = await fresh();
  const old = await content.writeBlob('from before');
  const { utimes } = await import('node:fs/promises');
  const past = new Date(Date.now() - 60_000);
  await utimes(content.path(old.digest), past, past);
  const lease = await content.lease();
  try {
    const fresh = await content.writeBlob('just pulled, not yet recorded');
    const r = await collectGarbage(root, content, images);
    assert.deepEqual(
      r.removedBlobs.map((x) => x.digest),
      [old.digest],
    );
    assert.equal(r.keptForLease, 1);
    assert.ok(await exists(content, fresh.digest));
  } finally {
    await lease.release();
  }
  const after = await collectGarbage(root, content, images);
  assert.equal(after.removedBlobs.length, 1, 'once the lease is gone the blob is collectable');
});

test('collectGarbage() reports an image whose manifest is missing and keeps going', async () => {
  const { root, content, images } = await fresh();
  const a = await makeImage(content, 'a');
  await images.put('a', a.manifest);
  await rm(content.path(a.manifest));
  const r = await collectGarbage(root, content, images);
  assert.equal(r.problems.length, 1);
  assert.match(
    r.problems[0]!,
    /docker\.io\/library\/a:latest: Blob sha256:[0-9a-f]+ is not in the content store/,
  );
  assert.ok(await exists(content, a.blobs[1]!), 'the config the record names is kept');
});

test('removeImageContent() deletes only what the removed image alone needed', async () => {
  const { root, content, images } = await fresh();
  const a = await makeImage(content, 'a');
  const b = await makeImage(content, 'b');
  await images.put('a', a.manifest);
  await images.put('b', b.manifest);
  await images.put('b-too', b.manifest);
  const stray = await content.writeBlob('written by an import that has not recorded its image yet');
  for (const c of [...a.chains, ...b.chains])
    await mkdir(join(layerPath(root, c), 'fs'), { recursive: true });
  const removedB = await images.remove('b');
  const r1 = await removeImageContent(root, content, images, removedB);
  assert.deepEqual(r1.removedBlobs, [], 'b-too still names the image');
  const removedA = await images.remove('a');
  const r2 = await removeImageContent(root, content, images, removedA);
  assert.deepEqual(r2.removedBlobs.map((x) => x.digest).sort(), [...a.blobs].sort());
  assert.deepEqual(r2.removedLayers.sort(), [...a.chains].sort());
  assert.ok(await exists(content, stray.digest), 'unrelated blob untouched');
  for (const d of b.blobs) assert.ok(await exists(content, d));
  for (const c of b.chains) await stat(layerPath(root, c));
});
