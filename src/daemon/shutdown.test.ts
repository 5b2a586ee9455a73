/**
 * The daemon under systemd's `Type=notify`, stopped for a restart and for a system shutdown: a
 * real daemon process, a real pod, a real notify socket (a listener as systemd's). Only
 * `systemctl is-system-running` is a stand-in (a script on PATH): systemd cannot run here.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type DaemonHarness,
  eventually,
  hpcPodObject,
  makeDaemonHarness,
  podRunning,
} from './testing/daemon-harness.ts';

const LISTEN = fileURLToPath(new URL('../../native/build/testing/notify-listen', import.meta.url));
const IS_ROOT = process.getuid?.() === 0;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('hostpod daemon stopped by systemd: restart vs system shutdown', {
  skip: !IS_ROOT && 'needs root',
}, () => {
  let h: DaemonHarness;
  let dir: string;
  let listener: ChildProcessWithoutNullStreams;
  let heard = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hostpod-shutdown-'));
    await writeFile(join(dir, 'state'), 'running\n');
    await writeFile(
      join(dir, 'systemctl'),
      `#!/bin/sh\n[ "$1" = is-system-running ] && cat ${join(dir, 'state')}\n`,
    );
    await chmod(join(dir, 'systemctl'), 0o755);
    const socket = join(dir, 'notify.sock');
    listener = spawn(LISTEN, [socket, '1000']);
    listener.stdout.setEncoding('utf8').on('data', (s: string) => {
      heard += s;
    });
    await eventually(async () => (heard.includes('listening') ? true : undefined), 5000, 'the notify socket');
    h = await makeDaemonHarness({ env: { PATH: `${dir}:${process.env.PATH}`, NOTIFY_SOCKET: socket } });
  });
  after(async () => {
    await h?.cleanup();
    listener?.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const heardFrom = (pid: number) =>
    heard
      .split('\n')
      .filter((l) => l.startsWith(`pid=${pid} `))
      .map((l) => l.slice(`pid=${pid} `.length));

  it('READY=1 once serving; a plain stop lets the pod run; a stop at system shutdown runs preStop and the grace period', async () => {
    await h.start();
    const first = h.pid();
    await eventually(async () => (heardFrom(first).length > 0 ? true : undefined), 5000, 'READY=1');
    assert.match(heardFrom(first)[0] ?? '', /^READY=1\\nSTATUS=serving on .*api\.sock$/);

    const pod = hpcPodObject(
      'graceful',
      [
        'sh',
        '-c',
        `echo $$$$ > ${dir}/pid; trap 'sleep 1; echo term > ${dir}/term; exit 0' TERM; while :; do sleep 0.1; done`,
      ],
      { restartPolicy: 'Never', grace: 20 },
    );
    const spec = pod.spec as { containers: Record<string, unknown>[] };
    spec.containers[0]!.lifecycle = {
      preStop: { exec: { command: ['sh', '-c', `echo pre > ${dir}/prestop`] } },
    };
    await h.client.apply({ objects: [pod] });
    await eventually(
      async () => (podRunning(await h.client.getPod('default', 'graceful')) ? true : undefined),
      30_000,
      'Running',
    );
    const pid = await eventually(
      async () => Number(await readFile(join(dir, 'pid'), 'utf8')) || undefined,
      10_000,
      'pid',
    );

    // `systemctl restart hostpod`: the system is running, so the pod is let go, untouched.
    await h.stop();
    assert.deepEqual(heardFrom(first).slice(1), ['STOPPING=1']);
    assert.match(h.output(), /"systemState":"running","stopPods":false,"msg":"letting go of the pods"/);
    assert.ok(alive(pid), 'the container runs on through a restart of the daemon');
    assert.equal(existsSync(join(dir, 'prestop')), false);

    await h.start();
    const second = h.pid();
    await eventually(async () => (heardFrom(second).length > 0 ? true : undefined), 5000, 'READY=1 again');

    // `systemctl reboot`: systemd's state is "stopping" while units stop.
    await writeFile(join(dir, 'state'), 'stopping\n');
    const t0 = Date.now();
    await h.stop();
    const took = Date.now() - t0;
    assert.equal(await readFile(join(dir, 'prestop'), 'utf8'), 'pre\n', 'preStop ran');
    assert.equal(
      await readFile(join(dir, 'term'), 'utf8'),
      'term\n',
      'the container got SIGTERM and its grace',
    );
    assert.ok(took >= 1000, `the stop waited for the container's own shutdown (${took} ms)`);
    assert.equal(alive(pid), false);
    const said = heardFrom(second);
    assert.equal(said[1], 'STOPPING=1');
    assert.match(said[2] ?? '', /^EXTEND_TIMEOUT_USEC=50000000\\nSTATUS=stopping the pods gracefully$/);
    assert.match(h.output(), /"systemState":"stopping","stopPods":true,"msg":"stopping the pods"/);

    // After the "reboot" the pod is where its restart policy puts it: it ended with its own exit 0.
    await writeFile(join(dir, 'state'), 'running\n');
    await h.start();
    const after = await h.client.getPod('default', 'graceful');
    assert.equal(after.phase, 'Succeeded');
    const state = after.status?.containerStatuses[0]?.state;
    assert.ok(state && 'terminated' in state && state.terminated.exitCode === 0, JSON.stringify(state));
  });
});
