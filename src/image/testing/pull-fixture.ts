// Shared setup for pull tests: one real registry with a fault proxy in front, and the images
// the tests pull (built once per test file).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatPlatform, hostPlatform } from '../../oci/platform.ts';
import { type FaultProxy, startFaultProxy } from './fault-proxy.ts';
import {
  buildUmociImage,
  type LayoutDescriptor,
  startRegistry,
  type TestRegistry,
  writeImage,
  writeLayout,
} from './registry.ts';

export interface PullFixture {
  registry: TestRegistry;
  proxy: FaultProxy;
  work: string;
  /** Multi-platform index manifests by platform string (host, linux/arm64 or linux/amd64, windows/amd64). */
  multi: Record<string, LayoutDescriptor>;
  /** Layers of test/big:1 (3 × 1.5 MiB random). */
  bigLayers: string[];
  stop(): Promise<void>;
}

/** Pushes: test/busybox:1 (umoci), test/multi:1 (index), test/big:1 (3 layers, 4.5 MiB). */
export async function startPullFixture(): Promise<PullFixture> {
  const work = await mkdtemp(join(tmpdir(), 'hostpod-pullfx-'));
  const registry = await startRegistry();
  const proxy = await startFaultProxy(registry.url);
  try {
    const bb = join(work, 'bb');
    await buildUmociImage(bb, '1', {
      'bin/busybox': await import('node:fs/promises').then((f) => f.readFile('/bin/busybox')),
    });
    await registry.push(bb, '1', 'test/busybox:1');

    const host = hostPlatform();
    const other = host.architecture === 'arm64' ? 'amd64' : 'arm64';
    const multiDir = join(work, 'multi');
    const multi: Record<string, LayoutDescriptor> = {};
    for (const p of [
      { os: host.os, architecture: host.architecture, ...(host.variant ? { variant: host.variant } : {}) },
      { os: 'linux', architecture: other },
      { os: 'windows', architecture: 'amd64' },
    ]) {
      const d = await writeImage(multiDir, { ...p, layers: [{ 'etc/platform': formatPlatform(p) }] });
      multi[formatPlatform(p)] = d;
    }
    await writeLayout(multiDir, '1', Object.values(multi));
    await registry.push(multiDir, '1', 'test/multi:1', { all: true });

    const bigDir = join(work, 'big');
    const big = await writeImage(bigDir, {
      os: host.os,
      architecture: host.architecture,
      layers: [1, 2, 3].map((i) => ({ [`data/${i}.bin`]: randomBytes(1536 * 1024) })),
    });
    await writeLayout(bigDir, '1', [big], false);
    await registry.push(bigDir, '1', 'test/big:1');
    const manifest = JSON.parse(
      await import('node:fs/promises').then((f) =>
        f.readFile(join(bigDir, 'blobs', 'sha256', big.digest.slice(7)), 'utf8'),
      ),
    ) as { layers: { digest: string }[] };
    return {
      registry,
      proxy,
      work,
      multi,
      bigLayers: manifest.layers.map((l) => l.digest),
      async stop() {
        await proxy.stop();
        await registry.stop();
        await rm(work, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await proxy.stop();
    await registry.stop();
    await rm(work, { recursive: true, force: true });
    throw e;
  }
}
