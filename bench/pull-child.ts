/**
 * Child of bench/pull.bench.ts: pulls REF into a fresh state root ROOT and unpacks it into the
 * layer cache, then prints {pullMs, unpackMs, totalMs, maxRssKiB} as JSON.
 * Usage: pull-child.ts REF ROOT [overlap|overlap-worker|sequential]
 *   overlap         pullAndUnpack: layers unpacked while they download (pullMs = when the pull
 *                   ended), in the thread it picks by default (this one on ≤ 2 CPUs)
 *   overlap-worker  the same with the unpack in a worker thread
 *   sequential      pullImage, then ensureUnpacked
 */
import { join } from 'node:path';
import { LocalContentStore } from '../src/image/content-store.ts';
import { ImageStore } from '../src/image/image-store.ts';
import { ensureUnpacked, pullAndUnpack } from '../src/image/layers.ts';
import { pullImage } from '../src/image/pull.ts';
import { RegistryClient } from '../src/image/registry/client.ts';

const [ref, root, mode = 'overlap'] = process.argv.slice(2);
if (!ref || !root) throw new Error('usage: pull-child.ts REF ROOT [overlap|overlap-worker|sequential]');
const content = new LocalContentStore(join(root, 'content'));
const images = new ImageStore(root, content);
const client = new RegistryClient();
const t0 = performance.now();
let t1 = 0;
if (mode === 'sequential') {
  const r = await pullImage(ref, { content, images, client });
  t1 = performance.now();
  await ensureUnpacked(root, content, r.manifestDigest);
} else {
  await pullAndUnpack(
    root,
    content,
    async (onEvent) => {
      const r = await pullImage(ref, { content, images, client, onEvent });
      t1 = performance.now();
      return r;
    },
    mode === 'overlap-worker' ? { unpackIn: 'worker' } : {},
  );
}
const t2 = performance.now();
process.stdout.write(
  JSON.stringify({
    pullMs: t1 - t0,
    unpackMs: t2 - t1,
    totalMs: t2 - t0,
    maxRssKiB: process.resourceUsage().maxRSS,
  }),
);
