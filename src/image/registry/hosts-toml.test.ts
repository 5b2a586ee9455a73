import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { parseDuration, parseHostsToml } from './hosts-toml.ts';

const FILE = '/etc/hostpod/certs.d/docker.io/hosts.toml';
const DIR = '/etc/hostpod/certs.d/docker.io';

test('parseHostsToml() reads containerd’s documented example: server, hosts in order, every key', () => {
  const f = parseHostsToml(
    `server = "https://registry-1.docker.io"    # upstream

[host."https://public-mirror.example.com"]
  capabilities = ["pull"]
[host."https://docker-mirror.internal"]
  capabilities = ["pull", "resolve"]
  ca = "docker-mirror.crt"
  client = [["/etc/certs/client.cert", "/etc/certs/client.key"], ["/etc/certs/client.pem", ""]]
  skip_verify = false
  dial_timeout = "1s"
  [host."https://docker-mirror.internal".header]
    x-custom-2 = ["value1", "value2"]
    X-One = "v"
[host."https://non-compliant-mirror.registry/v2/upstream"]
  capabilities = ["pull"]
  override_path = true
`,
    FILE,
    DIR,
  );
  assert.equal(f.server, 'https://registry-1.docker.io');
  assert.deepEqual(
    f.hosts.map((h) => h.url),
    [
      'https://public-mirror.example.com',
      'https://docker-mirror.internal',
      'https://non-compliant-mirror.registry/v2/upstream',
    ],
  );
  const m = f.hosts[1]!;
  assert.deepEqual(m.capabilities, ['pull', 'resolve']);
  assert.deepEqual(m.ca, [`${DIR}/docker-mirror.crt`], 'a relative path is relative to the file');
  assert.deepEqual(m.client, [
    { cert: '/etc/certs/client.cert', key: '/etc/certs/client.key' },
    { cert: '/etc/certs/client.pem' },
  ]);
  assert.equal(m.skipVerify, false);
  assert.equal(m.dialTimeoutMs, 1000);
  assert.deepEqual(m.header, { 'x-custom-2': ['value1', 'value2'], 'x-one': ['v'] });
  assert.equal(f.hosts[2]!.overridePath, true);
  assert.deepEqual(f.serverSettings, {});
});

test('parseHostsToml() refuses bad TOML naming the file, line and column', () => {
  assert.throws(
    () => parseHostsToml('server = "https://x"\n[host."https://m"]\ncapabilities = ["pull"\n', FILE, DIR),
    (e) =>
      isRuntimeError(e, 'InvalidArgument') &&
      e.message.startsWith(`${FILE}:4:1: not valid TOML`) &&
      !e.message.includes('\n'),
  );
  assert.throws(
    () => parseHostsToml('server = https://x\n', FILE, DIR),
    (e) => isRuntimeError(e, 'InvalidArgument') && e.message.startsWith(`${FILE}:1:`),
  );
});

test('parseHostsToml() refuses an unknown key naming the file and the key path', () => {
  assert.throws(
    () => parseHostsToml('[host."https://m"]\ncapabilites = ["pull"]\n', FILE, DIR),
    (e) =>
      isRuntimeError(e, 'InvalidArgument') &&
      e.message === `${FILE}: unknown key "host."https://m".capabilites"` &&
      (e.hint ?? '').includes('capabilities'),
  );
  assert.throws(
    () => parseHostsToml('mirrors = ["https://m"]\n', FILE, DIR),
    (e) => isRuntimeError(e, 'InvalidArgument') && e.message.includes('unknown key "mirrors"'),
  );
  assert.throws(
    () => parseHostsToml('server = "https://r"\nproxy = "http://p:8080"\n', FILE, DIR),
    (e) =>
      isRuntimeError(e, 'InvalidArgument') &&
      /"proxy".*does not send registry traffic through a proxy/.test(e.message),
  );
  assert.throws(
    () => parseHostsToml('[host."https://m"]\n  [host."https://m".host."https://n"]\n', FILE, DIR),
    (e) => isRuntimeError(e, 'InvalidArgument') && e.message.includes('unknown key "host."https://m".host"'),
    'nested hosts are not allowed (containerd does not recurse either)',
  );
});

test('parseHostsToml() refuses values of the wrong type naming the key', () => {
  const cases: [string, RegExp][] = [
    [
      '[host."https://m"]\ncapabilities = ["pull", "delete"]\n',
      /host\."https:\/\/m"\.capabilities: expected a list of "pull", "resolve", "push"/,
    ],
    ['[host."https://m"]\ncapabilities = "pull"\n', /capabilities: expected/],
    ['skip_verify = "yes"\n', /: skip_verify: expected true or false/],
    ['server = 5\n', /: server: expected a URL string/],
    ['server = "ftp://r"\n', /server: scheme ftp: is not http or https/],
    ['server = "https://user:pw@r"\n', /server: .* has a query, fragment or credentials/],
    ['ca = [1]\n', /: ca: expected a path or a list of paths/],
    [
      'client = [["a", "b", "c"]]\n',
      /: client: expected a path, a list of paths, or a list of \[certificate, key\] pairs/,
    ],
    ['[header]\nx = "a\\nb"\n', /header\.x: expected a string or a list of strings, without line breaks/],
    ['dial_timeout = "soon"\n', /dial_timeout: expected a duration/],
    ['host = "https://m"\n', /: host: expected tables/],
  ];
  for (const [text, re] of cases) {
    assert.throws(
      () => parseHostsToml(text, FILE, DIR),
      (e) => isRuntimeError(e, 'InvalidArgument') && e.message.startsWith(FILE) && re.test(e.message),
      text,
    );
  }
});

test('parseDuration() reads Go durations', () => {
  assert.equal(parseDuration('1s'), 1000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration(''), undefined);
  assert.equal(parseDuration('0s'), undefined);
  assert.equal(parseDuration('10'), undefined);
});
