/**
 * A `hostpod daemon` for `bench/daemon.bench.ts`, run as an operator runs it: the compiled code
 * (`node dist/cli/main.js daemon …`), not the test harness's `node --import tsx` (whose loader
 * thread and on-the-fly transpiling would be counted in the daemon's memory and CPU).
 *
 * `compile()` builds the current source tree into a private directory
 * `.bench-work/daemon-PID/dist` (never the shared `dist/`, which other work may be using); a
 * `native` symlink beside it lets the compiled code find the shim three levels up, as from
 * `dist/`. The daemon runs on a fresh state root made by the services' test harness (the test
 * image imported, jobs under a private cgroup parent), its API on a socket in that root.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { PodView } from '../src/api/protocol.ts';
import { DaemonClient } from '../src/client/client.ts';
import { makeHarness } from '../src/services/testing/harness.ts';

export { TEST_IMAGE } from '../src/services/testing/harness.ts';

export const REPO = fileURLToPath(new URL('../', import.meta.url));

/** Compiles src/ into a private directory; returns the path of its `cli/main.js`. */
export async function compile(): Promise<{ main: string; remove: () => Promise<void> }> {
  const base = join(REPO, '.bench-work', `daemon-${process.pid}`);
  await mkdir(base, { recursive: true });
  await symlink(join(REPO, 'native'), join(base, 'native'));
  const remove = () => rm(base, { recursive: true, force: true });
  try {
    await promisify(execFile)(
      process.execPath,
      [
        join(REPO, 'node_modules/typescript/bin/tsc'),
        '-p',
        'tsconfig.build.json',
        '--outDir',
        join(base, 'dist'),
      ],
      { cwd: REPO, maxBuffer: 16 << 20 },
    ).catch((e: { stdout?: string }) => {
      // tsc emits even with type errors (other work in the tree); only a missing output counts.
      if (!String(e.stdout ?? '').length) throw e;
    });
  } catch (e) {
    await remove();
    throw e;
  }
  const main = join(base, 'dist', 'cli', 'main.js');
  if (!existsSync(main)) {
    await remove();
    throw new Error(`tsc did not write ${main}`);
  }
  return { main, remove };
}

export interface BenchDaemon {
  root: string;
  socket: string;
  client: DaemonClient;
  pid(): number;
  /** The last 64 KiB of its output. */
  output(): string;
  /** `host:port` of its metrics endpoint. */
  metricsAddress: string;
  /** Deletes every pod (force), stops the daemon (SIGTERM), removes the root and cgroups. */
  cleanup(): Promise<void>;
}

/** `nodeArgs`: options for node before the script, e.g. `--cpu-prof`. */
export async function startDaemon(main: string, nodeArgs: readonly string[] = []): Promise<BenchDaemon> {
  const h = await makeHarness();
  const socket = join(h.root, 'api.sock');
  let out = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...nodeArgs,
      main,
      'daemon',
      '--root',
      h.root,
      '--socket',
      socket,
      '--metrics-address',
      '127.0.0.1:0',
      '--static-pod-dir',
      '',
      '--cgroup-parent',
      h.cgroupParent,
      '--stop-pods-on-exit',
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const onData = (s: string) => {
    out = (out + s).slice(-65536);
  };
  child.stdout?.setEncoding('utf8').on('data', onData);
  child.stderr?.setEncoding('utf8').on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const client = new DaemonClient({ socketPath: socket });
  const self: BenchDaemon = {
    root: h.root,
    socket,
    client,
    pid: () => child.pid ?? 0,
    output: () => out,
    metricsAddress: '',
    async cleanup() {
      if (child.exitCode === null && child.signalCode === null) {
        await deleteAll(client).catch(() => {});
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(t);
      }
      await h.cleanup();
    },
  };
  const t0 = Date.now();
  while (!out.includes('"msg":"serving"')) {
    if (child.exitCode !== null || Date.now() - t0 > 60_000) {
      await self.cleanup();
      throw new Error(`the daemon did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  self.metricsAddress = /"metrics":"([^"]+)"/.exec(out)?.[1] ?? '';
  return self;
}

/** Deletes every pod (force, 100 requests at once) and waits until the list is empty. */
export async function deleteAll(client: DaemonClient): Promise<void> {
  const pods: PodView[] = await client.listPods();
  await Promise.all(pods.map((p) => client.deletePod(p.namespace, p.name, { force: true })));
  for (let i = 0; i < 600; i++) {
    if ((await client.listPods()).length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('pods were still listed 60 s after their deletion');
}
