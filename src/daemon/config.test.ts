import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isRuntimeError } from '../errors.ts';
import { buildConfig, DEFAULTS, readConfigFile } from './config.ts';

test('readConfigFile() + buildConfig(): the file is overlaid by flags; the defaults fill the rest', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hostpod-config-'));
  try {
    const f = join(dir, 'c.yaml');
    await writeFile(
      f,
      'root: /srv/hp\nlayout: symlink\nnodeLabels:\n  zone: a\nlogMaxSize: 1Mi\nlogMaxFiles: 3\nsocketGroup: 0\n',
    );
    const c = buildConfig(await readConfigFile(f, true), { layout: 'bind', metricsAddress: '' }, f);
    assert.equal(c.root, '/srv/hp');
    assert.equal(c.layout, 'bind');
    assert.equal(c.metricsAddress, '');
    assert.deepEqual(c.nodeLabels, { zone: 'a' });
    assert.deepEqual(c.logRotation, { maxBytes: 1024 * 1024, maxFiles: 3 });
    assert.equal(c.socketGroup, '0');
    assert.equal(c.socket, DEFAULTS.socket);
    assert.equal(c.staticPodDir, DEFAULTS.staticPodDir);
    // The default file may be missing; a named one may not.
    assert.deepEqual(await readConfigFile(join(dir, 'none.yaml'), false), {});
    await assert.rejects(readConfigFile(join(dir, 'none.yaml'), true), /Cannot read the config file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('readConfigFile() refuses an unknown key (a typo) and text that is not a mapping', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hostpod-config-'));
  try {
    const f = join(dir, 'c.yaml');
    await writeFile(f, 'rooot: /x\n');
    await assert.rejects(
      readConfigFile(f, true),
      (e: unknown) => isRuntimeError(e, 'InvalidArgument') && /unknown key "rooot"/.test(String(e)),
    );
    await writeFile(f, '- a\n- b\n');
    await assert.rejects(readConfigFile(f, true), /expected a mapping/);
    await writeFile(f, 'a: [\n');
    await assert.rejects(readConfigFile(f, true), /not YAML/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('buildConfig() names the key of a wrong value', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ root: 'relative' }, /root: expected an absolute path/],
    [{ layout: 'overlay' }, /layout: expected "bind" or "symlink"/],
    [{ nodeLabels: ['a'] }, /nodeLabels: expected a mapping/],
    [{ nodeLabels: { a: 1 } }, /nodeLabels\.a: expected a string/],
    [{ logMaxSize: 'big' }, /logMaxSize/],
    [{ logMaxFiles: 1 }, /logMaxFiles: expected a count from 2 to 100/],
    [{ logLevel: 'loud' }, /logLevel/],
    [{ insecureRegistries: 'a' }, /insecureRegistries/],
    [{ registryConfigDir: 'etc/certs.d' }, /registryConfigDir: expected an absolute path/],
    [{ serviceAccounts: { other: 'x' } }, /serviceAccounts\.other/],
    [{ staticPodDir: 'rel' }, /staticPodDir/],
  ];
  for (const [raw, re] of bad) assert.throws(() => buildConfig(raw, {}, 'c.yaml'), re, JSON.stringify(raw));
});
