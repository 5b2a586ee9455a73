import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { acquireFileLock, tryFileLock, withFileLock } from './file-lock.ts';
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

test('acquireFileLock() serves many waiters of one process one at a time, and an aborted waiter does not block the rest', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hostpod-lock-'));
  try {
    const path = join(dir, 'lock');
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    const first = await acquireFileLock(path);
    const ac = new AbortController();
    const aborted = acquireFileLock(path, { signal: ac.signal }).then(
      (l) => l.release().then(() => 'taken'),
      () => 'aborted',
    );
    const waiters = Array.from({ length: 50 }, (_, i) =>
      withFileLock(path, async () => {
        inside++;
        most = Math.max(most, inside);
        order.push(i);
        await new Promise((r) => setImmediate(r));
        inside--;
      }),
    );
    ac.abort();
    await first.release();
    await Promise.all(waiters);
    assert.equal(most, 1, 'never two holders at once');
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
      'in the order they asked',
    );
    assert.equal(order.length, 50);
    assert.equal(await aborted, 'aborted', 'it was still waiting when aborted');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
