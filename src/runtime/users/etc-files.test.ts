import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readHostAccounts } from './etc-files.ts';

const tmp = await mkdtemp(join(tmpdir(), 'hostpod-etc-files-'));
after(() => rm(tmp, { recursive: true, force: true }));

const passwd = (name: string) =>
  `root:x:0:0:root:/root:/bin/bash\n${name}:x:1500:1500::/home/${name}:/bin/sh\n`;
const GROUP = 'root:x:0:\nstaff:x:1500:alice\n';
const LONG_AGO = new Date(Date.now() - 60_000);

async function etc(name: string): Promise<string> {
  const dir = join(tmp, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'passwd'), passwd('alice'));
  await writeFile(join(dir, 'group'), GROUP);
  return dir;
}

test('readHostAccounts() sees a same-size in-place edit made right after a read', async () => {
  const dir = await etc('racy');
  assert.equal((await readHostAccounts(dir)).users[1]?.name, 'alice');
  // Same inode, same size, within the same clock tick as the first write: only the racy rule
  // (a recently changed file is never trusted from the cache) makes this visible.
  await writeFile(join(dir, 'passwd'), passwd('bobby'));
  assert.equal((await readHostAccounts(dir)).users[1]?.name, 'bobby');
});

test('readHostAccounts() sees a replaced passwd (useradd renames a new file into place)', async () => {
  const dir = await etc('replaced');
  await utimes(join(dir, 'passwd'), LONG_AGO, LONG_AGO);
  await utimes(join(dir, 'group'), LONG_AGO, LONG_AGO);
  const first = await readHostAccounts(dir);
  assert.equal(first.users.length, 2);
  assert.equal(await readHostAccounts(dir), first, 'unchanged files: the parsed result is reused');
  await writeFile(join(dir, 'passwd.new'), `${passwd('alice')}carol:x:1501:1500::/:/bin/sh\n`);
  await utimes(join(dir, 'passwd.new'), LONG_AGO, LONG_AGO);
  await rename(join(dir, 'passwd.new'), join(dir, 'passwd'));
  const second = await readHostAccounts(dir);
  assert.deepEqual(
    second.users.map((u) => u.name),
    ['root', 'alice', 'carol'],
  );
});

test('readHostAccounts() sees a group edit that keeps the size, once its times differ', async () => {
  const dir = await etc('group-edit');
  await utimes(join(dir, 'passwd'), LONG_AGO, LONG_AGO);
  await utimes(join(dir, 'group'), LONG_AGO, LONG_AGO);
  assert.deepEqual((await readHostAccounts(dir)).groups[1]?.members, ['alice']);
  await writeFile(join(dir, 'group'), GROUP.replace('alice', 'bobby'));
  assert.deepEqual((await readHostAccounts(dir)).groups[1]?.members, ['bobby']);
});

test('readHostAccounts() hands out a frozen result: one caller cannot change what others see', async () => {
  const dir = await etc('frozen');
  const a = await readHostAccounts(dir);
  assert.throws(() => (a.users as unknown as unknown[]).push({}), TypeError);
  assert.throws(() => {
    (a.users[0] as { name: string }).name = 'mallory';
  }, TypeError);
  assert.equal((await readHostAccounts(dir)).users[0]?.name, 'root');
});
