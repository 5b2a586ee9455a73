/**
 * `hostpod apply` is idempotent against a real daemon (issue 14): a pod saved with
 * `get -o yaml` and applied again is `unchanged` and keeps running (same container, same start
 * time); a changed label is `configured`; `--dry-run` prints the word the real apply would.
 * Unknown fields are errors by default (`--validate`), and a name defined twice names both files.
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
    // A label is not a spec change: the pod shows it and keeps running, as under a kubelet.
    const relabelled = (await runningPod('agent')).status!.containerStatuses[0]!;
    assert.equal(relabelled.containerID, before.containerID, 'a label change restarts nothing');
    assert.deepEqual((await d.client.getPod('default', 'agent')).manifest.metadata, {
      labels: { tier: 'node' },
      name: 'agent',
      namespace: 'default',
    });
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

  test('apply refuses an unknown field by default with its path and file:line:col; --validate=warn and ignore apply it', async () => {
    const pod = hpcPodObject('typo', ['sleep', '600']);
    const c = ((pod.spec as Record<string, unknown>).containers as Record<string, unknown>[])[0]!;
    c.comand = ['sleep', '1'];
    const file = join(d.root, 'typo.yaml');
    await writeFile(file, stringify(pod));
    let r = cli('apply', '-f', file);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /typo\.yaml:\d+:\d+ {2}spec\.containers\[0\]\.comand: unknown field "comand"/);
    assert.match(r.stderr, /nothing was applied/);
    assert.equal((await d.client.listPods()).filter((p) => p.name === 'typo').length, 0, 'nothing applied');
    r = cli('apply', '-f', file, '--validate=true');
    assert.equal(r.status, 2, 'true is strict');
    r = cli('apply', '-f', file, '--validate=warn', '--dry-run');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Warning: Pod\/typo: unknown field "spec\.containers\[0\]\.comand"/);
    r = cli('apply', '-f', file, '--validate=false', '--dry-run');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'ignore (false) is silent');
    assert.equal(r.stdout, 'pod/typo created (server dry run)\n');
    r = cli('apply', '-f', file, '--validate=maybe');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--validate "maybe": expected strict, warn or ignore/);
  });

  test('apply of two objects with one name in two files names both files and lines', async () => {
    const a = join(d.root, 'a.yaml');
    const b = join(d.root, 'b.yaml');
    await writeFile(a, stringify(hpcPodObject('twice', ['sleep', '600'])));
    await writeFile(b, `# the same pod again\n---\n${stringify(hpcPodObject('twice', ['sleep', '1']))}`);
    const r = cli('apply', '-f', a, '-f', b);
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      /b\.yaml:\d+:\d+ {2}metadata\.name: Pod "default\/twice" is also defined at [^ ]*a\.yaml:\d+:\d+/,
    );
    assert.equal((await d.client.listPods()).filter((p) => p.name === 'twice').length, 0);
  });

  test('apply and run without -f say that -f is required (usage, exit 2)', () => {
    for (const verb of ['apply', 'run']) {
      const r = runCliSync([verb]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`${verb}: -f/--filename is required`));
      assert.match(r.stderr, new RegExp(`usage: hostpod ${verb} -f FILE`));
    }
  });

  test('an invalid static pod file reports every problem with file:line:col in its event and the daemon log', async () => {
    const pod = hpcPodObject('static-typo', ['sleep', '600']);
    const c = ((pod.spec as Record<string, unknown>).containers as Record<string, unknown>[])[0]!;
    c.comand = ['sleep', '1'];
    c.resource = { limits: { cpu: '1' } };
    (pod.spec as Record<string, unknown>).hostNetwork = false;
    const file = join(d.staticDir, 'typo.yaml');
    await writeFile(file, stringify(pod));
    try {
      const event = await eventually(
        async () =>
          (await d.client.listEvents()).find(
            (e) => e.reason === 'StaticPodInvalid' && e.message.includes('typo.yaml'),
          ),
        10_000,
        'the StaticPodInvalid event',
      );
      for (const problem of [
        /typo\.yaml:\d+:\d+: spec\.containers\[0\]\.comand: unknown field "comand"/,
        /typo\.yaml:\d+:\d+: spec\.containers\[0\]\.resource: unknown field "resource"/,
        /typo\.yaml:\d+:\d+: spec\.hostNetwork: /,
      ]) {
        assert.match(event.message, problem);
        assert.match(d.output().replaceAll('\\"', '"'), problem, 'and in the daemon log');
      }
      assert.equal((await d.client.listPods()).filter((p) => p.name.startsWith('static-typo')).length, 0);
    } finally {
      await rm(file, { force: true });
    }
  });

  test('a pod for Windows nodes is refused with a hint naming a flag the daemon has', async () => {
    const pod = hpcPodObject('win-only', ['sleep', '600']);
    (pod.spec as Record<string, unknown>).nodeSelector = { 'kubernetes.io/os': 'windows' };
    const file = join(d.root, 'win.yaml');
    await writeFile(file, stringify(pod));
    const r = cli('apply', '-f', file);
    assert.equal(r.status, 4, r.stderr);
    assert.match(r.stderr, /nodeSelector kubernetes\.io\/os=windows does not match this node/);
    assert.match(r.stderr, /remove its kubernetes\.io\/os selector or set it to linux/);
    assert.match(r.stderr, /hostpod daemon --node-label or nodeLabels in its config/);
    const help = runCliSync(['daemon', '--help']);
    assert.match(help.stdout, /--node-label <key=value>/, 'the flag the hint names exists');
  });
});
