/**
 * `buildImage()` against a directory changed while it is packed: a racing process swaps a file
 * for a symlink to a secret outside the directory, and a subdirectory for a symlink to the
 * secret's directory, in a loop, while builds run. No layer may ever hold the secret's bytes.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { isRuntimeError } from '../errors.ts';
import type { Digest } from '../oci/digest.ts';
import { buildImage } from './build.ts';
import { LocalContentStore } from './content-store.ts';
import { ImageStore } from './image-store.ts';

const SECRET = 'SECRET-4b1d-not-for-the-image';
/** What a layer must never hold: even the first bytes (a swapped file is read up to the size the walk saw). */
const LEAK = SECRET.slice(0, 8);
const work = mkdtempSync(join(tmpdir(), 'hostpod-build-race-'));
after(() => rmSync(work, { recursive: true, force: true }));

function stores() {
  const root = mkdtempSync(join(work, 'state-'));
  const content = new LocalContentStore(join(root, 'content'));
  return { content, images: new ImageStore(root, content), tmpDir: join(root, 'tmp') };
}

/** The uncompressed layer of a built image. */
function layerTar(s: ReturnType<typeof stores>, layerDigest: Digest): Buffer {
  return gunzipSync(readFileSync(s.content.path(layerDigest)));
}

/** renameat2(2) by Node's `process.arch` (RENAME_EXCHANGE swaps two names in one step). */
const RENAMEAT2: Record<string, number> = { x64: 316, arm64: 276, riscv64: 276, loong64: 276 };

// Exchanges `victim` (a file) with a symlink to the secret, and `d` (a directory) with a symlink
// to the secret's directory, in a loop: each name always exists, and flips in one step.
const RACER = String.raw`
my ($nr, $dir, $secret, $secretdir, $secs) = @ARGV;
symlink($secret, "$dir/.victim-swap") or die "symlink: $!";
symlink($secretdir, "$dir/.d-swap") or die "symlink: $!";
my $end = time + $secs;
while (time < $end) {
  for my $n (qw(victim d)) {
    syscall($nr + 0, -100, "$dir/$n\0", -100, "$dir/.$n-swap\0", 2) == 0 or die "renameat2: $!";
  }
}
`;

test('buildImage() packs a symlink to a file outside the directory as a symlink, never its bytes', async () => {
  const secretDir = mkdtempSync(join(work, 'secret-'));
  writeFileSync(join(secretDir, 'x'), SECRET);
  const src = mkdtempSync(join(work, 'src-'));
  symlinkSync(join(secretDir, 'x'), join(src, 'to-secret'));
  symlinkSync(secretDir, join(src, 'to-secret-dir'));
  const s = stores();
  const r = await buildImage(src, s.content, s.images, { tag: 'localhost/t/links:1', tmpDir: s.tmpDir });
  const tar = layerTar(s, r.layerDigest);
  assert.ok(!tar.includes(LEAK));
  writeFileSync(join(work, 'links.tar'), tar);
  const list = spawnSync('tar', ['-tvf', join(work, 'links.tar')], { encoding: 'utf8' });
  assert.match(list.stdout, new RegExp(`^l.* to-secret -> ${join(secretDir, 'x')}$`, 'm'));
  assert.match(list.stdout, new RegExp(`^l.* to-secret-dir -> ${secretDir}$`, 'm'));
  assert.equal(r.entries, 2);
});

test('buildImage() never packs what a racing process swaps in: a file or a directory turned symlink', {
  skip: RENAMEAT2[process.arch] === undefined && `no renameat2 number for ${process.arch}`,
}, async () => {
  const secretDir = mkdtempSync(join(work, 'secret-'));
  writeFileSync(join(secretDir, 'x'), SECRET);
  const src = mkdtempSync(join(work, 'src-'));
  for (let i = 0; i < 20; i++) writeFileSync(join(src, `f${String(i).padStart(2, '0')}`), `file ${i}\n`);
  writeFileSync(join(src, 'victim'), 'harmless\n');
  mkdirSync(join(src, 'd'));
  writeFileSync(join(src, 'd', 'x'), 'harmless\n');
  let racer: ChildProcess | undefined;
  const outcomes = { packed: 0, refused: 0, racedSymlink: 0 };
  try {
    racer = spawn(
      'perl',
      ['-e', RACER, String(RENAMEAT2[process.arch]), src, join(secretDir, 'x'), secretDir, '60'],
      {
        stdio: 'ignore',
      },
    );
    const s = stores();
    const deadline = Date.now() + 8_000;
    for (let i = 0; i < 200 && Date.now() < deadline; i++) {
      let r: Awaited<ReturnType<typeof buildImage>>;
      try {
        r = await buildImage(src, s.content, s.images, { tag: `localhost/t/race:${i}`, tmpDir: s.tmpDir });
      } catch (e) {
        // Refusing is right: the directory is not what the caller meant while it changes.
        assert.ok(
          isRuntimeError(e, 'FailedPrecondition') && /changed while it was being packed/.test(e.message),
          String(e),
        );
        outcomes.refused++;
        continue;
      }
      const tar = layerTar(s, r.layerDigest);
      assert.ok(!tar.includes(LEAK), `build ${i} packed the secret`);
      outcomes.packed++;
      if (tar.includes(Buffer.from(join(secretDir, 'x')))) outcomes.racedSymlink++;
    }
  } finally {
    racer?.kill('SIGKILL');
  }
  assert.ok(outcomes.packed + outcomes.refused >= 10, JSON.stringify(outcomes));
  assert.ok(outcomes.packed > 0, `no build got through: ${JSON.stringify(outcomes)}`);
});
