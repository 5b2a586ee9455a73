import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRuntimeError } from '../errors.ts';
import { newPodUid, parseContainerId, parsePodUid } from './ids.ts';

test('parsePodUid() accepts UUIDs and hex hashes, refuses anything that is not a safe path component', () => {
  assert.equal(parsePodUid('0d3f5b1e-8c1a-4f7e-9a51-3c2b1d0e9f87'), '0d3f5b1e-8c1a-4f7e-9a51-3c2b1d0e9f87');
  assert.equal(parsePodUid('9f86d081884c7d659a2feaa0c55ad015'), '9f86d081884c7d659a2feaa0c55ad015');
  assert.match(newPodUid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  for (const bad of ['', '..', '../x', 'a/b', '/etc', 'ABC', '-a', 'a-', 'a'.repeat(64), 'a\0b', 'a b'])
    assert.throws(
      () => parsePodUid(bad),
      (e) => isRuntimeError(e, 'InvalidArgument'),
      JSON.stringify(bad),
    );
});

test('parseContainerId() accepts hostpod and CRI ids, refuses path-like ones', () => {
  assert.equal(parseContainerId('c0123456789abcdef0123456789abcdef'), 'c0123456789abcdef0123456789abcdef');
  assert.equal(parseContainerId('a'.repeat(64)), 'a'.repeat(64));
  for (const bad of ['', '.', '../c1', 'c1/..', 'C1', 'c-1', 'a'.repeat(65)])
    assert.throws(
      () => parseContainerId(bad),
      (e) => isRuntimeError(e, 'InvalidArgument'),
      JSON.stringify(bad),
    );
});
