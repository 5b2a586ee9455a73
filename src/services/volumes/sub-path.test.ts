import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { resolveSubPath } from './sub-path.ts';

let dir: string;
let vol: string;
let outside: string;
before(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'hostpod-sp-')));
  vol = join(dir, 'vol');
  outside = join(dir, 'outside');
  await mkdir(join(vol, 'real/inner'), { recursive: true });
  await chmod(vol, 0o750);
  await mkdir(outside);
  await writeFile(join(vol, 'config.json'), '{}');
  await symlink('real', join(vol, 'rel-in'));
  await symlink('../outside', join(vol, 'rel-out'));
  await symlink(outside, join(vol, 'abs-out'));
  await symlink('/etc', join(vol, 'etc'));
  await symlink('nowhere', join(vol, 'dangling'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const refused = (e: unknown) =>
  isRuntimeError(e, 'InvalidArgument') && e.message.startsWith('failed to prepare subPath');

test('resolveSubPath() returns the path inside the volume, creating missing directories with its mode', async () => {
  assert.equal(await resolveSubPath(vol, 'config.json', 'm'), join(vol, 'config.json'));
  assert.equal(await resolveSubPath(vol, 'real/inner/', 'm'), join(vol, 'real/inner'));
  assert.equal(await resolveSubPath(vol, 'rel-in/inner', 'm'), join(vol, 'real/inner'));
  const made = await resolveSubPath(vol, 'new/sub/dir', 'm');
  assert.equal(made, join(vol, 'new/sub/dir'));
  assert.equal((await stat(made)).mode & 0o777, 0o750);
});

test('resolveSubPath() refuses a path leading out of the volume and creates nothing outside', async () => {
  for (const sub of [
    'rel-out',
    'rel-out/new',
    'abs-out/x/y',
    'etc',
    'etc/passwd',
    'dangling/x',
    '../outside',
    'a/../../x',
    '/etc',
  ]) {
    await assert.rejects(resolveSubPath(vol, sub, 'volumeMount "v" of container "c"'), refused, sub);
  }
  await assert.rejects(stat(join(outside, 'new')), { code: 'ENOENT' });
  await assert.rejects(stat(join(outside, 'x')), { code: 'ENOENT' });
  await assert.rejects(stat(join(vol, 'nowhere')), { code: 'ENOENT' });
});
