import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import {
  allocateId,
  checkRangeIsFree,
  EPHEMERAL_ID_RANGE,
  HOSTPOD_ID_BLOCK,
  SERVICE_ACCOUNT_IDS,
} from './id-allocator.ts';

const tmp = await mkdtemp(join(tmpdir(), 'hostpod-ids-'));
after(() => rm(tmp, { recursive: true, force: true }));

const LOGIN_DEFS =
  'UID_MIN 1000\nUID_MAX 60000\nSYS_UID_MIN 100\nSYS_UID_MAX 999\nGID_MIN 1000\nGID_MAX 60000\n';

/** A fake /etc and counter directory. */
async function host(name: string, files: Record<string, string> = {}) {
  const etc = join(tmp, name, 'etc');
  await mkdir(etc, { recursive: true });
  const all = {
    passwd: 'root:x:0:0:root:/root:/bin/bash\n',
    group: 'root:x:0:\n',
    'login.defs': LOGIN_DEFS,
    ...files,
  };
  for (const [f, text] of Object.entries(all)) await writeFile(join(etc, f), text);
  return { etcDir: etc, stateDir: join(tmp, name, 'ids') };
}

test("the id block, the service accounts' fixed ids and the ephemeral range do not overlap", () => {
  assert.ok(HOSTPOD_ID_BLOCK.last < 2 ** 31, 'below 2^31');
  for (const id of Object.values(SERVICE_ACCOUNT_IDS)) {
    assert.ok(id >= HOSTPOD_ID_BLOCK.first && id < EPHEMERAL_ID_RANGE.first, String(id));
  }
  assert.ok(EPHEMERAL_ID_RANGE.last <= HOSTPOD_ID_BLOCK.last);
});

test('allocateId() counts up from the range start, persisted, and never hands an id out twice', async () => {
  const h = await host('count');
  const range = { first: 5000000, last: 5000100 };
  const a = await allocateId({ ...h, range });
  const b = await allocateId({ ...h, range });
  assert.deepEqual([a, b], [5000000, 5000001]);
  assert.equal((await readFile(join(h.stateDir, 'next'), 'utf8')).trim(), '5000002');
  // b's user is gone from passwd (its files may remain): b is never handed out again, not
  // even after the counter file is lost while a user still holds the highest id.
  assert.equal(await allocateId({ ...h, range }), 5000002);
  await writeFile(join(h.etcDir, 'passwd'), 'root:x:0:0::/:/bin/sh\nlive:x:5000002:0::/:/bin/sh\n');
  await rm(join(h.stateDir, 'next'));
  assert.equal(await allocateId({ ...h, range }), 5000003);
});

test('allocateId() skips past ids the host already uses in the range, as uid or gid', async () => {
  const h = await host('skip', {
    passwd: 'root:x:0:0::/:/bin/sh\nsomeone:x:5000010:0::/:/bin/sh\n',
    group: 'root:x:0:\nagroup:x:5000020:\n',
  });
  assert.equal(await allocateId({ ...h, range: { first: 5000000, last: 5000100 } }), 5000021);
});

test('allocateId() from many callers at once gives distinct ids (the counter lock)', async () => {
  const h = await host('race');
  const range = { first: 6000000, last: 6000999 };
  const ids = await Promise.all(Array.from({ length: 25 }, () => allocateId({ ...h, range })));
  assert.equal(new Set(ids).size, 25);
  assert.deepEqual(
    [...ids].sort((x, y) => x - y),
    Array.from({ length: 25 }, (_, i) => 6000000 + i),
  );
});

test('allocateId() refuses to wrap when the range is used up, and the counter stays', async () => {
  const h = await host('full');
  const range = { first: 7000000, last: 7000001 };
  await allocateId({ ...h, range });
  await allocateId({ ...h, range });
  await assert.rejects(
    allocateId({ ...h, range }),
    (e) =>
      isRuntimeError(e, 'ResourceExhausted') &&
      /used up/.test(e.message) &&
      /never reuses/.test(e.hint ?? ''),
  );
  assert.equal((await readFile(join(h.stateDir, 'next'), 'utf8')).trim(), '7000002');
});

test('checkRangeIsFree() refuses a range overlapping /etc/subuid, /etc/subgid or the login.defs user ranges', async () => {
  const h = await host('overlap', { subuid: 'alice:100000:65536\nbig:1950000000:65536\n', subgid: '' });
  await assert.rejects(
    checkRangeIsFree(HOSTPOD_ID_BLOCK, h.etcDir),
    (e) => isRuntimeError(e, 'FailedPrecondition') && /\/etc\/subuid "big:1950000000:65536"/.test(e.message),
  );
  await assert.rejects(
    allocateId({ ...h, range: { first: 50000, last: 70000 } }),
    (e) => isRuntimeError(e, 'FailedPrecondition') && /login\.defs/.test(e.message),
  );
  await checkRangeIsFree({ first: 200000, last: 300000 }, h.etcDir);
  // This host's own files: hostpod's block is free here.
  await checkRangeIsFree(HOSTPOD_ID_BLOCK);
});
