/**
 * Start benchmark (issue 4): the time from a manifest to the container's first process running,
 * the image already present, median and p90 of RUNS starts, for
 *   - hostpod in-process: parse + validate the manifest, admit, prepareImage, startContainer until
 *     the first process has exec'd (cleanup untimed); plus a profile of startContainer's steps;
 *   - hostpod through the CLI: `hostpod run -q -f FILE` (compiled `dist/`), the first process's
 *     start (the shim's `startedAt` in the kept record) against the spawn time, and the whole
 *     run's wall time, beside `node -e 0`;
 *   - peers on the same image (a busybox image built with umoci, as ../shared/bench/peers.sh
 *     builds it): podman run, ctr run (a private containerd), runc run and crun run on a umoci
 *     bundle — each timed from a bash loop with $EPOCHREALTIME (run to exit: create + start +
 *     wait + delete, as peers.sh does) — bare fork+exec and Node's spawn();
 *   - 100 containers of one pod started at once through runPod (time until all run);
 *   - workspace creation for a 100 MB vs a 1 MB image (`npm run bench:workspace`).
 * Prints a markdown table with the date, load average and filesystem.
 *
 * Usage: npm run bench:start   (root; cgroups; umoci, skopeo; peers where installed)
 * Env: RUNS (30), WARMUP (3), WORK (a directory to work in, default the OS temp dir),
 *      INSTALL=1 (apt-get install -y the missing peers: podman crun runc containerd),
 *      SKIP_PEERS=1, SKIP_CLI=1, SKIP_MANY=1, SKIP_WORKSPACE=1, SKIP_BUILD=1 (use dist/ as is),
 *      MANY (containers started at once, 100).
 * Recipes for the peers (hybrid cgroups: crun needs a private mount namespace without the
 * cgroup2 mount; podman needs --ulimit; containerd its own root/state/socket) follow peers.sh.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseManifestText } from '../src/api/manifests.ts';
import { decodeWorkload, findObjects } from '../src/api/objects.ts';
import type { Container, Pod } from '../src/api/types.ts';
import { openImageStores } from '../src/cli/commands/images-common.ts';
import { criTimeNanos } from '../src/runtime/logs/cri-log.ts';
import { makeContainerProbe } from '../src/runtime/sandbox/host-paths.ts';
import { createSandbox, removeSandbox } from '../src/runtime/sandbox/sandbox.ts';
import { parseRunAsUserName } from '../src/runtime/spec/account.ts';
import { buildProcessConfig } from '../src/runtime/spec/process-config.ts';
import { startTask } from '../src/runtime/task/start-task.ts';
import { waitTask } from '../src/runtime/task/wait-task.ts';
import { accountBaseEnv, resolveAccount } from '../src/runtime/users/accounts.ts';
import { containerInput } from '../src/services/container-input.ts';
import {
  jobLimits,
  type RuntimeDeps,
  removeContainer,
  startContainer,
  waitContainer,
} from '../src/services/container-runner.ts';
import { type ImageContext, prepareImage } from '../src/services/images.ts';
import { admitPod, runPod } from '../src/services/pod-runner.ts';
import { containerDir, newContainerId, taskDir } from '../src/services/records.ts';
import { hostRuntimeDeps } from '../src/services/runtime-deps.ts';
import { parseContainerId } from '../src/state/ids.ts';
import { openStateDb, stateDbPath } from '../src/state/state-db.ts';
import { writeContainerdConfig } from './containerd-config.ts';
import { writeBarChart } from './svg-chart.ts';
import { buildTinyImage } from './tiny-image.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const RUNS = Number(process.env.RUNS ?? 30);
const WARMUP = Number(process.env.WARMUP ?? 3);
const MANY = Number(process.env.MANY ?? 100);
const env = (k: string) => process.env[k] === '1';
const IMAGE = 'localhost/bench/tiny:1';

const log = (s: string) =>
  process.stderr.write(`[start.bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const have = (tool: string) =>
  spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
const sh = (cmd: string, opts: { cwd?: string } = {}) =>
  execFileSync('bash', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });

interface Row {
  group: string;
  what: string;
  times: number[];
  note?: string;
  peer?: boolean;
  load: string;
}
const rows: Row[] = [];
function stats(xs: readonly number[]): { p50: number; p90: number; min: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid =
    s.length % 2
      ? (s[(s.length - 1) / 2] as number)
      : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
  return { p50: mid, p90: s[Math.max(0, Math.ceil(0.9 * s.length) - 1)] as number, min: s[0] as number };
}
function record(
  group: string,
  what: string,
  times: number[],
  extra: { note?: string; peer?: boolean } = {},
): void {
  rows.push({ group, what, times, load: load(), ...extra });
  if (times.length === 0) log(`${what}: no successful run${extra.note ? ` (${extra.note})` : ''}`);
  else {
    const s = stats(times);
    log(
      `${what}: median ${s.p50.toFixed(2)} ms  p90 ${s.p90.toFixed(2)} ms  (n=${times.length}, load ${load()})`,
    );
  }
}

// ---------------------------------------------------------------- setup ---
if (process.getuid?.() !== 0) {
  console.error('start.bench: must run as root (cgroups, mounts)');
  process.exit(2);
}
if (env('INSTALL')) {
  const missing = ['podman', 'crun', 'runc', 'containerd'].filter((t) => !have(t));
  if (missing.length > 0) {
    log(`apt-get install -y ${missing.join(' ')}`);
    spawnSync('apt-get', ['install', '-y', ...missing], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
}
for (const t of ['umoci', 'skopeo']) {
  if (!have(t)) {
    console.error(`start.bench: needs ${t} (apt-get install -y ${t})`);
    process.exit(2);
  }
}

const work = await mkdtemp(join(process.env.WORK ?? tmpdir(), 'hostpod-bench-start-'));
const fsType = sh(`df --output=fstype ${JSON.stringify(work)} | tail -n 1`).trim();
const CG = `hostpod-bench-start-${process.pid}`;
const daemons: ChildProcess[] = [];
const SIDE_DIRS = [
  '/run/crun',
  '/run/runc',
  '/run/containerd',
  '/run/containers',
  '/run/libpod',
  '/var/lib/containers',
  '/dev/shm/libpod_lock',
];
const sideNew = SIDE_DIRS.filter((d) => !existsSync(d));
log(`work dir ${work} (${fsType}); load ${load()}`);

/** The tiny busybox image of peers.sh: an OCI layout at work/oci (tag "tiny"), an oci-archive, a bundle. */
async function buildImage(): Promise<void> {
  const { oci } = await buildTinyImage(work);
  // runc/crun bundles: full namespaces (B1) as peers.sh measures them.
  const b1 = join(work, 'bundle');
  sh(`umoci unpack --image ${oci}:tiny ${b1}`);
  const c = JSON.parse(await readFile(join(b1, 'config.json'), 'utf8'));
  c.process.terminal = false;
  c.process.args = ['/bin/true'];
  c.linux.cgroupsPath = `/${CG}/bundle`;
  await writeFile(join(b1, 'config.json'), JSON.stringify(c, null, 1));
}

const hostpodCli = (args: string[], opts: { tsx?: boolean } = {}) =>
  spawnSync(
    process.execPath,
    opts.tsx
      ? ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), ...args]
      : [join(REPO, 'dist/cli/main.js'), ...args],
    { encoding: 'utf8', cwd: REPO },
  );

function podManifest(name: string, containers: number, command: string[]): string {
  const list = Array.from(
    { length: containers },
    (_, i) =>
      `  - name: c${i}\n    image: ${IMAGE}\n    imagePullPolicy: Never\n    command: ${JSON.stringify(command)}\n`,
  ).join('');
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  hostNetwork: true
  restartPolicy: Never
  terminationGracePeriodSeconds: 2
  securityContext: {windowsOptions: {hostProcess: true, runAsUserName: "NT AUTHORITY\\\\SYSTEM"}}
  containers:
${list}`;
}

/** parse + validate, as `hostpod run` does it (lint rules, then decode). */
function podFromText(text: string): Pod {
  const loaded = parseManifestText(text, 'bench.yaml');
  if (loaded.problems.length > 0) throw new Error(loaded.problems.map((p) => p.message).join('; '));
  const { objects, problems } = findObjects(loaded.documents);
  if (problems.length > 0) throw new Error(JSON.stringify(problems.map((p) => p.error)));
  const o = objects.find((x) => x.kind === 'Pod');
  if (!o) throw new Error('no pod');
  const w = decodeWorkload(o);
  if (w.errors.length > 0) throw new Error(JSON.stringify(w.errors));
  return w.pod;
}

// ------------------------------------------------------- peers' harness ---
/** Times COMMAND (bash words; @ID@ → a unique id) from a bash loop, microseconds per run. */
function bashBench(
  command: string,
  runs = RUNS,
  warm = WARMUP,
): { times: number[]; fails: number; err: string } {
  const script = `
n=$1; w=$2; shift 2
fails=0
for ((i = 0; i < n + w; i++)); do
  id="hb$$-$i-$RANDOM"
  t0=$EPOCHREALTIME
  eval "\${CMD//@ID@/$id}" </dev/null >/dev/null 2>>"$ERR"
  rc=$?
  t1=$EPOCHREALTIME
  (( i < w )) && continue
  if (( rc == 0 )); then echo $(( \${t1/./} - \${t0/./} )); else fails=$((fails+1)); echo "rc=$rc" >>"$ERR"; fi
done
echo "fails $fails"
`;
  const errFile = join(work, `bench-${rows.length}-${Math.random().toString(36).slice(2)}.err`);
  const r = spawnSync('bash', ['-c', script, 'bench', String(runs), String(warm)], {
    encoding: 'utf8',
    env: { ...process.env, CMD: command, ERR: errFile },
    maxBuffer: 1 << 24,
  });
  const lines = r.stdout.trim().split('\n');
  const fails = Number(lines.pop()?.split(' ')[1] ?? runs);
  const times = lines.filter(Boolean).map((l) => Number(l) / 1000);
  let err = '';
  try {
    err = execFileSync('tail', ['-n', '2', errFile], { encoding: 'utf8' })
      .trim()
      .replace(/\s+/g, ' ')
      .slice(0, 160);
  } catch {}
  return { times, fails, err };
}

function peer(group: string, what: string, command: string, runs = RUNS): void {
  const r = bashBench(command, runs);
  record(group, what, r.times, {
    peer: group === 'peer',
    ...(r.fails > 0 ? { note: `${r.fails} failed: ${r.err}` } : {}),
  });
}

async function startContainerd(dir: string, wrapper: string[]): Promise<string | undefined> {
  await mkdir(dir, { recursive: true });
  const { config, sock } = await writeContainerdConfig(dir);
  const argv = [...wrapper, 'containerd', '--config', config];
  const d = spawn(argv[0] as string, argv.slice(1), { stdio: 'ignore' });
  daemons.push(d);
  for (let i = 0; i < 100; i++) {
    if (spawnSync('ctr', ['-a', sock, 'version'], { stdio: 'ignore', timeout: 5000 }).status === 0)
      return sock;
    if (d.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`containerd in ${dir} did not come up`);
  return undefined;
}

const MNTNS = `unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' sh`;

async function peers(): Promise<void> {
  log('peers');
  peer('baseline', 'fork+exec /bin/true (bash)', '/bin/true');
  peer('baseline', 'node -e 0 (bash)', `${process.execPath} -e 0`);
  peer(
    'baseline',
    'busybox sh: mkdir 3 v1 cgroups, limits, join, exec true, rmdir',
    `${join(work, 'bin/busybox')} sh ${join(work, 'cgjob.sh')} ${CG}/jobs/@ID@ /bin/true`,
  );
  // Node spawn(), in-process: until 'spawn' (exec'd) and until exit.
  const started: number[] = [];
  const exited: number[] = [];
  for (let i = 0; i < RUNS + WARMUP; i++) {
    const t0 = performance.now();
    const c = spawn('/bin/true', { stdio: 'ignore' });
    await new Promise((r) => c.once('spawn', r));
    const t1 = performance.now();
    await new Promise((r) => c.once('exit', r));
    if (i >= WARMUP) {
      started.push(t1 - t0);
      exited.push(performance.now() - t0);
    }
  }
  record('baseline', "Node spawn('/bin/true') until exec'd", started);
  record('baseline', "Node spawn('/bin/true') until exit", exited);

  const nofile = sh('ulimit -Hn').trim();
  const nprocRaw = sh('ulimit -Hu').trim();
  const nproc = nprocRaw === 'unlimited' || Number(nprocRaw) > 32768 ? '32768' : nprocRaw;
  if (have('podman')) {
    const G = `--root ${work}/podman/root --runroot ${work}/podman/run --tmpdir ${work}/podman/tmp --cgroup-manager=cgroupfs --events-backend=file --storage-driver=overlay --log-level=error`;
    const RUN = `run --rm --privileged --network=host --pid=host --cgroupns=host --cgroup-parent=/${CG}/podman --ulimit nofile=${nofile}:${nofile} --ulimit nproc=${nproc}:${nproc}`;
    try {
      const out = sh(`podman ${G} load -q -i ${work}/tiny.tar`);
      const id = sh(`podman ${G} images -q | head -n 1`).trim() || out.trim().split(/\s+/).at(-1);
      peer(
        'peer',
        'podman run --rm --privileged --network=host --pid=host (crun, private mntns)',
        `${MNTNS} podman ${G} --runtime crun ${RUN} ${id} /bin/true`,
      );
      peer('peer', 'podman run --rm … (runc)', `podman ${G} --runtime runc ${RUN} ${id} /bin/true`);
      sh(`podman ${G} rm -af >/dev/null 2>&1; podman ${G} rmi -af >/dev/null 2>&1; true`);
    } catch (e) {
      record('peer', 'podman run', [], { note: `setup failed: ${String(e).slice(0, 120)}` });
    }
  } else record('peer', 'podman run', [], { note: 'podman not installed (INSTALL=1)' });
  if (have('containerd') && have('ctr')) {
    const sock = await startContainerd(join(work, 'containerd'), []);
    if (sock) {
      sh(`ctr -a ${sock} image import --base-name localhost/pb/tiny ${work}/tiny.tar >/dev/null`);
      peer(
        'peer',
        'ctr run --rm --privileged --net-host (runc, private containerd)',
        `ctr -a ${sock} run --rm --privileged --net-host --cgroup /${CG}/ctr/@ID@ localhost/pb/tiny:latest @ID@ /bin/true`,
      );
    }
    if (have('crun')) {
      const sock2 = await startContainerd(join(work, 'containerd2'), [
        'unshare',
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        'umount /sys/fs/cgroup/unified && exec "$@"',
        'sh',
      ]);
      if (sock2) {
        sh(`ctr -a ${sock2} image import --base-name localhost/pb/tiny ${work}/tiny.tar >/dev/null`);
        peer(
          'peer',
          'ctr run --rm … --runc-binary crun (containerd in private mntns)',
          `ctr -a ${sock2} run --rm --privileged --net-host --runc-binary /usr/bin/crun --cgroup /${CG}/ctr2/@ID@ localhost/pb/tiny:latest @ID@ /bin/true`,
        );
      }
    }
  } else record('peer', 'ctr run', [], { note: 'containerd not installed (INSTALL=1)' });
  if (have('runc'))
    peer(
      'peer',
      'runc run (umoci bundle)',
      `runc --root ${work}/runc-state run --bundle ${work}/bundle @ID@`,
    );
  else record('peer', 'runc run', [], { note: 'runc not installed (INSTALL=1)' });
  if (have('crun'))
    peer(
      'peer',
      'crun run (umoci bundle, private mntns w/o cgroup2)',
      `${MNTNS} crun --root ${work}/crun-state run --bundle ${work}/bundle @ID@`,
    );
  else record('peer', 'crun run', [], { note: 'crun not installed (INSTALL=1)' });
}

// -------------------------------------------------------------- hostpod ---
async function hostpodDeps(root: string, parent: string): Promise<RuntimeDeps> {
  const db = openStateDb(stateDbPath(root));
  return hostRuntimeDeps({ root, records: db.containers, pid: process.pid, cgroupParent: parent });
}

async function inProcess(root: string): Promise<void> {
  log('hostpod in-process');
  const deps = await hostpodDeps(root, `/${CG}/hostpod`);
  const { content, images } = openImageStores(root);
  const imageCtx: ImageContext = { root, content, images };
  const text = podManifest('bench', 1, ['true']);
  const total: number[] = [];
  const cycle: number[] = [];
  const steps: Record<string, number[]> = {};
  const step = (name: string, ms: number) => {
    steps[name] = [...(steps[name] ?? []), ms];
  };
  for (let i = 0; i < RUNS + WARMUP; i++) {
    const t0 = performance.now();
    const pod = podFromText(text);
    admitPod(pod, deps);
    const c = pod.spec.containers[0] as Container;
    const t1 = performance.now();
    const ready = await prepareImage(IMAGE, 'Never', imageCtx);
    const t2 = performance.now();
    const running = await startContainer(deps, pod, c, 'container', ready, { attempt: 0 });
    const t3 = performance.now();
    await waitContainer(running);
    await removeContainer(deps, running);
    if (i < WARMUP) continue;
    total.push(t3 - t0);
    cycle.push(performance.now() - t0);
    step('parse + validate + admit', t1 - t0);
    step('prepareImage (present, unpacked)', t2 - t1);
    step('startContainer', t3 - t2);
  }
  record('hostpod', 'hostpod in-process: manifest → first process exec’d', total);
  for (const [k, v] of Object.entries(steps)) record('hostpod-steps', `  of which ${k}`, v);
  record('hostpod-cycle', 'hostpod in-process full cycle: … → exited → removed (as peers are timed)', cycle);

  // Profile: startContainer's steps one by one (the same calls, timed apart).
  const prof: Record<string, number[]> = {};
  const p = (name: string, ms: number) => {
    prof[name] = [...(prof[name] ?? []), ms];
  };
  const pod = podFromText(text);
  const c = pod.spec.containers[0] as Container;
  const ready = await prepareImage(IMAGE, 'Never', imageCtx);
  for (let i = 0; i < RUNS + WARMUP; i++) {
    const id = newContainerId();
    const m = i >= WARMUP ? p : () => {};
    let t = performance.now();
    const lap = (name: string) => {
      const now = performance.now();
      m(name, now - t);
      t = now;
    };
    const input = containerInput(pod, c, id, deps.node, [], undefined);
    const accountSpec = parseRunAsUserName(input.runAsUserName, pod.metadata.annotations ?? {});
    lap('input + account name');
    await mkdir(containerDir(root, id), { recursive: true, mode: 0o700 });
    deps.records.create({
      id: parseContainerId(id),
      pod: { name: 'bench', namespace: 'default' },
      name: c.name,
      type: 'container',
      attempt: i,
      image: IMAGE,
      owner: deps.owner,
    });
    lap('container dir + record');
    const group = await deps.groups.create(id, jobLimits(c));
    lap('job (cgroups)');
    const account = await resolveAccount(accountSpec, { containerId: id, container: c.name });
    lap('account');
    const sandbox = await createSandbox({
      root,
      id,
      container: c.name,
      layers: ready.layers,
      layout: 'bind',
      mounts: input.mounts,
    });
    lap('workspace (overlay mount)');
    const pc = await buildProcessConfig(input, ready.config.config ?? {}, {
      layout: 'bind',
      mountPoint: sandbox.mountPoint,
      baseEnv: accountBaseEnv(account),
      probe: makeContainerProbe(sandbox.mappings),
    });
    lap('process config');
    const task = await startTask(
      {
        argv: [pc.executable, ...pc.argv.slice(1)],
        env: pc.env.map((e) => `${e.name}=${e.value}`),
        cwd: pc.cwd,
        createCwdMode: 0o700,
        ...(sandbox.plan ? { mounts: sandbox.plan.binds } : {}),
        logPath: join(containerDir(root, id), 'container.log'),
      },
      { group, dir: taskDir(root, id) },
    );
    lap('task (shim: fork, join, mount ns, exec)');
    deps.records.update(parseContainerId(id), {
      state: { running: { startedAt: task.startedAt } },
      taskDir: task.dir,
      groupId: group.id,
    });
    lap('record (running)');
    await waitTask(task.dir, { pollMs: 5 });
    await group.destroy();
    await removeSandbox({ root, id });
    await rm(containerDir(root, id), { recursive: true, force: true });
  }
  for (const [k, v] of Object.entries(prof)) record('profile', `  startContainer step: ${k}`, v);
}

async function throughCli(root: string): Promise<void> {
  if (!env('SKIP_BUILD')) {
    log('npm run build (the CLI is timed from dist/)');
    const b = spawnSync('npm', ['run', '-s', 'build'], { cwd: REPO, encoding: 'utf8' });
    if (b.status !== 0) log(`build reported errors (dist/ may be partly stale):\n${b.stdout.slice(0, 600)}`);
  }
  log('hostpod through the CLI');
  const file = join(work, 'pod.yaml');
  await writeFile(file, podManifest('cli', 1, ['true']));
  const firstProcess: number[] = [];
  const wall: number[] = [];
  const node0: number[] = [];
  let failures = 0;
  let lastFailure = '';
  const wallNow = () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  for (let i = 0; i < RUNS + WARMUP; i++) {
    // node -e 0, the same way (spawn → exit), interleaved so both see the same load.
    let t0 = performance.now();
    const n = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((r) => n.once('exit', r));
    if (i >= WARMUP) node0.push(performance.now() - t0);

    const spawnedAt = wallNow();
    t0 = performance.now();
    const child = spawn(
      process.execPath,
      [join(REPO, 'dist/cli/main.js'), 'run', '-q', '--root', root, '-f', file],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    const elapsed = performance.now() - t0;
    // The run's container record (the state database keeps it after the run); removed after.
    const db = openStateDb(stateDbPath(root));
    let rec: { startedAt?: string } = {};
    try {
      const latest = db.containers.listByPodName('default', 'cli', { runOnly: true })[0];
      if (latest) {
        rec = latest;
        db.containers.remove(latest.id);
      }
    } finally {
      db.close();
    }
    await rm(join(root, 'containers'), { recursive: true, force: true });
    const started = typeof rec.startedAt === 'string' ? criTimeNanos(rec.startedAt) : undefined;
    if (code !== 0 || started === undefined) {
      failures++;
      lastFailure = `exit ${code}: ${stderr.trim().replace(/\s+/g, ' ').slice(-200)}`;
      log(`hostpod run failed: ${lastFailure}`);
      continue;
    }
    if (i < WARMUP) continue;
    firstProcess.push(Number(started - spawnedAt) / 1e6);
    wall.push(elapsed);
  }
  record(
    'hostpod',
    'hostpod run (CLI): spawn → first process exec’d',
    firstProcess,
    failures ? { note: `${failures} failed, last: ${lastFailure}` } : {},
  );
  record('hostpod', 'hostpod run (CLI): whole run, spawn → exit', wall);
  record('baseline', 'node -e 0: spawn → exit (Node)', node0);
}

async function manyAtOnce(root: string): Promise<void> {
  log(`${MANY} containers of one pod at once (runPod)`);
  const deps = await hostpodDeps(root, `/${CG}/many`);
  const { content, images } = openImageStores(root);
  const times: number[] = [];
  for (let round = 0; round < 3; round++) {
    const abort = new AbortController();
    let started = 0;
    let allAt = 0;
    const t0 = performance.now();
    const pod = podFromText(podManifest(`many${round}`, MANY, ['sleep', '60']));
    const done = runPod(pod, {
      deps,
      images: { root, content, images },
      signal: abort.signal,
      keepLogs: false,
      onEvent: (e) => {
        if (e.type === 'started' && ++started === MANY) {
          allAt = performance.now() - t0;
          abort.abort();
        }
        if (e.type === 'exited' && e.result.reason === 'StartError' && !abort.signal.aborted) {
          log(`start failed: ${e.result.message}`);
          abort.abort();
        }
      },
    });
    const r = await done;
    if (allAt > 0) times.push(allAt);
    else log(`round ${round}: only ${started} started (${r.phase})`);
  }
  record('hostpod-many', `${MANY} containers (one pod, runPod): manifest → all running (target 5 s)`, times, {
    note: `${times.length} rounds`,
  });
}

function workspaceBench(): string {
  log('npm run bench:workspace');
  const r = spawnSync('npm', ['run', '-s', 'bench:workspace'], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, RUNS: String(Math.max(30, RUNS)), COPY_RUNS: '2', WORK: work },
  });
  return r.status === 0 ? r.stdout.trim() : `bench:workspace failed: ${r.stderr.trim().slice(-400)}`;
}

// ------------------------------------------------------------------ main ---
async function cleanup(): Promise<void> {
  for (const d of daemons) {
    if (d.exitCode === null && d.pid) {
      d.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      if (d.exitCode === null) d.kill('SIGKILL');
    }
  }
  const mounts = (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(`${work}/`))
    .sort()
    .reverse();
  for (const m of mounts) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
  // Our subtree in every hierarchy (the peers' runtimes make it in all of them).
  const hierarchies = await readdir('/sys/fs/cgroup').catch(() => [] as string[]);
  for (const c of [...hierarchies, '']) {
    const base = join('/sys/fs/cgroup', c, CG);
    if (existsSync(base))
      spawnSync('find', [base, '-depth', '-type', 'd', '-exec', 'rmdir', '{}', ';'], { stdio: 'ignore' });
    if (existsSync(base)) log(`warning: cgroup ${base} is still there`);
  }
  for (const d of sideNew) {
    if (!existsSync(d)) continue;
    if (d === '/var/lib/containers') await rm(d, { recursive: true, force: true });
    else if (d === '/dev/shm/libpod_lock') await rm(d, { force: true });
    else spawnSync('find', [d, '-depth', '-type', 'd', '-empty', '-delete'], { stdio: 'ignore' });
  }
  await rm(work, { recursive: true, force: true }).catch((e) => log(`could not remove ${work}: ${e}`));
}

let workspaceOut = '';
const startLoad = load();
try {
  await buildImage();
  await mkdir(join(work, 'bin'), { recursive: true });
  await copyFile('/bin/busybox', join(work, 'bin/busybox'));
  await writeFile(
    join(work, 'cgjob.sh'),
    `cg=$1; shift
for c in memory pids cpu; do mkdir "/sys/fs/cgroup/$c/$cg" || exit 90; done
echo 268435456 > "/sys/fs/cgroup/memory/$cg/memory.limit_in_bytes"
echo 256 > "/sys/fs/cgroup/pids/$cg/pids.max"
echo 50000 > "/sys/fs/cgroup/cpu/$cg/cpu.cfs_quota_us"
"$BB" sh -c 'for c in memory pids cpu; do echo $$ > "/sys/fs/cgroup/$c/$0/cgroup.procs" || exit 91; done; exec "$@"' "$cg" "$@"
rc=$?
for c in memory pids cpu; do rmdir "/sys/fs/cgroup/$c/$cg"; done
exit $rc
`,
  );
  process.env.BB = join(work, 'bin/busybox');
  for (const c of ['memory', 'pids', 'cpu'])
    await mkdir(join('/sys/fs/cgroup', c, CG, 'jobs'), { recursive: true }).catch(() => {});
  const rootA = join(work, 'state');
  const rootB = join(work, 'state-cli');
  for (const root of [rootA, rootB]) {
    const r = hostpodCli(['image', 'import', join(work, 'oci'), '--tag', IMAGE, '--root', root, '-q'], {
      tsx: true,
    });
    if (r.status !== 0) throw new Error(`hostpod image import: ${r.stderr}`);
  }
  await inProcess(rootA);
  if (!env('SKIP_CLI')) await throughCli(rootB);
  if (!env('SKIP_PEERS')) await peers();
  if (!env('SKIP_MANY')) await manyAtOnce(rootA);
  if (!env('SKIP_WORKSPACE')) workspaceOut = workspaceBench();
} finally {
  await cleanup();
}

// ---------------------------------------------------------------- report ---
const peerRows = rows.filter((r) => r.peer && r.times.length > 0);
const fastest = peerRows.length ? Math.min(...peerRows.map((r) => stats(r.times).p50)) : undefined;
const fastestName = peerRows.find((r) => stats(r.times).p50 === fastest)?.what;
const out: string[] = [];
out.push(
  `Start benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; ${RUNS} runs after ${WARMUP} warm-ups; work dir on ${fsType}; load average at start ${startLoad}, at end ${load()}; Node ${process.version}; ${sh('nproc').trim()} cores, kernel ${sh('uname -r').trim()}.`,
  '',
  '| what | median ms | p90 ms | min ms | vs fastest peer | load (1/5/15 min) |',
  '|---|---:|---:|---:|---:|---|',
);
for (const r of rows) {
  if (r.times.length === 0) {
    out.push(`| ${r.what} | – | – | – | | ${r.note ?? ''} |`);
    continue;
  }
  const s = stats(r.times);
  const ratio =
    fastest && (r.group === 'hostpod' || r.group === 'hostpod-cycle' || r.peer)
      ? `${(s.p50 / fastest).toFixed(2)}x`
      : '';
  out.push(
    `| ${r.what}${r.note ? ` (${r.note})` : ''} | ${s.p50.toFixed(2)} | ${s.p90.toFixed(2)} | ${s.min.toFixed(2)} | ${ratio} | ${r.load} |`,
  );
}
if (fastestName) out.push('', `Fastest peer: ${fastestName}.`);
const get = (prefix: string) => rows.find((r) => r.what.startsWith(prefix) && r.times.length > 0);
const inproc = get('hostpod in-process');
const cli = get('hostpod run (CLI): spawn');
const node0 = get('node -e 0: spawn');
if (inproc) {
  const p50 = stats(inproc.times).p50;
  out.push(
    `Target in-process p50 < 5 ms: ${p50.toFixed(2)} ms (${p50 < 5 ? 'met' : `missed by ${(p50 - 5).toFixed(2)} ms`}); ≥ 4x faster than the fastest peer: ${fastest ? `${(fastest / p50).toFixed(2)}x (${fastest / p50 >= 4 ? 'met' : 'missed'})` : 'no peer ran'}.`,
  );
}
if (cli && node0) {
  const ratio = stats(cli.times).p50 / stats(node0.times).p50;
  out.push(`Target CLI within 1.5x of node -e 0: ${ratio.toFixed(2)}x (${ratio <= 1.5 ? 'met' : 'missed'}).`);
}
if (workspaceOut) out.push('', '```', workspaceOut, '```');
console.log(out.join('\n'));
// The chart in docs/performance.md, from this run's medians: hostpod's starts beside the peers'.
const charted = rows.filter(
  (r) => r.times.length > 0 && (r.peer || r.group === 'hostpod' || r.group === 'hostpod-cycle'),
);
if (charted.length > 0 && !env('NO_CHART'))
  await writeBarChart(join(REPO, 'docs/charts/start-latency.svg'), {
    title: 'Start latency, median ms (lower is better)',
    unit: 'ms',
    note: `${RUNS} runs each, same machine, same run; load ${startLoad}`,
    bars: charted.map((r) => ({
      // The whole name: "hostpod run (CLI): …" twice, or podman with crun and with runc, must not
      // collapse into one label. Long names keep their head and their parenthesised tail.
      label: chartLabel(r.what),
      value: stats(r.times).p50,
      ours: !r.peer,
    })),
  });

/** A bar's label: the row's name, at most 80 characters (the middle elided). */
function chartLabel(what: string): string {
  return what.length <= 80 ? what : `${what.slice(0, 50)}…${what.slice(-29)}`;
}
