import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { RuntimeError } from '../errors.ts';
import { createDaemonLogger, podLogger } from './log.ts';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString('utf8');
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

test('createDaemonLogger() writes one JSON object per line with level, time, msg and the fields; a pod logger adds pod', () => {
  const out = capture();
  const log = createDaemonLogger({ stream: out.stream, level: 'info' });
  log.debug('not written at info');
  log.info({ socket: '/run/hostpod/hostpod.sock' }, 'listening');
  podLogger(log, 'kube-system', 'calico-node').warn(
    {
      err: new RuntimeError('PermissionDenied', 'Cannot start container "install"', { hint: 'run as root' }),
    },
    'container start failed',
  );
  const lines = out.lines();
  assert.equal(lines.length, 2, 'the debug line is filtered out');
  const [listening, failed] = lines;
  assert.equal(listening?.level, 30);
  assert.equal(listening?.msg, 'listening');
  assert.equal(listening?.socket, '/run/hostpod/hostpod.sock');
  assert.ok(!Number.isNaN(Date.parse(String(listening?.time))), 'time is an RFC 3339 date');
  assert.equal(listening?.pid, process.pid);
  assert.equal(failed?.level, 40);
  assert.equal(failed?.pod, 'kube-system/calico-node');
  const err = failed?.err as Record<string, unknown>;
  assert.equal(err.code, 'PermissionDenied');
  assert.equal(err.hint, 'run as root');
  assert.match(String(err.message), /Cannot start container "install"/);
});
