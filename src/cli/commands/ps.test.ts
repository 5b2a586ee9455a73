/**
 * `hostpod ps` and `hostpod inspect` (crictl's habits) through the CLI in child processes, for the
 * containers of `hostpod run` (no daemon: the state root's records) and of a daemon (its API),
 * with real containers (needs root).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import type { ContainerView } from '../../api/protocol.ts';
import {
  type DaemonHarness,
  eventually,
  hpcPodObject,
  makeDaemonHarness,
  podRunning,
} from '../../daemon/testing/daemon-harness.ts';
import { removeTestRoot } from '../../lib/testing/remove-test-root.ts';
import { testCgroupParent } from '../testing/cgroup-parent.ts';
import { cliArgv, REPO, runCliSync, startCli, waitForOutput } from '../testing/spawn-cli.ts';

const IS_ROOT = process.getuid?.() === 0;
const IMAGE = 'localhost/hostpod-example:1.0';

interface Inspected {
  status: {
    id: string;
    metadata: { name: string; attempt: number };
    state: string;
    createdAt: string;
    startedAt: string | null;
    finishedAt: string | null;
    exitCode: number;
    image: { image: string };
    imageRef: string;
    reason: string;
    labels: Record<string, string>;
    mounts: { containerPath: string; hostPath: string }[];
    logPath: string;
  };
  info: {
    sandboxID: string | null;
    pid: number;
    cgroupPath: string | null;
    workspace: { containerPath: string; hostPath?: string } | null;
    owner: { kind: string; pid: number; alive: boolean };
  };
}

describe('hostpod ps / inspect without a daemon', { skip: !IS_ROOT && 'needs root' }, () => {
  let work = '';
  let env: NodeJS.ProcessEnv = {};
  const cgroups = testCgroupParent();
  const cli = (...args: string[]) => runCliSync(args, { env });
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'hostpod-ps-'));
    await chmod(work, 0o755); // another user may reach the state root (and find it closed)
    env = { HOSTPOD_ROOT: join(work, 'root'), HOSTPOD_SOCKET: join(work, 'no-daemon.sock') };
    const b = cli('image', 'build', join(REPO, 'examples/image'), '--tag', IMAGE);
    assert.equal(b.status, 0, b.stderr);
  });
  after(async () => {
    await removeTestRoot(join(work, 'root'));
    await removeTestRoot(work);
    await cgroups.cleanup();
  });

  test('an empty state root lists no container; an unknown id is exit 3', () => {
    const r = cli('ps', '-a');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'CONTAINER   IMAGE   CREATED   STATE   NAME   ATTEMPT   POD ID   POD\n');
    const i = cli('inspect', 'c0ffee');
    assert.equal(i.status, 3);
    assert.match(i.stderr, /container "c0ffee" not found/);
  });

  test('a running and an exited container of a hostpod run: columns, -a, -q, -o json|yaml, inspect by prefix', async () => {
    const name = `ps-${randomBytes(3).toString('hex')}`;
    await writeFile(
      join(work, 'p.yaml'),
      `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  hostNetwork: true
  restartPolicy: Never
  terminationGracePeriodSeconds: 2
  securityContext: {windowsOptions: {hostProcess: true, runAsUserName: "NT AUTHORITY\\\\SYSTEM"}}
  initContainers:
  - {name: init, image: ${IMAGE}, command: ["sh", "-c", "exit 0"]}
  containers:
  - {name: main, image: ${IMAGE}, command: ["sleep", "300"]}
`,
    );
    const run = startCli(['run', '--cgroup-parent', cgroups.parent, '-f', join(work, 'p.yaml')], {
      env,
    });
    try {
      await waitForOutput(run, (o) => /"main" started/.test(o));
      const ps = cli('ps');
      assert.equal(ps.status, 0, ps.stderr);
      const lines = ps.stdout.trimEnd().split('\n');
      assert.match(lines[0]!, /^CONTAINER +IMAGE +CREATED +STATE +NAME +ATTEMPT +POD ID +POD$/);
      assert.equal(lines.length, 2, ps.stdout);
      assert.match(
        lines[1]!,
        new RegExp(
          `^c[0-9a-f]{12} +localhost/hostpod-example:1\\.0 +(\\d+|Less than a) seconds? ago +Running +main +0 +- +${name}$`,
        ),
      );
      const all = cli('ps', '-a');
      assert.match(all.stdout, new RegExp(` Exited +init +0 +- +${name}\\n`));
      const ids = cli('ps', '-a', '-q').stdout.trim().split('\n');
      assert.equal(ids.length, 2);
      assert.ok(
        ids.every((id) => /^c[0-9a-f]{32}$/.test(id)),
        ids.join(' '),
      );

      const json = JSON.parse(cli('ps', '-a', '-o', 'json').stdout) as { containers: ContainerView[] };
      const byName = new Map(json.containers.map((c) => [c.name, c]));
      assert.equal(byName.get('main')?.state, 'CONTAINER_RUNNING');
      assert.equal(byName.get('init')?.state, 'CONTAINER_EXITED');
      assert.equal(byName.get('init')?.exitCode, 0);
      assert.equal(byName.get('init')?.type, 'init_container');
      const yaml = parse(cli('ps', '-o', 'yaml').stdout) as { containers: ContainerView[] };
      assert.deepEqual(
        yaml.containers.map((c) => c.name),
        ['main'],
      );

      const main = byName.get('main')!;
      const ins = cli('inspect', main.id.slice(0, 8));
      assert.equal(ins.status, 0, ins.stderr);
      const o = JSON.parse(ins.stdout) as Inspected;
      assert.equal(o.status.id, main.id);
      assert.equal(o.status.state, 'CONTAINER_RUNNING');
      assert.deepEqual(o.status.metadata, { name: 'main', attempt: 0 });
      assert.equal(o.status.image.image, IMAGE);
      assert.match(o.status.imageRef, /^sha256:[0-9a-f]{64}$/);
      assert.equal(o.status.labels['io.kubernetes.pod.name'], name);
      assert.ok(o.status.startedAt && o.status.finishedAt === null);
      assert.ok(existsSync(o.status.logPath), o.status.logPath);
      // The pid is the container's sleep; its cgroup is under the run's cgroup parent.
      assert.match(
        readFileSync(`/proc/${o.info.pid}/cmdline`, 'utf8').split('\0').join(' '),
        /^(\/usr)?\/bin\/sleep 300 $/,
      );
      assert.ok(o.info.cgroupPath?.startsWith(`${cgroups.parent}/`), String(o.info.cgroupPath));
      assert.equal(o.info.workspace?.containerPath, '/hpc/');
      assert.ok(o.info.workspace?.hostPath && existsSync(o.info.workspace.hostPath));
      assert.ok(o.status.mounts.some((m) => m.containerPath === '/hpc'));
      assert.deepEqual(o.info.owner, { kind: 'run', pid: run.pid, alive: true });
      assert.equal(o.info.sandboxID, null);

      const init = JSON.parse(cli('inspect', byName.get('init')!.id).stdout) as Inspected;
      assert.equal(init.status.state, 'CONTAINER_EXITED');
      assert.equal(init.status.reason, 'Completed');
      assert.ok(init.status.finishedAt);
      assert.equal(init.info.pid, 0);

      // Every id starts with "c": a prefix naming both is refused, listing them.
      const amb = cli('inspect', 'c');
      assert.equal(amb.status, 2, amb.stderr);
      assert.match(amb.stderr, /container id prefix "c" is ambiguous: 2 containers match \(c[0-9a-f]{12} /);
      assert.match(amb.stderr, new RegExp(`${name}/main`));
      assert.match(amb.stderr, new RegExp(`${name}/init`));
      // Hostile ids: not a path, not an option.
      for (const bad of ['../c', 'c/..', '%c']) {
        const r = cli('inspect', bad);
        assert.equal(r.status, 2, `${bad}: ${r.stderr}`);
        assert.match(r.stderr, /Invalid container id/);
      }
    } finally {
      run.kill('SIGINT');
      await new Promise((r) => run.once('close', r));
    }
    // Another user cannot read root's records: exit 5 with a hint, no stack trace.
    const other = spawnSync(process.execPath, cliArgv(['ps', '-a']), {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, ...env, HOME: tmpdir() },
      uid: 65534,
      gid: 65534,
      timeout: 60_000,
    });
    assert.equal(other.status, 5, other.stderr);
    assert.match(
      other.stderr,
      /Cannot read the container records in .*: permission denied\nhint: run as root/,
    );
    // After Ctrl-C: none runs, both are listed as exited.
    assert.equal(cli('ps', '-q').stdout, '');
    const done = cli('ps', '-a').stdout;
    assert.match(done, new RegExp(` Exited +main +0 +- +${name}\\n`));
    assert.match(done, new RegExp(` Exited +init +0 +- +${name}\\n`));
  });
});

describe('hostpod ps / inspect with the daemon', { skip: !IS_ROOT && 'needs root' }, () => {
  let d: DaemonHarness;
  before(async () => {
    d = await makeDaemonHarness();
    await d.start();
  });
  after(async () => {
    await d?.cleanup();
  });

  test("the daemon's containers through its API: pod id, attempts after a restart", async () => {
    const env = { HOSTPOD_SOCKET: d.socket, HOSTPOD_ROOT: '' };
    const cli = (...args: string[]) => runCliSync(args, { env });
    // Exits 3 at once the first time, then runs: a second attempt.
    const marker = join(d.root, 'ran-once');
    await d.client.apply({
      objects: [
        hpcPodObject('web', ['sh', '-c', `test -e ${marker} && exec sleep 600; touch ${marker}; exit 3`]),
      ],
    });
    const pod = await eventually(
      async () => {
        const p = await d.client.getPod('default', 'web');
        return podRunning(p) && p.status!.containerStatuses[0]!.restartCount === 1 ? p : undefined;
      },
      30_000,
      'web running its second attempt',
    );
    const ps = cli('ps');
    assert.equal(ps.status, 0, ps.stderr);
    const uid = pod.uid.slice(0, 13);
    assert.match(ps.stdout, new RegExp(` Running +c +1 +${uid} +web\\n`));
    assert.doesNotMatch(ps.stdout, / Exited /);
    const all = cli('ps', '-a');
    assert.match(all.stdout, new RegExp(` Exited +c +0 +${uid} +web\\n`));
    const running = pod.status!.containerStatuses[0]!.containerID!.replace(/^\w+:\/\//, '');
    const o = JSON.parse(cli('inspect', running.slice(0, 10)).stdout) as Inspected;
    assert.equal(o.status.id, running);
    assert.equal(o.status.metadata.attempt, 1);
    assert.equal(o.info.sandboxID, pod.uid);
    assert.equal(o.info.owner.kind, 'daemon');
    assert.match(readFileSync(`/proc/${o.info.pid}/cmdline`, 'utf8'), /sleep/);
    const first = JSON.parse(cli('ps', '-a', '-o', 'json').stdout) as { containers: ContainerView[] };
    const exited = first.containers.find((c) => c.attempt === 0)!;
    assert.equal(exited.exitCode, 3);
    assert.equal(exited.reason, 'Error');
  });
});
