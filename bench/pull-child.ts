/**
 * Child of bench/pull.bench.ts: pulls REF into a fresh state root ROOT and unpacks it into the
 * layer cache, then prints {pullMs, unpackMs, maxRssKiB} as JSON. Usage: pull-child.ts REF ROOT
 */
import { join } from 'node:path';
import { LocalContentStore } from '../src/image/content-store.ts';
import { ImageStore } from '../src/image/image-store.ts';
import { ensureUnpacked } from '../src/image/layers.ts';
import { pullImage } from '../src/image/pull.ts';
import { RegistryClient } from '../src/image/registry/client.ts';

const [ref, root] = process.argv.slice(2);
if (!ref || !root) throw new Error('usage: pull-child.ts REF ROOT');
const content = new LocalContentStore(join(root, 'content'));
const images = new ImageStore(root, content);
const t0 = performance.now();
const r = await pullImage(ref, { content, images, client: new RegistryClient() });
const t1 = performance.now();
await ensureUnpacked(root, content, r.manifestDigest);
const t2 = performance.now();
process.stdout.write(
  JSON.stringify({ pullMs: t1 - t0, unpackMs: t2 - t1, maxRssKiB: process.resourceUsage().maxRSS }),
);
