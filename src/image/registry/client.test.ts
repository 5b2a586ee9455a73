import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { DigestMismatchError, sha256Of } from '../../oci/digest.ts';
import { LocalContentStore } from '../content-store.ts';
import { ImageStore } from '../image-store.ts';
import { pullImage } from '../pull.ts';
import { type FaultProxy, startFaultProxy } from '../testing/fault-proxy.ts';
import { startRegistry, type TestRegistry, writeImage, writeLayout } from '../testing/registry.ts';
import { RegistryClient } from './client.ts';

// One registry with basic auth (htpasswd, bcrypt), one image in it, a fault proxy in front.
let reg: TestRegistry;
let proxy: FaultProxy;
let tmp: string;
const user = { username: 'puller', password: 's3cret:with:colons' };

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'hostpod-client-'));
  reg = await startRegistry({ htpasswd: { user: user.username, password: user.password } });
  proxy = await startFaultProxy(reg.url);
  const layout = join(tmp, 'layout');
  const img = await writeImage(layout, {
    os: 'linux',
    architecture: 'amd64',
    layers: [{ 'hello.txt': 'hello' }],
  });
  await writeLayout(layout, 'v1', [img], false);
  await reg.push(layout, 'v1', 'private/app:v1');
});
after(async () => {
  await proxy?.stop();
  await reg?.stop();
  await rm(tmp, { recursive: true, force: true });
});

function stores(name: string) {
  const content = new LocalContentStore(join(tmp, name, 'content'));
  return { content, images: new ImageStore(join(tmp, name), content) };
}

test('pullImage() with basic auth uses the Docker-config credentials for the host', async () => {
  const client = new RegistryClient({ credentials: (h) => (h === reg.host ? user : undefined) });
  const r = await pullImage(`${reg.host}/private/app:v1`, { ...stores('basic'), client });
  assert.equal(r.fetchedBlobs, 2);
});

test('pullImage() without or with wrong credentials is refused with a hint naming the config', async () => {
  const s = stores('denied');
  await assert.rejects(
    pullImage(`${reg.host}/private/app:v1`, { ...s, client: new RegistryClient() }),
    (e) =>
      isRuntimeError(e, 'PermissionDenied') &&
      e.message.includes(`Registry ${reg.host} refused access to manifest ${reg.host}/private/app:v1`) &&
      (e.hint ?? '').includes(`auths["${reg.host}"]`),
  );
  const wrong = new RegistryClient({ credentials: () => ({ username: user.username, password: 'nope' }) });
  await assert.rejects(
    pullImage(`${reg.host}/private/app:v1`, { ...s, client: wrong }),
    (e) =>
      isRuntimeError(e, 'PermissionDenied') &&
      /HTTP 401/.test(e.message) &&
      /were refused/.test(e.hint ?? ''),
  );
  assert.deepEqual(await s.images.list(), []);
});

test('getManifest() by tag checks the bytes against Docker-Content-Digest', async () => {
  const client = new RegistryClient({ credentials: () => user, retries: 0 });
  proxy.rules = [{ match: '/manifests/v1', fault: { kind: 'corrupt' } }];
  try {
    await assert.rejects(client.getManifest(proxy.host, 'private/app', 'v1'), (e) => {
      assert.ok(e instanceof DigestMismatchError);
      assert.match(e.message, /manifest 127\.0\.0\.1:\d+\/private\/app:v1/);
      return true;
    });
  } finally {
    proxy.rules = [];
  }
  const ok = await client.getManifest(proxy.host, 'private/app', 'v1');
  assert.equal((await client.getManifest(proxy.host, 'private/app', ok.digest)).digest, ok.digest);
});

test('RegistryClient uses plain HTTP only for loopback hosts and --insecure-registry ones', () => {
  const c = new RegistryClient({ insecureRegistries: ['build-box:5000', 'lab'] });
  assert.equal(c.baseUrl('127.0.0.1:5000'), 'http://127.0.0.1:5000');
  assert.equal(c.baseUrl('localhost:5000'), 'http://localhost:5000');
  assert.equal(c.baseUrl('[::1]:5000'), 'http://[::1]:5000');
  assert.equal(c.baseUrl('build-box:5000'), 'http://build-box:5000');
  assert.equal(c.baseUrl('lab:9000'), 'http://lab:9000');
  assert.equal(c.baseUrl('build-box:6000'), 'https://build-box:6000');
  assert.equal(c.baseUrl('10.1.2.3:5000'), 'https://10.1.2.3:5000');
  assert.equal(new RegistryClient().baseUrl('docker.io'), 'https://registry-1.docker.io');
});

test('getManifest() from a registry nobody listens on fails as Unavailable after retries', async () => {
  const retries: number[] = [];
  const c = new RegistryClient({ retries: 2, retryBaseMs: 1, onRetry: (i) => retries.push(i.attempt) });
  await assert.rejects(
    c.getManifest('127.0.0.1:1', 'x/y', 'latest'),
    (e) =>
      isRuntimeError(e, 'Unavailable') && /ECONNREFUSED/.test(e.message) && /127\.0\.0\.1:1/.test(e.message),
  );
  assert.deepEqual(retries, [1, 2]);
});

test('openBlob() follows a redirect to HTTPS: a trusted certificate works, an untrusted one is refused at once', async () => {
  const key = join(tmp, 'tls.key');
  const cert = join(tmp, 'tls.crt');
  const made = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ]),
    { encoding: 'utf8' },
  );
  assert.equal(made.status, 0, made.stderr);
  const body = 'blob over tls';
  const digest = sha256Of(body);
  const tls = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => {
    res.end(body);
  });
  await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
  const tlsPort = (tls.address() as AddressInfo).port;
  const plain = http.createServer((_req, res) => {
    res.writeHead(307, { location: `https://127.0.0.1:${tlsPort}/storage/blob` }).end();
  });
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(plain.address() as AddressInfo).port}`;
  try {
    const retries: number[] = [];
    const c = new RegistryClient({ retryBaseMs: 1, onRetry: (i) => retries.push(i.attempt) });
    await assert.rejects(
      c.openBlob(host, 'r/app', digest),
      (e) => isRuntimeError(e, 'Unavailable') && /certificate/i.test(e.message),
    );
    await c.close();
    assert.deepEqual(retries, [], 'a certificate error is not retried');
    // The same redirect in a process that trusts the certificate.
    const script = `import { RegistryClient } from ${JSON.stringify(new URL('./client.ts', import.meta.url).href)};
      const c = new RegistryClient({ retries: 0 });
      const b = await c.openBlob(process.argv[1], 'r/app', process.argv[2]);
      let s = '';
      for await (const x of b.body) s += x;
      await c.close();
      console.log(s);`;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, host, digest],
      {
        cwd: new URL('../../..', import.meta.url),
        env: { ...process.env, NODE_EXTRA_CA_CERTS: cert },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    const code = await new Promise((r) => child.once('close', r));
    assert.equal(code, 0, err);
    assert.equal(out.trim(), body);
  } finally {
    tls.close();
    tls.closeAllConnections();
    plain.close();
    plain.closeAllConnections();
  }
});

test('openBlob() trusts the CA named by hosts.toml (ca =) for that host only, and skip_verify', async () => {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const key = join(tmp, 'ca-tls.key');
  const cert = join(tmp, 'ca-tls.crt');
  const made = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ]),
    { encoding: 'utf8' },
  );
  assert.equal(made.status, 0, made.stderr);
  const body = 'blob from a private CA';
  const digest = sha256Of(body);
  const seen: string[] = [];
  const tls = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    seen.push(`${req.url} ${req.headers['x-node'] ?? ''}`);
    res.end(body);
  });
  await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(tls.address() as AddressInfo).port}`;
  const cfg = join(tmp, 'certs-ca');
  try {
    // The registry's server is the TLS host itself, with the CA from the folder (relative path).
    await mkdir(join(cfg, 'tls.example'), { recursive: true });
    await writeFile(
      join(cfg, 'tls.example', 'hosts.toml'),
      `server = "https://${host}"\nca = "../../ca-tls.crt"\n[header]\n  x-node = "n1"\n`,
    );
    const c = new RegistryClient({ registryConfigDir: cfg, retries: 0 });
    const b = await c.openBlob('tls.example', 'r/app', digest);
    let s = '';
    for await (const x of b.body) s += x;
    assert.equal(s, body);
    assert.deepEqual(seen, [`/v2/r/app/blobs/${digest} n1`], 'the header from hosts.toml was sent');
    await c.close();
    // Without the CA the certificate is refused, and the hint says where a CA goes.
    await writeFile(join(cfg, 'tls.example', 'hosts.toml'), `server = "https://${host}"\n`);
    const plain = new RegistryClient({ registryConfigDir: cfg, retries: 0 });
    await assert.rejects(
      plain.openBlob('tls.example', 'r/app', digest),
      (e) =>
        isRuntimeError(e, 'Unavailable') &&
        /certificate/i.test(e.message) &&
        (e.hint ?? '').includes(`ca = "/path/ca.pem" in ${cfg}/tls.example/hosts.toml`),
    );
    await plain.close();
    await writeFile(
      join(cfg, 'tls.example', 'hosts.toml'),
      `server = "https://${host}"\nskip_verify = true\n`,
    );
    const skip = new RegistryClient({ registryConfigDir: cfg, retries: 0 });
    const b2 = await skip.openBlob('tls.example', 'r/app', digest);
    b2.body.resume();
    await skip.close();
  } finally {
    tls.close();
    tls.closeAllConnections();
  }
});

test('getManifest() on an HTTPS host that speaks plain HTTP hints --insecure-registry', async () => {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const plain = await startFaultProxy(reg.url);
  // A registry name that is not loopback, routed by hosts.toml to the loopback proxy over HTTPS.
  const cfg = join(tmp, 'certs-plain');
  await mkdir(join(cfg, 'plain.example'), { recursive: true });
  await writeFile(join(cfg, 'plain.example', 'hosts.toml'), `server = "https://${plain.host}"\n`);
  const c = new RegistryClient({ registryConfigDir: cfg, retries: 0 });
  try {
    await assert.rejects(
      c.getManifest('plain.example', 'private/app', 'v1'),
      (e) =>
        isRuntimeError(e, 'Unavailable') &&
        (e.hint ?? '').includes(
          `${plain.host} does not speak HTTPS: for a plain-HTTP registry pass --insecure-registry ${plain.host}`,
        ),
    );
  } finally {
    await c.close();
    await plain.stop();
  }
});
