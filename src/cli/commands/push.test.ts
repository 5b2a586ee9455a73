import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startRegistry, type TestRegistry } from '../../image/testing/registry.ts';
import { sha256Of } from '../../oci/digest.ts';
import { runCliCaptured } from '../testing/run.ts';

const run = promisify(execFile);
let reg: TestRegistry;
let tmp: string;
let env: Record<string, string>;
let built = '';

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'hostpod-cli-push-'));
  reg = await startRegistry({ htpasswd: { user: 'ci', password: 'secret' } });
  env = { HOSTPOD_ROOT: join(tmp, 'root'), DOCKER_CONFIG: join(tmp, 'docker') };
  await mkdir(join(tmp, 'payload', 'bin'), { recursive: true });
  await writeFile(join(tmp, 'payload', 'bin', 'agent.sh'), '#!/bin/sh\necho agent\n', { mode: 0o755 });
  const b = await runCliCaptured(['image', 'build', join(tmp, 'payload'), '-q', '-t', 'localhost/agent:1'], {
    env,
  });
  assert.equal(b.code, 0, b.stderr);
  built = b.stdout.trim();
});
after(async () => {
  await reg?.stop();
  await rm(tmp, { recursive: true, force: true });
});

test('hostpod push uploads a built image with the Docker config credentials; skopeo reads the same digest', async () => {
  const dest = `${reg.host}/nodes/agent:1`;
  const denied = await runCliCaptured(['push', 'localhost/agent:1', dest], { env });
  assert.equal(denied.code, 5, denied.stderr);
  assert.match(denied.stderr, /refused access/);
  assert.match(denied.stderr, new RegExp(`hint: log in: add auths\\["${reg.host.replace(/\./g, '\\.')}"\\]`));

  await mkdir(env.DOCKER_CONFIG!, { recursive: true });
  await writeFile(
    join(env.DOCKER_CONFIG!, 'config.json'),
    JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from('ci:secret').toString('base64') } } }),
  );
  const r = await runCliCaptured(['push', 'localhost/agent:1', dest], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `Pushed ${dest} ${built} (blobs: 2 uploaded (${r.stdout.match(/uploaded \(([^)]+)\)/)?.[1]}), 0 already there)\n`,
  );
  assert.match(r.stderr, /^[0-9a-f]{12}: config \S+ pushed$/m);
  assert.match(r.stderr, /^[0-9a-f]{12}: layer 1\/1 \S+ pushed$/m);
  const { stdout } = await run(
    'skopeo',
    ['inspect', '--raw', '--tls-verify=false', '--creds', 'ci:secret', `docker://${dest}`],
    { encoding: 'buffer' },
  );
  assert.equal(sha256Of(stdout), built);

  const q = await runCliCaptured(['push', '-q', '--chunk-size', '1024', built.slice(7, 19), dest], { env });
  assert.equal(q.code, 0, q.stderr);
  assert.equal(q.stdout, `${built}\n`, 'an id prefix names the image; --quiet prints the digest only');
  assert.equal(q.stderr, '');
});

test('hostpod push: exit codes for a missing image, a bad destination and a bad flag; help lists them', async () => {
  const missing = await runCliCaptured(['push', 'localhost/none:1', `${reg.host}/x/y:1`], { env });
  assert.equal(missing.code, 3, missing.stderr);
  assert.match(missing.stderr, /No image "localhost\/none:1" in the local store/);
  const bad = await runCliCaptured(['push', 'localhost/agent:1', 'Upper/Case'], { env });
  assert.equal(bad.code, 2);
  const chunk = await runCliCaptured(['push', '--chunk-size', '10', 'localhost/agent:1'], { env });
  assert.equal(chunk.code, 2);
  assert.match(chunk.stderr, /--chunk-size "10"/);
  const help = await runCliCaptured(['push', '--help'], { env });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Exit codes:\n {2}0 {2}pushed\n {2}2 {2}bad reference/);
  assert.match(help.stdout, /--registry-config-dir <dir>/);
});
