/**
 * One pod worker without a daemon: the services' real runPod on this host, its records and
 * status written through a real StateWriter, its start failures retried or given up on as the
 * kubelet does. Needs root (cgroups, the shim).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Pod } from '../api/types.ts';
import { emptyObjectSet } from '../services/object-set.ts';
import { DEFAULT_TIMING } from '../services/pod-runner.ts';
import {
  type Harness,
  hpcPodSpecYaml,
  makeHarness,
  podsOf,
  TEST_IMAGE,
} from '../services/testing/harness.ts';
import type { PodUid } from '../state/ids.ts';
import { PodWorker, type PodWorkerContext } from './pod-worker.ts';
import { Reconciler } from './reconcile.ts';
import { StateWriter } from './state-writer.ts';
import { eventually } from './testing/daemon-harness.ts';
import { viewOf } from './views.ts';

const isRoot = process.getuid?.() === 0;
const quiet = { info() {}, warn() {}, error() {} };

describe('PodWorker', { skip: !isRoot && 'needs root (cgroups)' }, () => {
  let h: Harness;
  let writer: StateWriter;
  let x: PodWorkerContext;
  const detach = new AbortController();
  const started: string[] = [];
  before(async () => {
    h = await makeHarness();
    writer = new StateWriter(h.db, { log: quiet });
    const deps = { ...h.deps, records: writer };
    x = {
      deps,
      images: h.images,
      writer,
      reconciler: new Reconciler(deps, writer, quiet),
      objects: () => emptyObjectSet(),
      timing: { ...DEFAULT_TIMING, initialMs: 100, maxMs: 400, probeSecondMs: 50 },
      detach: detach.signal,
      log: quiet,
      metrics: { containerStarted: (t) => started.push(t), containerStartFailed() {} },
    };
  });
  after(() => h.cleanup());

  function store(pod: Pod): PodUid {
    const rec = h.db.pods.put({
      namespace: 'default',
      name: pod.metadata.name ?? '',
      manifest: { apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata, spec: pod.spec },
      source: { kind: 'apply' },
    }).pod;
    return rec.uid;
  }

  test('PodWorker runs a pod to its end: records, status and events are in the database', async () => {
    const [pod] = podsOf(
      hpcPodSpecYaml(
        'done',
        `  containers:\n  - {name: c, image: ${TEST_IMAGE}, imagePullPolicy: Never, command: [sh, -c, 'exit 0']}\n`,
      ),
    );
    const uid = store(pod!);
    const w = new PodWorker(x, uid, pod!, undefined);
    await w.done;
    const rec = h.db.pods.get(uid)!;
    assert.equal(rec.phase, 'Succeeded');
    const [row] = h.db.containers.listByPod(uid);
    assert.ok(
      row && 'terminated' in row.state && row.state.terminated.reason === 'Completed',
      JSON.stringify(row),
    );
    assert.equal(row.podUid, uid);
    assert.ok(row.exec, 'the record holds what exec needs');
    assert.deepEqual(
      h.db.events.list({ podUid: uid }).map((e) => e.reason),
      ['Pulled', 'Started'],
    );
    assert.deepEqual(started, ['container']);
  });

  test('PodWorker retries a missing image with back-off, showing the waiting reason, until stopped', async () => {
    const [pod] = podsOf(
      hpcPodSpecYaml(
        'noimage',
        '  containers:\n  - {name: c, image: localhost/absent:1, imagePullPolicy: Never, command: ["true"]}\n',
      ),
    );
    const uid = store(pod!);
    const w = new PodWorker(x, uid, pod!, undefined);
    await eventually(
      async () =>
        (h.db.events
          .list({ podUid: uid })
          .filter((e) => e.reason === 'Failed')
          .at(0)?.count ?? 0) >= 3 || undefined,
      10_000,
      'three tries',
    );
    const view = viewOf(h.db.pods.get(uid)!, h.db.containers.listByPod(uid));
    const state = view.status?.containerStatuses[0]?.state;
    assert.ok(
      state && 'waiting' in state && state.waiting.reason === 'ErrImageNeverPull',
      JSON.stringify(state),
    );
    w.stop.abort();
    await w.done;
    assert.equal(h.db.containers.listByPod(uid).length, 0, 'no container was recorded: none started');
  });

  test('PodWorker gives up on a pod this node may not run: Failed, no retry', async () => {
    const [pod] = podsOf(
      hpcPodSpecYaml(
        'elsewhere',
        `  nodeSelector: {kubernetes.io/os: windows}\n  containers:\n  - {name: c, image: ${TEST_IMAGE}, imagePullPolicy: Never, command: ["true"]}\n`,
      ),
    );
    const uid = store(pod!);
    const w = new PodWorker(x, uid, pod!, undefined);
    await w.done;
    assert.equal(h.db.pods.get(uid)!.phase, 'Failed');
    const failed = h.db.events.list({ podUid: uid }).filter((e) => e.reason === 'FailedCreate');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.count, 1, 'tried once');
    assert.match(failed[0]!.message, /does not match this node/);
  });
});
