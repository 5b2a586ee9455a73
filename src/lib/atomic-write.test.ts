import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFileAtomic } from './atomic-write.ts';

test('writeFileAtomic() replaces the file and leaves no temp file behind', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hostpod-aw-'));
  try {
    const p = join(dir, 'f.json');
    await writeFileAtomic(p, 'one');
    await writeFileAtomic(p, 'two', { mode: 0o600 });
    assert.equal(await readFile(p, 'utf8'), 'two');
    assert.deepEqual(await readdir(dir), ['f.json']);
    assert.equal((await stat(p)).mode & 0o777, 0o600);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('writeFileAtomic() fails with ENOENT for a missing directory', async () => {
  await assert.rejects(writeFileAtomic('/nonexistent-hostpod-dir/x', 'a'), { code: 'ENOENT' });
});
