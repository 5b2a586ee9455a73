/**
 * `hostpod run` status lines for restarts and probes, end to end (root): real back-off and probe
 * constants, so only what shows within a second or two is checked.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { removeTestRoot } from '../../lib/testing/remove-test-root.ts';
import { REPO, runCliSync, startCli, waitForOutput } from '../testing/spawn-cli.ts';

const isRoot = process.getuid?.() === 0;
const EXAMPLE_IMAGE = 'localhost/hostpod-example:1.0';

describe('hostpod run: restarts and probes', { skip: !isRoot && 'needs root' }, () => {
  let root = '';
  let env: NodeJS.ProcessEnv = {};
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'hostpod-cli-life-'));
    env = { HOSTPOD_ROOT: root };
    const b = runCliSync(['image', 'build', join(REPO, 'examples/image'), '--tag', EXAMPLE_IMAGE], { env });
    assert.equal(b.status, 0, b.stderr);
  });
  after(async () => {
    await removeTestRoot(root);
  });

  test('a crashing container shows CrashLoopBackOff after its exit, a readiness probe shows its success; Ctrl-C during the back-off exits 130 at once', async () => {
    const yaml = `apiVersion: v1
kind: Pod
metadata: {name: life}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 3
  securityContext: {windowsOptions: {hostProcess: true, runAsUserName: "NT AUTHORITY\\\\SYSTEM"}}
  containers:
  - name: crash
    image: ${EXAMPLE_IMAGE}
    command: [sh, -c, "echo crashing; exit 1"]
  - name: svc
    image: ${EXAMPLE_IMAGE}
    command: [sleep, "600"]
    readinessProbe:
      exec: {command: ["true"]}
`;
    const file = join(root, 'life.yaml');
    await writeFile(file, yaml);
    const child = startCli(['run', '-f', file], { env });
    try {
      const out = await waitForOutput(
        child,
        (o) => /CrashLoopBackOff/.test(o) && /container "svc": Readiness probe succeeded/.test(o),
      );
      assert.match(
        out,
        /container "crash" exited with 1 \(Error\)\nhostpod: pod "life": container "crash" CrashLoopBackOff: back-off 10s restarting failed container=crash pod=life; restart 1 at \d\d:\d\d:\d\d\n/,
      );
      const t0 = Date.now();
      const closed = new Promise<number | null>((res) => child.once('close', res));
      child.kill('SIGINT');
      const code = await closed;
      assert.equal(code, 130, child.output());
      // The crashing container waits 10 s; the stop does not (svc gets SIGTERM and exits).
      assert.ok(Date.now() - t0 < 6000, `stopping took ${Date.now() - t0} ms`);
      assert.match(child.output(), /pod "life": Failed \(interrupted\)/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
