import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isRuntimeError } from '../errors.ts';
import { LocalContentStore } from './content-store.ts';
import { ImageStore } from './image-store.ts';
import { importImage } from './import.ts';
import { ensureUnpacked, pullAndUnpack } from './layers.ts';
import { type PullEvent, pullImage } from './pull.ts';
import { RegistryClient } from './registry/client.ts';
import { type FaultProxy, startFaultProxy } from './testing/fault-proxy.ts';
import { startRegistry, type TestRegistry } from './testing/registry.ts';
import { describeTree } from './unpack/testing/tree.ts';
import { buildUmociImage } from './unpack/testing/umoci-image.ts';

let work = '';
let layout = '';
let registry: TestRegistry;
let proxy: FaultProxy;
/** Each layer's unpacked tree, from the committed blobs (imported from the same layout). */
let expected: string[][] = [];

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'hostpod-layers-'));
  ({ layout } = buildUmociImage(work));
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.url);
  await registry.push(layout, 't', 'test/umoci:1');
  const s = stores();
  const [img] = await importImage(layout, s.content, s.images, { tag: 'localhost/x:1', tmpDir: s.tmpDir });
  expected = (await ensureUnpacked(s.root, s.content, img!.digest)).map((l) => describeTree(l.dir));
});
after(async () => {
  await proxy?.stop();
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

function stores() {
  const root = mkdtempSync(join(work, 'state-'));
  const content = new LocalContentStore(join(root, 'content'));
  return { root, content, images: new ImageStore(root, content), tmpDir: join(root, 'tmp') };
}

function pullVia(s: ReturnType<typeof stores>, events: PullEvent[] = []) {
  const client = new RegistryClient({ retryBaseMs: 5 });
  return (onEvent: (e: PullEvent) => void) =>
    pullImage(`${proxy.host}/test/umoci:1`, {
      content: s.content,
      images: s.images,
      client,
      onEvent: (e) => {
        events.push(e);
        onEvent(e);
      },
    });
}

for (const unpackIn of ['main', 'worker'] as const) {
  test(`pullAndUnpack() unpacks layers while they download (unpackIn: ${unpackIn}), the same trees as from committed blobs`, async () => {
    const s = stores();
    // Slow bodies: the unpack has to follow the partial files as they grow.
    proxy.rules = [{ match: '/blobs/', fault: { kind: 'slow', chunkBytes: 64 * 1024, delayMs: 2 } }];
    try {
      const events: PullEvent[] = [];
      const cached: boolean[] = [];
      const r = await pullAndUnpack(s.root, s.content, pullVia(s, events), {
        unpackIn,
        onLayer: (e) => cached.push(e.cached),
      });
      assert.equal(r.layers.length, 3);
      // Every layer was already unpacked by the follower when the pull ended: no fallback.
      assert.deepEqual(cached, [true, true, true]);
      assert.deepEqual(
        r.layers.map((l) => describeTree(l.dir)),
        expected,
      );
      assert.ok(events.some((e) => e.type === 'blob-progress'));
      assert.deepEqual(readdirSync(join(s.root, 'layers')), ['sha256']);
      // Already there: a second call pulls nothing new and unpacks nothing.
      const again = await pullAndUnpack(s.root, s.content, pullVia(s), { unpackIn });
      assert.deepEqual(again.layers, r.layers);
    } finally {
      proxy.rules = [];
    }
  });
}

test('pullAndUnpack() survives a dropped download (Range resume) and still checks every diffID', async () => {
  const s = stores();
  proxy.rules = [{ match: '/blobs/', fault: { kind: 'truncate', afterBytes: 100_000 }, times: 1 }];
  try {
    const r = await pullAndUnpack(s.root, s.content, pullVia(s));
    assert.deepEqual(
      r.layers.map((l) => describeTree(l.dir)),
      expected,
    );
  } finally {
    proxy.rules = [];
  }
});

test('pullAndUnpack() stops when the pull fails and leaves no half-unpacked layer', async () => {
  const s = stores();
  proxy.rules = [{ match: '/blobs/', fault: { kind: 'corrupt' } }];
  try {
    await assert.rejects(pullAndUnpack(s.root, s.content, pullVia(s)), (e: unknown) =>
      isRuntimeError(e, 'DataLoss'),
    );
  } finally {
    proxy.rules = [];
  }
  const layers = join(s.root, 'layers');
  let left: string[] = [];
  try {
    left = readdirSync(layers).filter((n) => n !== 'sha256');
  } catch {}
  assert.deepEqual(left, [], 'no temp dir left behind');
});
