/**
 * A real `hostpod daemon` for tests: a child process run from source on a fresh state root
 * holding the test image, its jobs under a test cgroup parent, its API on a socket in the root.
 * It can be killed (SIGKILL) and started again on the same root, as an operator's node would.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PodView } from '../../api/protocol.ts';
import { startCli, waitForOutput } from '../../cli/testing/spawn-cli.ts';
import { DaemonClient } from '../../client/client.ts';
import type { PodTiming } from '../../services/pod-events.ts';
import { type Harness, makeHarness, TEST_IMAGE } from '../../services/testing/harness.ts';

export { TEST_IMAGE };

export interface DaemonHarness {
  root: string;
  cgroupParent: string;
  socket: string;
  staticDir: string;
  client: DaemonClient;
  /** `host:port` of the metrics endpoint of the running daemon. */
  metricsAddress: string;
  /** The running daemon's process. */
  pid(): number;
  /** Replaces the extra environment of the next `start()`. */
  setEnv(env: Record<string, string>): void;
  /** Resolves once the daemon process has ended. */
  exited(): Promise<void>;
  /** Its output (JSON log lines) since it was last started. */
  output(): string;
  start(): Promise<void>;
  /** SIGKILL, then waits for it to be gone. */
  kill(): Promise<void>;
  /** SIGTERM (it lets go of the pods), then waits for it to end. */
  stop(): Promise<void>;
  /** Stops the daemon and every pod, removes the root and the cgroups. */
  cleanup(): Promise<void>;
}

export interface DaemonHarnessOptions {
  /** Back-off and probe constants (ms) for the daemon's pods. */
  timing?: Partial<PodTiming>;
  extraArgs?: string[];
  /** The state root (default: a fresh temporary directory). */
  root?: string;
  /** Extra environment of the daemon process (test hooks). */
  env?: Record<string, string>;
}

export async function makeDaemonHarness(options: DaemonHarnessOptions = {}): Promise<DaemonHarness> {
  const h: Harness = await makeHarness(options.root ? { root: options.root } : {});
  const socket = join(h.root, 'api.sock');
  const staticDir = join(h.root, 'manifests');
  await mkdir(staticDir, { recursive: true });
  let child: ReturnType<typeof startCli> | undefined;
  let metricsAddress = '';
  const exited = () =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
    });
  let env: Record<string, string> = { ...options.env };
  const self: DaemonHarness = {
    root: h.root,
    cgroupParent: h.cgroupParent,
    socket,
    staticDir,
    client: new DaemonClient({ socketPath: socket }),
    get metricsAddress() {
      return metricsAddress;
    },
    pid: () => child?.pid ?? 0,
    setEnv(next: Record<string, string>) {
      env = { ...next };
    },
    exited,
    output: () => child?.output() ?? '',
    async start() {
      child = startCli(
        [
          'daemon',
          '--root',
          h.root,
          '--socket',
          socket,
          '--metrics-address',
          '127.0.0.1:0',
          '--static-pod-dir',
          staticDir,
          '--cgroup-parent',
          h.cgroupParent,
          ...(options.extraArgs ?? []),
        ],
        {
          env: { ...env, ...(options.timing ? { HOSTPOD_TEST_TIMING: JSON.stringify(options.timing) } : {}) },
        },
      );
      const out = await waitForOutput(
        child,
        (o) => o.includes('"msg":"serving"') || child?.exitCode != null || child?.signalCode != null,
        30_000,
      );
      if (!out.includes('"msg":"serving"')) throw new Error(`the daemon did not start:\n${out}`);
      // The address from the "serving" line itself (a window of text before it can hold another
      // line's keys, or miss this one's); matched, not parsed: the line's end may not be read yet.
      const serving = out.split('\n').findLast((l) => l.includes('"msg":"serving"')) ?? '';
      metricsAddress = /"metrics":"([^"]+)"/.exec(serving)?.[1] ?? '';
    },
    async kill() {
      child?.kill('SIGKILL');
      await exited();
    },
    async stop() {
      child?.kill('SIGTERM');
      await exited();
    },
    async cleanup() {
      if (child && child.exitCode === null && child.signalCode === null) {
        // Stop the pods through the daemon so no container outlives the test.
        for (const p of await self.client.listPods().catch(() => [] as PodView[])) {
          if (p.source.kind === 'apply')
            await self.client.deletePod(p.namespace, p.name, { force: true }).catch(() => {});
        }
        for (const p of await self.client.listPods().catch(() => [] as PodView[]))
          if (p.source.kind === 'static') await rm(p.source.path, { force: true });
        await eventually(
          async () => ((await self.client.listPods().catch(() => [])).length === 0 ? true : undefined),
          20_000,
          'every pod gone',
        ).catch(() => {});
        child.kill('SIGTERM');
        await exited();
      }
      await h.cleanup();
    },
  };
  return self;
}

/** Polls `fn` every 100 ms until it returns a value other than undefined; throws after `ms`. */
export async function eventually<T>(fn: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  while (Date.now() - t0 < ms) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * A HostProcess pod as a JSON object (SYSTEM, hostNetwork, the test image with pull policy Never,
 * one container `c`, a 2 s grace period).
 */
export function hpcPodObject(
  name: string,
  command: string[],
  options: { restartPolicy?: string; runAs?: string; grace?: number } = {},
): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      hostNetwork: true,
      restartPolicy: options.restartPolicy ?? 'Always',
      terminationGracePeriodSeconds: options.grace ?? 2,
      securityContext: {
        windowsOptions: { hostProcess: true, runAsUserName: options.runAs ?? 'NT AUTHORITY\\SYSTEM' },
      },
      containers: [{ name: 'c', image: TEST_IMAGE, imagePullPolicy: 'Never', command }],
    },
  };
}

/** Running, with every container running. */
export function podRunning(p: PodView | undefined): boolean {
  return p?.phase === 'Running' && p.status?.containerStatuses.every((c) => 'running' in c.state) === true;
}
