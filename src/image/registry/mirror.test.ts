// The local docker-registry posing as a mirror of Docker Hub (docker.io) through a hosts.toml.
// Docker Hub itself must never be contacted from a test: the client gets a name lookup that
// answers ENOTFOUND for every name, as on a host without DNS (loopback IPs need no lookup).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { LocalContentStore } from '../content-store.ts';
import { ImageStore } from '../image-store.ts';
import { pullImage } from '../pull.ts';
import { type FaultProxy, startFaultProxy } from '../testing/fault-proxy.ts';
import { buildUmociImage, freePort, startRegistry, type TestRegistry } from '../testing/registry.ts';
import { RegistryClient } from './client.ts';

let reg: TestRegistry;
let proxy: FaultProxy;
let tmp: string;
const looked: string[] = [];
const noDns: LookupFunction = (hostname, _opts, cb) => {
  looked.push(hostname);
  const e = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
  (cb as (err: Error) => void)(e);
};

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'hostpod-mirror-'));
  reg = await startRegistry();
  proxy = await startFaultProxy(reg.url);
  const bb = join(tmp, 'bb');
  await buildUmociImage(bb, 'latest', { 'bin/busybox': await readFile('/bin/busybox') });
  await reg.push(bb, 'latest', 'library/busybox:latest');
});
after(async () => {
  await proxy?.stop();
  await reg?.stop();
  await rm(tmp, { recursive: true, force: true });
});

async function configDir(name: string, toml: string): Promise<{ dir: string; file: string }> {
  const dir = join(tmp, name);
  await mkdir(join(dir, 'docker.io'), { recursive: true });
  const file = join(dir, 'docker.io', 'hosts.toml');
  await writeFile(file, toml);
  return { dir, file };
}

function stores(name: string) {
  const content = new LocalContentStore(join(tmp, name, 'content'));
  return { content, images: new ImageStore(join(tmp, name), content) };
}

test('pullImage() of a Docker Hub short name is served by a docker.io mirror from hosts.toml', async () => {
  const { dir } = await configDir(
    'cfg-ok',
    `server = "https://registry-1.docker.io"\n[host."http://${proxy.host}"]\n  capabilities = ["pull", "resolve"]\n`,
  );
  proxy.log.length = 0;
  looked.length = 0;
  const client = new RegistryClient({ registryConfigDir: dir, lookup: noDns });
  const s = stores('ok');
  try {
    const r = await pullImage('busybox', { ...s, client });
    assert.equal(r.reference, 'docker.io/library/busybox:latest');
    assert.equal(r.fetchedBlobs, 2);
  } finally {
    await client.close();
  }
  assert.deepEqual(looked, [], 'Docker Hub was never looked up: the mirror answered');
  assert.ok(proxy.log.length >= 3);
  for (const l of proxy.log) {
    assert.match(l.path, /^\/v2\/library\/busybox\/(manifests|blobs)\/[^?]+\?ns=docker\.io$/, l.path);
  }
  assert.equal((await s.images.get('busybox'))?.name, 'docker.io/library/busybox:latest');
});

test('pullImage() with the mirror down says what was tried: the mirror and registry-1.docker.io, each with its error', async () => {
  const port = await freePort();
  const { dir, file } = await configDir(
    'cfg-down',
    `[host."http://127.0.0.1:${port}"]\n  capabilities = ["pull", "resolve"]\n`,
  );
  const retries: string[] = [];
  const client = new RegistryClient({
    registryConfigDir: dir,
    lookup: noDns,
    retryBaseMs: 1,
    onRetry: (i) => retries.push(i.reason),
  });
  const s = stores('down');
  const t0 = Date.now();
  try {
    await assert.rejects(pullImage('busybox:latest', { ...s, client }), (e) => {
      assert.ok(isRuntimeError(e, 'Unavailable'), String(e));
      const lines = e.message.split('\n');
      assert.equal(
        lines[0],
        'Cannot get manifest docker.io/library/busybox:latest: every registry host failed:',
      );
      assert.match(
        lines[1]!,
        new RegExp(`^  http://127\\.0\\.0\\.1:${port} \\(mirror, ${file}\\): .*ECONNREFUSED`),
      );
      assert.match(lines[2]!, /^ {2}https:\/\/registry-1\.docker\.io: .*ENOTFOUND/);
      const hint = e.hint ?? '';
      assert.match(hint, new RegExp(`nothing accepts connections at 127\\.0\\.0\\.1:${port}`));
      assert.match(hint, /registry-1\.docker\.io does not resolve: check this machine's DNS/);
      assert.doesNotMatch(hint, /insecure-registry/, 'a DNS failure is not a TLS problem');
      return true;
    });
  } finally {
    await client.close();
  }
  assert.deepEqual(
    retries,
    [],
    'a dead mirror falls over at once; a name that does not resolve is not retried',
  );
  assert.ok(Date.now() - t0 < 5000);
  assert.deepEqual(await s.images.list(), []);
});

test('pullImage() resolves tags only on hosts with "resolve": a pull-only mirror still serves the blobs', async () => {
  const { dir } = await configDir(
    'cfg-pull-only',
    `server = "http://${reg.host}"\n[host."http://${proxy.host}"]\n  capabilities = ["pull"]\n`,
  );
  proxy.log.length = 0;
  const client = new RegistryClient({ registryConfigDir: dir, lookup: noDns });
  try {
    await pullImage('busybox', { ...stores('pull-only'), client });
  } finally {
    await client.close();
  }
  const paths = proxy.log.map((l) => l.path);
  assert.ok(!paths.some((p) => p.includes('/manifests/latest')), 'the tag was not resolved by the mirror');
  assert.ok(
    paths.some((p) => /\/blobs\/sha256:/.test(p)),
    'blobs came from the mirror',
  );
});

test('pullImage() goes on to the next host when a mirror answers 404 or 500', async () => {
  const { dir } = await configDir(
    'cfg-fallback',
    `server = "http://${reg.host}"\n[host."http://${proxy.host}"]\n  capabilities = ["pull", "resolve"]\n`,
  );
  proxy.rules = [
    { match: '/manifests/', fault: { kind: 'status', status: 404 } },
    { match: '/blobs/', fault: { kind: 'status', status: 500 } },
  ];
  const retries: string[] = [];
  const client = new RegistryClient({
    registryConfigDir: dir,
    retryBaseMs: 1,
    onRetry: (i) => retries.push(i.what),
  });
  try {
    const r = await pullImage('busybox', { ...stores('fallback'), client });
    assert.equal(r.fetchedBlobs, 2);
  } finally {
    proxy.rules = [];
    await client.close();
  }
  assert.deepEqual(retries, [], 'a failing mirror is not retried: the next host is');
});
