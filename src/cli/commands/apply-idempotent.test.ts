/**
 * `hostpod apply` is idempotent against a real daemon (issue 14): a pod saved with
 * `get -o yaml` and applied again is `unchanged` and keeps running (same container, same start
 * time); a changed label is `configured`; `--dry-run` prints the word the real apply would.
 */

import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import {
  type DaemonHarness,
  eventually,
  hpcPodObject,
  makeDaemonHarness,
  podRunning,
} from '../../daemon/testing/daemon-harness.ts';
import { runCliSync } from '../testing/spawn-cli.ts';

describe('hostpod apply (idempotent)', { concurrency: false }, () => {
  let d: DaemonHarness;
  const cli = (...args: string[]) => runCliSync([...args, '--socket', d.socket]);
  before(async () => {
    d = await makeDaemonHarness();
    await d.start();
  });
  after(async () => {
    await d?.cleanup();
  });

  async function runningPod(name: string) {
    return eventually(
      async () => {
        const p = (await d.client.listPods()).find((x) => x.name === name);
        return podRunning(p) ? p : undefined;
      },
      30_000,
      `pod ${name} running`,
    );
  }

  test('apply of a `get -o yaml` copy is unchanged and does not restart the pod; a label change is configured', async () => {
    const file = join(d.root, 'agent.yaml');
    await writeFile(file, stringify(hpcPodObject('agent', ['sleep', '600'])));
    let r = cli('apply', '-f', file);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'pod/agent created\n');
    const before = (await runningPod('agent')).status!.containerStatuses[0]!;

    r = cli('get', 'pod', 'agent', '-o', 'yaml');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^status:/m, 'the saved copy carries the status');
    assert.match(r.stdout, /uid:/, 'and the uid');
    const saved = join(d.root, 'saved.yaml');
    await writeFile(saved, r.stdout);

    r = cli('apply', '-f', saved, '--dry-run');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'pod/agent unchanged (server dry run)\n');
    r = cli('apply', '-f', saved);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'pod/agent unchanged\n');
    r = cli('apply', '-f', file);
    assert.equal(r.stdout, 'pod/agent unchanged\n', 'the original file (no status, no uid) too');

    await new Promise((res) => setTimeout(res, 500));
    const after = (await runningPod('agent')).status!.containerStatuses[0]!;
    assert.equal(after.containerID, before.containerID, 'the same container');
    assert.equal(after.restartCount, before.restartCount);
    assert.deepEqual(after.state, before.state, 'the same start time');

    // A label is a change the user asked for.
    const labelled = hpcPodObject('agent', ['sleep', '600']);
    (labelled.metadata as Record<string, unknown>).labels = { tier: 'node' };
    await writeFile(file, stringify(labelled));
    r = cli('apply', '-f', file, '--dry-run');
    assert.equal(r.stdout, 'pod/agent configured (server dry run)\n');
    r = cli('apply', '-f', file);
    assert.equal(r.stdout, 'pod/agent configured\n');
    r = cli('apply', '-f', file);
    assert.equal(r.stdout, 'pod/agent unchanged\n');
    await rm(saved);
  });

  test('apply --dry-run of a new pod says created and creates nothing', async () => {
    const file = join(d.root, 'new.yaml');
    await writeFile(file, stringify(hpcPodObject('fresh', ['sleep', '600'])));
    const r = cli('apply', '-f', file, '--dry-run');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'pod/fresh created (server dry run)\n');
    assert.equal((await d.client.listPods()).filter((p) => p.name === 'fresh').length, 0);
  });
});
