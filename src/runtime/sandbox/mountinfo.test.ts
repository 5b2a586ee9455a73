import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isWindowsHost } from '../../lib/host-os.ts';
import { mountsUnder } from './mountinfo.ts';

const tmp = await mkdtemp(join(tmpdir(), 'hostpod-mountinfo-'));
after(() => rm(tmp, { recursive: true, force: true }));

const line = (id: number, mountPoint: string, options = 'rw,relatime') =>
  `${id} 1 0:${id} / ${mountPoint} ${options} shared:${id} - ext4 /dev/sda${id} rw`;

test('mountsUnder() finds mount points whose names the kernel escapes, deepest first', {
  skip: isWindowsHost() ? 'no mountinfo on Windows' : false,
}, async () => {
  const file = join(tmp, 'mountinfo');
  await writeFile(
    file,
    `${[
      line(1, '/'),
      line(2, '/srv/my\\040pod'),
      line(3, '/srv/my\\040pod/a\\134b', 'rw,nosuid,nodev'),
      line(4, '/srv/my\\040pod2'),
      line(5, '/srv/my'),
      line(6, '/other'),
    ].join('\n')}\n`,
  );
  const found = await mountsUnder('/srv/my pod', file);
  assert.deepEqual(
    found.map((m) => m.mountPoint),
    ['/srv/my pod/a\\b', '/srv/my pod'],
    'its own mounts only: not the sibling "/srv/my pod2" nor the prefix "/srv/my"',
  );
  assert.deepEqual(found[0]?.options, ['rw', 'nosuid', 'nodev']);
  assert.deepEqual(
    (await mountsUnder('/srv/my pod/', file)).map((m) => m.mountPoint),
    ['/srv/my pod/a\\b', '/srv/my pod'],
  );
  assert.equal((await mountsUnder('/', file)).length, 6);
  assert.deepEqual(await mountsUnder('/srv/none', file), []);
});
