import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { tryFileLock } from './file-lock.ts';
import { formatIdentity, processIdentity, selfIdentity } from './process-identity.ts';

const dir = await mkdtemp(join(tmpdir(), 'hostpod-lock-'));
after(() => rm(dir, { recursive: true, force: true }));

test('tryFileLock() names its holder by pid and start time, and refuses while it holds the lock', async () => {
  const path = join(dir, 'a.lock');
  const lock = await tryFileLock(path);
  assert.ok('release' in lock);
  assert.equal((await readFile(path, 'utf8')).trim(), formatIdentity(selfIdentity()));
  assert.deepEqual(await tryFileLock(path), { heldBy: process.pid });
  await lock.release();
  const again = await tryFileLock(path);
  assert.ok('release' in again);
  await again.release();
});

test('tryFileLock() breaks a lock whose pid now names another process (reused pid)', async () => {
  const child = spawn('sleep', ['5'], { stdio: 'ignore' });
  await once(child, 'spawn');
  try {
    const id = await processIdentity(child.pid!);
    assert.ok(id);
    const path = join(dir, 'reused.lock');
    // The holder was a process with this pid that started at another time: it is gone.
    await writeFile(path, `${child.pid} ${Number(id.startTime) + 1}\n`);
    const lock = await tryFileLock(path);
    assert.ok('release' in lock, 'a reused pid does not keep the lock');
    await lock.release();
    // The live process itself (right start time) does hold it.
    await writeFile(path, `${formatIdentity(id)}\n`);
    assert.deepEqual(await tryFileLock(path), { heldBy: child.pid });
  } finally {
    child.kill('SIGKILL');
  }
});
