import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isRuntimeError } from '../errors.ts';
import { type Digest, digestHex, sha256Of } from '../oci/digest.ts';
import { formatPlatform, hostPlatform, parsePlatform } from '../oci/platform.ts';
import { LocalContentStore } from './content-store.ts';
import { ImageStore } from './image-store.ts';
import { type PullEvent, pullImage } from './pull.ts';
import { RegistryClient, type RegistryClientOptions } from './registry/client.ts';
import { startFaultProxy } from './testing/fault-proxy.ts';
import { type PullFixture, startPullFixture } from './testing/pull-fixture.ts';

let fx: PullFixture;
let tmp: string;
let n = 0;

before(async () => {
  fx = await startPullFixture();
  tmp = await mkdtemp(join(tmpdir(), 'hostpod-pull-'));
});
after(async () => {
  await fx?.stop();
  await rm(tmp, { recursive: true, force: true });
});

function setup(clientOpts: RegistryClientOptions = {}) {
  const root = join(tmp, `root-${n++}`);
  const content = new LocalContentStore(join(root, 'content'));
  const images = new ImageStore(root, content);
  const client = new RegistryClient({ retryBaseMs: 5, ...clientOpts });
  return { root, content, images, client };
}

/** Every blob in the store matches its name, and there are no leftovers in ingest/. */
async function assertConsistent(
  content: LocalContentStore,
  opts: { staleLocksOk?: boolean } = {},
): Promise<Digest[]> {
  const all: Digest[] = [];
  for await (const d of content.list()) {
    const { createHash } = await import('node:crypto');
    const { readFile } = await import('node:fs/promises');
    assert.equal(
      `sha256:${createHash('sha256')
        .update(await readFile(content.path(d)))
        .digest('hex')}`,
      d,
    );
    all.push(d);
  }
  const ingest = await readdir(join(content.root, 'ingest')).catch(() => []);
  assert.deepEqual(
    ingest.filter((f) => f.endsWith('.lock') && !opts.staleLocksOk),
    [],
    'no lock left behind',
  );
  return all;
}

async function registryDigest(repo: string, tag: string): Promise<string> {
  const r = await fetch(`${fx.registry.url}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json',
    },
  });
  return r.headers.get('docker-content-digest')!;
}

test('pullImage() pulls by tag from the local registry and a second pull downloads nothing', async () => {
  const { content, images, client } = setup();
  const ref = `${fx.registry.host}/test/busybox:1`;
  const events: PullEvent[] = [];
  const r = await pullImage(ref, { content, images, client, onEvent: (e) => events.push(e) });
  assert.equal(r.manifestDigest, await registryDigest('test/busybox', '1'));
  assert.equal(r.reference, ref);
  assert.ok(r.downloadedBytes > 1_000_000, 'busybox layer downloaded');
  const rec = await images.get(ref);
  assert.equal(rec?.digest, r.manifestDigest);
  const blobs = await assertConsistent(content);
  assert.ok(blobs.includes(r.configDigest));
  assert.ok(events.some((e) => e.type === 'resolved'));
  assert.ok(events.some((e) => e.type === 'blob-done' && e.role === 'layer' && e.status === 'downloaded'));
  const again = await pullImage(ref, { content, images, client });
  assert.equal(again.downloadedBytes, 0);
  assert.equal(again.fetchedBlobs, 0);
});

test('pullImage() pulls by digest and verifies the manifest it gets', async () => {
  const { content, images, client } = setup();
  const digest = await registryDigest('test/busybox', '1');
  const ref = `${fx.registry.host}/test/busybox@${digest}`;
  const r = await pullImage(ref, { content, images, client });
  assert.equal(r.manifestDigest, digest);
  assert.equal((await images.get(ref))?.digest, digest);
  const wrong = sha256Of('not the manifest');
  await assert.rejects(
    pullImage(`${fx.registry.host}/test/busybox@${wrong}`, { content, images, client }),
    (e) => isRuntimeError(e, 'NotFound'),
  );
});

test('pullImage() resolves a multi-platform index to this host, and to windows/amd64 on request', async () => {
  const { content, images, client } = setup();
  const ref = `${fx.registry.host}/test/multi:1`;
  const host = formatPlatform(hostPlatform());
  const r = await pullImage(ref, { content, images, client });
  assert.equal(r.manifestDigest, fx.multi[host]!.digest);
  assert.equal(r.platform, host);
  assert.equal(r.indexDigest, await registryDigest('test/multi', '1'));
  const w = await pullImage(ref, { content, images, client, platform: parsePlatform('windows/amd64') });
  assert.equal(w.manifestDigest, fx.multi['windows/amd64']!.digest);
  assert.equal(w.platform, 'windows/amd64');
  assert.equal((await images.get(ref))?.platform, 'windows/amd64');
  await assert.rejects(
    pullImage(ref, { content, images, client, platform: parsePlatform('linux/s390x') }),
    (e) =>
      isRuntimeError(e, 'NotFound') &&
      /no manifest for linux\/s390x/.test(e.message) &&
      /windows\/amd64/.test(e.hint ?? ''),
  );
  await assert.rejects(
    pullImage(`${fx.registry.host}/test/busybox:1`, {
      content,
      images,
      client,
      platform: parsePlatform('windows/amd64'),
    }),
    /is linux\/amd64, not windows\/amd64|is linux\/arm64, not windows\/amd64/,
  );
});

test('pullImage() through a bearer-token registry fetches a token for the repository scope', async () => {
  const { content, images, client } = setup({
    credentials: (h) => (h === fx.proxy.host ? { username: 'tok', password: 'pw' } : undefined),
  });
  fx.proxy.tokenAuth = { users: { tok: 'pw' } };
  fx.proxy.issued.length = 0;
  try {
    const r = await pullImage(`${fx.proxy.host}/test/busybox:1`, { content, images, client });
    assert.equal(r.manifestDigest, await registryDigest('test/busybox', '1'));
    assert.equal(fx.proxy.issued.length, 1, 'one token, reused for every request');
    assert.deepEqual(fx.proxy.issued[0], {
      token: fx.proxy.issued[0]!.token,
      scope: 'repository:test/busybox:pull',
      user: 'tok',
    });
  } finally {
    fx.proxy.tokenAuth = undefined;
  }
});

test('pullImage() reports a token endpoint that refuses, and stores nothing', async () => {
  const { content, images, client } = setup();
  fx.proxy.tokenAuth = { refuse: 403 };
  try {
    await assert.rejects(
      pullImage(`${fx.proxy.host}/test/busybox:1`, { content, images, client }),
      (e) =>
        isRuntimeError(e, 'PermissionDenied') &&
        /Token service http:\/\/127\.0\.0\.1:\d+ refused a token .*HTTP 403/.test(e.message),
    );
    fx.proxy.tokenAuth = { users: { a: 'b' } };
    await assert.rejects(
      pullImage(`${fx.proxy.host}/test/busybox:1`, { content, images, client }),
      (e) =>
        isRuntimeError(e, 'PermissionDenied') && /HTTP 401/.test(e.message) && /auths\[/.test(e.hint ?? ''),
    );
  } finally {
    fx.proxy.tokenAuth = undefined;
  }
  assert.deepEqual(await assertConsistent(content), []);
  assert.deepEqual(await images.list(), []);
});

test('pullImage() refuses a layer whose bytes are wrong, names it, and leaves the store consistent', async () => {
  const { content, images, client } = setup();
  const layer = fx.bigLayers[1]!;
  fx.proxy.rules = [{ match: `/blobs/${layer}`, fault: { kind: 'corrupt' } }];
  try {
    await assert.rejects(pullImage(`${fx.proxy.host}/test/big:1`, { content, images, client }), (e) => {
      assert.ok(isRuntimeError(e, 'DataLoss'));
      assert.match(
        e.message,
        new RegExp(`layer 2/3 ${layer} \\(\\d+ bytes\\) failed: digest mismatch: content has digest sha256:`),
      );
      return true;
    });
  } finally {
    fx.proxy.rules = [];
  }
  const blobs = await assertConsistent(content);
  assert.ok(!blobs.includes(layer as Digest));
  assert.equal(await content.partialSize(layer as Digest), 0);
  assert.deepEqual(await images.list(), []);
  const ok = await pullImage(`${fx.proxy.host}/test/big:1`, { content, images, client });
  assert.ok(ok.reusedBlobs >= 1, 'what was committed before is reused');
});

test('pullImage() retries 500s with back-off and gives up naming the blob', async () => {
  const retries: string[] = [];
  const { content, images, client } = setup({ onRetry: (i) => retries.push(i.reason) });
  fx.proxy.rules = [{ match: '/manifests/', fault: { kind: 'status', status: 500 }, times: 2 }];
  try {
    await pullImage(`${fx.proxy.host}/test/busybox:1`, { content, images, client });
    assert.deepEqual(retries, ['HTTP 500', 'HTTP 500']);
    const layer = fx.bigLayers[0]!;
    fx.proxy.rules = [{ match: `/blobs/${layer}`, fault: { kind: 'status', status: 503 } }];
    await assert.rejects(
      pullImage(`${fx.proxy.host}/test/big:1`, { content, images, client }),
      (e) =>
        isRuntimeError(e, 'Unavailable') &&
        e.message.includes(`layer 1/3 ${layer}`) &&
        /HTTP 503.*after 5 attempts/.test(e.message),
    );
  } finally {
    fx.proxy.rules = [];
  }
  await assertConsistent(content);
});

test('pullImage() retries a response whose headers come too late', async () => {
  const retries: string[] = [];
  const { content, images } = setup();
  const client = new RegistryClient({
    retryBaseMs: 5,
    headersTimeoutMs: 200,
    onRetry: (i) => retries.push(i.reason),
  });
  fx.proxy.rules = [{ match: '/manifests/', fault: { kind: 'delay', ms: 1000 }, times: 1 }];
  try {
    await pullImage(`${fx.proxy.host}/test/busybox:1`, { content, images, client });
  } finally {
    fx.proxy.rules = [];
    await client.close();
  }
  assert.equal(retries.length, 1);
  assert.match(retries[0]!, /headers timeout/i);
  await assertConsistent(content);
});

test('pullImage() resumes a truncated body with a Range request and follows blob redirects', async () => {
  const { content, images, client } = setup();
  const [l1, l2, l3] = fx.bigLayers as [string, string, string];
  fx.proxy.rules = [
    { match: `/blobs/${l1}`, fault: { kind: 'truncate', afterBytes: 500_000 }, times: 1 },
    { match: `/blobs/${l2}`, fault: { kind: 'truncate', afterBytes: 300_000 }, times: 1 },
    { match: `/blobs/${l2}`, fault: { kind: 'ignore-range' }, times: 1 },
    { match: `/blobs/${l3}`, fault: { kind: 'redirect' } },
  ];
  fx.proxy.log.length = 0;
  try {
    const r = await pullImage(`${fx.proxy.host}/test/big:1`, { content, images, client });
    assert.equal(r.fetchedBlobs, 4);
  } finally {
    fx.proxy.rules = [];
  }
  const resumed = fx.proxy.log.find((l) => l.path.endsWith(l1) && l.range);
  const from = Number(/^bytes=(\d+)-$/.exec(resumed?.range ?? '')?.[1]);
  assert.ok(from > 0 && from <= 500_000, `resumed ${l1} from byte ${from}`);
  assert.ok(fx.proxy.log.some((l) => l.path.startsWith('/_redirected') && l.path.includes(l3)));
  await assertConsistent(content);
});

test('pullImage() follows a blob redirect to another origin without sending the credentials there', async () => {
  const other = await startFaultProxy(fx.registry.url);
  const { content, images, client } = setup({ credentials: () => ({ username: 'tok', password: 'pw' }) });
  fx.proxy.tokenAuth = { users: { tok: 'pw' } };
  fx.proxy.rules = [{ match: '/blobs/', fault: { kind: 'redirect', to: other.url } }];
  try {
    const r = await pullImage(`${fx.proxy.host}/test/busybox:1`, { content, images, client });
    assert.equal(r.fetchedBlobs, 2);
  } finally {
    fx.proxy.tokenAuth = undefined;
    fx.proxy.rules = [];
    await other.stop();
  }
  assert.equal(other.log.length, 2, 'config and layer came from the other origin');
  for (const l of other.log) assert.equal(l.authorization, undefined, `no credentials sent to ${l.path}`);
  await assertConsistent(content);
});

test('pullImage() reports a stalled body as a timeout naming the blob, then resumes on the next pull', async () => {
  const { content, images } = setup();
  const layer = fx.bigLayers[2]! as Digest;
  const client = new RegistryClient({ retries: 0, bodyTimeoutMs: 300 });
  fx.proxy.rules = [{ match: `/blobs/${layer}`, fault: { kind: 'stall', afterBytes: 400_000 }, times: 1 }];
  try {
    await assert.rejects(
      pullImage(`${fx.proxy.host}/test/big:1`, { content, images, client }),
      (e) =>
        isRuntimeError(e, 'Unavailable') &&
        e.message.includes(`layer 3/3 ${layer}`) &&
        /timeout/i.test(e.message),
    );
  } finally {
    fx.proxy.rules = [];
    fx.proxy.releaseStalls();
  }
  assert.equal(await content.partialSize(layer), 400_000, 'the partial blob is kept for resume');
  fx.proxy.log.length = 0;
  await pullImage(`${fx.proxy.host}/test/big:1`, { content, images, client: new RegistryClient() });
  assert.ok(fx.proxy.log.some((l) => l.path.endsWith(layer) && l.range === 'bytes=400000-'));
  await assertConsistent(content);
});

test('pullImage() commits a complete partial without fetching it, and starts a corrupt partial over', async () => {
  const { content, images, client } = setup();
  const [l1, l2] = fx.bigLayers as [Digest, Digest];
  const bytes = async (d: Digest) =>
    Buffer.from(await (await fetch(`${fx.registry.url}/v2/test/big/blobs/${d}`)).arrayBuffer());
  await mkdir(join(content.root, 'ingest'), { recursive: true });
  await writeFile(join(content.root, 'ingest', `sha256-${digestHex(l1)}.partial`), await bytes(l1));
  const bad = (await bytes(l2)).subarray(0, 600_000);
  bad[10] = bad[10]! ^ 0xff;
  await writeFile(join(content.root, 'ingest', `sha256-${digestHex(l2)}.partial`), bad);
  fx.proxy.log.length = 0;
  await pullImage(`${fx.proxy.host}/test/big:1`, { content, images, client });
  const gets = fx.proxy.log.filter((l) => l.path.includes('/blobs/'));
  assert.ok(!gets.some((l) => l.path.endsWith(l1)), 'complete partial used as is');
  assert.deepEqual(
    gets.filter((l) => l.path.endsWith(l2)).map((l) => l.range ?? 'full'),
    ['bytes=600000-', 'full'],
    'resumed, digest mismatch, fetched again from byte 0',
  );
  await assertConsistent(content);
});

test('pullImage() run three times at once downloads each blob once', async () => {
  const { content, images, client } = setup();
  fx.proxy.log.length = 0;
  const ref = `${fx.proxy.host}/test/big:1`;
  const results = await Promise.all([1, 2, 3].map(() => pullImage(ref, { content, images, client })));
  assert.equal(new Set(results.map((r) => r.manifestDigest)).size, 1);
  const blobGets = fx.proxy.log.filter((l) => l.path.includes('/blobs/')).map((l) => l.path);
  assert.equal(blobGets.length, new Set(blobGets).size, `each blob fetched once: ${blobGets.join(' ')}`);
  assert.equal(blobGets.length, 4);
  await assertConsistent(content);
});

/** A script that pulls `ref` into `root` in its own process (argv: root ref). */
async function writePullScript(root: string): Promise<string> {
  const script = join(root, 'pull.mts');
  await mkdir(root, { recursive: true });
  await writeFile(
    script,
    `import { LocalContentStore } from ${JSON.stringify(new URL('./content-store.ts', import.meta.url).href)};
import { ImageStore } from ${JSON.stringify(new URL('./image-store.ts', import.meta.url).href)};
import { pullImage } from ${JSON.stringify(new URL('./pull.ts', import.meta.url).href)};
import { RegistryClient } from ${JSON.stringify(new URL('./registry/client.ts', import.meta.url).href)};
const [root, ref] = process.argv.slice(2);
const content = new LocalContentStore(root + '/content');
await pullImage(ref, { content, images: new ImageStore(root, content), client: new RegistryClient(), concurrency: 1 });
`,
  );
  return script;
}

function runScript(script: string, args: string[]): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

test('pullImage() in two processes at once downloads each blob once and both succeed', async () => {
  const { root, content, images } = setup();
  const script = await writePullScript(root);
  // Slow layers make the two pulls overlap: the second finds the first's ingest locks and waits.
  fx.proxy.rules = fx.bigLayers.map((l) => ({
    match: `/blobs/${l}`,
    fault: { kind: 'slow' as const, chunkBytes: 256 * 1024, delayMs: 40 },
  }));
  fx.proxy.log.length = 0;
  try {
    const codes = await Promise.all(
      [1, 2].map(() => runScript(script, [root, `${fx.proxy.host}/test/big:1`])),
    );
    assert.deepEqual(codes, [0, 0]);
  } finally {
    fx.proxy.rules = [];
  }
  const blobGets = fx.proxy.log.filter((l) => l.path.includes('/blobs/')).map((l) => l.path);
  assert.equal(blobGets.length, 4, `each blob fetched once: ${blobGets.join(' ')}`);
  assert.equal(new Set(blobGets).size, 4);
  assert.equal((await images.list()).length, 1);
  await assertConsistent(content);
});

test('pullImage() killed midway (SIGKILL) and run again succeeds, reusing what was committed', async () => {
  const { root, content, images, client } = setup();
  const layer = fx.bigLayers[1]! as Digest;
  fx.proxy.rules = [{ match: `/blobs/${layer}`, fault: { kind: 'stall', afterBytes: 700_000 } }];
  const script = await writePullScript(root);
  await rm(join(root, 'content'), { recursive: true, force: true });
  const child = spawn(process.execPath, ['--import', 'tsx', script, root, `${fx.proxy.host}/test/big:1`], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: 'ignore',
  });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    const partial = join(root, 'content', 'ingest', `sha256-${digestHex(layer)}.partial`);
    let size = 0;
    for (let i = 0; i < 400 && size < 700_000; i++) {
      await new Promise((r) => setTimeout(r, 25));
      size = (await stat(partial).catch(() => ({ size: 0 }))).size;
    }
    assert.equal(size, 700_000, 'the child got as far as the stalled layer');
  } finally {
    child.kill('SIGKILL');
    await exited;
    fx.proxy.rules = [];
    fx.proxy.releaseStalls();
  }
  const committedBefore = await assertConsistent(content, { staleLocksOk: true });
  assert.ok(committedBefore.includes(fx.bigLayers[0]! as Digest), 'layer 1 was committed before the kill');
  fx.proxy.log.length = 0;
  const r = await pullImage(`${fx.proxy.host}/test/big:1`, { content, images, client });
  assert.equal((await images.get(`${fx.proxy.host}/test/big:1`))?.digest, r.manifestDigest);
  const gets = fx.proxy.log.filter((l) => l.path.includes('/blobs/'));
  assert.ok(!gets.some((l) => l.path.endsWith(fx.bigLayers[0]!)), 'committed layer not fetched again');
  assert.ok(
    gets.some((l) => l.path.endsWith(layer) && l.range === 'bytes=700000-'),
    'partial layer resumed',
  );
  await assertConsistent(content);
});

test('pullImage() of a Windows-only image on Linux pulls it with a warning (index or single manifest)', async () => {
  const { writeImage, writeLayout } = await import('./testing/registry.ts');
  const dir = await mkdtemp(join(tmpdir(), 'hostpod-winonly-'));
  try {
    const host = hostPlatform();
    const win = await writeImage(join(dir, 'idx'), {
      os: 'windows',
      architecture: host.architecture,
      layers: [{ 'Windows/kube-proxy.exe': 'MZ' }],
    });
    await writeLayout(join(dir, 'idx'), '1', [win]);
    await fx.registry.push(join(dir, 'idx'), '1', 'test/winonly:1', { all: true });
    const one = await writeImage(join(dir, 'one'), {
      os: 'windows',
      architecture: 'amd64',
      layers: [{ 'a.txt': 'a' }],
    });
    await writeLayout(join(dir, 'one'), '1', [one], false);
    await fx.registry.push(join(dir, 'one'), '1', 'test/winone:1');
    const { content, images, client } = setup();
    const r = await pullImage(`${fx.registry.host}/test/winonly:1`, { content, images, client });
    assert.equal(r.platform, `windows/${host.architecture}`);
    assert.equal(r.manifestDigest, win.digest);
    assert.deepEqual(r.warnings, [
      `${fx.registry.host}/test/winonly:1 is a windows/${host.architecture} image: it was pulled, but this host runs linux programs, so a pod using it will be refused`,
    ]);
    const s = await pullImage(`${fx.registry.host}/test/winone:1`, { content, images, client });
    assert.equal(s.warnings.length, 1);
    assert.match(s.warnings[0]!, /is a windows\/amd64 image/);
    const linux = await pullImage(`${fx.registry.host}/test/busybox:1`, { content, images, client });
    assert.deepEqual(linux.warnings, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
