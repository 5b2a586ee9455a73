import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { type PullFixture, startPullFixture } from '../../image/testing/pull-fixture.ts';
import { formatPlatform, hostPlatform } from '../../oci/platform.ts';
import type { CliContext } from '../io.ts';
import { runCli } from '../program.ts';
import { runCliCaptured } from '../testing/run.ts';

let fx: PullFixture;
let tmp: string;
let n = 0;

before(async () => {
  fx = await startPullFixture();
  tmp = await mkdtemp(join(tmpdir(), 'hostpod-cli-pull-'));
});
after(async () => {
  await fx?.stop();
  await rm(tmp, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({
  HOSTPOD_ROOT: join(tmp, `root-${n++}`),
  DOCKER_CONFIG: join(tmp, 'none'),
  ...extra,
});

test('hostpod pull prints one line per blob on a pipe and the digest alone with --quiet', async () => {
  const e = env();
  const ref = `${fx.registry.host}/test/big:1`;
  const r = await runCliCaptured(['pull', ref], { env: e });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    new RegExp(
      `^Pulled ${ref.replace(/\./g, '\\.')} sha256:[0-9a-f]{64} \\(${formatPlatform(hostPlatform())}, 4\\.7\\dMB; downloaded 4\\.7\\dMB, reused 0 of 4 blobs\\)\\n$`,
    ),
  );
  assert.match(r.stderr, /^Resolved .* to sha256:/m);
  assert.equal(r.stderr.match(/: layer \d\/3 1\.5\dMB downloaded$/gm)?.length, 3);
  assert.match(r.stderr, /: config \d+B downloaded$/m);
  assert.ok(!r.stderr.includes('\u001b['), 'no terminal escapes on a pipe');
  const q = await runCliCaptured(['pull', '-q', ref], { env: e });
  assert.equal(q.code, 0);
  assert.match(q.stdout, /^sha256:[0-9a-f]{64}\n$/);
  assert.equal(q.stderr, '');
});

test('hostpod pull draws progress bars when stderr is a terminal', async () => {
  const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
  const stdout = new PassThrough();
  let errText = '';
  stderr.on('data', (c: Buffer) => {
    errText += c.toString();
  });
  stdout.resume();
  const ctx: CliContext = { stdout, stderr, stdin: Readable.from([]), env: env(), cwd: tmp, exitCode: 0 };
  const code = await runCli(['pull', `${fx.registry.host}/test/big:1`], ctx);
  assert.equal(code, 0, errText);
  assert.match(errText, /layer 1\/3 \[[█░]+\] 100% \| 1\.5\dMB done\/1\.5\dMB/);
  assert.ok(errText.includes('\u001b[?25l'), 'cursor hidden while drawing');
});

test('hostpod images, image inspect, rmi and image prune work on pulled images', async () => {
  const e = env();
  const big = `${fx.registry.host}/test/big:1`;
  const multi = `${fx.registry.host}/test/multi:1`;
  assert.equal((await runCliCaptured(['pull', '-q', big], { env: e })).code, 0);
  assert.equal((await runCliCaptured(['pull', '-q', multi], { env: e })).code, 0);

  const table = await runCliCaptured(['images'], { env: e });
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
  assert.match(
    lines[1]!,
    new RegExp(
      `^${fx.registry.host}/test/big\\s+1\\s+[0-9a-f]{12}\\s+\\d+ (years|months) ago\\s+4\\.7\\dMB$`,
    ),
  );
  assert.equal(lines.length, 3);
  const wide = await runCliCaptured(['images', '-o', 'wide'], { env: e });
  assert.match(wide.stdout, new RegExp(`test/multi\\s+1\\s+.*${formatPlatform(hostPlatform())}\\s+sha256:`));
  const json = JSON.parse((await runCliCaptured(['images', '-o', 'json'], { env: e })).stdout);
  assert.equal(json.length, 2);

  const insp = await runCliCaptured(['image', 'inspect', multi], { env: e });
  assert.equal(insp.code, 0, insp.stderr);
  const [doc] = JSON.parse(insp.stdout);
  assert.deepEqual(doc.names, [multi]);
  assert.equal(doc.manifest.schemaVersion, 2);
  assert.equal(doc.config.os, hostPlatform().os);
  const win = await runCliCaptured(['image', 'inspect', '--platform', 'windows/amd64', multi], { env: e });
  assert.equal(win.code, 3);
  assert.match(win.stderr, /has no windows\/amd64 manifest in the store/);
  assert.match(win.stderr, /hint: pull it: hostpod pull --platform windows\/amd64/);
  const blobsBefore = await readdir(join(e.HOSTPOD_ROOT, 'content', 'blobs', 'sha256'));
  const rmi = await runCliCaptured(['rmi', big, 'nothing:here'], { env: e });
  assert.equal(rmi.code, 3);
  assert.match(rmi.stdout, new RegExp(`^Untagged: ${fx.registry.host}/test/big:1$`, 'm'));
  assert.equal(rmi.stdout.match(/^Deleted: sha256:/gm)?.length, 5, 'manifest, config, 3 layers');
  assert.match(rmi.stderr, /Image "nothing:here" not found/);
  const blobsAfter = await readdir(join(e.HOSTPOD_ROOT, 'content', 'blobs', 'sha256'));
  assert.equal(blobsAfter.length, blobsBefore.length - 5);

  assert.equal(
    (await runCliCaptured(['pull', '-q', '--platform', 'windows/amd64', multi], { env: e })).code,
    0,
  );
  const winOk = JSON.parse((await runCliCaptured(['image', 'inspect', multi], { env: e })).stdout);
  assert.equal(winOk[0].platform, 'windows/amd64');

  const prune = await runCliCaptured(['image', 'prune'], { env: e });
  assert.equal(prune.code, 0);
  // The multi image was re-pulled for windows: its earlier host-platform manifest, config and layer are unreferenced.
  assert.equal(prune.stdout.match(/^Deleted blob /gm)?.length, 3);
  assert.match(prune.stdout, /^Total reclaimed space: \d+B$/m);
  const again = await runCliCaptured(['image', 'prune'], { env: e });
  assert.match(again.stdout, /^Total reclaimed space: 0B$/m);
  assert.equal(
    (await runCliCaptured(['image', 'inspect', multi], { env: e })).code,
    0,
    'the remaining image is intact',
  );
});

test('hostpod pull reads credentials from $DOCKER_CONFIG for a token registry', async () => {
  const cfgDir = join(tmp, 'dockercfg');
  await import('node:fs/promises').then((f) => f.mkdir(cfgDir, { recursive: true }));
  await writeFile(
    join(cfgDir, 'config.json'),
    JSON.stringify({ auths: { [fx.proxy.host]: { auth: Buffer.from('cli:pw').toString('base64') } } }),
  );
  fx.proxy.tokenAuth = { users: { cli: 'pw' } };
  try {
    const denied = await runCliCaptured(['pull', `${fx.proxy.host}/test/busybox:1`], { env: env() });
    assert.equal(denied.code, 5);
    assert.match(denied.stderr, /refused a token/);
    const ok = await runCliCaptured(['pull', `${fx.proxy.host}/test/busybox:1`], {
      env: env({ DOCKER_CONFIG: cfgDir }),
    });
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    fx.proxy.tokenAuth = undefined;
  }
});

test('hostpod pull reports bad input and failed blobs with their exit codes', async () => {
  const bad = await runCliCaptured(['pull', 'Not/Valid'], { env: env() });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Invalid image reference "Not\/Valid": repository names must be lowercase/);
  const plat = await runCliCaptured(['pull', '--platform', 'linux', 'x'], { env: env() });
  assert.equal(plat.code, 2);
  const layer = fx.bigLayers[0]!;
  fx.proxy.rules = [{ match: `/blobs/${layer}`, fault: { kind: 'corrupt' } }];
  try {
    const r = await runCliCaptured(['pull', `${fx.proxy.host}/test/big:1`], { env: env() });
    assert.equal(r.code, 7);
    assert.match(
      r.stderr,
      new RegExp(`hostpod: Cannot pull .*: layer 1/3 ${layer} \\(\\d+ bytes\\) failed: digest mismatch`),
    );
  } finally {
    fx.proxy.rules = [];
  }
  const missing = await runCliCaptured(['pull', `${fx.registry.host}/test/nope:1`], { env: env() });
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /has no manifest .*test\/nope:1 \(HTTP 404/);
});

test('hostpod pull busybox is served by a docker.io mirror named in --registry-config-dir', async () => {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { mkdir } = await import('node:fs/promises');
  const { freePort } = await import('../../image/testing/registry.ts');
  await promisify(execFile)('skopeo', [
    'copy',
    '-q',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    `docker://${fx.registry.host}/test/busybox:1`,
    `docker://${fx.registry.host}/library/busybox:latest`,
  ]);
  const closed = `127.0.0.1:${await freePort()}`;
  const cfg = join(tmp, 'certs.d');
  await mkdir(join(cfg, 'docker.io'), { recursive: true });
  const file = join(cfg, 'docker.io', 'hosts.toml');
  // The server is a closed loopback port too: a test never reaches Docker Hub.
  await writeFile(
    file,
    `server = "http://${closed}"\n\n[host."http://${fx.registry.host}"]\n  capabilities = ["pull", "resolve"]\n`,
  );
  const e = env();
  const ok = await runCliCaptured(['pull', '--registry-config-dir', cfg, 'busybox'], { env: e });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^Pulled docker\.io\/library\/busybox:latest sha256:[0-9a-f]{64} /);
  const imgs = await runCliCaptured(['images'], { env: e });
  assert.match(imgs.stdout, /^busybox\s+latest\s+[0-9a-f]{12}\s/m);

  // The mirror down: both hosts named, each with its error; exit 6.
  const down = `127.0.0.1:${await freePort()}`;
  await writeFile(
    file,
    `server = "http://${closed}"\n[host."http://${down}"]\n  capabilities = ["pull", "resolve"]\n`,
  );
  const r = await runCliCaptured(['pull', '--registry-config-dir', cfg, 'busybox:1.36'], { env: env() });
  assert.equal(r.code, 6, r.stderr);
  assert.match(r.stderr, /every registry host failed:/);
  assert.ok(r.stderr.includes(`  http://${down} (mirror, ${file}): `), r.stderr);
  assert.ok(r.stderr.includes(`  http://${closed}: `), r.stderr);
  assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace');

  // A bad hosts.toml names the file and the key; a missing folder is refused.
  await writeFile(file, `[host."http://${down}"]\n  capabilities = ["pull"]\n  skipverify = true\n`);
  const bad = await runCliCaptured(['pull', '--registry-config-dir', cfg, 'busybox'], { env: env() });
  assert.equal(bad.code, 2, bad.stderr);
  assert.ok(bad.stderr.includes(`${file}: unknown key "host."http://${down}".skipverify"`), bad.stderr);
  const missing = await runCliCaptured(['pull', '--registry-config-dir', join(tmp, 'nope'), 'busybox'], {
    env: env(),
  });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--registry-config-dir .*nope: no such directory/);
});

test('hostpod pull of a Windows-only image warns and exits 0; hostpod run of it is refused later', async () => {
  const { writeImage, writeLayout } = await import('../../image/testing/registry.ts');
  const { runCliSync } = await import('../testing/spawn-cli.ts');
  const host = hostPlatform();
  const dir = join(tmp, 'winonly');
  const d = await writeImage(dir, {
    os: 'windows',
    architecture: host.architecture,
    layers: [{ 'kube-proxy.exe': 'MZ' }],
  });
  await writeLayout(dir, '1', [d]);
  await fx.registry.push(dir, '1', 'sigwindowstools/kube-proxy:1', { all: true });
  const ref = `${fx.registry.host}/sigwindowstools/kube-proxy:1`;
  const e = env();
  const r = await runCliCaptured(['pull', ref], { env: e });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(
      `^hostpod: warning: ${ref.replace(/\./g, '\\.')} is a windows/${host.architecture} image: it was pulled, but this host runs linux programs, so a pod using it will be refused$`,
      'm',
    ),
  );
  assert.match(r.stdout, new RegExp(`^Pulled .* \\(windows/${host.architecture}, `));
  const pod = join(tmp, 'win-pod.yaml');
  await writeFile(
    pod,
    `apiVersion: v1
kind: Pod
metadata:
  name: kube-proxy
spec:
  hostNetwork: true
  securityContext:
    windowsOptions:
      hostProcess: true
      runAsUserName: "NT AUTHORITY\\\\system"
  containers:
    - name: kube-proxy
      image: ${ref}
      imagePullPolicy: IfNotPresent
      command: ["kube-proxy.exe"]
`,
  );
  const run = runCliSync(['run', '-f', pod], { env: { ...e, HOSTPOD_ROOT: e.HOSTPOD_ROOT! } });
  assert.equal(run.status, 4, run.stderr);
  assert.match(run.stderr, /its OS is windows \(windows\/\w+\) but this host's OS is linux/);
});
