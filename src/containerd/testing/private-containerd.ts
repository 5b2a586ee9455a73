/**
 * A private containerd 1.6 for the tests of this folder, one per test file: its own root,
 * state, sockets and config (runtimes.runc and runtimes.hostprocess, the CRI plugin with an
 * empty CNI conf dir, `restrict_oom_score_adj`, a local sandbox image), the checkout first on
 * its PATH (so it finds ./containerd-shim-hostpod-v1), hostpod's containerd state under the
 * same directory, a tiny busybox image imported in the `k8s.io` and `test` namespaces. `stop()`
 * removes every task and container, stops containerd by its pid, waits for the shim server to
 * go, and removes what is left (mounts under the dir, the test's cgroup parent, the dir).
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildTinyImage } from '../../../bench/tiny-image.ts';

const run = promisify(execFile);
export const CHECKOUT = fileURLToPath(new URL('../../../', import.meta.url));
export const IMAGE = 'localhost/hp/tiny:latest';
export const PAUSE_IMAGE = 'localhost/hp/pause:latest';

/** Why these tests cannot run here, or undefined. */
export function missingTools(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const t of ['containerd', 'ctr', 'runc', 'umoci', 'skopeo'])
    if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) return `${t} is not installed`;
  if (!existsSync(join(CHECKOUT, 'dist/containerd/main.js'))) return 'dist/ is not built (npm run build)';
  if (!existsSync(join(CHECKOUT, 'native/build/hostpod-shim'))) return 'the native shim is not built';
  return undefined;
}

export interface PrivateContainerd {
  dir: string;
  sock: string;
  /** hostpod's state root for this containerd (HOSTPOD_CONTAINERD_ROOT). */
  hpRoot: string;
  /** The test's cgroup parent (absolute, the same in every hierarchy). */
  cgroupParent: string;
  ctr(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  /** `ctr` without throwing: exit code and output. */
  ctrTry(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Restarts containerd (same config); `kill` uses SIGKILL. */
  restart(kill?: boolean): Promise<void>;
  /** The shim server's pid, if it runs. */
  serverPid(): number | undefined;
  stop(): Promise<void>;
}

async function waitUp(sock: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (spawnSync('ctr', ['-a', sock, 'version'], { stdio: 'ignore', timeout: 5000 }).status === 0) return;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`private containerd on ${sock} did not come up`);
}

/** Processes whose command line mentions `text` (the test's own, found by its unique dir). */
export function pidsMentioning(text: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text)) out.push(Number(p));
    } catch {}
  }
  return out;
}

/** Cgroup directories left under `parent` in any hierarchy. */
export function cgroupsUnder(parent: string): string[] {
  const found: string[] = [];
  for (const h of readdirSync('/sys/fs/cgroup')) {
    const d = join('/sys/fs/cgroup', h, parent);
    if (!existsSync(d)) continue;
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true }))
        if (e.isDirectory()) {
          found.push(join(dir, e.name));
          walk(join(dir, e.name));
        }
    };
    walk(d);
  }
  return found;
}

/**
 * `options.pauseImage`: the CRI sandbox image is a busybox image whose command sleeps (for runc
 * pods, whose sandbox must stay up; hostpod runs its own sandbox process whatever the image).
 */
export async function startPrivateContainerd(
  name: string,
  options: { pauseImage?: boolean } = {},
): Promise<PrivateContainerd> {
  const dir = await mkdtemp(join(tmpdir(), `hostpod-test-${name}-`));
  const cgroupParent = `/hostpod-test-${name}-${process.pid}`;
  const sock = join(dir, 'c.sock');
  const hpRoot = join(dir, 'hp');
  await mkdir(join(dir, 'cni'));
  await mkdir(join(dir, 'fifo'));
  const config = join(dir, 'config.toml');
  await writeFile(
    config,
    `version = 2
root = "${dir}/root"
state = "${dir}/state"
disabled_plugins = ["io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs"]
[grpc]
  address = "${sock}"
[ttrpc]
  address = "${sock}.ttrpc"
[debug]
  level = "warn"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${options.pauseImage ? PAUSE_IMAGE : IMAGE}"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".cni]
    conf_dir = "${dir}/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.hostprocess]
      runtime_type = "io.containerd.hostpod.v1"
      pod_annotations = ["hostpod.io/*"]
`,
  );
  const env = { ...process.env, PATH: `${CHECKOUT}:${process.env.PATH}`, HOSTPOD_CONTAINERD_ROOT: hpRoot };
  let child: ChildProcess;
  const launch = async () => {
    child = spawn('containerd', ['--config', config], {
      stdio: ['ignore', 'ignore', 'ignore'],
      env,
      detached: true,
    });
    await waitUp(sock, child);
  };
  await launch();
  const ctr = (...args: string[]) =>
    run('ctr', ['-a', sock, ...args], { maxBuffer: 16 << 20, timeout: 60_000 });
  const ctrTry = (...args: string[]) =>
    ctr(...args).then(
      (r) => ({ code: 0, ...r }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({
        code: typeof e.code === 'number' ? e.code : 1,
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? '',
      }),
    );
  const { tar, oci } = await buildTinyImage(join(dir, 'img'));
  for (const ns of ['k8s.io', 'test'])
    await ctr('-n', ns, 'image', 'import', '--base-name', 'localhost/hp/tiny', tar);
  if (options.pauseImage) {
    const pauseTar = join(dir, 'img', 'pause.tar');
    await run('umoci', [
      'config',
      '--image',
      `${oci}:tiny`,
      '--tag',
      'pause',
      '--config.entrypoint',
      '/bin/sleep',
      '--config.cmd',
      '2147483647',
    ]);
    await run('skopeo', ['copy', '-q', `oci:${oci}:pause`, `oci-archive:${pauseTar}:latest`]);
    await ctr('-n', 'k8s.io', 'image', 'import', '--base-name', 'localhost/hp/pause', pauseTar);
  }
  const serverPid = () =>
    pidsMentioning(`${hpRoot}/s/`).find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('serve'));
  const stopContainerd = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
  };
  return {
    dir,
    sock,
    hpRoot,
    cgroupParent,
    ctr,
    ctrTry,
    serverPid,
    async restart(kill = false) {
      await stopContainerd(kill ? 'SIGKILL' : 'SIGTERM');
      await launch();
    },
    async stop() {
      for (const ns of ['test', 'k8s.io']) {
        const tasks = (await ctrTry('-n', ns, 'tasks', 'ls', '-q')).stdout.split('\n').filter(Boolean);
        for (const t of tasks) await ctrTry('-n', ns, 'tasks', 'delete', '-f', t);
        const cs = (await ctrTry('-n', ns, 'containers', 'ls', '-q')).stdout.split('\n').filter(Boolean);
        if (cs.length) await ctrTry('-n', ns, 'containers', 'delete', ...cs);
      }
      await stopContainerd('SIGTERM');
      // Anything of ours still running (a test that failed half-way): by pid, found by our dir.
      for (let i = 0; i < 50 && pidsMentioning(dir).length > 0; i++)
        await new Promise((r) => setTimeout(r, 100));
      for (const p of pidsMentioning(dir)) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {}
      }
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[4] ?? '')
        .filter((m) => m.startsWith(dir))
        .sort((a, b) => b.length - a.length);
      for (const m of mounts) spawnSync('umount', ['-l', m]);
      for (const d of cgroupsUnder(cgroupParent).sort((a, b) => b.length - a.length)) {
        try {
          rmdirSync(d);
        } catch {}
      }
      for (const h of readdirSync('/sys/fs/cgroup')) {
        try {
          rmdirSync(join('/sys/fs/cgroup', h, cgroupParent));
        } catch {}
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
