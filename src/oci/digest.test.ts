import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRuntimeError } from '../errors.ts';
import { digestHex, hasherFor, isDigest, parseDigest, sha256Of, shortDigest } from './digest.ts';

const EMPTY = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

test('sha256Of() hashes bytes and strings as OCI digests', () => {
  assert.equal(sha256Of(''), EMPTY);
  assert.equal(sha256Of(new Uint8Array()), EMPTY);
  assert.equal(shortDigest(sha256Of('')), 'e3b0c44298fc');
});

test('parseDigest() accepts sha256 and sha512 and returns the same string', () => {
  assert.equal(parseDigest(EMPTY), EMPTY);
  assert.equal(digestHex(parseDigest(EMPTY)), EMPTY.slice(7));
  const h = hasherFor(parseDigest(`sha512:${'a'.repeat(128)}`));
  h.update(Buffer.from('x'));
  assert.match(h.digest(), /^sha512:[0-9a-f]{128}$/);
});

test('parseDigest() rejects path tricks, uppercase, wrong lengths and unknown algorithms', () => {
  for (const bad of [
    '',
    'sha256:',
    `sha256:${'A'.repeat(64)}`,
    `sha256:${'a'.repeat(63)}`,
    `sha256:${'a'.repeat(65)}`,
    `sha256:../../${'a'.repeat(58)}`,
    `md5:${'a'.repeat(32)}`,
    `sha256:${'a'.repeat(64)}\n`,
    `sha256:${'a'.repeat(62)}/x`,
  ]) {
    assert.equal(isDigest(bad), false, bad);
    assert.throws(
      () => parseDigest(bad),
      (e) => isRuntimeError(e, 'InvalidArgument'),
    );
  }
});
