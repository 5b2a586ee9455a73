import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerView } from '../api/protocol.ts';
import { isRuntimeError } from '../errors.ts';
import { pickContainer } from './container-view.ts';

function view(id: string, name: string): ContainerView {
  return {
    id,
    pod: { namespace: 'default', name: 'web' },
    name,
    type: 'container',
    attempt: 0,
    image: 'x',
    state: 'CONTAINER_RUNNING',
    createdAt: '2026-01-01T00:00:00Z',
    labels: {},
    annotations: {},
    mounts: [],
    logPath: '/l',
    taskDir: '/t',
    owner: { kind: 'run', pid: 1, alive: true },
  };
}

const VIEWS = [view('c1aa00', 'main'), view('c1ab00', 'side'), view('c2ff00', 'other')];

test('pickContainer() takes a full id or any unique prefix', () => {
  assert.equal(pickContainer(VIEWS, 'c1aa00').name, 'main');
  assert.equal(pickContainer(VIEWS, 'c1ab').name, 'side');
  assert.equal(pickContainer(VIEWS, 'c2').name, 'other');
});

test('pickContainer() refuses an ambiguous prefix, listing every match', () => {
  assert.throws(
    () => pickContainer(VIEWS, 'c1a'),
    (e: unknown) =>
      isRuntimeError(e, 'InvalidArgument') &&
      /"c1a" is ambiguous: 2 containers match \(c1aa00 web\/main, c1ab00 web\/side\)/.test(e.message),
  );
});

test('pickContainer() says NotFound for an id nothing starts with', () => {
  assert.throws(
    () => pickContainer(VIEWS, 'c3'),
    (e: unknown) => isRuntimeError(e, 'NotFound'),
  );
  assert.throws(
    () => pickContainer([], 'c1'),
    (e: unknown) => isRuntimeError(e, 'NotFound'),
  );
});

test('pickContainer() refuses what is not an id: empty, paths, patterns, upper case', () => {
  for (const bad of ['', '../c1', 'c1/..', '/c1', 'c1*', '.*', 'C1AA00', 'c1 aa', '-c1']) {
    assert.throws(
      () => pickContainer(VIEWS, bad),
      (e: unknown) => isRuntimeError(e, 'InvalidArgument') && /Invalid container id/.test(e.message),
      JSON.stringify(bad),
    );
  }
});
