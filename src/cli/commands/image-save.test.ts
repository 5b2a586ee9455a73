import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { sha256Of } from '../../oci/digest.ts';
import type { CliContext } from '../io.ts';
import { runCli } from '../program.ts';
import { runCliCaptured } from '../testing/run.ts';
import { cliArgv, REPO } from '../testing/spawn-cli.ts';

const run = promisify(execFile);
let tmp: string;
let env: Record<string, string>;
let digest = '';

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'hostpod-cli-save-'));
  env = { HOSTPOD_ROOT: join(tmp, 'root') };
  await mkdir(join(tmp, 'payload'), { recursive: true });
  await writeFile(join(tmp, 'payload', 'run.sh'), '#!/bin/sh\necho saved\n', { mode: 0o755 });
  const b = await runCliCaptured(['image', 'build', join(tmp, 'payload'), '-q', '-t', 'localhost/saved:1'], {
    env,
  });
  assert.equal(b.code, 0, b.stderr);
  digest = b.stdout.trim();
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test('hostpod image save -o writes a docker-archive skopeo reads; --format oci-archive to stdout', async () => {
  const file = join(tmp, 'out', 'saved.tar');
  await mkdir(join(tmp, 'out'));
  const r = await runCliCaptured(['image', 'save', '-o', file, 'localhost/saved:1'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `Saved localhost/saved:1 to ${file}\n`);
  const info = JSON.parse((await run('skopeo', ['inspect', `docker-archive:${file}`])).stdout) as {
    Layers: string[];
  };
  assert.equal(info.Layers.length, 1);
  assert.deepEqual(await readdir(join(tmp, 'out')), ['saved.tar'], 'no temporary file left');

  // stdout: a real process, its bytes into a file.
  const child = spawnSync(
    process.execPath,
    cliArgv(['image', 'save', '--format', 'oci-archive', 'localhost/saved:1']),
    {
      cwd: REPO,
      env: { ...process.env, ...env },
      maxBuffer: 64 << 20,
    },
  );
  assert.equal(child.status, 0, child.stderr.toString());
  const oci = join(tmp, 'stdout.tar');
  await writeFile(oci, child.stdout);
  const raw = (
    await run('skopeo', ['inspect', '--raw', `oci-archive:${oci}:localhost/saved:1`], { encoding: 'buffer' })
  ).stdout;
  assert.equal(sha256Of(raw), digest);
});

test('hostpod image save: exit 3 for an unknown image (no file left), 2 for a terminal or a bad format', async () => {
  const file = join(tmp, 'missing.tar');
  const r = await runCliCaptured(['image', 'save', '-o', file, 'localhost/saved:1', 'localhost/nope:2'], {
    env,
  });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /No image "localhost\/nope:2" in the local store/);
  assert.deepEqual(
    (await readdir(tmp)).filter((n) => n.startsWith('missing.tar')),
    [],
  );

  const stdout = Object.assign(new PassThrough(), { isTTY: true });
  const stderr = new PassThrough();
  let errText = '';
  stderr.on('data', (c: Buffer) => {
    errText += c.toString();
  });
  const ctx: CliContext = { stdout, stderr, stdin: Readable.from([]), env, cwd: tmp, exitCode: 0 };
  assert.equal(await runCli(['image', 'save', 'localhost/saved:1'], ctx), 2);
  assert.match(errText, /Refusing to write an image archive to a terminal/);

  const f = await runCliCaptured(['image', 'save', '--format', 'tarball', '-o', file, 'localhost/saved:1'], {
    env,
  });
  assert.equal(f.code, 2);
  const help = await runCliCaptured(['image', 'save', '--help'], { env });
  assert.match(help.stdout, /Exit codes:\n {2}0 {2}saved\n {2}2 {2}no image named/);
});

test('hostpod image save then image import keeps every name of an oci-archive', async () => {
  const tagged = await runCliCaptured(
    ['image', 'build', join(tmp, 'payload'), '-q', '-t', 'localhost/saved:2'],
    { env },
  );
  assert.equal(tagged.code, 0, tagged.stderr);
  const file = join(tmp, 'names.tar');
  const r = await runCliCaptured(
    ['image', 'save', '--format', 'oci-archive', '-o', file, 'localhost/saved:1', 'localhost/saved:2'],
    { env },
  );
  assert.equal(r.code, 0, r.stderr);
  const other = { HOSTPOD_ROOT: join(tmp, 'other-root') };
  const imp = await runCliCaptured(['image', 'import', file], { env: other });
  assert.equal(imp.code, 0, imp.stderr);
  const names = (await runCliCaptured(['images', '-o', 'json'], { env: other })).stdout;
  const records = JSON.parse(names) as { name: string }[];
  assert.deepEqual(records.map((x) => x.name).sort(), ['localhost/saved:1', 'localhost/saved:2']);
});
