/**
 * containerd beside the hostpod daemon (part 4 of `bench/daemon.bench.ts`), made to run as
 * ../shared/bench/peers.sh does: a private containerd (its own config, root, state and socket in
 * a work directory; the CRI plugin and the unusable snapshotters disabled; overlayfs snapshots),
 * a static-busybox image built with umoci and imported with `ctr image import`, containers run
 * by `ctr run -d --privileged --net-host --cgroup /CG/ctr/ID` (runc, host network).
 *
 * Measures N containers started at once (N `ctr run -d … sleep 600` in parallel; `ctr run -d`
 * returns once the task runs; then `ctr tasks ls` must show N RUNNING), containerd's memory and
 * that of each `containerd-shim-runc-v2`, and `ctr tasks ls` latency. Everything it starts is
 * removed in `finally`: tasks killed and deleted, containers deleted, containerd stopped by its
 * pid, mounts under the work dir unmounted, its cgroups removed, side directories it created.
 */
import { type ChildProcess, execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeContainerdConfig } from './containerd-config.ts';
import { type Mem, memOf, processes } from './daemon-proc.ts';
import { buildTinyImage } from './tiny-image.ts';

const run = promisify(execFile);

export interface ContainerdFigures {
  version: string;
  /** ms until all N were running, per round. */
  startAll: number[];
  /** ms for N `ctr run -d` one after the other (one round). */
  startSequential: number;
  containerd: Mem | undefined;
  shims: Mem[];
  tasksLs: number[];
  /** ms to kill + delete N tasks and delete N containers, per round. */
  removeAll: number[];
}

const _sh = (cmd: string) =>
  execFileSync('bash', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

async function startContainerd(dir: string): Promise<{ child: ChildProcess; sock: string }> {
  await mkdir(dir, { recursive: true });
  const { config, sock } = await writeContainerdConfig(dir);
  const child = spawn('containerd', ['--config', config], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (spawnSync('ctr', ['-a', sock, 'version'], { stdio: 'ignore', timeout: 5000 }).status === 0)
      return { child, sock };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`containerd in ${dir} did not come up`);
}

const SIDE_DIRS = ['/run/containerd', '/run/runc'];

/**
 * Runs part 4; `log` reports progress. Throws when containerd cannot be made to run, and when
 * `stopped()` turns true (Ctrl-C: checked between steps, so the cleanup runs).
 */
export async function measureContainerd(
  n: number,
  rounds: number,
  log: (s: string) => void,
  stopped: () => boolean = () => false,
): Promise<ContainerdFigures> {
  const check = () => {
    if (stopped()) throw new Error('interrupted');
  };
  for (const t of ['containerd', 'ctr', 'runc', 'umoci', 'skopeo'])
    if (spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status !== 0)
      throw new Error(`${t} is not installed`);
  const sideNew = SIDE_DIRS.filter((d) => !existsSync(d));
  const work = await mkdtemp(join(tmpdir(), 'hostpod-bench-ctrd-'));
  const CG = `hostpod-bench-ctrd-${process.pid}`;
  let daemon: ChildProcess | undefined;
  let sock = '';
  const ctr = (...args: string[]) => run('ctr', ['-a', sock, ...args], { maxBuffer: 16 << 20 });
  const ids = (round: number) => Array.from({ length: n }, (_, i) => `b${process.pid}-${round}-${i}`);
  const removeAll = async () => {
    const tasks = (await ctr('tasks', 'ls', '-q').catch(() => ({ stdout: '' }))).stdout
      .split('\n')
      .filter(Boolean);
    if (tasks.length) await ctr('tasks', 'delete', '-f', ...tasks).catch((e) => log(`tasks delete: ${e}`));
    const cs = (await ctr('containers', 'ls', '-q').catch(() => ({ stdout: '' }))).stdout
      .split('\n')
      .filter(Boolean);
    if (cs.length) await ctr('containers', 'delete', ...cs).catch((e) => log(`containers delete: ${e}`));
  };
  try {
    const { tar } = await buildTinyImage(work);
    const started = await startContainerd(join(work, 'containerd'));
    daemon = started.child;
    sock = started.sock;
    const version = (await run('containerd', ['--version'])).stdout.trim();
    await ctr('image', 'import', '--base-name', 'localhost/pb/tiny', tar);
    const fig: ContainerdFigures = {
      version,
      startAll: [],
      startSequential: Number.NaN,
      containerd: undefined,
      shims: [],
      tasksLs: [],
      removeAll: [],
    };
    const runD = (id: string) =>
      ctr(
        'run',
        '-d',
        '--privileged',
        '--net-host',
        '--cgroup',
        `/${CG}/ctr/${id}`,
        'localhost/pb/tiny:latest',
        id,
        'sleep',
        '600',
      );
    const untilRunning = async () => {
      for (let i = 0; i < 600; i++) {
        check();
        const ls = (await ctr('tasks', 'ls')).stdout;
        if (ls.split('\n').filter((l) => / RUNNING\s*$/.test(l)).length >= n) return;
        await new Promise((res) => setTimeout(res, 20));
      }
      throw new Error(`${n} ctr tasks were not all running after 600 polls`);
    };
    for (let r = 0; r < rounds; r++) {
      check();
      const names = ids(r);
      const t0 = performance.now();
      await Promise.all(names.map(runD));
      await untilRunning();
      const ms = performance.now() - t0;
      fig.startAll.push(ms);
      log(`containerd round ${r + 1}: ${n} containers running after ${ms.toFixed(0)} ms`);
      if (r < rounds - 1) {
        const t1 = performance.now();
        await removeAll();
        fig.removeAll.push(performance.now() - t1);
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
    fig.containerd = await memOf(daemon.pid ?? 0);
    const shimPids = (await processes())
      .filter((p) => p.comm.startsWith('containerd-shim') && p.cmdline.includes(sock))
      .map((p) => p.pid);
    for (const pid of shimPids) {
      const m = await memOf(pid);
      if (m) fig.shims.push(m);
    }
    log(`containerd: ${shimPids.length} shims`);
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await ctr('tasks', 'ls');
      fig.tasksLs.push(performance.now() - t);
    }
    const t1 = performance.now();
    await removeAll();
    fig.removeAll.push(performance.now() - t1);
    // containerd's best case on 2 cores: one `ctr run -d` at a time.
    const t2 = performance.now();
    for (const id of ids(rounds)) {
      check();
      await runD(id);
    }
    await untilRunning();
    fig.startSequential = performance.now() - t2;
    log(`containerd: ${n} ctr run -d one after the other: ${fig.startSequential.toFixed(0)} ms`);
    await removeAll();
    return fig;
  } finally {
    if (daemon && daemon.exitCode === null) {
      await removeAll().catch(() => {});
      daemon.kill('SIGTERM');
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          daemon?.kill('SIGKILL');
          resolve();
        }, 10_000);
        daemon?.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const mounts = (await readFile('/proc/self/mountinfo', 'utf8'))
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((m) => m.startsWith(`${work}/`))
      .sort()
      .reverse();
    for (const m of mounts) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
    for (const c of [...(await readdir('/sys/fs/cgroup').catch(() => [] as string[])), '']) {
      const base = join('/sys/fs/cgroup', c, CG);
      if (existsSync(base))
        spawnSync('find', [base, '-depth', '-type', 'd', '-exec', 'rmdir', '{}', ';'], { stdio: 'ignore' });
      if (existsSync(base)) log(`warning: cgroup ${base} is still there`);
    }
    for (const d of sideNew)
      if (existsSync(d))
        spawnSync('find', [d, '-depth', '-type', 'd', '-empty', '-delete'], { stdio: 'ignore' });
    await rm(work, { recursive: true, force: true }).catch((e) => log(`could not remove ${work}: ${e}`));
  }
}
