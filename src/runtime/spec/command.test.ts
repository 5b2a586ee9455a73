import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { expandArgv, resolveExecutable, selectArgv } from './command.ts';
import type { PathKind, Probe } from './types.ts';

/** A container view holding these files and dirs (parents are dirs). */
function fakeProbe(files: string[], dirs: string[] = []): Probe {
  const kinds = new Map<string, PathKind>();
  for (const f of files) {
    kinds.set(f, 'file');
    for (let p = f; p.lastIndexOf('/') > 0; ) {
      p = p.slice(0, p.lastIndexOf('/'));
      kinds.set(p, 'dir');
    }
  }
  for (const d of dirs) kinds.set(d, 'dir');
  return (p) => kinds.get(p) ?? 'missing';
}

const PATH = '/usr/bin:/bin:/hpc/';
const probe = fakeProbe(['/hpc/bin/uname', '/bin/sh', '/usr/bin/env'], ['/hpc/bin/notes']);
const resolve = (name: string, cwd = '/hpc') =>
  resolveExecutable(name, { cwd, path: PATH, probe, container: 'c' });

test('selectArgv() applies the Kubernetes command/args rules against Entrypoint/Cmd', () => {
  const image = { entrypoint: ['/ep'], cmd: ['cmd-arg'] };
  assert.deepEqual(selectArgv({ name: 'c', command: [], args: [], ...image }), ['/ep', 'cmd-arg']);
  assert.deepEqual(selectArgv({ name: 'c', command: ['/x'], args: [], ...image }), ['/x']);
  assert.deepEqual(selectArgv({ name: 'c', command: ['/x'], args: ['a'], ...image }), ['/x', 'a']);
  assert.deepEqual(selectArgv({ name: 'c', command: [], args: ['a', 'b'], ...image }), ['/ep', 'a', 'b']);
  assert.deepEqual(selectArgv({ name: 'c', command: [], args: ['sh'], cmd: ['x'] }), ['sh']);
  assert.throws(
    () => selectArgv({ name: 'web', command: [], args: [] }),
    (e) => isRuntimeError(e, 'InvalidArgument') && /container "web": no command/.test(e.message),
  );
});

test('expandArgv() replaces tokens everywhere but normalises separators in argv[0] only', () => {
  assert.deepEqual(
    expandArgv(
      ['%CONTAINER_SANDBOX_MOUNT_POINT%\\bin\\uname', '-o', 'a\\d+', '$env:CONTAINER_SANDBOX_MOUNT_POINT\\x'],
      '/hpc/',
    ),
    ['/hpc/bin/uname', '-o', 'a\\d+', '/hpc\\x'],
  );
});

test('resolveExecutable() runs the command-path matrix adapted to Linux paths (scenario 16)', async () => {
  const cases: [string, string | undefined, string][] = [
    ['sh', undefined, '/bin/sh'],
    ['/hpc/bin/uname', undefined, '/hpc/bin/uname'],
    ['bin/uname', undefined, '/hpc/bin/uname'],
    ['bin/uname', '/hpc', '/hpc/bin/uname'],
    ['uname', '/hpc/bin', '/hpc/bin/uname'],
    ['./uname', '/hpc/bin', '/hpc/bin/uname'],
    ['../bin/uname', '/hpc/bin', '/hpc/bin/uname'],
    ['env', '/hpc/bin', '/usr/bin/env'],
  ];
  for (const [name, cwd, want] of cases) {
    assert.equal(await resolve(expandArgv([name], '/hpc/')[0]!, cwd), want, `${name} in ${cwd}`);
  }
  // The workspace is on PATH: a bare name found there.
  const p2 = fakeProbe(['/hpc/tool']);
  assert.equal(
    await resolveExecutable('tool', { cwd: '/', path: PATH, probe: p2, container: 'c' }),
    '/hpc/tool',
  );
});

test('resolveExecutable() looks in the working directory before PATH', async () => {
  const p = fakeProbe(['/hpc/bin/sh', '/bin/sh']);
  assert.equal(
    await resolveExecutable('sh', { cwd: '/hpc/bin', path: PATH, probe: p, container: 'c' }),
    '/hpc/bin/sh',
  );
  assert.equal(
    await resolveExecutable('sh', { cwd: '/hpc', path: PATH, probe: p, container: 'c' }),
    '/bin/sh',
  );
});

test('resolveExecutable() fails with "failed to find executable" for an unknown program', async () => {
  for (const name of ['no-such-binary', 'bin/nothing', '/abs/nothing', '']) {
    await assert.rejects(
      resolve(name),
      (e) => isRuntimeError(e, 'NotFound') && e.message.includes(`failed to find executable "${name}"`),
    );
  }
});

test('resolveExecutable() reports a directory instead of an executable', async () => {
  await assert.rejects(
    resolve('bin/notes'),
    (e) =>
      isRuntimeError(e, 'FailedPrecondition') &&
      e.message.includes('found directory instead of executable "/hpc/bin/notes"'),
  );
  await assert.rejects(
    resolve('notes', '/hpc/bin'),
    /found directory instead of executable "\/hpc\/bin\/notes"/,
  );
  // A directory on the way does not hide a later file on PATH.
  const p = fakeProbe(['/bin/tool'], ['/usr/bin/tool']);
  assert.equal(
    await resolveExecutable('tool', { cwd: '/', path: '/usr/bin:/bin', probe: p, container: 'c' }),
    '/bin/tool',
  );
});
