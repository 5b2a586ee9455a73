import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isRuntimeError } from '../errors.ts';
import { isShutdown, sdNotify, systemState } from './service-manager.ts';

const LISTEN = fileURLToPath(new URL('../../native/build/testing/notify-listen', import.meta.url));
const IS_ROOT = process.getuid?.() === 0;
const tmp = await mkdtemp(join(tmpdir(), 'hostpod-sdnotify-'));
after(() => rm(tmp, { recursive: true, force: true }));

/** A notify socket as systemd's (`SO_PASSCRED`), printing `pid=<sender> <message>` lines. */
async function listen(
  name: string,
  count: number,
): Promise<{ child: ChildProcessWithoutNullStreams; lines: () => Promise<string[]> }> {
  const child = spawn(LISTEN, [name, String(count)]);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  for (let i = 0; i < 500 && !out.includes('listening\n'); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(out.includes('listening\n'), 'the listener is bound');
  const exited = once(child, 'exit');
  return {
    child,
    lines: async () => {
      await exited;
      return out.split('\n').slice(1, -1);
    },
  };
}

describe('sdNotify() and the service manager', () => {
  it('sdNotify() sends READY=1 to a path socket, speaking for the given pid (NotifyAccess=main)', {
    skip: !IS_ROOT && 'claiming another pid needs CAP_SYS_ADMIN',
  }, async () => {
    const path = join(tmp, 'notify');
    const l = await listen(path, 1);
    // The helper is a child of this process: the datagram must name this process, not the helper.
    assert.equal(await sdNotify('READY=1', { socket: path, pid: process.pid }), true);
    assert.deepEqual(await l.lines(), [`pid=${process.pid} READY=1`]);
  });

  it('sdNotify() reaches an abstract @socket, with several assignments in one datagram', async () => {
    const name = `@hostpod-test-notify-${process.pid}`;
    const l = await listen(name, 1);
    assert.equal(await sdNotify('STOPPING=1\nSTATUS=bye', { socket: name, pid: process.pid }), true);
    const [line, ...more] = await l.lines();
    assert.deepEqual(more, []);
    // Without CAP_SYS_ADMIN the helper speaks for itself (NotifyAccess=all then).
    assert.equal(line?.replace(/^pid=\d+ /, ''), 'STOPPING=1\\nSTATUS=bye');
    if (IS_ROOT) assert.equal(line?.split(' ')[0], `pid=${process.pid}`);
  });

  it('sdNotify() does nothing without NOTIFY_SOCKET; refuses a bad socket name; says why a send fails', async () => {
    assert.equal(await sdNotify('READY=1', { socket: undefined, pid: process.pid }), false);
    assert.equal(await sdNotify('READY=1', { socket: '', pid: process.pid }), false);
    for (const bad of ['relative/sock', '@', 'x']) {
      await assert.rejects(sdNotify('READY=1', { socket: bad, pid: process.pid }), (e: unknown) =>
        isRuntimeError(e, 'InvalidArgument'),
      );
    }
    await assert.rejects(
      sdNotify('READY=1', { socket: join(tmp, 'nobody-listens'), pid: process.pid }),
      (e: unknown) => {
        assert.ok(isRuntimeError(e, 'Unavailable'));
        assert.match(e.message, /READY=1.*cannot send to .*nobody-listens/);
        return true;
      },
    );
  });

  it('systemState() reads systemctl is-system-running, whatever its exit code; isShutdown() only for "stopping"', async () => {
    const fake = async (name: string, body: string) => {
      const f = join(tmp, name);
      await writeFile(f, `#!/bin/sh\n${body}\n`);
      await chmod(f, 0o755);
      return f;
    };
    assert.equal(
      await systemState({ systemctl: await fake('stopping', 'echo stopping; exit 1') }),
      'stopping',
    );
    assert.equal(await systemState({ systemctl: await fake('running', 'echo running') }), 'running');
    assert.equal(
      await systemState({ systemctl: await fake('degraded', 'echo degraded; exit 1') }),
      'degraded',
    );
    assert.equal(await systemState({ systemctl: join(tmp, 'no-such-systemctl') }), undefined);
    assert.equal(
      await systemState({ systemctl: await fake('garbage', 'echo "Failed to connect to bus"; exit 1') }),
      undefined,
    );
    assert.equal(await systemState({ systemctl: await fake('slow', 'sleep 5'), timeoutMs: 100 }), undefined);
    assert.equal(isShutdown('stopping'), true);
    for (const s of ['running', 'degraded', 'maintenance', 'starting', undefined])
      assert.equal(isShutdown(s), false);
  });
});
