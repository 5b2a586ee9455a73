import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { resolveRegistryHosts } from './hosts.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hostpod-certsd-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function hostsToml(name: string, text: string): Promise<string> {
  await mkdir(join(dir, name), { recursive: true });
  await writeFile(join(dir, name, 'hosts.toml'), text);
  return join(dir, name, 'hosts.toml');
}

test('resolveRegistryHosts() sends Docker Hub to registry-1.docker.io, other registries to themselves', async () => {
  const hub = await resolveRegistryHosts('docker.io');
  assert.deepEqual(
    hub.map((h) => [h.api, h.mirror, [...h.capabilities]]),
    [['https://registry-1.docker.io/v2', false, ['pull', 'resolve', 'push']]],
  );
  assert.equal(hub[0]!.host, 'registry-1.docker.io');
  assert.equal((await resolveRegistryHosts('quay.io'))[0]!.api, 'https://quay.io/v2');
  assert.equal((await resolveRegistryHosts('127.0.0.1:5000'))[0]!.api, 'http://127.0.0.1:5000/v2');
  assert.equal(
    (await resolveRegistryHosts('lab:5000', { insecureRegistries: ['lab'] }))[0]!.api,
    'http://lab:5000/v2',
  );
  // A config dir without a folder for the registry changes nothing.
  assert.equal(
    (await resolveRegistryHosts('docker.io', { configDir: dir }))[0]!.api,
    'https://registry-1.docker.io/v2',
  );
});

test('resolveRegistryHosts() puts the hosts of hosts.toml first, in order, then the server', async () => {
  const file = await hostsToml(
    'docker.io',
    `server = "https://docker.io"
[host."http://127.0.0.1:5001"]
  capabilities = ["pull", "resolve"]
[host."https://mirror.example/prefix"]
  capabilities = ["pull"]
  [host."https://mirror.example/prefix".header]
    x-team = "nodes"
[host."https://odd.example/api/docker"]
  override_path = true
`,
  );
  const hosts = await resolveRegistryHosts('docker.io', { configDir: dir });
  assert.deepEqual(
    hosts.map((h) => [h.api, h.mirror, [...h.capabilities].sort().join(',')]),
    [
      ['http://127.0.0.1:5001/v2', true, 'pull,resolve'],
      ['https://mirror.example/prefix/v2', true, 'pull'],
      ['https://odd.example/api/docker', true, 'pull,push,resolve'],
      ['https://registry-1.docker.io/v2', false, 'pull,push,resolve'],
    ],
  );
  assert.deepEqual(hosts[1]!.headers, { 'x-team': ['nodes'] });
  assert.equal(hosts[0]!.source, file);
});

test('resolveRegistryHosts() looks in host_port_, then host:port, then _default', async () => {
  await hostsToml('_default', '[host."http://127.0.0.1:5999"]\n  capabilities = ["pull"]\n');
  let hosts = await resolveRegistryHosts('reg.example:5000', { configDir: dir });
  assert.deepEqual(
    hosts.map((h) => h.api),
    ['http://127.0.0.1:5999/v2', 'https://reg.example:5000/v2'],
  );
  await hostsToml('reg.example:5000', 'server = "http://reg.example:5000"\n');
  hosts = await resolveRegistryHosts('reg.example:5000', { configDir: dir });
  assert.deepEqual(
    hosts.map((h) => h.api),
    ['http://reg.example:5000/v2'],
  );
  await hostsToml('reg.example_5000_', 'server = "https://other.example"\n');
  hosts = await resolveRegistryHosts('reg.example:5000', { configDir: dir });
  assert.deepEqual(
    hosts.map((h) => h.api),
    ['https://other.example/v2'],
  );
});

test('resolveRegistryHosts() reads a Docker certs.d folder (no hosts.toml): *.crt and *.cert/*.key', async () => {
  const d = join(dir, 'certs.example');
  await mkdir(d, { recursive: true });
  await writeFile(join(d, 'ca.crt'), 'CA PEM');
  await writeFile(join(d, 'client.cert'), 'CERT PEM');
  await writeFile(join(d, 'client.key'), 'KEY PEM');
  await writeFile(join(d, 'lonely.cert'), 'no key for me');
  const [h] = await resolveRegistryHosts('certs.example', { configDir: dir });
  assert.deepEqual(h!.tls.ca?.map(String), ['CA PEM']);
  assert.deepEqual(
    h!.tls.certs?.map((c) => [String(c.cert), String(c.key)]),
    [['CERT PEM', 'KEY PEM']],
  );
});

test('resolveRegistryHosts() names the file and key of a certificate it cannot read, and of bad TOML', async () => {
  const file = await hostsToml('tls.example', '[host."https://m.example"]\n  ca = "missing.pem"\n');
  await assert.rejects(
    resolveRegistryHosts('tls.example', { configDir: dir }),
    (e) =>
      isRuntimeError(e, 'InvalidArgument') &&
      e.message.startsWith(
        `${file}: host."https://m.example".ca: cannot read ${join(dir, 'tls.example', 'missing.pem')}: ENOENT`,
      ),
  );
  const bad = await hostsToml('bad.example', '[host."https://m.example"\n');
  await assert.rejects(
    resolveRegistryHosts('bad.example', { configDir: dir }),
    (e) => isRuntimeError(e, 'InvalidArgument') && e.message.startsWith(`${bad}:1:`),
  );
});
