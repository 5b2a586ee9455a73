import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isRuntimeError } from '../errors.ts';
import { prepareStateRoot } from './state-root.ts';

const IS_ROOT = process.getuid?.() === 0;
const tmp = await mkdtemp(join(tmpdir(), 'hostpod-stateroot-'));
after(() => rm(tmp, { recursive: true, force: true }));
const mode = async (p: string) => (await stat(p)).mode & 0o7777;

test('prepareStateRoot() makes a missing root 0711 (its parents too)', async () => {
  const root = join(tmp, 'new', 'deeper', 'root');
  prepareStateRoot(root);
  assert.equal(await mode(root), 0o711);
});

test('prepareStateRoot() tightens an existing root made loosely: 0711, pods/sandboxes 0711, other dirs 0700, files 0600, sockets left', async () => {
  const root = join(tmp, 'old');
  for (const d of ['containers', 'content', 'pods', 'sandboxes', 'layers'])
    await mkdir(join(root, d), { recursive: true });
  await writeFile(join(root, 'state.db'), '');
  await writeFile(join(root, 'images.json'), '{}');
  for (const p of [
    root,
    join(root, 'containers'),
    join(root, 'content'),
    join(root, 'pods'),
    join(root, 'layers'),
  ])
    await chmod(p, 0o755);
  await chmod(join(root, 'sandboxes'), 0o777);
  await chmod(join(root, 'state.db'), 0o644);
  await chmod(join(root, 'images.json'), 0o666);
  const sock = join(root, 'api.sock');
  const server = createServer();
  await new Promise<void>((r) => server.listen(sock, r));
  try {
    await chmod(sock, 0o660);
    prepareStateRoot(root);
    assert.equal(await mode(root), 0o711);
    assert.equal(await mode(join(root, 'pods')), 0o711);
    assert.equal(await mode(join(root, 'sandboxes')), 0o711);
    for (const d of ['containers', 'content', 'layers']) assert.equal(await mode(join(root, d)), 0o700, d);
    assert.equal(await mode(join(root, 'state.db')), 0o600);
    assert.equal(await mode(join(root, 'images.json')), 0o600);
    assert.equal(await mode(sock), 0o660, 'the API socket keeps its (group) mode');
  } finally {
    server.close();
  }
});

test('prepareStateRoot() refuses, as root, a state root another user owns', {
  skip: !IS_ROOT && 'needs root',
}, async () => {
  const root = join(tmp, 'foreign');
  await mkdir(root);
  await chown(root, 65534, 65534);
  await chmod(root, 0o755);
  assert.throws(
    () => prepareStateRoot(root, 0),
    (e) => isRuntimeError(e, 'FailedPrecondition') && /belongs to uid 65534/.test(e.message),
  );
  assert.equal(await mode(root), 0o755, 'left as it was');
  // Not root and not its own: left alone, no error (the operation then fails on permissions).
  prepareStateRoot(root, 1234);
  assert.equal(await mode(root), 0o755);
});

test('prepareStateRoot() refuses a file as the state root', async () => {
  const file = join(tmp, 'afile');
  await writeFile(file, '');
  assert.throws(
    () => prepareStateRoot(file),
    (e) => isRuntimeError(e, 'FailedPrecondition'),
  );
});
