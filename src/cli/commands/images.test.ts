import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImageRecord } from '../../image/image-store.ts';
import { sha256Of } from '../../oci/digest.ts';
import { formatImages, repoAndTag } from './images.ts';
import { humanSize, timeAgo } from './images-common.ts';

const rec = (name: string, extra: Partial<ImageRecord> = {}): ImageRecord => ({
  name,
  digest: sha256Of(`m ${name}`),
  configDigest: sha256Of(`c ${name}`),
  platform: 'linux/amd64',
  size: 1_080_000,
  updatedAt: '2026-01-01T00:00:00Z',
  ...extra,
});

test('repoAndTag() shows Docker Hub names short and marks missing tags <none>', () => {
  assert.deepEqual(repoAndTag(rec('docker.io/library/busybox:1.36')), ['busybox', '1.36']);
  assert.deepEqual(repoAndTag(rec('docker.io/someone/tool:2')), ['someone/tool', '2']);
  assert.deepEqual(repoAndTag(rec('127.0.0.1:5000/a/b:x')), ['127.0.0.1:5000/a/b', 'x']);
  assert.deepEqual(repoAndTag(rec(`127.0.0.1:5000/a/b@${sha256Of('x')}`)), ['127.0.0.1:5000/a/b', '<none>']);
  assert.deepEqual(repoAndTag(rec('')), ['<none>', '<none>']);
});

test('formatImages() aligns columns and adds platform and digest when wide', () => {
  const now = new Date('2026-01-10T00:00:00Z');
  const lines = formatImages(
    [
      rec('docker.io/library/busybox:1', { created: '2026-01-07T00:00:00Z' }),
      rec('127.0.0.1:5000/tools/agent:1.2'),
    ],
    true,
    now,
  );
  assert.equal(lines.length, 3);
  const cols = lines[0]!.indexOf('TAG');
  assert.equal(lines[1]!.indexOf('1 '), cols, 'TAG column aligned');
  assert.match(lines[1]!, /^busybox\s+1\s+[0-9a-f]{12}\s+3 days ago\s+1\.08MB\s+linux\/amd64\s+sha256:/);
  assert.match(lines[2]!, /^127\.0\.0\.1:5000\/tools\/agent\s+1\.2\s+[0-9a-f]{12}\s+N\/A\s+1\.08MB/);
});

test('humanSize() and timeAgo() read like docker images', () => {
  assert.equal(humanSize(0), '0B');
  assert.equal(humanSize(999), '999B');
  assert.equal(humanSize(1_500), '1.5kB');
  assert.equal(humanSize(104_866_625), '105MB');
  assert.equal(humanSize(4_720_000), '4.72MB');
  const now = new Date('2026-01-10T00:00:00Z');
  assert.equal(timeAgo('2026-01-09T23:00:00Z', now), 'An hour ago');
  assert.equal(timeAgo('2025-01-01T00:00:00Z', now), 'A year ago');
  assert.equal(timeAgo('2023-01-01T00:00:00Z', now), '3 years ago');
  assert.equal(timeAgo('not a date', now), 'N/A');
});
