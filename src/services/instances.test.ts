/**
 * Two hostpod instances on one host (issue 11 class 6, issue 13 "two hostpods on one host"):
 * a daemon with a running pod, and `hostpod run`s on another state root sharing the daemon's
 * cgroup parent and its workspace mount point. A run is SIGKILLed, a third run cleans up after
 * it: the daemon's container must keep running with its workspace, and exec into it must work.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCliSync, startCli } from '../cli/testing/spawn-cli.ts';
import {
  type DaemonHarness,
  eventually,
  hpcPodObject,
  makeDaemonHarness,
  podRunning,
} from '../daemon/testing/daemon-harness.ts';
import { instanceId } from '../lib/instance-id.ts';
import { isAlive, parseIdentity } from '../lib/process-identity.ts';
import { createGroupManager } from '../runtime/group/group-manager.ts';
import { cleanupStale } from './cleanup.ts';
import { type Harness, makeHarness, TEST_IMAGE } from './testing/harness.ts';

const isRoot = process.getuid?.() === 0;
const ANNOTATION = 'microsoft.com/hostprocess-rootfs-location';

describe('two instances on one host', { skip: !isRoot && 'needs root' }, () => {
  let d: DaemonHarness;
  let other: Harness;
  // The shared workspace mount point (what /hpc is by default), unique to this test.
  const location = `/tmp/hostpod-test-shared-hpc-${randomBytes(4).toString('hex')}`;
  before(async () => {
    d = await makeDaemonHarness();
    await d.start();
    other = await makeHarness();
  });
  after(async () => {
    // A failed run of this test may leave the killed run's container: clean up that root the
    // way its next run would, with the cgroup parent it used.
    if (d && other) {
      const groups = await createGroupManager({ parent: d.cgroupParent, instance: instanceId(other.root) });
      await cleanupStale({ root: other.root, groups, containers: other.db.containers }).catch(() => {});
    }
    await d?.cleanup();
    await other?.cleanup();
    await rm(location, { recursive: true, force: true }).catch(() => {});
  });

  const runPod = (name: string, command: string[]) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, annotations: { [ANNOTATION]: location } },
      spec: {
        hostNetwork: true,
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 1,
        securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
        containers: [{ name: 'c', image: TEST_IMAGE, imagePullPolicy: 'Never', command }],
      },
    });

  test("a SIGKILLed `hostpod run` on another root, cleaned up by a third run, harms neither the daemon's container nor its workspace", async () => {
    const runArgs = (file: string) => [
      'run',
      '-f',
      file,
      '--root',
      other.root,
      '--cgroup-parent',
      d.cgroupParent,
    ];
    const env = { HOSTPOD_SOCKET: '', HOSTPOD_ROOT: '' };
    // 1. The other root's run starts first: it makes the shared mount point.
    const victimFile = join(other.root, 'victim.json');
    await writeFile(victimFile, runPod('victim', ['sleep', '600']));
    const victim = startCli(runArgs(victimFile), { env });
    try {
      const rec = await eventually(
        async () => other.db.containers.listUnfinished().find((r) => 'running' in r.state),
        30_000,
        `the victim container running:\n${victim.output()}`,
      );
      assert.ok(existsSync(location), 'the run made the mount point');

      // 2. The daemon starts a pod with the same mount point and cgroup parent.
      const keeper = hpcPodObject('keeper', ['sh', '-c', 'sleep 600']);
      (keeper.metadata as Record<string, unknown>).annotations = { [ANNOTATION]: location };
      await d.client.apply({ objects: [keeper] });
      const pod = await eventually(
        async () => {
          const p = await d.client.getPod('default', 'keeper');
          return podRunning(p) ? p : undefined;
        },
        30_000,
        'keeper running',
      );
      const keeperId = pod.status!.containerStatuses[0]!.containerID!;
      const shimText = await readFile(join(d.root, 'containers', keeperId, 'task', 'shim.pid'), 'utf8');
      const keeperShim = parseIdentity(shimText)!;

      // 3. The run is killed; a third run on its root cleans up after it, runs a pod, ends.
      victim.kill('SIGKILL');
      await new Promise((r) => victim.once('close', r));
      const victimShim = parseIdentity(
        await readFile(join(other.root, 'containers', rec.id, 'task', 'shim.pid'), 'utf8'),
      )!;
      assert.equal(await isAlive(victimShim), true, 'a killed run leaves its container running');
      const quickFile = join(other.root, 'quick.json');
      await writeFile(quickFile, runPod('quick', ['sh', '-c', 'echo quick-ok']));
      const third = runCliSync(runArgs(quickFile), { env });
      assert.equal(third.status, 0, `${third.stdout}\n${third.stderr}`);
      assert.match(third.stdout, /quick-ok/);
      await eventually(
        async () => ((await isAlive(victimShim)) ? undefined : true),
        10_000,
        'the victim container stopped by the cleanup',
      );

      // 4. The daemon's container runs on, its workspace still mounted: exec works in it.
      assert.equal(await isAlive(keeperShim), true, "the daemon's container was not stopped");
      assert.ok(existsSync(location), 'the shared mount point is still there');
      assert.ok(podRunning(await d.client.getPod('default', 'keeper')));
      const exec = runCliSync(['exec', 'keeper', '--', 'sh', '-c', 'pwd; cat etc/motd'], {
        env: { HOSTPOD_SOCKET: d.socket, HOSTPOD_ROOT: '' },
      });
      assert.equal(exec.status, 0, exec.stderr);
      assert.equal(exec.stdout, `${location}\nfrom the image\n`);
    } finally {
      if (victim.exitCode === null && victim.signalCode === null) victim.kill('SIGKILL');
    }
  });
});
