import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { type Payload, payloadPathError, writePayload } from './atomic-writer.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hostpod-aw-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const file = (s: string, mode = 0o644) => ({ data: new TextEncoder().encode(s), mode });

test('writePayload() lays files out the kubelet way: timestamped dir, ..data link, per-name links', async () => {
  const target = join(dir, 'v1');
  await mkdir(target);
  const payload: Payload = new Map([
    ['text.txt', file('Lorem')],
    ['run.sh', file('#!/bin/sh\n', 0o755)],
    ['nested/deep/conf', file('x', 0o600)],
  ]);
  await writePayload(target, payload, { now: new Date(Date.UTC(2026, 10, 27, 12, 0, 0)) });
  const entries = (await readdir(target)).sort();
  const ts = entries.find((e) => e.startsWith('..2026_11_27_12_00_00.'));
  assert.ok(ts, `timestamped dir in ${entries.join(',')}`);
  assert.deepEqual(entries, ['..data', ts, 'nested', 'run.sh', 'text.txt'].sort());
  assert.equal(await readlink(join(target, '..data')), ts);
  assert.equal(await readlink(join(target, 'text.txt')), '..data/text.txt');
  assert.equal(await readlink(join(target, 'nested')), '..data/nested');
  assert.equal(await readFile(join(target, 'text.txt'), 'utf8'), 'Lorem');
  assert.equal(await readFile(join(target, 'nested/deep/conf'), 'utf8'), 'x');
  assert.equal((await stat(join(target, 'run.sh'))).mode & 0o777, 0o755);
  assert.equal((await stat(join(target, 'nested/deep/conf'))).mode & 0o777, 0o600);
  assert.equal((await stat(join(target, ts))).mode & 0o777, 0o755);
});

test('writePayload() a second write swaps ..data to new files, drops names no longer there and the old dir', async () => {
  const target = join(dir, 'v2');
  await mkdir(target);
  await writePayload(
    target,
    new Map([
      ['a', file('1')],
      ['b', file('1')],
    ]),
  );
  const first = await readlink(join(target, '..data'));
  await writePayload(target, new Map([['a', file('2')]]));
  const second = await readlink(join(target, '..data'));
  assert.notEqual(first, second);
  assert.equal(await readFile(join(target, 'a'), 'utf8'), '2');
  await assert.rejects(lstat(join(target, 'b')), { code: 'ENOENT' });
  await assert.rejects(lstat(join(target, first)), { code: 'ENOENT' });
});

test('writePayload() refuses hostile paths before writing anything', async () => {
  const target = join(dir, 'v3');
  await mkdir(target);
  for (const bad of ['../escape', 'a/../../escape', '/etc/passwd', '..data', '..hidden/x', '', 'a\0b']) {
    await assert.rejects(
      writePayload(
        target,
        new Map([
          ['ok', file('x')],
          [bad, file('x')],
        ]),
      ),
      (e: unknown) => isRuntimeError(e, 'InvalidArgument'),
      JSON.stringify(bad),
    );
  }
  assert.deepEqual(await readdir(target), []);
  assert.equal(payloadPathError('a/..b/c'), undefined);
  assert.equal(payloadPathError('..'), "invalid path: must not contain '..': ..");
});
