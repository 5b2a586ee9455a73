import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import Database from 'better-sqlite3';
import type { ContainerState } from './container-state.ts';
import { parsePodUid } from './ids.ts';
import { migration0001 } from './migrations/0001-initial.ts';
import { SCHEMA_VERSION } from './migrations/index.ts';
import { openStateDb } from './state-db.ts';
import { CONTAINER_NAMES, PROGRESS } from './testing/crash-shared.ts';
import { podManifest, tempState } from './testing/temp-state.ts';

const CHILD = fileURLToPath(new URL('./testing/crash-child.ts', import.meta.url));
const MIGRATE_CHILD = fileURLToPath(new URL('./testing/migrate-crash-child.ts', import.meta.url));
const ROUNDS = 6;
const t = tempState();
after(() => t.cleanup());

/** Runs the child until it is ready, lets it work 20–200 ms, SIGKILLs it; the last number it printed. */
async function runAndKill(seed: number): Promise<{ reported: number; lines: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, t.path, String(seed)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  let timer: NodeJS.Timeout | undefined;
  try {
    const ready = await Promise.race([
      new Promise<boolean>((resolve) => {
        const check = () => (out.includes('ready\n') ? resolve(true) : setTimeout(check, 5));
        check();
      }),
      exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 30_000);
      }),
    ]);
    assert.ok(ready, `the child did not get ready: ${err}`);
    await new Promise((r) => setTimeout(r, 20 + ((seed * 37) % 181)));
  } finally {
    clearTimeout(timer);
    child.kill('SIGKILL');
  }
  assert.equal(await exited, 'SIGKILL', `the child ended by itself: ${err}`);
  const numbers = out
    .split('\n')
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
  return { reported: numbers.at(-1) ?? 0, lines: numbers.length };
}

test('StateDb.transition() leaves a sound database when SIGKILLed at random points, every reported transition kept', async () => {
  let reported = 0;
  let total = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const r = await runAndKill(round * 7919);
    reported = Math.max(reported, r.reported);
    total += r.lines;
    const db = openStateDb(t.path);
    try {
      assert.deepEqual(db.quickCheck(), ['ok'], `round ${round}`);
      const progress = db.objects.get(PROGRESS.kind, PROGRESS.namespace, PROGRESS.name);
      const seq = Number(progress?.object.seq ?? 0);
      // Committed before reported: every number printed is in the database; at most one more.
      assert.ok(
        seq >= reported && seq <= reported + 1,
        `round ${round}: db at ${seq}, child reported ${reported}`,
      );
      reported = seq;
      const lastEvent = db.events.list().at(-1);
      if (seq > 0) assert.equal(lastEvent?.message, `seq ${seq}`, 'the event moves with its transition');
      for (const pod of db.pods.list()) {
        const status = pod.status as {
          seq: number;
          observedGeneration: number;
          containerStatuses: unknown[];
        };
        assert.ok(status, `pod ${pod.name} has a status`);
        assert.ok(status.seq <= seq, `pod ${pod.name}: status seq ${status.seq} > ${seq}`);
        assert.equal(
          status.observedGeneration,
          pod.generation,
          `pod ${pod.name}: status of its current spec`,
        );
        const latest = db.containers.listByPod(pod.uid, { latest: true });
        for (const s of status.containerStatuses as {
          name: string;
          containerID: string;
          restartCount: number;
          state: ContainerState;
          lastState: ContainerState | Record<string, never>;
        }[]) {
          assert.ok(CONTAINER_NAMES.includes(s.name as 'main'), s.name);
          const c = latest.find((x) => x.name === s.name);
          assert.ok(c, `pod ${pod.name}: a status for container ${s.name} without its row`);
          assert.equal(c.id, s.containerID, `pod ${pod.name}/${s.name}: the status names the newest attempt`);
          assert.equal(c.attempt, s.restartCount);
          assert.ok(
            isDeepStrictEqual(c.state, s.state),
            `pod ${pod.name}/${s.name}: row ${JSON.stringify(c.state)} vs status ${JSON.stringify(s.state)}`,
          );
          assert.ok(
            isDeepStrictEqual(c.lastState ?? {}, s.lastState),
            `${JSON.stringify(c.lastState)} vs ${JSON.stringify(s.lastState)}`,
          );
        }
        assert.equal(
          latest.length,
          status.containerStatuses.length,
          `pod ${pod.name}: a container row without its status`,
        );
      }
    } finally {
      db.close();
    }
  }
  assert.ok(total > 0, 'the children made progress');
});

test('openStateDb() killed inside a migration leaves the previous version, which the next open migrates', async () => {
  const m = tempState();
  try {
    openStateDb(m.path, { migrations: [migration0001] }).close();
    // Written as a version 1 hostpod wrote it (today's repositories know today's columns).
    const pod = { uid: parsePodUid('3f1d2c4b-5a69-4e7f-8a1b-2c3d4e5f6a7b') };
    const raw = new Database(m.path);
    raw
      .prepare(
        "INSERT INTO pods VALUES (?, 'default', 'web', ?, 'apply', NULL, '2026-11-27T12:00:00.000Z', NULL, NULL, 1)",
      )
      .run(pod.uid, JSON.stringify(podManifest('web')));
    raw
      .prepare(
        "INSERT INTO events (pod_uid, time, type, reason, message) VALUES (?, ?, 'Normal', 'Started', 'before')",
      )
      .run(pod.uid, '2026-11-27T12:00:00.000Z');
    raw.close();

    const child = spawn(process.execPath, ['--import', 'tsx', MIGRATE_CHILD, m.path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      for (let i = 0; i < 6000 && !out.includes('in-migration'); i++)
        await new Promise((r) => setTimeout(r, 5));
      assert.match(out, /in-migration/, `the child did not reach the migration: ${err}`);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }

    const check = new Database(m.path, { readonly: true });
    try {
      assert.equal(check.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get(), '1');
      const cols = check.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('events');
      assert.ok(!cols.includes('count'), 'the half-done migration left no trace');
    } finally {
      check.close();
    }
    const db = openStateDb(m.path);
    try {
      assert.equal(db.schemaVersion, SCHEMA_VERSION);
      assert.deepEqual(db.quickCheck(), ['ok']);
      assert.equal(db.pods.get(pod.uid)?.name, 'web');
      assert.deepEqual(
        db.events.list({ podUid: pod.uid }).map((e) => `${e.message}x${e.count}`),
        ['beforex1'],
      );
    } finally {
      db.close();
    }
  } finally {
    m.cleanup();
  }
});
