/**
 * `hostpod daemon` with a bad configuration (issue 14): every bad key in one message, exit 2,
 * and nothing made — no state root, no socket, no cgroup.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCliSync } from '../testing/spawn-cli.ts';

test('hostpod daemon reports every bad config key at once and makes nothing (root, socket, cgroup)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hostpod-daemon-config-'));
  const cgroup = `/hostpod-test-config-${process.pid}`;
  try {
    const config = join(dir, 'config.yaml');
    await writeFile(
      config,
      'layout: overlay\nlogMaxFiles: 1\nmetricsAdress: 127.0.0.1:1\nstaticPodValidate: loose\n',
    );
    const root = join(dir, 'root');
    const socket = join(dir, 'run', 'hostpod.sock');
    const r = runCliSync([
      'daemon',
      '--config',
      config,
      '--root',
      root,
      '--socket',
      socket,
      '--cgroup-parent',
      cgroup,
      '--metrics-address',
      'localhost:0',
      '--static-pod-dir',
      join(dir, 'manifests'),
    ]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /the configuration has 5 problems/);
    for (const key of [
      'unknown key "metricsAdress"',
      'layout: expected',
      'logMaxFiles: expected',
      'staticPodValidate: expected',
      'metricsAddress: expected HOST:PORT',
    ])
      assert.ok(r.stderr.includes(key), `${key} in ${r.stderr}`);
    assert.ok(!existsSync(root), 'no state root');
    assert.ok(!existsSync(join(dir, 'run')), 'no socket directory');
    assert.ok(!existsSync(join(dir, 'manifests')), 'no static pod directory');
    assert.ok(!existsSync(join('/sys/fs/cgroup', cgroup)), 'no cgroup');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
