import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hostPlatform } from '../../oci/platform.ts';
import type { CliContext } from '../io.ts';
import { runCli } from '../program.ts';

const hostArch = () => hostPlatform().architecture;
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'hostpod-cli-image-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function hostpod(argv: string[], env: Record<string, string> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (c: Buffer) => {
    o += c.toString();
  });
  stderr.on('data', (c: Buffer) => {
    e += c.toString();
  });
  const ctx: CliContext = { stdout, stderr, stdin: Readable.from([]), env, cwd: repo, exitCode: 0 };
  const code = await runCli(argv, ctx);
  return { code, stdout: o, stderr: e };
}

test('hostpod image build with SOURCE_DATE_EPOCH packs examples/image to the same digest twice, and image import reads it back', async () => {
  const rootA = join(work, 'a');
  const rootB = join(work, 'b');
  const args = [
    'image',
    'build',
    'examples/image',
    '--tag',
    'localhost/hostpod/example:1',
    '--cmd',
    'bin/hello.sh',
  ];
  const sde = { SOURCE_DATE_EPOCH: '1700000000' };
  const a = await hostpod([...args, '--root', rootA, '-q'], sde);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stdout, /^sha256:[0-9a-f]{64}\n$/);
  const b = await hostpod([...args, '--env', 'X=1', '--label', 'k=v'], { ...sde, HOSTPOD_ROOT: rootB });
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /^Built docker\.io\/|^Built localhost\/hostpod\/example:1 sha256:/);
  const c = await hostpod([...args, '--root', join(work, 'c'), '-q'], sde);
  assert.equal(c.stdout, a.stdout, 'same directory, same options, same SOURCE_DATE_EPOCH: same digest');
  const d = await hostpod([...args, '--root', join(work, 'd'), '-q'], { SOURCE_DATE_EPOCH: '1700000001' });
  assert.notEqual(d.stdout, a.stdout);
  // An OCI layout holding the built image (blobs copied from the store) imports to the same digest.
  const digest = a.stdout.trim();
  const layout = join(work, 'layout');
  cpSync(join(rootA, 'content', 'blobs'), join(layout, 'blobs'), { recursive: true });
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const m = JSON.parse(readFileSync(join(layout, 'blobs', 'sha256', digest.slice(7)), 'utf8')) as {
    mediaType: string;
  };
  const size = statSync(join(layout, 'blobs', 'sha256', digest.slice(7))).size;
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: m.mediaType, digest, size }] }),
  );
  const imp = await hostpod([
    'image',
    'import',
    layout,
    '--tag',
    'localhost/imported:2',
    '--root',
    join(work, 'f'),
  ]);
  assert.equal(imp.code, 0, imp.stderr);
  assert.equal(imp.stdout, `Imported localhost/imported:2 ${digest} linux/${hostArch()}\n`);
});

test('hostpod image build and import report bad input with exit codes 2 and 3', async () => {
  const root = join(work, 'e');
  const bad = await hostpod([
    'image',
    'build',
    'examples/image',
    '--tag',
    'x',
    '--cmd',
    '[1]',
    '--root',
    root,
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--cmd .*JSON array of strings/);
  const missing = await hostpod(['image', 'build', 'no/such/dir', '--tag', 'x', '--root', root]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /no such directory/);
  const noFile = await hostpod(['image', 'import', 'no-such.tar', '--root', root]);
  assert.equal(noFile.code, 3);
  const notImage = await hostpod(['image', 'import', 'examples/image', '--root', root]);
  assert.equal(notImage.code, 2);
  assert.match(notImage.stderr, /neither an OCI image layout/);
});

test('hostpod images shows a built image as just created, or as of SOURCE_DATE_EPOCH when set', async () => {
  const root = join(work, 'created');
  const build = (tag: string, env: Record<string, string> = {}) =>
    hostpod(['image', 'build', 'examples/image', '--tag', tag, '--root', root], env);
  assert.equal((await build('localhost/created/now:1')).code, 0);
  assert.equal((await build('localhost/created/epoch:1', { SOURCE_DATE_EPOCH: '1700000000' })).code, 0);
  const list = await hostpod(['images', '--root', root]);
  assert.equal(list.code, 0, list.stderr);
  const row = (repo: string) => list.stdout.split('\n').find((l) => l.startsWith(repo)) ?? '';
  assert.match(
    row('localhost/created/now'),
    /\s(Less than a second ago|\d+ seconds ago|About a minute ago)\s/,
  );
  const years = new Date().getUTCFullYear() - 2023;
  assert.match(row('localhost/created/epoch'), new RegExp(`\\s(${years - 1}|${years}) years? ago\\s`));
  const json = JSON.parse((await hostpod(['images', '--root', root, '-o', 'json'])).stdout) as {
    name: string;
    created?: string;
  }[];
  assert.equal(json.find((i) => i.name === 'localhost/created/epoch:1')?.created, '2023-11-14T22:13:20Z');
});
