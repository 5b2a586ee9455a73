import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { containerdDropIn, runtimeClassManifest, writeInstall } from './install.ts';

test('containerdDropIn() registers runtimes.hostprocess for containerd and is accepted by containerd', async () => {
  const toml = containerdDropIn({ shimPath: '/usr/local/bin/containerd-shim-hostpod-v1' });
  assert.match(
    toml,
    /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.hostprocess\]\n {2}runtime_type = "io\.containerd\.hostpod\.v1"/,
  );
  assert.match(toml, /runtime_path = "\/usr\/local\/bin\/containerd-shim-hostpod-v1"/);
  assert.throws(() => containerdDropIn({ shimPath: 'relative' }), { code: 'InvalidArgument' });
  if (spawnSync('sh', ['-c', 'command -v containerd']).status !== 0) return;
  // containerd itself reads it (merged with a main config that imports it).
  const dir = await mkdtemp(join(tmpdir(), 'hostpod-install-'));
  try {
    const [dropIn] = await writeInstall(join(dir, 'conf.d'));
    const main = join(dir, 'config.toml');
    await import('node:fs/promises').then((f) =>
      f.writeFile(
        main,
        `version = 2\nimports = ["${join(dir, 'conf.d')}/*.toml"]\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n  runtime_type = "io.containerd.runc.v2"\n`,
      ),
    );
    const r = spawnSync('containerd', ['--config', main, 'config', 'dump'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /runtimes\.hostprocess\]\n(.*\n)*? +runtime_type = "io\.containerd\.hostpod\.v1"/);
    assert.match(await readFile(dropIn as string, 'utf8'), /hostprocess/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('runtimeClassManifest() is a node.k8s.io/v1 RuntimeClass whose handler is hostprocess', () => {
  const rc = parse(runtimeClassManifest()) as {
    apiVersion: string;
    kind: string;
    metadata: { name: string };
    handler: string;
  };
  assert.deepEqual(
    [rc.apiVersion, rc.kind, rc.metadata.name, rc.handler],
    ['node.k8s.io/v1', 'RuntimeClass', 'hostprocess', 'hostprocess'],
  );
});
