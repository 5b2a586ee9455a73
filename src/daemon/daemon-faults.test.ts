/**
 * Faults of `hostpod daemon` (issue 6, "Bad input and faults") against a real daemon: a crash
 * injected at each point of a transition leaves a consistent database and one running copy of
 * the pod; a full disk neither stops a container nor the daemon, is reported (health, metrics,
 * events), and logging resumes when space returns.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { mkdir, open, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { runCliSync } from '../cli/testing/spawn-cli.ts';
import { parseCriRecord } from '../runtime/logs/cri-log.ts';
import { logPath } from '../services/records.ts';
import { openStateDb, stateDbPath } from '../state/state-db.ts';
import { CRASH_POINTS } from './node-agent.ts';
import { eventually, hpcPodObject, makeDaemonHarness, podRunning } from './testing/daemon-harness.ts';

const pod = (name: string, command: string[]) => hpcPodObject(name, command);
const isRunning = podRunning;

/** Pids of the shims of the containers under `root` that are alive. */
async function liveShims(root: string): Promise<number[]> {
  const out: number[] = [];
  const { readdir } = await import('node:fs/promises');
  for (const id of await readdir(join(root, 'containers')).catch(() => [] as string[])) {
    const pid = Number.parseInt(
      await readFile(join(root, 'containers', id, 'task', 'shim.pid'), 'utf8').catch(() => '0'),
      10,
    );
    if (pid > 0 && existsSync(`/proc/${pid}`)) {
      const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
      if (comm.trim() === 'hostpod-shim') out.push(pid);
    }
  }
  return out;
}

describe('hostpod daemon faults', { concurrency: false }, () => {
  for (const point of CRASH_POINTS) {
    test(`a crash at "${point}" leaves a consistent database and one running copy of the pod`, async () => {
      const d = await makeDaemonHarness({ env: { HOSTPOD_TEST_CRASH_AT: point } });
      try {
        await d.start();
        // The apply may or may not be answered before the daemon kills itself.
        await d.client.apply({ objects: [pod('victim', ['sh', '-c', 'sleep 600'])] }).catch(() => undefined);
        await d.exited();
        assert.match(d.output(), /"msg":"serving"/);
        const db = openStateDb(stateDbPath(d.root));
        try {
          assert.deepEqual(db.quickCheck(), ['ok']);
        } finally {
          db.close();
        }
        d.setEnv({});
        await d.start();
        const p = await eventually(
          async () => {
            const v = await d.client.getPod('default', 'victim');
            return isRunning(v) ? v : undefined;
          },
          20_000,
          'the pod running after the restart',
        );
        assert.equal(p.status!.containerStatuses[0]!.restartCount, 0);
        // Exactly one container of the pod runs: a copy started before the crash was not kept.
        await new Promise((r) => setTimeout(r, 300));
        assert.equal((await liveShims(d.root)).length, 1, d.output());
        await d.client.deletePod('default', 'victim', { force: true });
        assert.deepEqual(await liveShims(d.root), []);
      } finally {
        await d.cleanup();
      }
    });
  }

  test('a full disk: the container keeps running, health and metrics say so, logging resumes with the loss counted', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hostpod-diskfull-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m,mode=0700', 'tmpfs', root]);
    const d = await makeDaemonHarness({ root, env: { HOSTPOD_TEST_CHECK_MS: '200' } });
    const filler = join(root, 'filler');
    try {
      await d.start();
      const line = [
        'perl',
        '-e',
        '$|=1; for ($i = 1; ; $i++) { printf "%d %s\\n", $i, "x" x 200; select(undef, undef, undef, 0.002) }',
      ];
      await d.client.apply({ objects: [pod('writer', line)] });
      const p = await eventually(
        async () => {
          const v = await d.client.getPod('default', 'writer');
          return isRunning(v) ? v : undefined;
        },
        20_000,
        'writer running',
      );
      const id = p.status!.containerStatuses[0]!.containerID!;
      await new Promise((r) => setTimeout(r, 300));
      // Fill the filesystem to the last block.
      const fh = await open(filler, 'w');
      for (const size of [1 << 20, 1 << 16, 1 << 12, 1 << 9]) {
        const buf = Buffer.alloc(size, 1);
        for (;;) {
          try {
            await fh.write(buf);
          } catch {
            break;
          }
        }
      }
      await fh.close();
      const health = await eventually(
        async () => {
          const h = await d.client.health();
          return h.problems.some((x) => /log writes fail/.test(x)) ? h : undefined;
        },
        10_000,
        'health to report the failing log',
      );
      assert.equal(health.ok, false);
      const metrics = await (await fetch(`http://${d.metricsAddress}/metrics`)).text();
      assert.match(metrics, /^hostpod_log_write_failures_total [1-9]/m);
      assert.match(metrics, /^hostpod_disk_full\{path="[^"]+"\} 1/m);
      // The container keeps running (its job still holds it) while nothing can be logged.
      await new Promise((r) => setTimeout(r, 500));
      const stats = await d.client.stats();
      assert.ok(
        stats.some((s) => s.containerId === id && s.processCount >= 1),
        JSON.stringify(stats),
      );
      await rm(filler);
      await eventually(
        async () => {
          const evs = await d.client.listEvents({ pod: 'writer' });
          return evs.some((e) => e.reason === 'LogWriteResumed') &&
            evs.some((e) => e.reason === 'LogWriteFailed')
            ? true
            : undefined;
        },
        10_000,
        'the LogWriteFailed and LogWriteResumed events',
      );
      assert.equal((await d.client.health()).ok, true);
      const after = await (await fetch(`http://${d.metricsAddress}/metrics`)).text();
      const dropped = Number(/^hostpod_log_bytes_dropped_total (\d+)/m.exec(after)?.[1] ?? '0');
      assert.ok(dropped > 0, after);
      // Every record in the log is whole; the numbers rise; the gap is where the marker says.
      await new Promise((r) => setTimeout(r, 300));
      const records = (await readFile(logPath(root, id)))
        .toString('latin1')
        .split('\n')
        .filter(Boolean)
        .map((l) => parseCriRecord(Buffer.from(l, 'latin1')));
      assert.ok(
        records.every((r) => r !== undefined),
        'a broken record in the log',
      );
      const nums = records
        .filter((r) => r!.stream === 'stdout')
        .map((r) => Number(r!.text.toString().split(' ')[0]));
      assert.ok(
        nums.every((n, i) => i === 0 || n > nums[i - 1]!),
        'numbers out of order',
      );
      assert.ok(
        nums.some((n, i) => i > 0 && n > nums[i - 1]! + 1),
        'no gap although output was lost',
      );
      assert.ok(
        records.some((r) => r!.stream === 'stderr' && /lost/.test(r!.text.toString())),
        'no marker of the lost output',
      );
      await d.client.deletePod('default', 'writer', { force: true });
    } finally {
      await rm(filler, { force: true });
      await d.cleanup().catch(() => {});
      try {
        execFileSync('umount', [root]);
      } catch {}
      await rmdir(root).catch(() => {});
    }
  });

  test('a damaged or newer state database is refused with a clear message and left as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hostpod-baddb-'));
    try {
      const run = (root: string) =>
        runCliSync([
          'daemon',
          '--root',
          root,
          '--socket',
          join(root, 's.sock'),
          '--metrics-address',
          '',
          '--static-pod-dir',
          '',
        ]);
      // Not a database at all.
      const garbage = join(dir, 'garbage');
      await mkdir(garbage, { mode: 0o700 });
      const bytes = Buffer.from('this is not a SQLite database, but it is precious\n'.repeat(100));
      await writeFile(stateDbPath(garbage), bytes);
      const r1 = run(garbage);
      assert.equal(r1.status, 7, r1.stderr);
      assert.match(r1.stderr, /state\.db/);
      assert.doesNotMatch(r1.stderr, /at .*\.ts:\d+/, 'a stack trace');
      assert.deepEqual(await readFile(stateDbPath(garbage)), bytes);
      // A database of a newer hostpod (schema version above this build's).
      const newer = join(dir, 'newer');
      await mkdir(newer, { mode: 0o700 });
      const db = openStateDb(stateDbPath(newer));
      db.close();
      const raw = new Database(stateDbPath(newer));
      raw.prepare("UPDATE meta SET value = '999' WHERE key = 'schema_version'").run();
      raw.close();
      const before = await readFile(stateDbPath(newer));
      const r2 = run(newer);
      assert.equal(r2.status, 4, r2.stderr);
      assert.match(r2.stderr, /newer/i);
      assert.deepEqual(await readFile(stateDbPath(newer)), before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('hostile API requests to a real daemon are refused and it goes on serving', async () => {
    const d = await makeDaemonHarness();
    try {
      await d.start();
      const raw = (method: string, path: string, body?: string, type = 'application/json') =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = request(
            {
              socketPath: d.socket,
              method,
              path,
              headers: body === undefined ? {} : { 'content-type': type },
            },
            (res) => {
              let text = '';
              res.setEncoding('utf8').on('data', (c: string) => {
                text += c;
              });
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
            },
          );
          req.on('error', reject);
          req.end(body);
        });
      assert.equal((await raw('POST', '/v1/apply', '{"objects": [')).status, 400);
      assert.equal((await raw('POST', '/v1/apply', '{"objects": [], "extra": 1}')).status, 400);
      assert.equal((await raw('GET', '/v1/namespaces/default/pods/..%2Fetc')).status, 400);
      const invalid = await raw('POST', '/v1/apply', JSON.stringify({ objects: [pod('../x', ['true'])] }));
      assert.equal(invalid.status, 400);
      const err = JSON.parse(invalid.body).error;
      assert.equal(err.code, 'InvalidArgument');
      assert.ok(
        err.details.some((x: { path: string }) => x.path === 'metadata.name'),
        invalid.body,
      );
      const notHpc = pod('plain', ['true']);
      (notHpc.spec as Record<string, unknown>).securityContext = {};
      const refused = await raw('POST', '/v1/apply', JSON.stringify({ objects: [notHpc] }));
      assert.equal(refused.status, 409, refused.body);
      assert.match(refused.body, /no HostProcess containers/);
      assert.equal((await d.client.listPods()).length, 0);
      assert.equal((await d.client.version()).api, 'v1');
    } finally {
      await d.cleanup();
    }
  });
});
