import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isRuntimeError } from '../../errors.ts';
import { DigestMismatchError, sha256Of } from '../../oci/digest.ts';
import { applyLayerInWorker } from './apply-worker.ts';
import { craftTar } from './testing/tar-builder.ts';

const base = mkdtempSync(join(tmpdir(), 'hostpod-worker-'));
after(() => rmSync(base, { recursive: true, force: true }));

const opts = (target: string) => ({
  target,
  mode: 'overlay' as const,
  lowers: [],
  keepSetuid: false,
  limits: {},
  what: 'layer x',
});

test('applyLayerInWorker() unpacks a blob in a worker thread and reports its diffID', async () => {
  const tar = craftTar([{ name: 'etc/conf', body: 'hi\n' }, { name: '.wh.gone' }]);
  const blob = join(base, 'blob1');
  writeFileSync(blob, gzipSync(tar));
  const target = join(base, 't1');
  mkdirSync(target);
  const r = await applyLayerInWorker(
    { kind: 'blob', blob },
    { ...opts(target), expectedDiffId: sha256Of(tar) },
  );
  assert.equal(r.diffId, sha256Of(tar));
  assert.equal(r.compression, 'gzip');
  assert.equal(r.whiteouts, 1);
  assert.equal(readFileSync(join(target, 'etc/conf'), 'utf8'), 'hi\n');
});

test('applyLayerInWorker() brings errors back with their codes', async () => {
  const blob = join(base, 'blob2');
  writeFileSync(blob, craftTar([{ name: '../escape', body: 'x' }]));
  const target = join(base, 't2');
  mkdirSync(target);
  await assert.rejects(
    applyLayerInWorker({ kind: 'blob', blob }, opts(target)),
    (e: unknown) => isRuntimeError(e, 'InvalidArgument') && e.message.includes('"../escape"'),
  );
  writeFileSync(blob, craftTar([{ name: 'ok', body: 'x' }]));
  await assert.rejects(
    applyLayerInWorker({ kind: 'blob', blob }, { ...opts(target), expectedDiffId: sha256Of('other') }),
    (e: unknown) => e instanceof DigestMismatchError && e.code === 'DataLoss',
  );
});
