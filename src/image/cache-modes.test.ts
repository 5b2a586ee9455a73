/**
 * The layer cache and the content store keep an image's content as it is (setuid bits, file
 * capabilities) and are reachable by root only — also when an older hostpod made them with
 * wider modes. Attacked for real: a throw-away local user tries to list, read and exec them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLocalUser, type LocalUser } from '../lib/testing/local-user.ts';
import { LocalContentStore } from './content-store.ts';
import { ImageStore } from './image-store.ts';
import { importImage } from './import.ts';
import { ensureUnpacked } from './layers.ts';
import { ensurePrivateDir } from './private-dir.ts';
import { buildPrivilegedImage, PRIVILEGED_FILES } from './testing/privileged-image.ts';

const IS_ROOT = process.getuid?.() === 0;
const TOOLS = ['setcap', 'getcap', 'umoci', 'useradd', 'setpriv'].filter(
  (t) => spawnSync(t, ['--help'], { stdio: 'ignore' }).error !== undefined,
);

const mode = async (p: string) => (await stat(p)).mode & 0o7777;

test('ensurePrivateDir() makes a 0700 directory, tightens a wider one and keeps its parent as it was', async () => {
  const base = await mkdtemp(join(tmpdir(), 'hostpod-private-'));
  try {
    await chmod(base, 0o755);
    const fresh = join(base, 'root', 'layers');
    await ensurePrivateDir(fresh);
    assert.equal(await mode(fresh), 0o700);
    assert.equal(
      await mode(join(base, 'root')),
      0o755 & ~process.umask(),
      'the parent gets the default mode',
    );
    const old = join(base, 'old');
    await mkdir(old, { mode: 0o755 });
    await chmod(old, 0o755);
    await ensurePrivateDir(old);
    assert.equal(await mode(old), 0o700);
    await writeFile(join(base, 'file'), '');
    await assert.rejects(ensurePrivateDir(join(base, 'file')), /not a directory/);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

describe('the layer cache and content store against a local user', {
  skip: (!IS_ROOT && 'needs root (setcap, useradd)') || (TOOLS.length > 0 && `needs ${TOOLS.join(', ')}`),
}, () => {
  let work = '';
  let root = '';
  let user: LocalUser;
  let fsDir = '';
  let blobs: string[] = [];
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'hostpod-cache-modes-'));
    // The way to the state root is open to everyone, as /var/lib is.
    await chmod(work, 0o755);
    root = join(work, 'root');
    await mkdir(root, { mode: 0o711 });
    await chmod(root, 0o711);
    // An older hostpod made these world-readable: they must be tightened, not only new ones.
    for (const d of ['content', 'layers']) {
      await mkdir(join(root, d), { mode: 0o755 });
      await chmod(join(root, d), 0o755);
    }
    user = createLocalUser();
    const layout = join(work, 'layout');
    await buildPrivilegedImage(layout, 'v1');
    const content = new LocalContentStore(join(root, 'content'));
    const images = new ImageStore(root, content);
    const [img] = await importImage(layout, content, images, {
      tag: 'localhost/test/privileged:v1',
      tmpDir: join(root, 'tmp'),
    });
    const layers = await ensureUnpacked(root, content, img!.digest);
    fsDir = layers.at(-1)!.dir;
    blobs = (await readdir(join(root, 'content', 'blobs', 'sha256'))).map((h) =>
      join(root, 'content', 'blobs', 'sha256', h),
    );
  });
  after(async () => {
    user?.remove();
    await rm(work, { recursive: true, force: true });
  });

  test('ensureUnpacked() keeps setuid bits and file capabilities in a cache only root can reach', async () => {
    assert.equal(await mode(join(root, 'layers')), 0o700);
    assert.equal(await mode(join(root, 'content')), 0o700);
    const suid = await lstat(join(fsDir, PRIVILEGED_FILES.suidCat));
    assert.equal(suid.mode & 0o7777, 0o4755, 'the setuid bit is content: kept');
    assert.equal(suid.uid, 0);
    const caps = spawnSync('getcap', [join(fsDir, PRIVILEGED_FILES.capCat)], { encoding: 'utf8' });
    assert.match(caps.stdout, /cap_dac_read_search[=+]ep/, 'the file capability is content: kept');
  });

  test('a local user can neither list, read nor exec anything under the layer cache or the content store', () => {
    // The control: this user can run cat and read what is open to everyone.
    const control = user.run(['/bin/cat', '/etc/hostname']);
    assert.equal(control.status, 0, control.stderr);
    const attempts: [string, string[]][] = [
      ['list the layer cache', ['/bin/ls', join(root, 'layers')]],
      ['list the content store', ['/bin/ls', join(root, 'content', 'blobs', 'sha256')]],
      ['read a blob', ['/bin/cat', blobs[0]!]],
      ['exec the capability binary', [join(fsDir, PRIVILEGED_FILES.capCat), '/etc/shadow']],
      ['exec the setuid binary', [join(fsDir, PRIVILEGED_FILES.suidCat), '/etc/shadow']],
      ['read an unpacked file', ['/bin/cat', join(fsDir, PRIVILEGED_FILES.plainCat)]],
    ];
    for (const [what, argv] of attempts) {
      const r = user.run(argv);
      assert.notEqual(r.status, 0, `${what}: the user could (${r.stdout.slice(0, 80)})`);
      assert.match(
        `${r.stderr}${r.error?.message ?? ''}`,
        /Permission denied|EACCES/,
        `${what}: ${r.stderr}`,
      );
    }
  });
});
