/**
 * The daemon's writer against a real state database on a real, small filesystem that the test
 * fills: what the disk refuses is held back in order, watchers hear only of what is committed,
 * and everything is written once space returns. Needs root (mount).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initialPodStatus, markStarted } from '../services/pod-status.ts';
import { storedStatus } from '../services/stored-status.ts';
import { parseContainerId } from '../state/ids.ts';
import { openStateDb } from '../state/state-db.ts';
import { podManifest } from '../state/testing/temp-state.ts';
import { StateWriter } from './state-writer.ts';

const isRoot = process.getuid?.() === 0;
const quiet = { info() {}, warn() {}, error() {} };

describe('StateWriter on a full disk', { skip: !isRoot && 'needs root (a tmpfs to fill)' }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hostpod-writer-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', dir]);
  });
  after(() => {
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Fills the filesystem to its last byte; returns the undo. */
  function fill(): () => Promise<void> {
    const file = join(dir, 'filler');
    for (const size of [256 * 1024, 16 * 1024, 1024, 64]) {
      for (let i = 0; ; i++) {
        try {
          writeFileSync(join(dir, `filler-${size}-${i}`), Buffer.alloc(size, 1));
        } catch {
          break;
        }
      }
    }
    return async () => {
      execFileSync('sh', ['-c', `rm -f ${dir}/filler-*`]);
      await rm(file, { force: true });
    };
  }

  test('StateWriter holds back container changes, statuses and events while the disk is full, then writes them in order', async () => {
    let failures = 0;
    const db = openStateDb(join(dir, 'state.db'));
    const w = new StateWriter(db, {
      log: quiet,
      metrics: { containerStarted() {}, containerStartFailed() {}, stateWriteFailed: () => failures++ },
    });
    try {
      const pod = db.pods.put({
        namespace: 'default',
        name: 'web',
        manifest: podManifest('web'),
        source: { kind: 'apply' },
      }).pod;
      const id = parseContainerId(`c${'1'.repeat(32)}`);
      w.create({
        id,
        podUid: pod.uid,
        pod: { namespace: 'default', name: 'web' },
        name: 'main',
        type: 'container',
        attempt: 0,
        image: 'busybox:1.36',
        owner: { pid: 1, startTime: '1', daemon: true },
      });
      const heard: string[] = [];
      w.watchPods((uid) => heard.push(`pod ${uid}`));
      w.watchEvents((e) => heard.push(`event ${e.reason}`));
      const spec = { restartPolicy: 'Always', containers: [{ name: 'main' }] };
      const status = initialPodStatus(spec);
      markStarted(status, spec, 'container', 'main', {
        containerID: id,
        startedAt: '2026-12-05T10:00:00.000Z',
        restartCount: 0,
        startupProbe: false,
        readinessProbe: false,
      });

      const refill = fill();
      w.update(id, { state: { running: { startedAt: '2026-12-05T10:00:00.000Z' } } });
      w.setStatus(pod.uid, status);
      w.addEvent(pod.uid, 'Normal', 'Started', 'Started container main');
      assert.equal(w.held, 3, 'the change, the status and the event were held back');
      assert.match(w.problem ?? '', /cannot write the state database/);
      assert.ok(failures >= 1, 'the failure was counted');
      // Nothing was told that is not on disk.
      assert.equal(heard.length, 0, heard.join(', '));
      assert.ok('waiting' in db.containers.get(id)!.state, 'the record is as it was');
      // A new run is never started unrecorded: creating one fails instead of being held.
      assert.throws(() =>
        w.create({
          id: parseContainerId(`c${'2'.repeat(32)}`),
          podUid: pod.uid,
          pod: { namespace: 'default', name: 'web' },
          name: 'side',
          type: 'container',
          attempt: 0,
          image: 'x'.repeat(100_000),
          owner: { pid: 1, startTime: '1', daemon: true },
        }),
      );

      await refill();
      assert.equal(w.flush(), true, 'everything written once space returned');
      assert.equal(w.problem, undefined);
      assert.equal(w.held, 0);
      assert.ok('running' in db.containers.get(id)!.state);
      assert.deepEqual(db.pods.get(pod.uid)!.status, storedStatus(status));
      assert.deepEqual(
        db.events.list({ podUid: pod.uid }).map((e) => e.reason),
        ['Started'],
      );
      assert.ok(heard.includes(`pod ${pod.uid}`) && heard.includes('event Started'), heard.join(', '));
    } finally {
      db.close();
    }
  });
});
