import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chmod, lstat, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DaemonClient } from '../client/client.ts';
import { RuntimeError } from '../errors.ts';
import { startApiServer } from './api-server.ts';
import { startTestServer } from './testing/api-harness.ts';
import { FakeBackend } from './testing/fake-backend.ts';

const CLIENT = fileURLToPath(new URL('../client/client.ts', import.meta.url));

/**
 * Asks for the version as another user (setpriv); prints `ok` or the error's code and hint. Async:
 * the server under test runs in this process.
 */
async function versionAs(uid: number, gid: number, groups: number[], socketPath: string) {
  const script = `import { DaemonClient } from ${JSON.stringify(CLIENT)};
    try { await new DaemonClient({ socketPath: ${JSON.stringify(socketPath)} }).version(); console.log('ok'); }
    catch (e) { console.log(e.code + ' | ' + e.hint); }`;
  const r = await promisify(execFile)(
    'setpriv',
    [
      `--reuid=${uid}`,
      `--regid=${gid}`,
      groups.length ? `--groups=${groups.join(',')}` : '--clear-groups',
      process.execPath,
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ],
    { encoding: 'utf8', timeout: 30_000, cwd: fileURLToPath(new URL('../../', import.meta.url)) },
  );
  return `${r.stdout}${r.stderr}`.trim();
}

test('startApiServer() makes the socket 0600 for root only; another user is refused with PermissionDenied', async () => {
  const t = await startTestServer();
  try {
    await chmod(t.dir, 0o755);
    const st = await lstat(t.socketPath);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal((await lstat(join(t.dir, 'run'))).mode & 0o777, 0o755, 'parent dir 0755');
    const out = await versionAs(65534, 65534, [], t.socketPath);
    assert.match(out, /^PermissionDenied \| run as root, or as a member of the daemon's group/);
  } finally {
    await t.close();
  }
});

test('startApiServer() with a group makes the socket 0660 root:group; a member may use it, others may not', async () => {
  const t = await startTestServer({ group: 4321 });
  try {
    await chmod(t.dir, 0o755);
    const st = await lstat(t.socketPath);
    assert.equal(st.mode & 0o777, 0o660);
    assert.equal(st.gid, 4321);
    assert.equal(st.uid, 0);
    assert.equal(await versionAs(65534, 65534, [4321], t.socketPath), 'ok');
    assert.match(await versionAs(65534, 65534, [], t.socketPath), /^PermissionDenied/);
  } finally {
    await t.close();
  }
});

test('startApiServer() replaces a stale socket, refuses a live one and a non-socket file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hostpod-api-sock-'));
  try {
    const socketPath = join(dir, 'hostpod.sock');
    // A stale socket: its listener was SIGKILLed, so nothing removed the file.
    spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    assert.ok((await lstat(socketPath)).isSocket(), 'a stale socket file is there');
    const a = await startApiServer({ socketPath, backend: new FakeBackend() });
    try {
      assert.equal(
        (await new DaemonClient({ socketPath }).version()).api,
        'v1',
        'the stale socket was replaced',
      );
      await assert.rejects(
        startApiServer({ socketPath, backend: new FakeBackend() }),
        (e: unknown) =>
          e instanceof RuntimeError && e.code === 'AlreadyExists' && /another hostpod daemon/.test(e.message),
      );
      assert.equal(
        (await new DaemonClient({ socketPath }).version()).api,
        'v1',
        'the first daemon still serves',
      );
    } finally {
      await a.close();
    }
    const file = join(dir, 'file.sock');
    await writeFile(file, 'not a socket');
    await assert.rejects(
      startApiServer({ socketPath: file, backend: new FakeBackend() }),
      (e: unknown) =>
        e instanceof RuntimeError && e.code === 'AlreadyExists' && /not a socket/.test(e.message),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('DaemonClient turns a missing or dead socket into Unavailable with a hint', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hostpod-api-none-'));
  try {
    const c = new DaemonClient({ socketPath: join(dir, 'none.sock') });
    await assert.rejects(c.listPods(), (e: unknown) => {
      assert.ok(e instanceof RuntimeError);
      assert.equal(e.code, 'Unavailable');
      assert.match(e.message, /^Cannot reach the hostpod daemon at .*none\.sock/);
      assert.equal(e.hint, 'start it with `hostpod daemon` (or systemctl start hostpod)');
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
