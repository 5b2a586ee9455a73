// pushImage() against a real docker-registry (anonymous, htpasswd, and a bearer-token proxy),
// read back with skopeo: the registry's manifest digest must be the store's.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { isRuntimeError } from '../errors.ts';
import { sha256Of } from '../oci/digest.ts';
import { LocalContentStore } from './content-store.ts';
import { ImageStore } from './image-store.ts';
import { importImage } from './import.ts';
import { pushImage } from './push.ts';
import { RegistryClient } from './registry/client.ts';
import { type FaultProxy, startFaultProxy } from './testing/fault-proxy.ts';
import { startRegistry, type TestRegistry, writeImage, writeLayout } from './testing/registry.ts';

const run = promisify(execFile);
const user = { username: 'pusher', password: 'p4ss:word' };
let reg: TestRegistry;
let authReg: TestRegistry;
let proxy: FaultProxy;
let authProxy: FaultProxy;
let tmp: string;
let s: { content: LocalContentStore; images: ImageStore };
let digest: string;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'hostpod-push-'));
  [reg, authReg] = await Promise.all([
    startRegistry(),
    startRegistry({ htpasswd: { user: user.username, password: user.password } }),
  ]);
  proxy = await startFaultProxy(reg.url);
  authProxy = await startFaultProxy(authReg.url);
  const layout = join(tmp, 'layout');
  const img = await writeImage(layout, {
    os: 'linux',
    architecture: 'amd64',
    layers: [{ 'etc/app.conf': 'mode=push\n' }, { 'data/blob.bin': randomBytes(300 * 1024) }],
  });
  await writeLayout(layout, 'v1', [img], false);
  const content = new LocalContentStore(join(tmp, 'root', 'content'));
  s = { content, images: new ImageStore(join(tmp, 'root'), content) };
  const [imported] = await importImage(layout, s.content, s.images, {
    tag: 'localhost/team/app:v1',
    tmpDir: join(tmp, 'root', 'tmp'),
  });
  digest = imported!.digest;
});
after(async () => {
  await Promise.all([proxy?.stop(), authProxy?.stop()]);
  await Promise.all([reg?.stop(), authReg?.stop()]);
  await rm(tmp, { recursive: true, force: true });
});

/** The manifest digest skopeo reads from the registry (its raw manifest, hashed). */
async function skopeoDigest(ref: string, creds?: string): Promise<string> {
  const { stdout } = await run(
    'skopeo',
    ['inspect', '--raw', '--tls-verify=false', ...(creds ? ['--creds', creds] : []), `docker://${ref}`],
    { encoding: 'buffer' },
  );
  return sha256Of(stdout);
}

test('pushImage() uploads blobs and manifest; skopeo reads back the same digest; a second push skips every blob', async () => {
  const client = new RegistryClient();
  try {
    const r = await pushImage('localhost/team/app:v1', `${reg.host}/team/app:v1`, { ...s, client });
    assert.equal(r.manifestDigest, digest);
    assert.deepEqual([r.pushedBlobs, r.existingBlobs, r.mountedBlobs], [3, 0, 0]);
    assert.equal(await skopeoDigest(`${reg.host}/team/app:v1`), digest);
    // skopeo copies it out whole: every blob verified by a tool we did not write.
    const out = join(tmp, 'copied');
    await run('skopeo', [
      'copy',
      '-q',
      '--src-tls-verify=false',
      `docker://${reg.host}/team/app:v1`,
      `oci:${out}:x`,
    ]);
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as {
      manifests: { digest: string }[];
    };
    assert.equal(index.manifests[0]!.digest, digest);
    const again = await pushImage('localhost/team/app:v1', `${reg.host}/team/app:v1`, { ...s, client });
    assert.deepEqual([again.pushedBlobs, again.existingBlobs, again.pushedBytes], [0, 3, 0]);
  } finally {
    await client.close();
  }
});

test('pushImage() with PATCH chunks, and a cross-repository mount from the image’s own repository', async () => {
  const client = new RegistryClient();
  proxy.log.length = 0;
  try {
    await s.images.put(`${proxy.host}/team/chunked:v1`, digest as never);
    const r = await pushImage(`${proxy.host}/team/chunked:v1`, undefined, {
      ...s,
      client,
      chunkSize: 64 * 1024,
    });
    assert.equal(r.pushedBlobs, 3);
    const patches = proxy.log.filter((l) => l.method === 'PATCH');
    assert.ok(patches.length >= 5, `300 KiB in 64 KiB chunks: ${patches.length} PATCHes`);
    assert.equal(await skopeoDigest(`${reg.host}/team/chunked:v1`), digest);
    proxy.log.length = 0;
    const m = await pushImage(`${proxy.host}/team/chunked:v1`, `${proxy.host}/other/copy:v1`, {
      ...s,
      client,
    });
    assert.deepEqual([m.mountedBlobs, m.pushedBlobs], [3, 0]);
    assert.ok(
      proxy.log.some(
        (l) => l.method === 'POST' && l.path.includes('mount=') && l.path.includes('from=team%2Fchunked'),
      ),
    );
    assert.equal(await skopeoDigest(`${reg.host}/other/copy:v1`), digest);
  } finally {
    await client.close();
  }
});

test('pushImage() to an htpasswd registry uses the Docker-config credentials; without them it is refused', async () => {
  const dest = `${authReg.host}/private/app:v1`;
  await assert.rejects(
    pushImage('localhost/team/app:v1', dest, { ...s, client: new RegistryClient() }),
    (e) => isRuntimeError(e, 'PermissionDenied') && (e.hint ?? '').includes(`auths["${authReg.host}"]`),
  );
  const client = new RegistryClient({ credentials: (h) => (h === authReg.host ? user : undefined) });
  try {
    const r = await pushImage('localhost/team/app:v1', dest, { ...s, client });
    assert.equal(r.pushedBlobs, 3);
  } finally {
    await client.close();
  }
  assert.equal(await skopeoDigest(dest, `${user.username}:${user.password}`), digest);
});

test('pushImage() through a bearer-token registry asks for a pull,push token', async () => {
  proxy.tokenAuth = { users: { pusher: 'tok' } };
  proxy.issued.length = 0;
  const client = new RegistryClient({ credentials: () => ({ username: 'pusher', password: 'tok' }) });
  try {
    await pushImage('localhost/team/app:v1', `${proxy.host}/tokens/app:v1`, { ...s, client });
  } finally {
    proxy.tokenAuth = undefined;
    await client.close();
  }
  assert.ok(proxy.issued.length >= 1);
  assert.ok(proxy.issued.every((i) => i.scope === 'repository:tokens/app:pull,push' && i.user === 'pusher'));
  assert.equal(await skopeoDigest(`${reg.host}/tokens/app:v1`), digest);
});

test('pushImage() refuses a registry that reports another digest for the manifest or a blob', async () => {
  const wrong = `sha256:${'0'.repeat(64)}`;
  const client = new RegistryClient();
  try {
    proxy.rules = [
      {
        match: '/manifests/',
        method: 'PUT',
        fault: { kind: 'set-header', name: 'docker-content-digest', value: wrong },
      },
    ];
    await assert.rejects(
      pushImage('localhost/team/app:v1', `${proxy.host}/wrong/manifest:v1`, { ...s, client }),
      (e) =>
        isRuntimeError(e, 'DataLoss') &&
        e.message.includes(
          `says it stored manifest ${proxy.host}/wrong/manifest:v1 as ${wrong}, but hostpod sent ${digest}`,
        ),
    );
    proxy.rules = [
      {
        match: '/blobs/uploads/',
        method: 'PUT',
        fault: { kind: 'set-header', name: 'docker-content-digest', value: wrong },
      },
    ];
    await assert.rejects(
      pushImage('localhost/team/app:v1', `${proxy.host}/wrong/blob:v1`, { ...s, client }),
      (e) =>
        isRuntimeError(e, 'DataLoss') &&
        /Cannot push .*: (config|layer \d\/2) sha256:\S+ failed: .* as sha256:0{64}/.test(e.message),
    );
  } finally {
    proxy.rules = [];
    await client.close();
  }
});

test('pushImage() never sends credentials to an upload location on another origin', async () => {
  const other = await startFaultProxy(authReg.url);
  authProxy.rules = [
    { match: '/blobs/uploads/', method: 'POST', fault: { kind: 'location', to: other.url } },
  ];
  const client = new RegistryClient({
    credentials: (h) => (h === authProxy.host ? user : undefined),
    retries: 0,
  });
  try {
    await assert.rejects(
      pushImage('localhost/team/app:v1', `${authProxy.host}/moved/app:v1`, { ...s, client }),
      (e) => isRuntimeError(e, 'PermissionDenied'),
    );
    assert.ok(other.log.length > 0, 'the upload went to the other origin');
    assert.deepEqual(
      other.log.filter((l) => l.authorization !== undefined),
      [],
      'no Authorization header reached the other origin',
    );
    assert.ok(
      authProxy.log.some((l) => l.authorization?.startsWith('Basic ')),
      'the registry itself got them',
    );
  } finally {
    authProxy.rules = [];
    await client.close();
    await other.stop();
  }
});

test('pushImage() refuses an unknown image, an unnamed one without destination, and a foreign digest', async () => {
  const client = new RegistryClient();
  await assert.rejects(pushImage('localhost/none:1', undefined, { ...s, client }), (e) =>
    isRuntimeError(e, 'NotFound'),
  );
  const content = new LocalContentStore(join(tmp, 'unnamed', 'content'));
  const unnamed = { content, images: new ImageStore(join(tmp, 'unnamed'), content) };
  const [img] = await importImage(join(tmp, 'layout'), unnamed.content, unnamed.images, {
    tmpDir: join(tmp, 'unnamed', 'tmp'),
  });
  assert.equal(img!.name, '', 'the layout names the image only by tag');
  await assert.rejects(
    pushImage(digest, undefined, { ...unnamed, client }),
    (e) => isRuntimeError(e, 'InvalidArgument') && /has no name/.test(e.message),
  );
  await assert.rejects(
    pushImage('localhost/team/app:v1', `${reg.host}/x/y@sha256:${'1'.repeat(64)}`, { ...s, client }),
    (e) => isRuntimeError(e, 'InvalidArgument') && /manifest digest is sha256:/.test(e.message),
  );
  await client.close();
});
