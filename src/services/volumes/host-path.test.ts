import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { prepareHostPath } from './host-path.ts';

let dir: string;
let server: Server;
let sock: string;
let fifo: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hostpod-hp-'));
  await mkdir(join(dir, 'adir'));
  await writeFile(join(dir, 'afile'), 'x');
  sock = join(dir, 'agent.sock');
  server = createServer();
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  fifo = join(dir, 'pipe');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const failsWith = (message: string) => (e: unknown) => isRuntimeError(e) && e.message === message;

test('prepareHostPath() checks each type as the kubelet does', async () => {
  const d = join(dir, 'adir');
  const f = join(dir, 'afile');
  const missing = join(dir, 'missing');
  assert.equal(await prepareHostPath(d, 'Directory'), d);
  assert.equal(await prepareHostPath(f, 'File'), f);
  assert.equal(await prepareHostPath('/dev/null', 'CharDevice'), '/dev/null');
  assert.equal(await prepareHostPath(d, ''), d);
  const cases: [string, string, string][] = [
    [f, 'Directory', `hostPath type check failed: ${f} is not a directory`],
    [f, 'DirectoryOrCreate', `hostPath type check failed: ${f} is not a directory`],
    [missing, 'Directory', `hostPath type check failed: ${missing} is not a directory`],
    [d, 'File', `hostPath type check failed: ${d} is not a file`],
    [d, 'FileOrCreate', `hostPath type check failed: ${d} is not a file`],
    [missing, 'File', `hostPath type check failed: ${missing} is not a file`],
    [f, 'Socket', `hostPath type check failed: ${f} is not a socket file`],
    [f, 'CharDevice', `hostPath type check failed: ${f} is not a character device`],
    ['/dev/null', 'BlockDevice', 'hostPath type check failed: /dev/null is not a block device'],
    [d, 'Bogus', 'Bogus is an invalid volume type'],
  ];
  for (const [path, type, message] of cases) {
    await assert.rejects(prepareHostPath(path, type), failsWith(message), `${path} ${type}`);
  }
});

test('prepareHostPath() DirectoryOrCreate makes the directories 0755; FileOrCreate an empty 0644 file but not its parent', async () => {
  const deep = join(dir, 'made/a/b');
  await prepareHostPath(deep, 'DirectoryOrCreate');
  assert.ok((await stat(deep)).isDirectory());
  assert.equal((await stat(deep)).mode & 0o777, 0o755);
  const unset = join(dir, 'unset-type');
  await prepareHostPath(unset, '');
  assert.ok((await stat(unset)).isDirectory());
  const f = join(dir, 'made/new.conf');
  await prepareHostPath(f, 'FileOrCreate');
  const st = await stat(f);
  assert.ok(st.isFile());
  assert.equal(st.size, 0);
  assert.equal(st.mode & 0o777, 0o644);
  const orphan = join(dir, 'no-parent/new.conf');
  await assert.rejects(prepareHostPath(orphan, 'FileOrCreate'), (e: unknown) =>
    isRuntimeError(e, 'FailedPrecondition'),
  );
  await assert.rejects(stat(join(dir, 'no-parent')), { code: 'ENOENT' });
});

test('prepareHostPath() refuses a unix socket, a FIFO or a named pipe source whatever the type', async () => {
  const refused = 'unix socket mounts not supported for job containers - interact with the socket directly';
  for (const type of ['', 'Socket', 'File']) {
    await assert.rejects(
      prepareHostPath(sock, type),
      (e: unknown) =>
        isRuntimeError(e) &&
        (e.message === refused || (type === 'File' && e.message.includes('is not a file'))) &&
        (type === 'File' || (e.hint ?? '').includes(sock)),
      type,
    );
  }
  await assert.rejects(
    prepareHostPath(fifo, ''),
    (e: unknown) =>
      isRuntimeError(e) && /named pipe \(FIFO\) mounts not supported for job containers/.test(e.message),
  );
  await assert.rejects(
    prepareHostPath('\\\\.\\pipe\\containerd-containerd', ''),
    failsWith('named pipe mounts not supported for job containers - interact with the pipe directly'),
  );
  await assert.rejects(prepareHostPath('relative/path', ''), (e: unknown) =>
    isRuntimeError(e, 'InvalidArgument'),
  );
});
