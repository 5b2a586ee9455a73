/**
 * `hostpod run` and `hostpod exec` end to end, through the CLI in a child process, on this host
 * (needs root): the README's example, Ctrl-C, crash cleanup after SIGKILL, exec with a terminal,
 * and the seed pod's Windows image refused with a clear message.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { buildImage } from '../../image/build.ts';
import { LocalContentStore } from '../../image/content-store.ts';
import { ImageStore } from '../../image/image-store.ts';
import { removeTestRoot } from '../../lib/testing/remove-test-root.ts';
import { sharedFixtures } from '../../lib/testing/shared-fixtures.ts';
import { openStateDb, stateDbPath } from '../../state/state-db.ts';
import { cliArgv, REPO, runCliSync, startCli, waitForOutput } from '../testing/spawn-cli.ts';

const isRoot = process.getuid?.() === 0;
const EXAMPLE_IMAGE = 'localhost/hostpod-example:1.0';
const { manifests: FIXTURES, skip: noFixtures } = sharedFixtures();
const SEED = join(FIXTURES, 'seed/hostprocess-test-pod.yaml');

function pod(name: string, command: string[], extra = ''): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  hostNetwork: true
  restartPolicy: Never
  terminationGracePeriodSeconds: 3
  securityContext: {windowsOptions: {hostProcess: true, runAsUserName: "NT AUTHORITY\\\\SYSTEM"}}
  containers:
  - name: main
    image: ${EXAMPLE_IMAGE}
    command: ${JSON.stringify(command)}
${extra}`;
}

/** Signals the CLI and resolves with its exit code (at once if it has already ended). */
async function stopCli(child: ChildProcess, signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const closed = new Promise<number | null>((res) => child.once('close', (code) => res(code)));
  child.kill(signal);
  return closed;
}

describe('hostpod run / exec', { skip: !isRoot && 'needs root' }, () => {
  let root = '';
  let env: NodeJS.ProcessEnv = {};
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'hostpod-cli-run-'));
    env = { HOSTPOD_ROOT: root };
    const b = runCliSync(['image', 'build', join(REPO, 'examples/image'), '--tag', EXAMPLE_IMAGE], { env });
    assert.equal(b.status, 0, b.stderr);
  });
  after(async () => {
    // A failed test may leave a container of a killed run: the next run's cleanup removes it.
    runCliSync(['run', '--rm', '-q', '-f', '-'], { env, input: pod('last', ['true']) });
    await removeTestRoot(root);
  });

  test("the README's example pod runs and shows the host", () => {
    const r = runCliSync(['run', '--rm', '-f', join(REPO, 'examples/pods/hello.yaml')], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^hello from a HostProcess container$/m);
    assert.match(r.stdout, /^workspace: +\/hpc\/$/m);
    assert.match(r.stdout, /^running as: +uid=0\(root\)/m);
    assert.match(r.stderr, /pod "hello": Succeeded/);
  });

  test('a failing container makes run exit 1; an invalid manifest exits 2 before starting anything', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hostpod-cli-m-'));
    try {
      await writeFile(join(dir, 'fail.yaml'), pod('fails', ['bin/fail.sh', '4']));
      const r = runCliSync(['run', '-q', '-f', join(dir, 'fail.yaml')], { env });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /fail\.sh: exiting with 4/);
      await writeFile(
        join(dir, 'bad.yaml'),
        pod('bad', ['true']).replace('hostNetwork: true', 'hostNetwork: false'),
      );
      const b = runCliSync(['run', '-f', join(dir, 'bad.yaml')], { env });
      assert.equal(b.status, 2);
      assert.match(
        b.stderr,
        /spec\.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers/,
      );
      assert.match(b.stderr, /nothing was started/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('an untagged localhost image (pull policy Always) whose pull fails points to the local copy and IfNotPresent', async () => {
    const b = runCliSync(['image', 'build', join(REPO, 'examples/image'), '--tag', 'localhost/untagged'], {
      env,
    });
    assert.equal(b.status, 0, b.stderr);
    const manifest = pod('untagged', ['true']).replace(
      `image: ${EXAMPLE_IMAGE}`,
      'image: localhost/untagged',
    );
    const r = runCliSync(['run', '--rm', '-f', '-'], { env, input: manifest });
    assert.equal(r.status, 6, r.stderr);
    assert.match(r.stderr, /ErrImagePull: .*localhost\/untagged/);
    assert.match(r.stderr, /hint: the image "localhost\/untagged" is in the local store \(sha256:/);
    assert.match(r.stderr, /set imagePullPolicy: IfNotPresent, or give the image a tag/);
  });

  test('the seed pod (a Windows image) is refused with a message naming both OSes', {
    skip: noFixtures,
  }, async () => {
    // The seed's image, built here as windows/amd64 under the seed's own image name.
    const image = (parse(readFileSync(SEED, 'utf8')) as { spec: { containers: { image: string }[] } }).spec
      .containers[0]!.image;
    const src = await mkdtemp(join(tmpdir(), 'hostpod-win-'));
    try {
      await writeFile(join(src, 'README'), 'a windows payload\n');
      const b = runCliSync(['image', 'build', src, '--tag', image, '--platform', 'windows/amd64'], { env });
      assert.equal(b.status, 0, b.stderr);
      const r = runCliSync(['run', '-f', SEED, '--node-label', 'kubernetes.io/os=windows'], { env });
      assert.equal(r.status, 4, r.stderr);
      assert.match(r.stderr, /its OS is windows .* but this host's OS is linux/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      await rm(src, { recursive: true, force: true });
    }
  });

  test('every sig-windows-tools manifest is accepted up to its Windows image, refused with a message naming both OSes', {
    skip: noFixtures,
  }, async () => {
    const dir = join(FIXTURES, 'sig-windows-tools');
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
    assert.ok(files.length >= 6);
    // The images those manifests name, built here for windows/amd64 under the same names.
    const content = new LocalContentStore(join(root, 'content'));
    const store = new ImageStore(root, content);
    const src = await mkdtemp(join(tmpdir(), 'hostpod-win-'));
    try {
      await writeFile(join(src, 'README'), 'a windows payload\n');
      const names = new Set<string>();
      for (const f of files) {
        for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/^\s*-?\s*image:\s*"?([^"\s]+)"?\s*$/gm))
          names.add(m[1]!);
      }
      for (const name of names) {
        await buildImage(src, content, store, {
          tag: name,
          tmpDir: root,
          platform: { os: 'windows', architecture: 'amd64' },
        });
      }
      for (const f of files) {
        const r = runCliSync(
          [
            'run',
            '-f',
            join(dir, f),
            '--node-label',
            'kubernetes.io/os=windows',
            '--image-pull-policy',
            'IfNotPresent',
          ],
          { env },
        );
        assert.equal(r.status, 4, `${f}: ${r.stderr}`);
        assert.match(r.stderr, /its OS is windows \(windows\/amd64\) but this host's OS is linux/, f);
        assert.doesNotMatch(r.stderr, /\n\s+at /, `${f}: no stack trace`);
      }
    } finally {
      await rm(src, { recursive: true, force: true });
    }
  });

  test('a pod selecting Windows nodes does not fit this node', { skip: noFixtures }, () => {
    const r = runCliSync(['run', '-f', SEED], { env });
    assert.equal(r.status, 4, r.stderr);
    assert.match(
      r.stderr,
      /nodeSelector kubernetes\.io\/os=windows does not match this node \(kubernetes\.io\/os=linux\)/,
    );
  });

  test('Ctrl-C stops the pod gracefully and run exits 130', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hostpod-cli-m-'));
    try {
      await writeFile(
        join(dir, 'hb.yaml'),
        pod('hb', ['bin/heartbeat.sh'], '    env: [{name: INTERVAL, value: "0.2"}]\n'),
      );
      const child = startCli(['run', '-f', join(dir, 'hb.yaml')], { env });
      await waitForOutput(child, (o) => o.includes('heartbeat 2'));
      const code = await stopCli(child);
      assert.equal(code, 130, child.output());
      assert.match(child.output(), /heartbeat: got SIGTERM, exiting/);
      assert.match(child.output(), /container "main" exited with 0 \(Completed\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('exec -it gives a working interactive shell through a terminal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hostpod-cli-m-'));
    const name = `sh-${randomBytes(3).toString('hex')}`;
    await writeFile(join(dir, 'p.yaml'), pod(name, ['sleep', '300']));
    const child = startCli(['run', '-f', join(dir, 'p.yaml')], { env });
    try {
      await waitForOutput(child, (o) => o.includes('started'));
      // script(1) gives the exec a real pseudo-terminal, as a user's terminal would.
      const cmd = [process.execPath, ...cliArgv(['exec', '-it', name, '--', 'sh'])]
        .map((a) => `'${a}'`)
        .join(' ');
      const term = spawn('script', ['-qfec', cmd, '/dev/null'], {
        cwd: REPO,
        env: { ...process.env, ...env, TERM: 'dumb' },
      });
      let out = '';
      term.stdout.setEncoding('utf8').on('data', (s: string) => {
        out += s;
      });
      const wait = async (re: RegExp) => {
        for (let i = 0; i < 200 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 50));
        assert.match(out, re, `terminal: ${JSON.stringify(out)}\nhostpod run: ${child.output()}`);
      };
      // Type only once the shell prompts: input typed before the exec switches the terminal to
      // raw mode is flushed, as with any terminal program.
      await wait(/# $/);
      term.stdin.write('tty; echo "sum=$((40+2))"\n');
      await wait(/sum=42/);
      assert.match(out, /\/dev\/pts\/\d+/, 'the shell has a terminal');
      term.stdin.write('exit 5\n');
      const code = await new Promise<number | null>((res) => term.on('close', res));
      assert.equal(code, 5, out);
    } finally {
      await stopCli(child);
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('after a SIGKILLed run, the next run leaves no process, job, mount, workspace or user behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hostpod-cli-m-'));
    await chmod(dir, 0o777); // the container runs as an unprivileged ephemeral user
    const group = `hpc-${randomBytes(4)
      .toString('hex')
      .replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]!)}`;
    try {
      const pidFile = join(dir, 'pid');
      await writeFile(
        join(dir, 'long.yaml'),
        pod(
          'long',
          ['sh', '-c', `echo $$$$ > ${pidFile}; exec sleep 300`],
          `    securityContext: {windowsOptions: {runAsUserName: ${group}}}\n`,
        ).replace(
          '  containers:',
          `  initContainers:\n  - name: mkgroup\n    image: ${EXAMPLE_IMAGE}\n    command: [groupadd, ${group}]\n  containers:`,
        ),
      );
      // `$$$$`: Kubernetes turns `$$` into `$` in commands, so the shell gets `$$`.
      const child = startCli(['run', '-f', join(dir, 'long.yaml')], { env });
      await waitForOutput(child, (o) => /container "main" started/.test(o));
      // The shell writes its pid a moment after it starts.
      for (let i = 0; i < 200 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
      await stopCli(child, 'SIGKILL');
      const pid = Number(readFileSync(pidFile, 'utf8'));
      // The workload outlives a killed hostpod (its shim is not hostpod's child any more).
      assert.ok(existsSync(`/proc/${pid}`), 'the container died with hostpod');
      const users = readFileSync('/etc/passwd', 'utf8');
      assert.match(users, /hostpod ephemeral/);

      await writeFile(join(dir, 'short.yaml'), pod('short', ['true']));
      const r = runCliSync(['run', '--rm', '-f', join(dir, 'short.yaml')], { env });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /cleaned up 1 container\(s\) left by an earlier hostpod run/);
      assert.equal(existsSync(`/proc/${pid}`), false, "the killed run's container still runs");
      assert.deepEqual(
        (await readdir(join(root, 'sandboxes')).catch(() => [] as string[])).filter(
          (e) => !e.startsWith('.'),
        ),
        [],
      );
      assert.deepEqual(
        await readdir(join(root, 'sandboxes', '.targets')).catch(() => []),
        [],
        'mount targets still registered',
      );
      assert.doesNotMatch(
        readFileSync('/proc/self/mountinfo', 'utf8'),
        new RegExp(root.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')),
      );
      // The killed run's container: recorded as exited (Unknown), its user and cgroups gone.
      const db = openStateDb(stateDbPath(root), { readonly: true });
      const killed = db.containers.listByPodName('default', 'long').find((r) => r.name === 'main');
      db.close();
      assert.ok(killed, "no record of the killed run's container");
      const id = killed.id;
      assert.ok('terminated' in killed.state, JSON.stringify(killed.state));
      const record = { exit: { reason: killed.state.terminated.reason } };
      assert.doesNotMatch(readFileSync('/etc/passwd', 'utf8'), new RegExp(`^${id.slice(0, 20)}:`, 'm'));
      const cgroups = spawnSync('find', ['/sys/fs/cgroup', '-maxdepth', '8', '-type', 'd', '-name', id], {
        encoding: 'utf8',
      });
      assert.equal(cgroups.stdout, '', `cgroups left: ${cgroups.stdout}`);
      assert.equal(record.exit.reason, 'Unknown');
    } finally {
      await rm(dir, { recursive: true, force: true });
      spawn('groupdel', [group]);
    }
  });
});
