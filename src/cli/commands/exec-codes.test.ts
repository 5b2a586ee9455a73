/**
 * `hostpod exec` reports a command that cannot run as docker, podman and kubectl do — 127 not
 * found, 126 not executable — against a `hostpod run` container and a daemon's pod, with and
 * without -t; `-c` naming no such container; exec into a container whose `hostpod run` was
 * SIGKILLed. Through the CLI in child processes, real containers (needs root).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
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
const HAVE_SCRIPT = spawnSync('script', ['--version'], { stdio: 'ignore' }).error === undefined;
const IMAGE = 'localhost/hostpod-example:1.0';

function pod(name: string, command: string[]): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  hostNetwork: true
  restartPolicy: Never
  terminationGracePeriodSeconds: 2
  securityContext: {windowsOptions: {hostProcess: true, runAsUserName: "NT AUTHORITY\\\\SYSTEM"}}
  containers:
  - name: main
    image: ${IMAGE}
    command: ${JSON.stringify(command)}
  - name: side
    image: ${IMAGE}
    command: ["sleep", "300"]
`;
}

/** `hostpod exec` with -t through a real pseudo-terminal (script(1)): its exit code and output. */
function execTty(args: string[], env: NodeJS.ProcessEnv): { status: number | null; out: string } {
  const cmd = [process.execPath, ...cliArgv(['exec', '-t', ...args])].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qfec', cmd, '/dev/null'], {
    cwd: REPO,
    env: { ...process.env, ...env, TERM: 'dumb' },
    encoding: 'utf8',
    input: '',
    timeout: 30_000,
  });
  return { status: r.status, out: r.stdout };
}

/** Files an exec can name on the host (the container sees the host's /): each kind of failure. */
async function badPrograms(dir: string): Promise<Record<string, string>> {
  const p = {
    noexec: join(dir, 'noexec.sh'),
    badInterp: join(dir, 'bad-interp'),
    notElf: join(dir, 'not-elf'),
  };
  await writeFile(p.noexec, '#!/bin/sh\necho should not run\n', { mode: 0o644 });
  await writeFile(p.badInterp, '#!/no/such/interpreter\n', { mode: 0o755 });
  await writeFile(p.notElf, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3, 4]), { mode: 0o755 });
  return p;
}

/** Every case of one target: the exit code and what stderr must say, without and with -t. */
function assertCodes(
  pod: string,
  env: NodeJS.ProcessEnv,
  p: Record<string, string>,
  extra: string[] = [],
): void {
  const cases: [string[], number, RegExp][] = [
    [
      ['no-such-program', 'arg'],
      127,
      /exec: "no-such-program": executable file not found in container "main": looked in the working directory \S+, then in PATH \S*:\/hpc\//,
    ],
    [['bin/no-such.sh'], 127, /exec: "bin\/no-such\.sh": no such file in container "main"/],
    [[p.badInterp!], 127, /not found in container "main" \(execve: ENOENT; for a script, its #! interpreter/],
    [[p.noexec!], 126, /permission denied \(not executable for the container's user\).*execve: EACCES/],
    [['/usr'], 126, /exec: "\/usr": is a directory/],
    [[p.notElf!], 126, /exec format error.*ENOEXEC/],
  ];
  for (const [command, code, message] of cases) {
    const r = runCliSync(['exec', ...extra, pod, '--', ...command], { env });
    assert.equal(r.status, code, `${command[0]}: ${r.stderr}`);
    assert.match(r.stderr, message, command[0]);
    assert.doesNotMatch(r.stderr, /\n\s+at |hostpod-shim:/, `${command[0]}: one message, no trace`);
    assert.doesNotMatch(r.stdout + r.stderr, /should not run/);
    if (HAVE_SCRIPT) {
      const t = execTty([...extra, pod, '--', ...command], env);
      assert.equal(t.status, code, `-t ${command[0]}: ${t.out}`);
      assert.match(t.out, message, `-t ${command[0]}`);
    }
  }
  // The command's own exit code still passes through, whatever it is (127 included).
  const own = runCliSync(['exec', ...extra, pod, '--', 'sh', '-c', 'exit 127'], { env });
  assert.equal(own.status, 127);
  assert.equal(own.stderr, '');
  // -c naming no such container: exit 3, the pod's containers listed.
  const c = runCliSync(['exec', '-c', 'nope', pod, '--', 'true'], { env });
  assert.equal(c.status, 3, c.stderr);
  assert.match(
    c.stderr,
    new RegExp(`container nope not found in pod ${pod}\\nhint: its containers: (main, side|side, main)\\n$`),
  );
}

describe('hostpod exec exit codes', { skip: !IS_ROOT && 'needs root' }, () => {
  let work = '';
  let env: NodeJS.ProcessEnv = {};
  let programs: Record<string, string> = {};
  const cgroups = testCgroupParent();
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'hostpod-exec-codes-'));
    await chmod(work, 0o755);
    env = { HOSTPOD_ROOT: join(work, 'root'), HOSTPOD_SOCKET: join(work, 'no-daemon.sock') };
    programs = await badPrograms(work);
    const b = runCliSync(['image', 'build', join(REPO, 'examples/image'), '--tag', IMAGE], { env });
    assert.equal(b.status, 0, b.stderr);
  });
  after(async () => {
    // Stops what a failed test left (by the records of the state root), then removes it all.
    runCliSync(['run', '--rm', '-q', '--cgroup-parent', cgroups.parent, '-f', '-'], {
      env,
      input: pod('last', ['true']).replace(/ {2}- name: side[\s\S]*$/, ''),
    });
    await removeTestRoot(join(work, 'root'));
    await removeTestRoot(work);
    await cgroups.cleanup();
  });

  test('a hostpod run container: 127 not found, 126 not executable, -c names its containers', async () => {
    const name = `codes-${randomBytes(3).toString('hex')}`;
    await writeFile(join(work, 'p.yaml'), pod(name, ['sleep', '300']));
    const run = startCli(['run', '--rm', '--cgroup-parent', cgroups.parent, '-f', join(work, 'p.yaml')], {
      env,
    });
    try {
      await waitForOutput(run, (o) => /"side" started/.test(o) && /"main" started/.test(o));
      // -c: the containers of a `hostpod run` pod start at once, so "the first" is not known.
      assertCodes(name, env, programs, ['-c', 'main']);
    } finally {
      run.kill('SIGINT');
      await new Promise((r) => run.once('close', r));
    }
  });

  test('exec into a container whose hostpod run was SIGKILLed works; the next run stops it by its records', async () => {
    const name = `orphan-${randomBytes(3).toString('hex')}`;
    const pidFile = join(work, `${name}.pid`);
    // `$$$$`: Kubernetes turns `$$` into `$` in commands, so the shell gets `$$`.
    await writeFile(join(work, 'o.yaml'), pod(name, ['sh', '-c', `echo $$$$ > ${pidFile}; exec sleep 300`]));
    const run = startCli(['run', '--cgroup-parent', cgroups.parent, '-f', join(work, 'o.yaml')], { env });
    await waitForOutput(run, (o) => /"main" started/.test(o) && /"side" started/.test(o));
    for (let i = 0; i < 200 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
    const runPid = run.pid!;
    process.kill(runPid, 'SIGKILL');
    await new Promise((r) => run.once('close', r));
    const workload = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(existsSync(`/proc/${workload}`), 'the container died with its hostpod run');

    const r = runCliSync(
      ['exec', '-c', 'main', name, '--', 'sh', '-c', 'echo "in $CONTAINER_SANDBOX_MOUNT_POINT"; exit 3'],
      {
        env,
      },
    );
    assert.equal(r.status, 3, r.stderr);
    assert.equal(r.stdout, 'in /hpc/\n');
    assert.match(
      r.stderr,
      new RegExp(
        `warning: the hostpod run \\(pid ${runPid}\\) of pod "${name}" is gone; its container "main" still runs`,
      ),
    );
    const side = runCliSync(['exec', '-c', 'side', name, '--', 'true'], { env });
    assert.equal(side.status, 0, side.stderr);
    assert.equal(runCliSync(['exec', name, '--', 'no-such-program'], { env }).status, 127);

    // Cleaned up by its records: the next run under the root stops it.
    const next = runCliSync(['run', '--rm', '--cgroup-parent', cgroups.parent, '-f', '-'], {
      env,
      input: pod('next', ['true']).replace(/ {2}- name: side[\s\S]*$/, ''),
    });
    assert.equal(next.status, 0, next.stderr);
    assert.match(next.stderr, /cleaned up 2 container\(s\) left by an earlier hostpod run/);
    assert.equal(existsSync(`/proc/${workload}`), false, 'the orphaned container still runs');
    const gone = runCliSync(['exec', name, '--', 'true'], { env });
    assert.equal(gone.status, 4, gone.stderr);
    assert.match(gone.stderr, new RegExp(`Cannot exec in pod "${name}": no container is running`));
  });
});

describe('hostpod exec exit codes against the daemon', { skip: !IS_ROOT && 'needs root' }, () => {
  let d: DaemonHarness;
  let work = '';
  let programs: Record<string, string> = {};
  before(async () => {
    d = await makeDaemonHarness();
    await d.start();
    work = await mkdtemp(join(tmpdir(), 'hostpod-exec-codes-d-'));
    await chmod(work, 0o755);
    programs = await badPrograms(work);
  });
  after(async () => {
    await d?.cleanup();
    await removeTestRoot(work);
  });

  test("a daemon's pod: the same codes and messages", async () => {
    const obj = hpcPodObject('web', ['sleep', '600']) as { spec: { containers: Record<string, unknown>[] } };
    obj.spec.containers[0]!.name = 'main';
    obj.spec.containers.push({ ...obj.spec.containers[0]!, name: 'side' });
    await d.client.apply({ objects: [obj] });
    await eventually(
      async () => (podRunning(await d.client.getPod('default', 'web')) ? true : undefined),
      30_000,
      'web running',
    );
    // HOSTPOD_ROOT empty: the daemon answers (no state root of `hostpod run` is looked at).
    assertCodes('web', { HOSTPOD_SOCKET: d.socket, HOSTPOD_ROOT: '' }, programs);
  });
});
