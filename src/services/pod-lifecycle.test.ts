/**
 * Restarts, back-off, probes and preStop through `runPod` on this host (real containers; root),
 * with the time constants scaled down.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseContainerId } from '../state/ids.ts';
import { type PodEvent, type PodTiming, runPod } from './pod-runner.ts';
import type { PodStatus } from './pod-status.ts';
import {
  containerOutput,
  type Harness,
  hpcPodYaml,
  makeHarness,
  podsOf,
  TEST_IMAGE,
} from './testing/harness.ts';

const isRoot = process.getuid?.() === 0;

function ctr(name: string, command: string[], extra = ''): string {
  return `  - name: ${name}\n    image: ${TEST_IMAGE}\n    command: ${JSON.stringify(command)}\n${extra}`;
}

function podYaml(name: string, policy: string, containers: string, extra = ''): string {
  return hpcPodYaml(name, containers, extra).replace('restartPolicy: Never', `restartPolicy: ${policy}`);
}

/** A free loopback port (bound, then released). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

/** Resolves once the container's log holds `text` (bounded: 10 s). */
async function untilOutput(root: string, id: string, text: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await containerOutput(root, id)).includes(text)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no "${text.trim()}" from container ${id}`);
}

const ready = (s: PodStatus) => s.conditions.find((c) => c.type === 'Ready')?.status === 'True';

describe('runPod() restarts, probes and preStop', { skip: !isRoot && 'needs root' }, () => {
  let h: Harness;
  let dir: string;
  before(async () => {
    h = await makeHarness();
    dir = join(tmpdir(), `hostpod-life-${randomBytes(4).toString('hex')}`);
    await mkdir(dir, { recursive: true });
  });
  after(async () => {
    await h.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const fast: Partial<PodTiming> = { initialMs: 50, maxMs: 400, resetAfterMs: 60_000, probeSecondMs: 100 };

  test('restartPolicy Always: a container exiting 1 is restarted with doubling delays, CrashLoopBackOff in between; abort during the back-off stops at once', async () => {
    const abort = new AbortController();
    const starts: number[] = [];
    const exits: number[] = [];
    const created: number[] = [];
    const waitFrom: number[] = [];
    const backoffs: number[] = [];
    const timeline: string[] = [];
    let abortedAt = 0;
    const r = await runPod(
      podsOf(podYaml('crash', 'Always', ctr('c', ['sh', '-c', 'echo run; exit 1'])))[0]!,
      {
        deps: h.deps,
        images: h.images,
        signal: abort.signal,
        timing: { initialMs: 300, maxMs: 10_000, resetAfterMs: 60_000 },
        onEvent: (e: PodEvent) => {
          if (e.type === 'started') {
            starts.push(Date.now());
            created.push(Date.parse(h.db.containers.get(parseContainerId(e.container.id))!.createdAt));
            timeline.push(`started ${e.restartCount}`);
          }
          if (e.type === 'exited') exits.push(Date.now());
          if (e.type === 'status') {
            const st = e.status.containerStatuses[0]!.state;
            if ('waiting' in st && st.waiting.reason === 'CrashLoopBackOff') {
              if (timeline.at(-1) !== st.waiting.message) timeline.push(st.waiting.message ?? '');
            }
          }
          if (e.type === 'backoff') {
            backoffs.push(e.delayMs);
            waitFrom.push(Date.now());
            if (backoffs.length === 4) {
              abortedAt = Date.now();
              abort.abort();
            }
          }
        },
      },
    );
    const stoppedIn = Date.now() - abortedAt;
    assert.deepEqual(backoffs, [300, 600, 1200, 2400]);
    assert.deepEqual(timeline, [
      'started 0',
      'back-off 300ms restarting failed container=c pod=crash',
      'started 1',
      'back-off 600ms restarting failed container=c pod=crash',
      'started 2',
      'back-off 1s restarting failed container=c pod=crash',
      'started 3',
      'back-off 2s restarting failed container=c pod=crash',
    ]);
    // Measured on the real restarts: from the back-off's start to the next container's creation
    // (its record), the delays double; from an exit to the next start (the start's own cost
    // included, which load makes vary) each gap is at least the delay.
    const waits = created.slice(1).map((t, i) => t - waitFrom[i]!);
    assert.equal(waits.length, 3);
    for (let i = 1; i < waits.length; i++) {
      const ratio = waits[i]! / waits[i - 1]!;
      assert.ok(ratio > 1.6 && ratio < 2.4, `waits ${waits.join(', ')} ms do not double`);
    }
    const gaps = starts.slice(1).map((t, i) => t - exits[i]!);
    for (const [i, g] of gaps.entries())
      assert.ok(
        g >= backoffs[i]! && g < backoffs[i]! + 3000,
        `gap ${g} ms for a back-off of ${backoffs[i]} ms`,
      );
    assert.ok(stoppedIn < 500, `abort during the 2.4 s back-off took ${stoppedIn} ms`);
    assert.equal(r.interrupted, true);
    assert.equal(r.phase, 'Failed');
    const cs = r.status.containerStatuses[0]!;
    assert.equal(cs.restartCount, 3);
    assert.ok('terminated' in cs.lastState && cs.lastState.terminated.exitCode === 1);
    // Every run was its own container; the logs of all of them are kept.
    assert.equal(await containerOutput(h.root, r.containers[0]!.id), 'run\n');
  });

  test('restartPolicy OnFailure: a script failing twice then succeeding ends Succeeded with restartCount 2', async () => {
    const counter = join(dir, 'count');
    const script = `n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; echo try $n; [ $n -ge 3 ]`;
    const ids: string[] = [];
    const r = await runPod(podsOf(podYaml('onfail', 'OnFailure', ctr('c', ['sh', '-c', script])))[0]!, {
      deps: h.deps,
      images: h.images,
      timing: fast,
      onEvent: (e) => {
        if (e.type === 'started') ids.push(e.container.id);
      },
    });
    assert.equal(r.phase, 'Succeeded');
    assert.equal(r.status.phase, 'Succeeded');
    const cs = r.status.containerStatuses[0]!;
    assert.equal(cs.restartCount, 2);
    assert.ok('terminated' in cs.state && cs.state.terminated.exitCode === 0);
    assert.ok('terminated' in cs.lastState && cs.lastState.terminated.exitCode === 1);
    assert.equal(readFileSync(counter, 'utf8'), '3\n');
    // A new container each time, the earlier ones removed; the logs of the last run and the
    // one before kept, older ones removed (kubelet's container GC).
    assert.equal(new Set(ids).size, 3);
    assert.equal(await containerOutput(h.root, ids[1]), 'try 2\n');
    assert.equal(await containerOutput(h.root, ids[2]), 'try 3\n');
    assert.equal(existsSync(join(h.root, 'containers', ids[0]!)), false);
    assert.equal(existsSync(join(h.root, 'sandboxes', ids[1]!)), false);
  });

  test('restartPolicy Never: a failing container is not restarted', async () => {
    let starts = 0;
    const r = await runPod(podsOf(podYaml('never', 'Never', ctr('c', ['sh', '-c', 'exit 1'])))[0]!, {
      deps: h.deps,
      images: h.images,
      timing: fast,
      onEvent: (e) => {
        if (e.type === 'started') starts++;
        if (e.type === 'backoff') assert.fail('back-off under Never');
      },
    });
    assert.equal(starts, 1);
    assert.equal(r.phase, 'Failed');
    assert.equal(r.status.containerStatuses[0]!.restartCount, 0);
  });

  test('init containers: retried with back-off until they succeed (OnFailure); under Never a failing one fails the pod', async () => {
    const counter = join(dir, 'init-count');
    const script = `n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; [ $n -ge 2 ]`;
    const yaml = (policy: string) =>
      podYaml(
        policy.toLowerCase(),
        policy,
        ctr('main', ['true']),
        `  initContainers:\n${ctr('init', ['sh', '-c', script])}`,
      );
    const r = await runPod(podsOf(yaml('OnFailure'))[0]!, { deps: h.deps, images: h.images, timing: fast });
    assert.equal(r.phase, 'Succeeded', JSON.stringify(r.containers));
    assert.equal(r.status.initContainerStatuses[0]!.restartCount, 1);
    await rm(counter);
    const never = await runPod(podsOf(yaml('Never'))[0]!, { deps: h.deps, images: h.images, timing: fast });
    assert.equal(never.phase, 'Failed');
    assert.deepEqual(
      never.containers.map((c) => c.name),
      ['init'],
    );
    assert.ok('waiting' in never.status.containerStatuses[0]!.state);
  });

  test('a liveness probe failing three times restarts the container, with the reason shown', async () => {
    const d = join(dir, `live-${randomBytes(3).toString('hex')}`);
    await mkdir(d);
    const abort = new AbortController();
    const killings: { message: string; probes: number }[] = [];
    let started = 0;
    const probe = `    livenessProbe:\n      exec: {command: [sh, -c, "echo x >> ${d}/count; test -f ${d}/alive"]}\n      periodSeconds: 1\n      timeoutSeconds: 10\n      failureThreshold: 3\n`;
    const r = await runPod(podsOf(podYaml('live', 'Always', ctr('c', ['sleep', '600'], probe)))[0]!, {
      deps: h.deps,
      images: h.images,
      signal: abort.signal,
      timing: fast,
      onEvent: (e) => {
        if (e.type === 'killing') {
          const probes = readFileSync(join(d, 'count'), 'utf8').split('\n').length - 1;
          killings.push({ message: e.message, probes });
        }
        if (e.type === 'started' && ++started === 2) abort.abort();
      },
    });
    assert.equal(killings.length, 1);
    assert.equal(killings[0]!.probes, 3, 'killed after a number of failures other than 3');
    assert.match(killings[0]!.message, /^Liveness probe failed: command "sh -c .*" exited with 1$/);
    const cs = r.status.containerStatuses[0]!;
    assert.equal(cs.restartCount, 1);
    assert.ok('terminated' in cs.lastState);
    assert.match(cs.lastState.terminated.message ?? '', /^Liveness probe failed/);
    assert.equal(cs.lastState.terminated.exitCode, 143);
    // Probes of a stopped container stop: no probe runs once the pod has ended.
    const probesRun = readFileSync(join(d, 'count'), 'utf8');
    await new Promise((res) => setTimeout(res, 400));
    assert.equal(readFileSync(join(d, 'count'), 'utf8'), probesRun);
  });

  test('OnFailure: a container stopped by its liveness probe restarts even when it exits 0 on SIGTERM', async () => {
    const abort = new AbortController();
    let started = 0;
    const probe =
      '    livenessProbe:\n      exec: {command: ["false"]}\n      periodSeconds: 1\n      timeoutSeconds: 10\n      failureThreshold: 1\n';
    const r = await runPod(
      podsOf(
        podYaml(
          'live0',
          'OnFailure',
          ctr('c', ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done'], probe),
        ),
      )[0]!,
      {
        deps: h.deps,
        images: h.images,
        signal: abort.signal,
        timing: fast,
        onEvent: (e) => {
          if (e.type === 'started' && ++started === 2) abort.abort();
        },
      },
    );
    const cs = r.status.containerStatuses[0]!;
    assert.equal(cs.restartCount, 1);
    assert.ok('terminated' in cs.lastState && cs.lastState.terminated.exitCode === 0);
  });

  test('an exec readiness probe flips the pod Ready condition both ways', async () => {
    const d = join(dir, `ready-${randomBytes(3).toString('hex')}`);
    await mkdir(d);
    const abort = new AbortController();
    const readyChanges: boolean[] = [];
    const statuses: PodStatus[] = [];
    const probe = `    readinessProbe:\n      exec: {command: [test, -f, ${d}/ready]}\n      periodSeconds: 1\n      timeoutSeconds: 10\n`;
    const r = await runPod(podsOf(podYaml('ready', 'Always', ctr('c', ['sleep', '600'], probe)))[0]!, {
      deps: h.deps,
      images: h.images,
      signal: abort.signal,
      timing: fast,
      onEvent: (e) => {
        if (e.type === 'status') statuses.push(e.status);
        if (e.type === 'started') setTimeout(() => void writeFile(join(d, 'ready'), ''), 300);
        if (e.type === 'ready') {
          readyChanges.push(e.ready);
          if (e.ready) void unlink(join(d, 'ready'));
          else abort.abort();
        }
      },
    });
    assert.deepEqual(readyChanges, [true, false]);
    // Running and not ready first: the probe had not passed yet.
    const firstRunning = statuses.find((s) => 'running' in s.containerStatuses[0]!.state)!;
    assert.equal(ready(firstRunning), false);
    assert.equal(firstRunning.phase, 'Running');
    assert.ok(statuses.some((s) => ready(s) && s.containerStatuses[0]!.ready));
    assert.equal(r.status.containerStatuses[0]!.restartCount, 0, 'readiness must not restart');
  });

  test('an HTTP readiness probe on a named port against busybox httpd in the container, and a TCP one against a port the test opens', async () => {
    const d = join(dir, `www-${randomBytes(3).toString('hex')}`);
    await mkdir(d);
    const httpPort = await freePort();
    const tcp: Server = createServer((s) => s.destroy());
    await new Promise<void>((res) => tcp.listen(0, '127.0.0.1', res));
    const tcpPort = (tcp.address() as { port: number }).port;
    const abort = new AbortController();
    const changes: string[] = [];
    let probeFailure = '';
    const containers =
      ctr(
        'web',
        ['/bin/busybox', 'httpd', '-f', '-p', `127.0.0.1:${httpPort}`, '-h', d],
        `    ports: [{name: http, containerPort: ${httpPort}}]\n    readinessProbe:\n      httpGet: {path: /healthz.txt, port: http, httpHeaders: [{name: X-Probe, value: "1"}]}\n      periodSeconds: 1\n      timeoutSeconds: 10\n`,
      ) +
      ctr(
        'tcp',
        ['sleep', '600'],
        `    readinessProbe:\n      tcpSocket: {port: ${tcpPort}}\n      periodSeconds: 1\n      timeoutSeconds: 10\n`,
      );
    let closed = false;
    try {
      await runPod(podsOf(podYaml('net', 'Always', containers))[0]!, {
        deps: h.deps,
        images: h.images,
        signal: abort.signal,
        timing: fast,
        onEvent: (e) => {
          if (e.type === 'started' && e.container.name === 'web')
            setTimeout(() => void writeFile(join(d, 'healthz.txt'), 'ok'), 300);
          if (e.type === 'probe') {
            changes.push(`${e.container} ${e.result}`);
            if (e.container === 'web' && e.result === 'failure') probeFailure = e.message;
          }
          if (e.type === 'ready') {
            changes.push(`pod ${e.ready}`);
            if (e.ready) {
              // Take both away: the file (HTTP 404) and the listening port (refused).
              void unlink(join(d, 'healthz.txt'));
              tcp.close();
              closed = true;
            } else if (closed && changes.filter((c) => c.endsWith('failure')).length === 2) abort.abort();
          }
          if (e.type === 'probe' && closed && changes.filter((c) => c.endsWith('failure')).length === 2)
            abort.abort();
        },
      });
    } finally {
      tcp.close();
    }
    assert.ok(changes.includes('web success') && changes.includes('tcp success'), changes.join(', '));
    assert.ok(changes.includes('web failure') && changes.includes('tcp failure'), changes.join(', '));
    assert.deepEqual(
      changes.filter((c) => c.startsWith('pod')),
      ['pod true', 'pod false'],
    );
    assert.equal(probeFailure, 'HTTP probe failed with statuscode: 404');
  });

  test('a startup probe gates readiness: no readiness probe runs before it passes; a failing one stops the container', async () => {
    const d = join(dir, `startup-${randomBytes(3).toString('hex')}`);
    await mkdir(d);
    const abort = new AbortController();
    const seen: string[] = [];
    let readinessRunsBeforeStart = -1;
    const probes = `    startupProbe:\n      exec: {command: [test, -f, ${d}/started]}\n      periodSeconds: 1\n      timeoutSeconds: 10\n      failureThreshold: 100\n    readinessProbe:\n      exec: {command: [sh, -c, "echo x >> ${d}/readiness"]}\n      periodSeconds: 1\n      timeoutSeconds: 10\n`;
    await runPod(podsOf(podYaml('startup', 'Always', ctr('c', ['sleep', '600'], probes)))[0]!, {
      deps: h.deps,
      images: h.images,
      signal: abort.signal,
      timing: fast,
      onEvent: (e) => {
        if (e.type === 'started') setTimeout(() => void writeFile(join(d, 'started'), ''), 400);
        if (e.type === 'probe') {
          seen.push(`${e.probe} ${e.result}`);
          if (e.probe === 'startup') readinessRunsBeforeStart = existsSync(join(d, 'readiness')) ? 1 : 0;
        }
        if (e.type === 'ready' && e.ready) abort.abort();
      },
    });
    assert.deepEqual(seen, ['startup success', 'readiness success']);
    assert.equal(readinessRunsBeforeStart, 0, 'a readiness probe ran before the startup probe passed');

    const failing = `    startupProbe:\n      exec: {command: ["false"]}\n      periodSeconds: 1\n      timeoutSeconds: 10\n      failureThreshold: 2\n`;
    const killings: string[] = [];
    const r = await runPod(podsOf(podYaml('nostart', 'Never', ctr('c', ['sleep', '600'], failing)))[0]!, {
      deps: h.deps,
      images: h.images,
      timing: fast,
      onEvent: (e) => {
        if (e.type === 'killing') killings.push(e.message);
      },
    });
    assert.deepEqual(killings, ['Startup probe failed: command "false" exited with 1']);
    assert.equal(r.phase, 'Failed');
  });

  test('exec probes: a command slower than timeoutSeconds fails as timed out at once; a flood of output is cut to 10 KiB', async () => {
    const probe = (cmd: string[]) =>
      `    startupProbe:\n      exec: {command: ${JSON.stringify(cmd)}}\n      periodSeconds: 1\n      timeoutSeconds: 3\n      failureThreshold: 1\n`;
    const killings: { message: string; at: number }[] = [];
    let startedAt = 0;
    const onEvent = (e: PodEvent) => {
      if (e.type === 'started') startedAt = Date.now();
      if (e.type === 'killing') killings.push({ message: e.message, at: Date.now() - startedAt });
    };
    const opts = { deps: h.deps, images: h.images, timing: fast, onEvent };
    await runPod(
      podsOf(podYaml('slowprobe', 'Never', ctr('c', ['sleep', '600'], probe(['sleep', '30']))))[0]!,
      opts,
    );
    assert.equal(killings[0]!.message, 'Startup probe failed: command "sleep 30" timed out');
    assert.ok(killings[0]!.at < 2000, `the 300 ms timeout took ${killings[0]!.at} ms`);
    const flood = ['sh', '-c', 'head -c 1000000 /dev/zero | tr "\\0" x; exit 1'];
    await runPod(podsOf(podYaml('floodprobe', 'Never', ctr('c', ['sleep', '600'], probe(flood))))[0]!, opts);
    const msg = killings[1]!.message;
    assert.match(msg, /^Startup probe failed: x+$/);
    assert.ok(msg.length <= 10 * 1024 + 40, `message of ${msg.length} bytes`);
  });

  test('a sidecar init container (restartPolicy: Always) runs before and beside the containers, and is stopped after them', async () => {
    const order: string[] = [];
    const yaml = podYaml(
      'sidecar',
      'Never',
      ctr('main', ['sh', '-c', 'sleep 0.3; echo main-done']),
      `  initContainers:\n${ctr('side', ['sleep', '600'], '    restartPolicy: Always\n')}${ctr('after', ['true'])}`,
    );
    const r = await runPod(podsOf(yaml)[0]!, {
      deps: h.deps,
      images: h.images,
      timing: fast,
      onEvent: (e) => {
        if (e.type === 'started') order.push(`start ${e.container.name}`);
        if (e.type === 'exited') order.push(`exit ${e.result.name}`);
      },
    });
    assert.deepEqual(order, [
      'start side',
      'start after',
      'exit after',
      'start main',
      'exit main',
      'exit side',
    ]);
    assert.equal(r.phase, 'Succeeded', 'a sidecar stopped at the end does not fail the pod');
    assert.equal(r.interrupted, false);
  });

  test('postStart runs after the start, its output in the log; a failing one stops the container (FailedPostStartHook)', async () => {
    const abort = new AbortController();
    const ok = podYaml(
      'poststart',
      'Always',
      ctr(
        'c',
        ['sh', '-c', 'echo up; while :; do sleep 0.1; done'],
        '    lifecycle:\n      postStart:\n        exec: {command: [sh, -c, "echo poststart-ran"]}\n',
      ),
    );
    const r = await runPod(podsOf(ok)[0]!, {
      deps: h.deps,
      images: h.images,
      signal: abort.signal,
      timing: fast,
      onEvent: (e) => {
        if (e.type === 'started')
          void untilOutput(h.root, e.container.id, 'poststart-ran\n').then(() => abort.abort());
      },
    });
    assert.match(await containerOutput(h.root, r.containers[0]!.id), /poststart-ran\n/);
    assert.equal(r.status.containerStatuses[0]!.restartCount, 0);

    const killings: string[] = [];
    const bad = podYaml(
      'poststart-bad',
      'Never',
      ctr('c', ['sleep', '600'], '    lifecycle:\n      postStart:\n        exec: {command: ["false"]}\n'),
    );
    const f = await runPod(podsOf(bad)[0]!, {
      deps: h.deps,
      images: h.images,
      timing: fast,
      onEvent: (e) => {
        if (e.type === 'killing') killings.push(e.message);
      },
    });
    assert.deepEqual(killings, ['PostStart hook failed: command "false" exited with 1']);
    assert.equal(f.phase, 'Failed');
    assert.equal(f.containers[0]!.message, 'PostStart hook failed: command "false" exited with 1');
  });

  test('preStop runs before SIGTERM and its output is in the container log', async () => {
    const abort = new AbortController();
    const yaml = podYaml(
      'prestop',
      'Always',
      ctr(
        'c',
        ['sh', '-c', 'trap "echo got-TERM; exit 0" TERM; echo up; while :; do sleep 0.1; done'],
        '    lifecycle:\n      preStop:\n        exec: {command: [sh, -c, "echo prestop-ran; echo prestop-err >&2"]}\n',
      ),
    );
    const r = await runPod(podsOf(yaml)[0]!, {
      deps: h.deps,
      images: h.images,
      signal: abort.signal,
      timing: fast,
      onEvent: (e) => {
        // Stop once the container has set its trap and said so.
        if (e.type === 'started') void untilOutput(h.root, e.container.id, 'up\n').then(() => abort.abort());
      },
    });
    const out = await containerOutput(h.root, r.containers[0]!.id);
    // (The shell may add "Terminated" for its sleep, which got SIGTERM with the rest of the job.)
    assert.match(out, /^up\nprestop-ran\nprestop-err\n(Terminated\n)?got-TERM\n/);
    assert.equal(r.containers[0]!.exitCode, 0);
    // Stopped by Ctrl-C with exit 0: Succeeded, as the kubelet ends a deleted pod.
    assert.equal(r.phase, 'Succeeded');
    assert.equal(r.interrupted, true);
  });

  test('a preStop hook longer than the grace period is cut short', async () => {
    const abort = new AbortController();
    const yaml = podYaml(
      'slowstop',
      'Always',
      ctr(
        'c',
        ['sh', '-c', 'trap "echo got-TERM; exit 0" TERM; echo up; while :; do sleep 0.1; done'],
        '    lifecycle:\n      preStop:\n        exec: {command: [sh, -c, "echo hook-start; sleep 30; echo hook-end"]}\n',
      ),
    );
    let t0 = 0;
    const r = await runPod(podsOf(yaml)[0]!, {
      deps: h.deps,
      images: h.images,
      signal: abort.signal,
      timing: fast,
      onEvent: (e) => {
        if (e.type === 'started')
          void untilOutput(h.root, e.container.id, 'up\n').then(() => {
            t0 = Date.now();
            abort.abort();
          });
      },
    });
    const took = Date.now() - t0;
    // Grace 2 s for the hook, then SIGTERM (kubelet's 2 s minimum after a hook): the trap ends it.
    assert.ok(took >= 1900 && took < 3800, `stop took ${took} ms`);
    const out = await containerOutput(h.root, r.containers[0]!.id);
    assert.match(out, /^up\nhook-start\n(Terminated\n)?got-TERM\n/);
    assert.doesNotMatch(out, /hook-end/);
  });
  test('after restarts, probes and preStop: no workspace, job or mount of these pods is left', async () => {
    const sandboxes = (await readdir(join(h.root, 'sandboxes')).catch(() => [])).filter(
      (n) => !n.startsWith('.'),
    );
    assert.deepEqual(sandboxes, []);
    assert.deepEqual(await h.deps.groups.listOrphans([]), []);
    assert.doesNotMatch(
      readFileSync('/proc/self/mountinfo', 'utf8'),
      new RegExp(h.root.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')),
    );
  });
});
