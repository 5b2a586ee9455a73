import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isRuntimeError } from '../errors.ts';
import { buildConfig, CONFIG_KEYS, DEFAULTS, readConfigFile } from './config.ts';

const readConfigFileSync = (f: string) => readConfigFile(f, true);

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

test('readConfigFile() + buildConfig() refuse an unknown key (a typo); readConfigFile() text that is not a mapping', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hostpod-config-'));
  try {
    const f = join(dir, 'c.yaml');
    await writeFile(f, 'rooot: /x\n');
    const raw = await readConfigFileSync(f);
    assert.throws(
      () => buildConfig(raw, {}, f),
      (e: unknown) => isRuntimeError(e, 'InvalidArgument') && e.message === `${f}: unknown key "rooot"`,
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

test('buildConfig() reports every bad key at once, each with its key path', () => {
  assert.throws(
    () =>
      buildConfig(
        {
          rooot: '/x',
          layout: 'overlay',
          nodeLabels: { zone: 1 },
          metricsAddress: 'localhost:9470',
          staticPodValidate: 'loose',
          workspace: 'zfs',
        } as Record<string, unknown>,
        { logLevel: 'loud' },
        'c.yaml',
      ),
    (e: unknown) => {
      if (!isRuntimeError(e, 'InvalidArgument')) return false;
      assert.match(e.message, /^the configuration has 7 problems: /);
      for (const key of [
        'unknown key "rooot"',
        'layout: expected',
        'nodeLabels.zone: expected a string',
        'metricsAddress: expected HOST:PORT',
        'staticPodValidate: expected strict, warn or ignore',
        'workspace: expected auto, overlay or copy',
        'logLevel: expected',
      ])
        assert.ok(e.message.includes(`c.yaml: ${key}`), `${key} in ${e.message}`);
      return true;
    },
  );
});

test('buildConfig() reads staticPodValidate as kubectl spells --validate (default strict)', () => {
  assert.equal(buildConfig({}, {}, 'f').staticPodValidate, 'strict');
  assert.equal(buildConfig({ staticPodValidate: 'warn' }, {}, 'f').staticPodValidate, 'warn');
  assert.equal(buildConfig({ staticPodValidate: false }, {}, 'f').staticPodValidate, 'ignore');
  assert.equal(buildConfig({}, { staticPodValidate: 'true' }, 'f').staticPodValidate, 'strict');
});

test('every config key has its flag on hostpod daemon', async () => {
  const { Command } = await import('commander');
  const { registerDaemon } = await import('../cli/commands/daemon.ts');
  const program = new Command();
  registerDaemon(program, {} as never);
  const daemon = program.commands.find((c) => c.name() === 'daemon')!;
  const flags = new Set(daemon.options.map((o) => o.long));
  const kebab = (k: string) => `--${k.replace(/[A-Z]+/g, (m) => `-${m.toLowerCase()}`)}`;
  // Keys whose flag is named differently: lists take one value per flag (repeatable).
  const irregular: Record<string, string[]> = {
    nodeLabels: ['--node-label'],
    insecureRegistries: ['--insecure-registry'],
    clusterDNS: ['--cluster-dns'],
    serviceAccounts: ['--service-account-local-service', '--service-account-network-service'],
  };
  const missing = CONFIG_KEYS.flatMap((k) => (irregular[k] ?? [kebab(k)]).filter((f) => !flags.has(f)));
  assert.deepEqual(missing, []);
});
