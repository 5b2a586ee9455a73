/**
 * The composition root of `hostpod daemon`: the core (`NodeAgent`) reconciled with the host,
 * then the local API on the unix socket, the metrics endpoint, the static pod directory and the
 * disk watch; `READY=1` to systemd once serving. `stop()` lets go of the pods without stopping
 * them (an upgrade or restart), so the next daemon adopts them — unless the system is shutting
 * down, when it stops them gracefully first.
 */

import { readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { FieldValidation } from '../api/field-validation.ts';
import type { PodPhase } from '../api/pod-status-types.ts';
import { describeError, RuntimeError } from '../errors.ts';
import type { PodTiming } from '../services/pod-runner.ts';
import { type ApiServer, startApiServer } from './api-server.ts';
import type { DaemonConfig } from './config.ts';
import { createDaemonLogger, type Logger } from './log.ts';
import { DaemonMetrics, type MetricsServer, serveMetrics } from './metrics.ts';
import { type CrashPoint, NodeAgent } from './node-agent.ts';
import { isShutdown, sdNotify, systemState } from './service-manager.ts';
import { type StaticFile, StaticPodWatcher } from './static-pods.ts';

export interface DaemonEnv {
  pid: number;
  version: string;
  /** Where the daemon's JSON log lines go (stderr). */
  logStream: Writable;
  /** Test hooks: scaled back-off/probe constants, the shim's grace after the first exit. */
  timing?: Partial<PodTiming>;
  shutdownGraceMs?: number;
  /** How often free disk space and container logs are checked (default 2000 ms). */
  diskCheckMs?: number;
  /** Test hook: SIGKILL the daemon at this point (see `CRASH_POINTS`). */
  crashAt?: CrashPoint;
  /** `$NOTIFY_SOCKET`: systemd's `Type=notify` socket, told `READY=1` once serving. */
  notifySocket?: string;
}

export interface RunningDaemon {
  agent: NodeAgent;
  metrics: DaemonMetrics;
  /** The metrics endpoint's address (`host:port`), when serving. */
  metricsAddress?: string;
  /** Lets go of the pods (they keep running) and stops serving; with `stopPods`, stops them first. */
  close(options?: { stopPods?: boolean }): Promise<void>;
  /**
   * The stop on SIGTERM: tells systemd `STOPPING=1`, then stops the pods gracefully (preStop,
   * grace period) if the system is shutting down (`systemctl is-system-running` says
   * `stopping`) or `stopPods` is set, else lets go of them (a restart or upgrade of the daemon).
   */
  stop(options?: { stopPods?: boolean }): Promise<void>;
}

/** Starts the daemon. Throws what opening the state throws, `AlreadyExists` (another daemon). */
export async function startDaemon(config: DaemonConfig, env: DaemonEnv): Promise<RunningDaemon> {
  const log = createDaemonLogger({ stream: env.logStream, level: config.logLevel });
  let agentRef: NodeAgent | undefined;
  const metrics = new DaemonMetrics({
    collectContainers: () => agentRef?.stats({}) ?? Promise.resolve([]),
    podPhases: () => {
      const counts: Record<PodPhase, number> = { Pending: 0, Running: 0, Succeeded: 0, Failed: 0 };
      for (const p of agentRef?.podsNow() ?? []) counts[p.phase]++;
      return counts;
    },
  });
  const socketGid = config.socketGroup === undefined ? undefined : groupId(config.socketGroup);
  const agent = await NodeAgent.open(
    {
      root: config.root,
      layout: config.layout,
      nodeLabels: config.nodeLabels,
      insecureRegistries: config.insecureRegistries,
      registryConfigDir: config.registryConfigDir,
      logRotation: config.logRotation,
      dns: config.dns,
      ...(config.cgroupParent ? { cgroupParent: config.cgroupParent } : {}),
      ...(config.nodeName ? { nodeName: config.nodeName } : {}),
      ...(config.serviceAccounts ? { serviceAccounts: config.serviceAccounts } : {}),
      ...(config.serviceAccountTokenFile ? { serviceAccountTokenFile: config.serviceAccountTokenFile } : {}),
      ...(config.workspace ? { workspace: config.workspace } : {}),
      ...(env.timing ? { timing: env.timing } : {}),
      ...(env.shutdownGraceMs !== undefined ? { shutdownGraceMs: env.shutdownGraceMs } : {}),
    },
    {
      pid: env.pid,
      version: env.version,
      metrics,
      logger: log,
      ...(env.crashAt ? { crashAt: env.crashAt } : {}),
    },
  );
  agentRef = agent;
  const closers: (() => Promise<void>)[] = [];
  const close = async (options: { stopPods?: boolean } = {}) => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => {});
    await agent.close(options);
    log.info({}, 'stopped');
  };
  try {
    await agent.start();
    const api: ApiServer = await startApiServer({
      socketPath: config.socket,
      backend: agent,
      ...(socketGid !== undefined ? { group: socketGid } : {}),
      logger: {
        warn: (msg, fields) => log.warn(fields ?? {}, msg),
        error: (msg, fields) => log.error(fields ?? {}, msg),
      },
      onRequest: (method, route, status, seconds) =>
        metrics.observeApiRequest(method, route, status, seconds),
    });
    closers.push(() => api.close());
    let metricsServer: MetricsServer | undefined;
    if (config.metricsAddress !== '') {
      metricsServer = await serveMetrics(metrics, config.metricsAddress);
      closers.push(() => metricsServer!.close());
    }
    if (config.staticPodDir !== '') {
      const statics = followStaticPods(
        agent,
        config.staticPodDir,
        log,
        env.diskCheckMs ?? 2000,
        config.staticPodValidate,
      );
      await statics.watcher.start();
      closers.push(async () => {
        clearInterval(statics.retry);
        await statics.watcher.stop();
      });
    }
    const disk = watchDisk(agent, metrics, config.root, env.diskCheckMs ?? 2000, log);
    closers.push(async () => clearInterval(disk));
    log.info(
      {
        socket: config.socket,
        root: config.root,
        metrics: metricsServer?.listen ?? null,
      },
      'serving',
    );
    const notify = (message: string) =>
      sdNotify(message, { socket: env.notifySocket, pid: env.pid }).catch((e: unknown) => {
        log.error({ err: describeError(e) }, 'service manager');
        return false;
      });
    await notify(`READY=1\nSTATUS=serving on ${config.socket}`);
    const stop = async (options: { stopPods?: boolean } = {}) => {
      await notify('STOPPING=1');
      const state = options.stopPods ? undefined : await systemState();
      const stopPods = options.stopPods === true || isShutdown(state);
      log.info(
        { systemState: state ?? null, stopPods },
        stopPods ? 'stopping the pods' : 'letting go of the pods',
      );
      if (stopPods) {
        // Each pod gets its grace period (preStop included) while the unit's stop timeout runs.
        const grace = Math.max(0, ...agent.podsNow().map((p) => graceOf(p.manifest)));
        await notify(`EXTEND_TIMEOUT_USEC=${(grace + 30) * 1_000_000}\nSTATUS=stopping the pods gracefully`);
      }
      await close({ stopPods });
    };
    return {
      agent,
      metrics,
      ...(metricsServer ? { metricsAddress: metricsServer.listen } : {}),
      close,
      stop,
    };
  } catch (e) {
    await close().catch(() => {});
    throw e;
  }
}

/**
 * Runs the manifests of the static pod directory: a new file's pods are started, a changed
 * file's pods replaced (an unchanged pod of it is left running), a removed file's pods stopped.
 * A file that cannot be read keeps its pods as they were (and says why in an event).
 */
function followStaticPods(
  agent: NodeAgent,
  dir: string,
  log: Logger,
  retryMs: number,
  validate: FieldValidation,
): { watcher: StaticPodWatcher; retry: NodeJS.Timeout } {
  const applied = new Map<string, string>();
  /** The last reason each file was refused for. */
  const refused = new Map<string, string>();
  let last: ReadonlyMap<string, StaticFile> = new Map();
  let chain = Promise.resolve();
  const queue = (files: ReadonlyMap<string, StaticFile>) => {
    last = files;
    chain = chain
      .then(() => sync(files))
      .catch((e: unknown) => log.error({ err: describeError(e) }, 'static pods'));
  };
  const sync = async (files: ReadonlyMap<string, StaticFile>) => {
    // Removed files first: a pod moved to another file is stopped here and started from there.
    for (const path of new Set([...applied.keys(), ...agent.staticPaths()])) {
      if (files.has(path)) continue;
      try {
        const gone = await agent.removeStatic(path);
        applied.delete(path);
        refused.delete(path);
        if (gone.length > 0) log.info({ path, pods: gone }, 'static pod file removed');
      } catch (e) {
        // Kept in `applied`: the retry removes it again.
        log.error({ path, err: describeError(e) }, 'static pod file removal');
      }
    }
    for (const [path, f] of files) {
      if (f.error) {
        if (applied.get(path) !== `error:${f.hash}`) {
          agent.nodeEvent(
            'Warning',
            'StaticPodInvalid',
            `static pod file ${f.error}; its pods are left as they were`,
          );
          log.warn({ path, err: f.error }, 'static pod file unusable');
          applied.set(path, `error:${f.hash}`);
          refused.delete(path);
        }
        continue;
      }
      if (applied.get(path) === f.hash) continue;
      if (f.warnings) log.warn({ path, warnings: f.warnings }, 'static pod file has unknown fields');
      try {
        const r = await agent.applyStatic(path, f.objects);
        const keep = new Set(
          r.results.filter((x) => x.kind === 'Pod').map((x) => `${x.namespace}/${x.name}`),
        );
        await agent.removeStatic(path, keep);
        log.info({ path, pods: [...keep] }, 'static pod file applied');
        applied.set(path, f.hash);
        refused.delete(path);
      } catch (e) {
        // Not recorded as applied: tried again (every retryMs), told again only if the reason changes.
        const why = describeError(e);
        if (refused.get(path) !== why) {
          refused.set(path, why);
          agent.nodeEvent('Warning', 'StaticPodInvalid', `static pod file ${path}: ${why}`);
          log.warn({ path, err: why }, 'static pod file refused');
        }
      }
    }
  };
  const watcher = new StaticPodWatcher({
    dir,
    validate,
    onChange: queue,
    onError: (e) => log.warn({ err: e.message }, 'static pod directory'),
  });
  // A file whose apply failed for a passing reason (a pod still being deleted, a full disk) is
  // tried again without waiting for the directory to change.
  let busy = false;
  const retry = setInterval(() => {
    if (busy) return;
    const pendingApply = [...last].some(([path, f]) => !f.error && applied.get(path) !== f.hash);
    const pendingRemoval = [...applied.keys()].some((path) => !last.has(path));
    if (!pendingApply && !pendingRemoval) return;
    busy = true;
    queue(last);
    void chain.finally(() => {
      busy = false;
    });
  }, retryMs);
  retry.unref();
  return { watcher, retry };
}

/** Watches free space under the state root: an event and the `hostpod_disk_full` gauge. */
function watchDisk(agent: NodeAgent, metrics: DaemonMetrics, root: string, everyMs: number, log: Logger) {
  let full = false;
  let running = false;
  const check = async () => {
    if (running) return;
    running = true;
    try {
      await checkOnce();
    } finally {
      running = false;
    }
  };
  const checkOnce = async () => {
    await agent.checkHealth().catch((e: unknown) => log.error({ err: describeError(e) }, 'health check'));
    const s = await statfs(root).catch(() => undefined);
    if (!s) return;
    const now = s.bavail * s.bsize < 1024 * 1024;
    if (now === full) return;
    full = now;
    metrics.setDiskFull(root, full);
    agent.setProblem('disk', full ? `no space left on the filesystem of ${root}` : undefined);
    if (!full) agent.nodeEvent('Normal', 'DiskSpaceAvailable', `space is available again under ${root}`);
    log[full ? 'error' : 'info']({ root }, full ? 'disk full' : 'disk space available');
  };
  void check();
  const t = setInterval(() => void check(), everyMs);
  t.unref();
  return t;
}

/** A stored pod's `terminationGracePeriodSeconds` (the API default, 30, when unset). */
function graceOf(manifest: Record<string, unknown>): number {
  const spec = manifest.spec as { terminationGracePeriodSeconds?: unknown } | undefined;
  const g = spec?.terminationGracePeriodSeconds;
  return typeof g === 'number' && Number.isFinite(g) && g >= 0 ? g : 30;
}

/** The gid of a group name or number. Throws `InvalidArgument` when it does not exist. */
function groupId(group: string): number {
  if (/^\d+$/.test(group)) return Number(group);
  for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined) return Number(gid);
  }
  throw new RuntimeError('InvalidArgument', `Cannot give the socket to group "${group}": no such group`, {
    hint: 'create it (groupadd) or set socketGroup to an existing group',
  });
}
