import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '../../daemon/testing/api-harness.ts';
import { fakePod } from '../../daemon/testing/fake-backend.ts';
import type { CliContext } from '../io.ts';
import { runCli } from '../program.ts';
import { startCli, waitForOutput } from '../testing/spawn-cli.ts';

let t: TestServer;
let dir: string;
before(async () => {
  t = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'hostpod-cli-daemon-'));
});
after(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: Promise<number>;
  stdout: () => string;
  stderr: () => string;
  interrupt: () => void;
}

/** Runs the CLI in-process against the test daemon; `interrupt()` is Ctrl-C. */
function start(argv: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Run {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (c: Buffer) => {
    o += c.toString();
  });
  stderr.on('data', (c: Buffer) => {
    e += c.toString();
  });
  const handlers = new Set<(s: string) => void>();
  const ctx: CliContext = {
    stdout,
    stderr,
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    env: { HOSTPOD_SOCKET: t.socketPath, ...options.env },
    cwd: dir,
    exitCode: 0,
    onInterrupt: (h) => {
      handlers.add(h);
      return () => handlers.delete(h);
    },
  };
  return {
    code: runCli(argv, ctx),
    stdout: () => o,
    stderr: () => e,
    interrupt: () => {
      for (const h of handlers) h('SIGINT');
    },
  };
}

async function cli(argv: string[], options: { stdin?: string; env?: Record<string, string> } = {}) {
  const r = start(argv, options);
  const code = await r.code;
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

async function until(r: Run, predicate: (out: string) => boolean): Promise<void> {
  for (let i = 0; i < 500 && !predicate(r.stdout()); i++) await new Promise((res) => setTimeout(res, 10));
  assert.ok(predicate(r.stdout()), `output so far: ${r.stdout()}${r.stderr()}`);
}

const POD = (image: string) => `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    windowsOptions:
      hostProcess: true
      runAsUserName: "NT AUTHORITY\\\\SYSTEM"
  hostNetwork: true
  containers:
    - name: main
      image: ${image}
`;

test('hostpod apply prints created, unchanged, configured; --dry-run says so', async () => {
  await writeFile(join(dir, 'web.yaml'), POD('example/agent:1'));
  let r = await cli(['apply', '-f', 'web.yaml']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'pod/web created\n');
  r = await cli(['apply', '-f', 'web.yaml']);
  assert.equal(r.stdout, 'pod/web unchanged\n');
  r = await cli(['apply', '-f', '-', '--dry-run'], { stdin: POD('example/agent:2') });
  assert.equal(r.stdout, 'pod/web configured (server dry run)\n');
  r = await cli(['apply', '-f', '-'], {
    stdin: `${POD('example/agent:2')}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n`,
  });
  assert.equal(r.stdout, 'pod/web configured\n');
  assert.match(r.stderr, /Warning: service\/s skipped: hostpod does not run Service objects/);
});

test('hostpod apply refuses invalid manifests with file:line:col before reaching the daemon', async () => {
  await writeFile(
    join(dir, 'bad.yaml'),
    POD('example/agent:1').replace('hostNetwork: true', 'hostNetwork: false'),
  );
  const calls = t.backend.calls.length;
  const r = await cli(['apply', '-f', 'bad.yaml']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^bad\.yaml:\d+:\d+ {2}spec\.hostNetwork: /m);
  assert.match(r.stderr, /hostpod: the manifests have \d+ errors?; nothing was applied/);
  assert.equal(t.backend.calls.length, calls, 'the daemon was not asked');
});

test('hostpod get pods prints the table, -o name|json|yaml, -A, and exit 3 for a missing pod', async () => {
  t.backend.putPod(fakePod('kube-system', 'agent'));
  let r = await cli(['get', 'pods']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^NAME {3}READY {3}STATUS {4}RESTARTS {3}AGE\nweb {4}1\/1 {5}Running {3}0 {10}\S+\n$/,
  );
  r = await cli(['get', 'pods', '-A', '-o', 'wide']);
  assert.match(r.stdout, /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+NODE\s+SOURCE\n/);
  assert.match(r.stdout, /\nkube-system\s+agent\s+1\/1\s+Running\s+0\s+\S+\s+node-a\s+apply\n/);
  r = await cli(['get', 'pods', '-n', 'kube-system', '-o', 'name']);
  assert.equal(r.stdout, 'pod/agent\n');
  r = await cli(['get', 'pods', '-o', 'json']);
  const list = JSON.parse(r.stdout);
  assert.equal(list.kind, 'List');
  assert.equal(list.items[0].kind, 'Pod');
  assert.equal(list.items[0].metadata.name, 'web');
  r = await cli(['get', 'pod/web', '-o', 'yaml']);
  assert.match(r.stdout, /^apiVersion: v1\nkind: Pod\nmetadata:\n/);
  assert.match(r.stdout, /\n {2}uid: uid-default-web\n/);
  r = await cli(['get', 'pods', 'nope']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /hostpod: pod "nope" not found/);
  r = await cli(['get', 'pods', '-n', 'empty']);
  assert.equal(r.stderr, 'No resources found in empty namespace.\n');
  r = await cli(['get', 'services']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /doesn't have a resource type "services"/);
  r = await cli(['get', 'deployments']);
  assert.equal(r.code, 0, 'deployments are kept as objects now');
  assert.equal(r.stderr, 'No resources found in default namespace.\n');
  r = await cli(['get', 'pods', 'web', '-A']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /across all namespaces/);
});

test('hostpod get pods -w prints a row per change and ends with 0 on Ctrl-C', async () => {
  const r = start(['get', 'pods', '-w', '-n', 'kube-system']);
  await until(r, (o) => /agent/.test(o));
  t.backend.putPod(
    fakePod('kube-system', 'agent', {
      status: {
        ...fakePod('x', 'y').status!,
        containerStatuses: [
          {
            ...fakePod('x', 'y').status!.containerStatuses[0]!,
            ready: false,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            restartCount: 3,
          },
        ],
      },
    }),
  );
  await until(r, (o) => /CrashLoopBackOff/.test(o));
  r.interrupt();
  assert.equal(await r.code, 0);
  const lines = r.stdout().trimEnd().split('\n');
  assert.equal(lines.length, 3, r.stdout());
  assert.match(lines[0]!, /^NAME/);
  assert.match(lines[2]!, /^agent\s+0\/1\s+CrashLoopBackOff\s+3\s/);
});

test('hostpod describe pod shows the pod and its events', async () => {
  t.backend.addEvent({
    type: 'Normal',
    reason: 'Started',
    message: 'Started container main',
    time: new Date().toISOString(),
    pod: { namespace: 'default', name: 'web', uid: 'uid-default-web' },
  });
  const r = await cli(['describe', 'pod', 'web']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Name: {13}web\nNamespace: {8}default\n/);
  assert.match(r.stdout, /\nNode: {13}node-a\n/);
  assert.match(r.stdout, /\n {2}Normal {2}Started {2}\d+s +hostpod {2}Started container main$/m);
  assert.equal((await cli(['describe', 'pod', 'missing'])).code, 3);
});

test('hostpod describe pod shows each probe on one line as kubectl does', async () => {
  const p = fakePod('default', 'probed');
  p.manifest = {
    ...p.manifest,
    spec: {
      containers: [
        {
          name: 'main',
          image: 'example/agent:1',
          livenessProbe: { exec: { command: ['cat', '/tmp/ok'] } },
          readinessProbe: {
            httpGet: { path: '/healthz', port: 8080 },
            periodSeconds: 5,
            failureThreshold: 1,
          },
          startupProbe: { tcpSocket: { port: 53 }, initialDelaySeconds: 2, timeoutSeconds: 3 },
        },
      ],
    },
  };
  t.backend.pods.set('default/probed', p);
  try {
    const r = await cli(['describe', 'pod', 'probed']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /\n {4}Liveness: +exec \[cat \/tmp\/ok\] delay=0s timeout=1s period=10s #success=1 #failure=3\n/,
    );
    assert.match(
      r.stdout,
      /\n {4}Readiness: +http-get http:\/\/:8080\/healthz delay=0s timeout=1s period=5s #success=1 #failure=1\n/,
    );
    assert.match(
      r.stdout,
      /\n {4}Startup: +tcp-socket :53 delay=2s timeout=3s period=10s #success=1 #failure=3\n/,
    );
    assert.doesNotMatch((await cli(['describe', 'pod', 'web'])).stdout, /Liveness:/, 'no probe, no line');
  } finally {
    t.backend.pods.delete('default/probed');
  }
});

test('hostpod logs prints, tails, follows until Ctrl-C (exit 0), and exits 3 without a previous run', async () => {
  t.backend.logLines.set('default/web/main', ['a', 'b', 'c']);
  assert.equal((await cli(['logs', 'web'])).stdout, 'a\nb\nc\n');
  assert.equal((await cli(['logs', 'pod/web', '--tail', '2'])).stdout, 'b\nc\n');
  assert.match(t.backend.calls.findLast((c) => c.startsWith('logs'))!, /"tailLines":2/);
  await cli(['logs', 'web', '--since', '1h30m', '--timestamps', '-c', 'main']);
  assert.match(
    t.backend.calls.findLast((c) => c.startsWith('logs'))!,
    /\{"container":"main","timestamps":true,"sinceSeconds":5400\}/,
  );
  const f = start(['logs', '-f', 'web']);
  await until(f, (o) => o === 'a\nb\nc\n');
  t.backend.logLines.get('default/web/main')!.push('d');
  await until(f, (o) => o.endsWith('d\n'));
  f.interrupt();
  assert.equal(await f.code, 0);
  const p = await cli(['logs', 'web', '-p']);
  assert.equal(p.code, 3);
  assert.match(p.stderr, /no log of container "main"/);
  assert.equal((await cli(['logs', 'web', '--since', '5x'])).code, 2);
});

test('hostpod top pods and events print kubectl columns', async () => {
  t.backend.statsItems = [
    {
      namespace: 'default',
      pod: 'web',
      container: 'main',
      containerId: 'c',
      cpuUsageNs: 1,
      cpuMillicores: 12,
      memoryWorkingSetBytes: 34 * 1048576,
      processCount: 1,
      logBytes: 0,
    },
  ];
  let r = await cli(['top', 'pods']);
  assert.equal(r.stdout, 'NAME   CPU(cores)   MEMORY(bytes)\nweb    12m          34Mi\n');
  r = await cli(['top', 'pods', '--containers']);
  assert.match(r.stdout, /^POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\nweb\s+main\s+12m\s+34Mi\n$/);
  r = await cli(['events', '--for', 'pod/web']);
  assert.match(
    r.stdout,
    /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n\S+\s+Normal\s+Started\s+pod\/web\s+Started container main\n$/,
  );
  const w = start(['events', '-w']);
  await until(w, (o) => /Started/.test(o));
  t.backend.addEvent({
    type: 'Warning',
    reason: 'BackOff',
    message: 'Back-off restarting',
    time: new Date().toISOString(),
    pod: { namespace: 'default', name: 'web', uid: 'u' },
  });
  await until(w, (o) => /BackOff/.test(o));
  w.interrupt();
  assert.equal(await w.code, 0);
  assert.equal(w.stdout().match(/LAST SEEN/g)?.length, 1, 'one header');
  assert.equal((await cli(['events', '--for', 'deployment/x'])).code, 2);
});

test('hostpod delete deletes pods, refuses a static pod (exit 4), goes on past a missing one (exit 3)', async () => {
  t.backend.putPod(fakePod('default', 'one'));
  t.backend.putPod(fakePod('default', 'two'));
  let r = await cli(['delete', 'pod', 'one', '--grace-period', '5', '--wait=false']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'pod "one" deleted\n');
  assert.match(
    t.backend.calls.find((c) => c.startsWith('deletePod "default" "one"'))!,
    /\{"gracePeriodSeconds":5,"wait":false\}/,
  );
  r = await cli(['delete', 'pods', 'missing', 'two', '--force']);
  assert.equal(r.code, 3);
  assert.equal(r.stdout, 'pod "two" deleted\n');
  assert.match(r.stderr, /pod "missing" not found/);
  t.backend.putPod(
    fakePod('default', 'st', { source: { kind: 'static', path: '/etc/hostpod/manifests/st.yaml' } }),
  );
  r = await cli(['delete', 'pod/st']);
  assert.equal(r.code, 4);
  assert.match(r.stderr, /hint: remove its file \/etc\/hostpod\/manifests\/st\.yaml/);
  r = await cli(['delete', '-f', 'web.yaml']);
  assert.equal(r.stdout, 'pod "web" deleted\n');
  assert.equal((await cli(['delete', 'pod', 'web', '--ignore-not-found'])).code, 0);
  assert.equal((await cli(['delete'])).code, 2);
});

test('the daemon commands say how to start a daemon that is not there (exit 6), --socket wins over the env', async () => {
  const none = join(dir, 'none.sock');
  let r = await cli(['get', 'pods'], { env: { HOSTPOD_SOCKET: none } });
  assert.equal(r.code, 6);
  assert.match(r.stderr, /^hostpod: Cannot reach the hostpod daemon at .*none\.sock: /);
  assert.match(r.stderr, /\nhint: start it with `hostpod daemon` \(or systemctl start hostpod\)\n$/);
  r = await cli(['get', 'pods', '--socket', t.socketPath], { env: { HOSTPOD_SOCKET: none } });
  assert.equal(r.code, 0, r.stderr);
});

test('hostpod logs -f in a real process ends with 0 on SIGINT', async () => {
  t.backend.putPod(fakePod('default', 'follow'));
  t.backend.logLines.set('default/follow/main', ['first']);
  const child = startCli(['logs', '-f', 'follow'], { env: { HOSTPOD_SOCKET: t.socketPath } });
  try {
    await waitForOutput(child, (o) => o.includes('first'));
    const code = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    child.kill('SIGINT');
    assert.equal(await code, 0);
  } finally {
    child.kill('SIGKILL');
  }
});

test('hostpod completion bash completes commands, flags and pod names from the daemon', async () => {
  const r = await cli(['completion', 'bash']);
  assert.equal(r.code, 0);
  const script = join(dir, 'completion.bash');
  await writeFile(script, r.stdout);
  const complete = async (line: string) => {
    const words = line.split(' ');
    const prog = `source ${script}
hostpod() { printf 'pod/web\\npod/worker\\n'; }
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_hostpod; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const { stdout } = await promisify(execFile)('bash', ['-c', prog]);
    return stdout.trim().split('\n').sort();
  };
  assert.deepEqual(await complete('hostpod de'), ['delete', 'describe']);
  assert.deepEqual(await complete('hostpod get '), ['pod', 'pods']);
  assert.deepEqual(await complete('hostpod get pods w'), ['web', 'worker']);
  assert.deepEqual(await complete('hostpod logs -n kube-system wo'), ['worker']);
  assert.deepEqual(await complete('hostpod logs --ta'), ['--tail']);
  assert.deepEqual(await complete('hostpod image b'), ['build']);
  assert.ok((await complete('hostpod image build --')).includes('--tag'));
  const zsh = await cli(['completion', 'zsh']);
  assert.match(zsh.stdout, /^#compdef hostpod\n/);
  const fish = await cli(['completion', 'fish']);
  assert.match(fish.stdout, /complete -c hostpod -f -n "__fish_use_subcommand" -a "lint run /);
  assert.equal((await cli(['completion', 'tcsh'])).code, 2);
});

test('hostpod logs with two containers: defaults to the first (saying so), --all-containers prints both, -l selects pods', async () => {
  const two = fakePod('default', 'pair', {
    manifest: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'pair', labels: { app: 'pair' } },
      spec: {
        containers: [
          { name: 'first', image: 'a:1' },
          { name: 'second', image: 'b:1' },
        ],
      },
    },
  });
  t.backend.putPod(two);
  t.backend.logLines.set('default/pair/first', ['from-first']);
  t.backend.logLines.set('default/pair/second', ['from-second']);
  let r = await cli(['logs', 'pair']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'from-first\n');
  assert.equal(r.stderr, 'Defaulted container "first" out of: first, second\n');
  r = await cli(['logs', 'pair', '--all-containers']);
  assert.equal(r.stdout, 'from-first\nfrom-second\n');
  assert.equal(r.stderr, '');
  r = await cli(['logs', '-l', 'app=pair', '-c', 'second']);
  assert.equal(r.stdout, 'from-second\n');
  r = await cli(['logs', '-l', 'app=nothing']);
  assert.equal(r.code, 3);
  r = await cli(['logs', 'pair', '-c', 'first', '--all-containers']);
  assert.equal(r.code, 2);
  r = await cli(['logs', 'svc/pair']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no resource type "svc"/);
  t.backend.pods.delete('default/pair');
});
