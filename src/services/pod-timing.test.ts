import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRuntimeError } from '../errors.ts';
import { parsePodTiming } from './pod-events.ts';

test('parsePodTiming() takes the keys of PodTiming and refuses a misspelt one instead of ignoring it', () => {
  assert.deepEqual(parsePodTiming('{"initialMs":200,"resetAfterMs":60000}'), {
    initialMs: 200,
    resetAfterMs: 60000,
  });
  assert.throws(
    () => parsePodTiming('{"resetMs":60000}'),
    (e: unknown) =>
      isRuntimeError(e, 'InvalidArgument') && /unknown test timing key "resetMs"/.test(e.message),
  );
  for (const bad of ['[]', '"x"', '{"maxMs":-1}', '{"maxMs":"5"}', 'nope'])
    assert.throws(
      () => parsePodTiming(bad),
      (e: unknown) => isRuntimeError(e, 'InvalidArgument'),
      bad,
    );
});
