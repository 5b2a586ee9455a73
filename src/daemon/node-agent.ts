/**
 * The daemon's core: the pods this node should run (from `apply` and the static pod
 * directory), each kept running by a worker (`runPod` of the services), every transition
 * committed to the state database before it is shown, and — on start — the database reconciled
 * with the host: containers still running are adopted (their shims kept them running and
 * logging while no daemon ran), those that ended meanwhile are recorded with the exit code their
 * shim wrote (else `Unknown`), and the restart policy decides what follows.
 */

import { readdir, readFile, rm } from 'node:fs/promises';
import { arch } from 'node:os';
import { basename, join } from 'node:path';
import type { PodStatus, TerminatedState } from '../api/pod-status-types.ts';
import type {
  ApplyRequest,
  ApplyResponse,
  ApplyResult,
  ContainerStatsView,
  DeleteResponse,
  EventView,
  ExecTarget,
  Health,
  ImageView,
  LogQuery,
  PodSourceView,
  PodView,
  PodWatchEvent,
  VersionInfo,
} from '../api/protocol.ts';
import type { Pod } from '../api/types.ts';
import type { ContainerType } from '../api/visit-containers.ts';
import { describeError, isRuntimeError, RuntimeError } from '../errors.ts';
import { LocalContentStore } from '../image/content-store.ts';
import { removeImageContent } from '../image/gc.ts';
import { ImageStore } from '../image/image-store.ts';
import { type FileLock, tryFileLock } from '../lib/file-lock.ts';
import { instanceId } from '../lib/instance-id.ts';
import { sleepUnlessAborted } from '../lib/sleep.ts';
import { prepareStateRoot } from '../lib/state-root.ts';
import { createGroupManager } from '../runtime/group/group-manager.ts';
import { readExit } from '../runtime/task/exit-record.ts';
import { type LogStatus, readLogStatus } from '../runtime/task/log-status.ts';
import { shimAlive } from '../runtime/task/wait-task.ts';
import { cleanupStale } from '../services/cleanup.ts';
import { type RuntimeDeps, removeContainer } from '../services/container-runner.ts';
import type { ImageContext } from '../services/images.ts';
import { localNode } from '../services/node.ts';
import { addObject, emptyObjectSet, type ObjectSet } from '../services/object-set.ts';
import {
  admitPod,
  type ContainerResume,
  DEFAULT_TIMING,
  type PodEvent,
  type PodTiming,
  runPod,
} from '../services/pod-runner.ts';
import { initialPodStatus, markWaiting } from '../services/pod-status.ts';
import {
  type ContainerRecord as FileRecord,
  listRecords,
  logPath,
  processStartTime,
  taskDir,
  writeRecord,
} from '../services/records.ts';
import { podDir, removeStalePodVolumes } from '../services/volumes.ts';
import type { EventRecord } from '../state/events.ts';
import { type PodUid, parseContainerId } from '../state/ids.ts';
import type { PodRecord } from '../state/pods.ts';
import { openStateDb, type StateDb, stateDbPath } from '../state/state-db.ts';
import type { AgentConfig, AgentLogger, AgentOptions, CrashPoint } from './agent-types.ts';
import { type DesiredPod, decodeDesired, decodeStoredPod } from './apply.ts';
import type { DaemonBackend } from './backend.ts';
import { recordPodEvent } from './event-recorder.ts';
import { streamPodLogs } from './pod-logs.ts';
import { podStanding } from './reconcile.ts';
import { eventView, imageView, logBytes, nameOf, viewOf, waitingReason } from './views.ts';

export type { AgentConfig, AgentLogger, AgentMetrics, AgentOptions, CrashPoint } from './agent-types.ts';
export { CRASH_POINTS } from './agent-types.ts';

interface Worker {
  uid: PodUid;
  pod: Pod;
  /** Aborted to stop the pod (delete, replace). */
  stop: AbortController;
  done: Promise<void>;
  /** Container rows to write with the next status (one transition). */
  pending: (() => void)[];
  status: PodStatus | undefined;
  /** The last status could not be written (disk full): the periodic check writes it. */
  dirty: boolean;
}

const FINAL: ReadonlySet<string> = new Set(['Succeeded', 'Failed']);
const noop = () => {};
const silentLogger: AgentLogger = { info: noop, warn: noop, error: noop };

export class NodeAgent implements DaemonBackend {
  readonly db: StateDb;
  readonly deps: RuntimeDeps;
  readonly #images: ImageContext;
  readonly #config: AgentConfig;
  readonly #options: AgentOptions;
  readonly #log: AgentLogger;
  readonly #lock: FileLock;
  readonly #startedAt = new Date().toISOString();
  readonly #workers = new Map<PodUid, Worker>();
  /** Ended workers whose last rows/status are not written yet (disk full). */
  readonly #unflushed = new Set<Worker>();
  /** Apply and delete of one pod (`ns/name`) run one after the other. */
  readonly #podQueues = new Map<string, Promise<unknown>>();
  /** Aborted when the daemon goes away: workers let go of their pods without stopping them. */
  readonly #detach = new AbortController();
  readonly #podWatchers = new Set<(uid: PodUid, deleted?: PodView) => void>();
  readonly #eventWatchers = new Set<(e: EventRecord) => void>();
  readonly #problems = new Map<string, string>();
  #objects: ObjectSet = emptyObjectSet();
  /** Events that could not be written (disk full), written by the next `checkHealth`. */
  #pendingEvents: {
    uid: PodUid | undefined;
    type: 'Normal' | 'Warning';
    reason: string;
    message: string;
    at: string;
  }[] = [];
  /** The last log status seen per running container. */
  readonly #logStatus = new Map<string, LogStatus>();
  #closed = false;

  private constructor(
    config: AgentConfig,
    options: AgentOptions,
    db: StateDb,
    deps: RuntimeDeps,
    images: ImageContext,
    lock: FileLock,
  ) {
    this.#config = config;
    this.#options = options;
    this.#log = options.logger ?? silentLogger;
    this.db = db;
    this.deps = deps;
    this.#images = images;
    this.#lock = lock;
  }

  /**
   * Opens the state root for this daemon: takes its lock (one daemon per root), opens the
   * state database (refusing a damaged or newer one without writing it), chooses the host
   * backends. Throws `AlreadyExists` (another daemon), what `openStateDb` throws.
   */
  static async open(config: AgentConfig, options: AgentOptions): Promise<NodeAgent> {
    prepareStateRoot(config.root);
    const lock = await tryFileLock(join(config.root, 'daemon.lock'));
    if ('heldBy' in lock)
      throw new RuntimeError(
        'AlreadyExists',
        `Cannot start the daemon: another hostpod daemon (pid ${lock.heldBy}) uses the state root ${config.root}`,
        { hint: 'stop it first, or give this one another --root' },
      );
    try {
      const db = openStateDb(stateDbPath(config.root));
      const groups = await createGroupManager({
        ...(config.cgroupParent ? { parent: config.cgroupParent } : {}),
        instance: instanceId(config.root),
      });
      const node = localNode({
        arch: arch(),
        ip: config.nodeIp ?? '127.0.0.1',
        ...(config.nodeLabels ? { extraLabels: config.nodeLabels } : {}),
      });
      if (config.nodeName) {
        node.name = config.nodeName;
        node.labels['kubernetes.io/hostname'] = config.nodeName;
      }
      const deps: RuntimeDeps = {
        root: config.root,
        layout: config.layout,
        groups,
        node,
        owner: { pid: options.pid, startTime: (await processStartTime(options.pid)) ?? '', daemon: true },
        ...(config.workspace ? { workspaceMode: config.workspace } : {}),
        ...(config.logRotation ? { logRotation: config.logRotation } : {}),
        ...(config.serviceAccounts ? { serviceAccounts: config.serviceAccounts } : {}),
        ...(config.shutdownGraceMs !== undefined ? { shutdownGraceMs: config.shutdownGraceMs } : {}),
      };
      const content = new LocalContentStore(join(config.root, 'content'));
      const images: ImageContext = {
        root: config.root,
        content,
        images: new ImageStore(config.root, content),
        insecureRegistries: config.insecureRegistries ?? [],
        onPulled: (_image, seconds, outcome) => options.metrics?.observeImagePull?.(seconds, outcome),
      };
      return new NodeAgent(config, options, db, deps, images, lock);
    } catch (e) {
      await lock.release();
      throw e;
    }
  }

  /** Reconciles the state with the host, then runs every pod. */
  async start(): Promise<void> {
    this.#loadObjects();
    const pods = this.db.pods.list();
    const records = await listRecords(this.deps.root);
    const running = new Set<string>();
    for (const p of pods)
      for (const row of this.db.containers.listByPod(p.uid, { latest: true }))
        if ('running' in row.state) running.add(row.id);
    // Containers of this daemon that no running row accounts for: started just before a crash
    // (the row was never committed) or of a pod deleted meanwhile. Stopped and removed.
    for (const rec of records.records) {
      if (!rec.owner.daemon || rec.status === 'exited' || running.has(rec.id)) continue;
      await this.#discard(rec, 'it was started by a daemon that stopped before recording it');
    }
    const stale = await cleanupStale(this.deps);
    for (const p of stale.problems) this.#log.warn({ problem: p }, 'cleanup');
    const keep = new Set<string>();
    for (const p of pods) {
      try {
        keep.add(
          basename(podDir(this.deps.root, decodeStoredPod(p.manifest, `pod ${p.namespace}/${p.name}`))),
        );
      } catch {}
    }
    for (const p of pods) {
      const pod = this.#decode(p);
      if (pod) keep.add(basename(podDir(this.deps.root, pod)));
    }
    const vols = await removeStalePodVolumes(this.deps.root, { daemonKeep: keep });
    for (const p of vols.problems) this.#log.warn({ problem: p }, 'cleanup');

    for (const p of pods) {
      const pod = this.#decode(p);
      if (!pod) continue;
      if (p.deletedAt !== undefined) {
        await this.#finishDelete(p);
        continue;
      }
      let resume: Resume & { anyRunning: boolean };
      try {
        resume = await this.#resumeOf(p, pod);
      } catch (e) {
        // One pod's trouble (a full disk while recording an exit) does not keep the others down.
        this.#log.error({ pod: `${p.namespace}/${p.name}`, err: describeError(e) }, 'cannot resume the pod');
        continue;
      }
      if (p.phase !== undefined && FINAL.has(p.phase) && !resume.anyRunning) continue;
      // Always resumed: the pod's volume directory may exist (a crash right after it was made).
      this.#startWorker(p.uid, pod, resume);
    }
    this.#log.info({ pods: pods.length, adopted: this.#adopted }, 'reconciled');
  }

  #adopted = 0;

  /**
   * Lets go of every pod without stopping it (a daemon restart or upgrade): the containers keep
   * running and logging; the next daemon adopts them. Or, with `stopPods`, stops them all first.
   */
  async close(options: { stopPods?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (options.stopPods) for (const w of this.#workers.values()) w.stop.abort();
    else this.#detach.abort();
    // Applies and deletes under way finish first (a new worker is refused once closed).
    await Promise.all([...this.#podQueues.values()].map((q) => q.catch(() => {})));
    const workers = [...this.#workers.values()];
    await Promise.all(workers.map((w) => w.done));
    // Rows a full disk held back: one last try before the next daemon reconciles without them.
    for (const w of [...workers, ...this.#unflushed])
      if ((w.pending.length > 0 || w.dirty) && w.status) this.#writeStatus(w, w.status);
    this.db.close();
    await this.#lock.release();
  }

  // ---- DaemonBackend ------------------------------------------------------------------------

  version(): VersionInfo {
    return {
      version: this.#options.version,
      api: 'v1',
      schema: this.db.schemaVersion,
      pid: this.#options.pid,
      startedAt: this.#startedAt,
      node: { name: this.deps.node.name, labels: { ...this.deps.node.labels } },
    };
  }

  health(): Health {
    return { ok: this.#problems.size === 0, problems: [...this.#problems.values()] };
  }

  /** Records a node event (not about one pod). */
  nodeEvent(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.#addEvent(undefined, type, reason, message);
  }

  /** The static pod files that pods came from. */
  staticPaths(): string[] {
    const out = new Set<string>();
    for (const p of this.db.pods.list()) if (p.source.kind === 'static') out.add(p.source.path);
    return [...out];
  }

  /** Records (or clears) a condition an operator must see: `/v1/healthz`, an event. */
  setProblem(key: string, message: string | undefined): void {
    if (message === undefined) {
      this.#problems.delete(key);
      return;
    }
    if (this.#problems.get(key) === message) return;
    this.#problems.set(key, message);
    this.#addEvent(undefined, 'Warning', 'NodeProblem', message);
  }

  async apply(request: ApplyRequest): Promise<ApplyResponse> {
    const set = decodeDesired(request.objects, { node: this.deps.node.name });
    const r = await this.#applySet(
      set.pods,
      set.objects,
      { kind: 'apply' },
      request.dryRun === true,
      set.skipped,
    );
    return { ...r, warnings: [...set.warnings, ...r.warnings] };
  }

  /** Applies the pods of a static pod file (source `static`). */
  async applyStatic(path: string, values: unknown[]): Promise<ApplyResponse> {
    const set = decodeDesired(values, { node: this.deps.node.name, file: path });
    return this.#applySet(set.pods, set.objects, { kind: 'static', path }, false, set.skipped);
  }

  /** Stops and removes the static pods of `path` not in `keep` (names `ns/name`). */
  async removeStatic(path: string, keep: ReadonlySet<string> = new Set()): Promise<string[]> {
    const gone: string[] = [];
    for (const p of this.db.pods.list()) {
      if (p.source.kind !== 'static' || p.source.path !== path) continue;
      if (keep.has(`${p.namespace}/${p.name}`) || p.deletedAt !== undefined) continue;
      await this.#serial(`${p.namespace}/${p.name}`, () => this.#delete(p, {}));
      gone.push(`${p.namespace}/${p.name}`);
    }
    return gone;
  }

  async #applySet(
    pods: DesiredPod[],
    objects: ReturnType<typeof decodeDesired>['objects'],
    source: { kind: 'apply' } | { kind: 'static'; path: string },
    dryRun: boolean,
    skipped: ApplyResponse['skipped'],
  ): Promise<ApplyResponse> {
    const results: ApplyResult[] = [];
    const warnings: string[] = [];
    for (const p of pods) {
      try {
        admitPod(p.pod, this.deps);
      } catch (e) {
        if (!isRuntimeError(e)) throw e;
        throw new RuntimeError(e.code, e.message, e.hint ? { hint: e.hint } : {});
      }
      const existing = this.db.pods.find(p.namespace, p.name);
      if (existing && existing.source.kind !== source.kind)
        throw new RuntimeError(
          'FailedPrecondition',
          `Cannot apply pod "${p.namespace}/${p.name}": it is a ${existing.source.kind === 'static' ? `static pod (from ${existing.source.kind === 'static' ? existing.source.path : ''})` : 'pod applied through the API'}`,
          { hint: existing.source.kind === 'static' ? 'change its file instead' : 'delete it first' },
        );
      if (existing?.deletedAt !== undefined)
        throw new RuntimeError(
          'FailedPrecondition',
          `Cannot apply pod "${p.namespace}/${p.name}": it is being deleted`,
          {
            hint: 'wait until it is gone, then apply it again',
          },
        );
    }
    if (dryRun) {
      for (const o of objects) {
        const old = this.db.objects.get(o.kind, o.namespace, o.name);
        results.push({
          kind: o.kind,
          namespace: o.namespace,
          name: o.name,
          change: old ? 'configured' : 'created',
        });
      }
      for (const p of pods) {
        const old = this.db.pods.find(p.namespace, p.name);
        results.push({
          kind: 'Pod',
          namespace: p.namespace,
          name: p.name,
          change: old ? 'configured' : 'created',
        });
      }
      return { results, skipped, warnings };
    }
    this.db.transition(() => {
      for (const o of objects) {
        const r = this.db.objects.put(o.kind, o.raw, { namespace: o.namespace });
        results.push({ kind: o.kind, namespace: o.namespace, name: o.name, change: r.change });
      }
    });
    this.#loadObjects();
    for (const p of pods) {
      results.push(await this.#serial(`${p.namespace}/${p.name}`, () => this.#applyPod(p, source)));
    }
    return { results, skipped, warnings };
  }

  /** Stores one pod and (re)starts its worker; runs in the pod's queue. */
  async #applyPod(p: DesiredPod, source: PodSourceView): Promise<ApplyResult> {
    const { pod: rec, change } = this.db.pods.put({
      namespace: p.namespace,
      name: p.name,
      manifest: p.manifest,
      source,
    });
    const result: ApplyResult = { kind: 'Pod', namespace: p.namespace, name: p.name, change };
    this.#crashPoint('pod-stored');
    const running = this.#workers.get(rec.uid);
    if (change === 'unchanged' && running) return result;
    if (change === 'unchanged' && rec.phase !== undefined && FINAL.has(rec.phase)) return result;
    const pod = this.#decode(rec);
    if (!pod) return result;
    if (running) {
      this.#addEvent(rec.uid, 'Normal', 'Killing', 'Stopping the pod: its spec changed');
      running.stop.abort();
      await running.done;
      // What the old run could not write is of no use to the new one.
      this.#unflushed.delete(running);
    }
    // A new run of the pod: its containers start again from attempt 0, its status from Pending.
    this.db.transition(() => {
      this.#clearContainers(rec.uid);
      this.db.pods.setStatus(rec.uid, initialPodStatus(pod.spec));
    });
    this.#addEvent(
      rec.uid,
      'Normal',
      'Scheduled',
      `Assigned ${p.namespace}/${p.name} to ${this.deps.node.name}`,
    );
    this.#startWorker(rec.uid, pod, undefined);
    this.#notifyPod(rec.uid);
    return result;
  }

  /** Runs `fn` after every earlier apply/delete of the pod `key` (`ns/name`). */
  #serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#podQueues.get(key) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(fn);
    this.#podQueues.set(key, next);
    void next
      .catch(() => {})
      .finally(() => {
        if (this.#podQueues.get(key) === next) this.#podQueues.delete(key);
      });
    return next;
  }

  listPods(filter: { namespace?: string }): PodView[] {
    return this.db.pods.list(filter.namespace ? { namespace: filter.namespace } : {}).map(viewOf);
  }

  getPod(namespace: string, name: string): PodView {
    return viewOf(this.#mustFind(namespace, name));
  }

  async deletePod(
    namespace: string,
    name: string,
    options: { gracePeriodSeconds?: number; force?: boolean; wait?: boolean },
  ): Promise<DeleteResponse> {
    const rec = this.#mustFind(namespace, name);
    if (rec.source.kind === 'static')
      throw new RuntimeError(
        'FailedPrecondition',
        `Cannot delete pod "${namespace}/${name}": it is a static pod`,
        {
          hint: `remove its file ${rec.source.path} from the static pod directory`,
        },
      );
    const done = this.#serial(`${namespace}/${name}`, async () => {
      // Read again in the queue: an earlier delete may have removed it meanwhile.
      const now = this.db.pods.get(rec.uid);
      if (now) await this.#delete(now, options);
    });
    if (options.wait === false) {
      done.catch((e: unknown) =>
        this.#log.error({ err: describeError(e), pod: `${namespace}/${name}` }, 'delete'),
      );
      return { namespace, name, status: 'terminating' };
    }
    await done;
    return { namespace, name, status: 'deleted' };
  }

  watchPods(fn: (e: PodWatchEvent) => void, filter: { namespace?: string }): () => void {
    const seen = new Set<string>();
    const watcher = (uid: PodUid, deleted?: PodView) => {
      const view = deleted ?? this.#viewByUid(uid);
      if (!view || (filter.namespace && view.namespace !== filter.namespace)) return;
      const type = deleted ? 'DELETED' : seen.has(uid) ? 'MODIFIED' : 'ADDED';
      if (deleted) seen.delete(uid);
      else seen.add(uid);
      fn({ type, object: view });
    };
    for (const p of this.listPods(filter)) seen.add(p.uid);
    this.#podWatchers.add(watcher);
    return () => this.#podWatchers.delete(watcher);
  }

  listEvents(filter: { namespace?: string; pod?: string; after?: number }): EventView[] {
    let podUid: PodUid | undefined;
    if (filter.pod !== undefined) podUid = this.#mustFind(filter.namespace ?? 'default', filter.pod).uid;
    const names = this.#podNames();
    return this.db.events
      .list({
        ...(podUid ? { podUid } : {}),
        ...(filter.after !== undefined ? { afterId: filter.after } : {}),
      })
      .map((e) => eventView(e, names))
      .filter(
        (e) =>
          !filter.namespace || filter.pod !== undefined || !e.pod || e.pod.namespace === filter.namespace,
      );
  }

  watchEvents(fn: (e: EventView) => void, filter: { namespace?: string; pod?: string }): () => void {
    let podUid: PodUid | undefined;
    if (filter.pod !== undefined) podUid = this.#mustFind(filter.namespace ?? 'default', filter.pod).uid;
    const watcher = (e: EventRecord) => {
      if (podUid && e.podUid !== podUid) return;
      const v = eventView(e, this.#podNames());
      if (filter.namespace && !podUid && v.pod && v.pod.namespace !== filter.namespace) return;
      fn(v);
    };
    this.#eventWatchers.add(watcher);
    return () => this.#eventWatchers.delete(watcher);
  }

  logs(
    namespace: string,
    name: string,
    query: LogQuery,
    write: (chunk: Buffer) => Promise<void>,
    signal: AbortSignal,
  ): Promise<void> {
    const rec = this.#mustFind(namespace, name);
    return streamPodLogs({
      root: this.deps.root,
      pod: rec,
      spec: this.#decode(rec),
      runs: this.db.containers.listByPod(rec.uid),
      // The row, and the task itself (its row may not be written yet when the disk is full).
      stillRunning: async (id) => {
        const now = this.db.containers.get(parseContainerId(id));
        if (now === undefined || !('running' in now.state)) return false;
        const dir = now.taskDir ?? taskDir(this.deps.root, id);
        return !(await readExit(dir).catch(() => undefined)) && (await shimAlive(dir));
      },
      query,
      write,
      signal,
    });
  }

  async stats(filter: { namespace?: string }): Promise<ContainerStatsView[]> {
    const out: ContainerStatsView[] = [];
    for (const p of this.db.pods.list(filter.namespace ? { namespace: filter.namespace } : {})) {
      for (const row of this.db.containers.listByPod(p.uid, { latest: true })) {
        if (!('running' in row.state)) continue;
        const st = await this.deps.groups
          .open(row.groupId ?? row.id)
          .stats()
          .catch(() => undefined);
        if (!st) continue;
        out.push({
          namespace: p.namespace,
          pod: p.name,
          container: row.name,
          containerId: row.id,
          cpuUsageNs: st.cpuUsageNs,
          ...this.#cpuRate(row.id, st.cpuUsageNs),
          memoryWorkingSetBytes: st.memoryWorkingSetBytes,
          processCount: st.processCount,
          logBytes: await logBytes(logPath(this.deps.root, row.id)),
        });
      }
    }
    return out;
  }

  readonly #cpuSamples = new Map<string, { ns: number; at: number }>();
  #cpuRate(id: string, ns: number): { cpuMillicores?: number } {
    const now = Date.now();
    const prev = this.#cpuSamples.get(id);
    this.#cpuSamples.set(id, { ns, at: now });
    if (!prev || now - prev.at < 50) return {};
    return { cpuMillicores: Math.max(0, Math.round((ns - prev.ns) / 1e3 / (now - prev.at))) };
  }

  execTarget(namespace: string, name: string, container?: string): ExecTarget {
    const rec = this.#mustFind(namespace, name);
    const rows = this.db.containers.listByPod(rec.uid, { latest: true }).filter((r) => 'running' in r.state);
    const pick = container
      ? rows.find((r) => r.name === container)
      : (rows.find((r) => r.type === 'container') ?? rows[0]);
    if (!pick)
      throw new RuntimeError(
        'FailedPrecondition',
        container
          ? `Cannot exec in container "${container}" of pod "${name}": it is not running`
          : `Cannot exec in pod "${name}": no container is running`,
      );
    return { containerId: pick.id, container: pick.name, root: this.deps.root };
  }

  async listImages(): Promise<ImageView[]> {
    const list = await this.#images.images.list();
    return list.map((r) => imageView(r));
  }

  async pullImage(reference: string, platform?: string): Promise<ImageView> {
    const own = `linux/${this.deps.node.labels['kubernetes.io/arch'] ?? ''}`;
    if (platform !== undefined && platform !== own)
      throw new RuntimeError(
        'InvalidArgument',
        `Cannot pull "${reference}" for ${platform}: the daemon pulls images for the pods of this host (${own})`,
        { hint: 'pull other platforms without the daemon: hostpod pull --platform' },
      );
    const { prepareImage } = await import('../services/images.ts');
    await prepareImage(reference, 'Always', this.#images);
    const rec = await this.#images.images.get(reference);
    if (!rec) throw new RuntimeError('Internal', `image "${reference}" is missing right after its pull`);
    return imageView(rec);
  }

  async removeImage(reference: string): Promise<{ removed: string[] }> {
    // Compared by what the names resolve to: a short name, an id or a digest of an image a pod
    // uses is refused too. Every stored pod counts, running or not (it may start again).
    const target = await this.#images.images.get(reference);
    if (target) {
      for (const p of this.db.pods.list()) {
        const pod = this.#decode(p);
        for (const c of pod ? [...(pod.spec.initContainers ?? []), ...pod.spec.containers] : []) {
          const used = c.image ? await this.#images.images.get(c.image).catch(() => undefined) : undefined;
          if (used?.digest === target.digest)
            throw new RuntimeError(
              'FailedPrecondition',
              `Cannot remove image "${reference}": pod "${p.namespace}/${p.name}" uses it`,
              { hint: 'delete the pod first' },
            );
        }
      }
    }
    const removed = await this.#images.images.remove(reference);
    if (removed.length === 0)
      throw new RuntimeError('NotFound', `image "${reference}" not found`, {
        hint: 'list them with hostpod images',
      });
    await removeImageContent(this.deps.root, this.#images.content, this.#images.images, removed);
    return { removed: removed.map((r) => r.name || r.digest) };
  }

  // ---- workers --------------------------------------------------------------------------------

  #startWorker(uid: PodUid, pod: Pod, resume: Resume | undefined): void {
    pod.metadata.uid = uid;
    const w: Worker = {
      uid,
      pod,
      stop: new AbortController(),
      done: Promise.resolve(),
      pending: [],
      status: undefined,
      dirty: false,
    };
    if (this.#closed || this.#workers.has(uid)) return;
    this.#workers.set(uid, w);
    w.done = this.#run(w, resume)
      .catch((e: unknown) =>
        this.#log.error({ pod: nameOf(pod), err: describeError(e) }, 'pod worker failed'),
      )
      .finally(() => {
        if (this.#workers.get(uid) === w) this.#workers.delete(uid);
        // What a full disk held back outlives the worker until written.
        if (w.dirty || w.pending.length > 0) this.#unflushed.add(w);
      });
  }

  async #run(w: Worker, resume: Resume | undefined): Promise<void> {
    const timing: PodTiming = { ...DEFAULT_TIMING, ...this.#config.timing };
    let delay = 0;
    while (!w.stop.signal.aborted && !this.#detach.signal.aborted) {
      try {
        const r = await runPod(w.pod, {
          deps: this.deps,
          // A delete or the daemon's stop ends a pull at once.
          images: { ...this.#images, signal: AbortSignal.any([w.stop.signal, this.#detach.signal]) },
          signal: w.stop.signal,
          detach: this.#detach.signal,
          objects: this.#objects,
          timing,
          ...(this.#config.serviceAccountTokenFile
            ? { serviceAccountTokenFile: this.#config.serviceAccountTokenFile }
            : {}),
          ...(resume ? { resume } : {}),
          onEvent: (e) => {
            try {
              this.#onEvent(w, e);
            } catch (err) {
              this.#log.error(
                { pod: nameOf(w.pod), event: e.type, err: describeError(err) },
                'event handler',
              );
            }
          },
        });
        if (!r.detached) this.#log.info({ pod: nameOf(w.pod), phase: r.phase }, 'pod ended');
        return;
      } catch (e) {
        // Before any container started: admission, images, volumes. Retried with back-off
        // (as the kubelet's ImagePullBackOff), the containers shown waiting with the reason.
        const admission = isRuntimeError(e, 'FailedPrecondition') && /^Cannot run pod/.test(describeError(e));
        const reason = waitingReason(e);
        const message = describeError(e);
        this.#addEvent(w.uid, 'Warning', reason === 'ErrImagePull' ? 'Failed' : 'FailedCreate', message);
        const status = structuredClone(w.status ?? resume?.status ?? initialPodStatus(w.pod.spec));
        for (const c of [...status.initContainerStatuses, ...status.containerStatuses]) {
          if ('waiting' in c.state) {
            const type: ContainerType = status.initContainerStatuses.includes(c)
              ? 'init_container'
              : 'container';
            markWaiting(status, w.pod.spec, type, c.name, { reason, message });
          }
        }
        if (admission) {
          // The pod may no longer run here (the node's labels changed): containers an earlier
          // daemon started are stopped, not left running unwatched.
          await this.#stopRunningRows(w.uid, `the pod cannot run on this node any more: ${message}`);
          status.phase = 'Failed';
          this.#writeStatus(w, status);
          return;
        }
        this.#writeStatus(w, status);
        delay = delay === 0 ? timing.initialMs : Math.min(delay * 2, timing.maxMs);
        if (!(await sleepUnlessAborted(delay, AbortSignal.any([w.stop.signal, this.#detach.signal])))) return;
        // Containers may have run (and been stopped) before the failure: start from what the
        // database and the host say now, not from the resume of the first try.
        const rec = this.db.pods.get(w.uid);
        if (!rec || rec.deletedAt !== undefined) return;
        try {
          resume = await this.#resumeOf(rec, w.pod);
        } catch (err) {
          // Keep the last resume and go on backing off (a full disk while recording an exit).
          this.#log.error({ pod: nameOf(w.pod), err: describeError(err) }, 'cannot rebuild the resume');
        }
      }
    }
  }

  #onEvent(w: Worker, e: PodEvent): void {
    recordPodEvent(
      {
        db: this.db,
        log: this.#log,
        ...(this.#options.metrics ? { metrics: this.#options.metrics } : {}),
        addEvent: (uid, type, reason, message) => this.#addEvent(uid, type, reason, message),
        pruneRows: (uid, type, name, attempt) => this.#pruneRows(uid, type, name, attempt),
        crashPoint: (point) => this.#crashPoint(point),
        writeStatus: (status) => this.#writeStatus(w, status),
      },
      w,
      e,
    );
  }

  /** Commits the pending container rows and the status in one transition; then tells watchers. */
  #writeStatus(w: Worker, status: PodStatus): void {
    w.status = status;
    const disk = (e: unknown) => isRuntimeError(e, 'ResourceExhausted') || isRuntimeError(e, 'Unavailable');
    try {
      this.db.transition(() => {
        if (!this.db.pods.get(w.uid)) return; // deleted meanwhile
        for (const op of w.pending) {
          // Each row in its own savepoint: a row that can never be written (a bug) is dropped
          // alone, the others and the status still go in. A disk error fails the whole.
          try {
            this.db.transition(op);
          } catch (e) {
            if (disk(e)) throw e;
            this.#log.error({ pod: nameOf(w.pod), err: describeError(e) }, 'a container row was dropped');
          }
        }
        this.#crashPoint('status-transition');
        this.db.pods.setStatus(w.uid, status);
      });
      w.pending = [];
      w.dirty = false;
      if (![...this.#workers.values(), ...this.#unflushed].some((x) => x.dirty))
        this.setProblem('state', undefined);
    } catch (e) {
      // Disk full, I/O error: the pods go on; the periodic check retries what is pending.
      this.#options.metrics?.stateWriteFailed?.();
      this.#log.error({ pod: nameOf(w.pod), err: describeError(e) }, 'cannot write the state database');
      w.dirty = true;
      this.#problems.set('state', `cannot write the state database: ${describeError(e)}`);
      return;
    }
    this.#notifyPod(w.uid);
  }

  /** Stops (kills) the running containers of a pod and records them as ended. */
  async #stopRunningRows(uid: PodUid, message: string): Promise<void> {
    for (const row of this.db.containers.listByPod(uid, { latest: true })) {
      if (!('running' in row.state)) continue;
      const problems = await this.#removeContainer(row.id, true).catch((e: unknown) => [describeError(e)]);
      for (const p of problems) this.#log.warn({ id: row.id, problem: p }, 'stopping a container');
      const terminated: TerminatedState = {
        exitCode: 137,
        reason: 'Error',
        message,
        finishedAt: new Date().toISOString(),
        ...(row.startedAt ? { startedAt: row.startedAt } : {}),
        containerID: row.id,
      };
      try {
        this.db.containers.update(row.id, { state: { terminated } });
      } catch (e) {
        this.#log.error({ id: row.id, err: describeError(e) }, 'cannot record a stopped container');
      }
    }
  }

  /** Keeps the rows (and directories) of a container's last two runs. */
  #pruneRows(uid: PodUid, type: ContainerType, name: string, attempt: number): void {
    for (const r of this.db.containers.listByPod(uid)) {
      if (r.type !== type || r.name !== name || r.attempt >= attempt - 1) continue;
      this.db.containers.remove(r.id);
      void rm(join(this.deps.root, 'containers', r.id), { recursive: true, force: true }).catch(() => {});
    }
  }

  async #delete(rec: PodRecord, options: { gracePeriodSeconds?: number; force?: boolean }): Promise<void> {
    const w = this.#workers.get(rec.uid);
    if (rec.deletedAt === undefined) this.db.pods.markDeleted(rec.uid);
    this.#notifyPod(rec.uid);
    if (w) {
      if (options.force) w.pod.spec.terminationGracePeriodSeconds = 0;
      else if (options.gracePeriodSeconds !== undefined)
        w.pod.spec.terminationGracePeriodSeconds = options.gracePeriodSeconds;
      w.stop.abort();
      await w.done;
    }
    await this.#finishDelete(this.db.pods.get(rec.uid) ?? rec);
  }

  /** Removes what is left of a deleted pod: running containers (adopted or not), rows, logs, volumes. */
  async #finishDelete(rec: PodRecord): Promise<void> {
    const view = viewOf(rec);
    for (const row of this.db.containers.listByPod(rec.uid)) await this.#removeContainer(row.id, false);
    const pod = this.#decode(rec);
    if (pod) {
      pod.metadata.uid = rec.uid;
      const dir = podDir(this.deps.root, pod);
      await removeStalePodVolumes(this.deps.root, {
        daemonKeep: new Set(
          (await readdir(join(this.deps.root, 'pods')).catch(() => [])).filter((n) => n !== basename(dir)),
        ),
      }).catch(() => undefined);
    }
    this.db.pods.remove(rec.uid);
    for (const fn of this.#podWatchers) fn(rec.uid, view);
  }

  #clearContainers(uid: PodUid): void {
    for (const row of this.db.containers.listByPod(uid)) {
      this.db.containers.remove(row.id);
      void rm(join(this.deps.root, 'containers', row.id), { recursive: true, force: true }).catch(() => {});
    }
  }

  // ---- reconcile ------------------------------------------------------------------------------

  /** Where a stored pod stands on the host now (`reconcile.ts`). */
  async #resumeOf(p: PodRecord, pod: Pod): Promise<Resume & { anyRunning: boolean }> {
    const r = await podStanding(
      {
        db: this.db,
        deps: this.deps,
        removeContainer: (id, keepLogs) => this.#removeContainer(id, keepLogs),
        addEvent: (uid, type, reason, message) => this.#addEvent(uid, type, reason, message),
      },
      p,
      pod,
    );
    this.#adopted += r.adopted;
    return r;
  }

  /** Removes a container's job, workspace and user (with its shim's pid: the no-cgroup backend needs it). */
  async #removeContainer(id: string, keepLogs: boolean): Promise<string[]> {
    const pid = Number.parseInt(
      await readFile(join(taskDir(this.deps.root, id), 'shim.pid'), 'utf8').catch(() => ''),
      10,
    );
    return removeContainer(this.deps, { id, ...(pid > 0 ? { shimPid: pid } : {}) }, { keepLogs });
  }

  async #discard(rec: FileRecord, why: string): Promise<void> {
    await this.#removeContainer(rec.id, true);
    rec.status = 'exited';
    rec.exit = { exitCode: 137, reason: 'Unknown', message: why, finishedAt: new Date().toISOString() };
    await writeRecord(this.deps.root, rec).catch(() => {});
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Test hook: the daemon SIGKILLs itself at the named point (`AgentOptions.crashAt`). */
  #crashPoint(point: CrashPoint): void {
    if (this.#options.crashAt === point) process.kill(this.#options.pid, 'SIGKILL');
  }

  #decode(rec: PodRecord): Pod | undefined {
    try {
      const pod = decodeStoredPod(rec.manifest, `pod ${rec.namespace}/${rec.name}`);
      pod.metadata.uid = rec.uid;
      return pod;
    } catch (e) {
      this.#log.error(
        { pod: `${rec.namespace}/${rec.name}`, err: describeError(e) },
        'stored pod unreadable',
      );
      return undefined;
    }
  }

  #loadObjects(): void {
    const set = emptyObjectSet();
    for (const o of this.db.objects.list()) {
      const d = decodeDesired([o.object], { node: this.deps.node.name, file: '<state>' });
      for (const x of d.objects) addObject(set, x.value);
    }
    this.#objects = set;
  }

  #mustFind(namespace: string, name: string): PodRecord {
    const rec = this.db.pods.find(namespace, name);
    if (!rec)
      throw new RuntimeError('NotFound', `pods "${name}" not found in namespace "${namespace}"`, {
        hint: 'list them with hostpod get pods -A',
      });
    return rec;
  }

  #viewByUid(uid: PodUid): PodView | undefined {
    const rec = this.db.pods.get(uid);
    return rec ? viewOf(rec) : undefined;
  }

  #podNames(): Map<string, { namespace: string; name: string; uid: string }> {
    return new Map(
      this.db.pods.list().map((p) => [p.uid, { namespace: p.namespace, name: p.name, uid: p.uid }]),
    );
  }

  #notifyPod(uid: PodUid): void {
    for (const fn of this.#podWatchers) fn(uid);
  }

  #addEvent(
    uid: PodUid | undefined,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    at = new Date().toISOString(),
  ): boolean {
    try {
      if (uid && !this.db.pods.get(uid)) return true;
      const e = this.db.events.add({
        ...(uid ? { podUid: uid } : {}),
        type,
        reason,
        message: message.slice(0, 1000),
        at,
      });
      for (const fn of this.#eventWatchers) fn(e);
      return true;
    } catch (err) {
      this.#options.metrics?.stateWriteFailed?.();
      this.#log.error({ err: describeError(err), reason, message }, 'cannot record an event (kept to retry)');
      if (this.#pendingEvents.length < 1000) this.#pendingEvents.push({ uid, type, reason, message, at });
      return false;
    }
  }

  /**
   * The periodic check (the daemon calls it every few seconds): writes what a full disk held
   * back (events, pod statuses), and reports containers whose log cannot be written — an
   * event and the metrics — and when it can be again.
   */
  async checkHealth(): Promise<void> {
    const events = this.#pendingEvents.splice(0);
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (!this.#addEvent(e.uid, e.type, e.reason, e.message, e.at)) {
        // It went back in at the end: keep the order, retry next time.
        this.#pendingEvents.pop();
        this.#pendingEvents.unshift(...events.slice(i));
        break;
      }
    }
    for (const w of this.#unflushed) if (this.#workers.has(w.uid)) this.#unflushed.delete(w);
    for (const w of [...this.#workers.values(), ...this.#unflushed]) {
      if ((w.pending.length > 0 || w.dirty) && w.status) this.#writeStatus(w, w.status);
      if (!w.dirty && w.pending.length === 0) this.#unflushed.delete(w);
    }
    const live = new Set<string>();
    for (const p of this.db.pods.list()) {
      for (const row of this.db.containers.listByPod(p.uid, { latest: true })) {
        if (!('running' in row.state) || !row.taskDir) continue;
        live.add(row.id);
        // A CPU sample, so `top` has a rate at its first call (only the job's counters: no log stat).
        const usage = await this.deps.groups
          .open(row.groupId ?? row.id)
          .stats()
          .catch(() => undefined);
        if (usage) this.#cpuRate(row.id, usage.cpuUsageNs);
        const now = await readLogStatus(row.taskDir).catch(() => undefined);
        if (!now) continue;
        const before = this.#logStatus.get(row.id);
        this.#logStatus.set(row.id, now);
        const dropped = now.droppedBytes - (before?.droppedBytes ?? 0);
        if (dropped > 0) this.#options.metrics?.logBytesDropped?.(dropped);
        if (now.failing && !before?.failing) {
          this.#options.metrics?.logWriteFailed?.();
          this.#problems.set(
            `log:${row.id}`,
            `pod ${p.namespace}/${p.name} container ${row.name}: log writes fail (${now.error ?? 'error'})`,
          );
          this.#addEvent(
            p.uid,
            'Warning',
            'LogWriteFailed',
            `Container ${row.name}: its output cannot be written to its log (${now.error ?? 'error'} since ${now.since ?? '?'}); it keeps running, the lost output is counted`,
          );
        } else if (!now.failing && before?.failing) {
          this.#problems.delete(`log:${row.id}`);
          this.#addEvent(
            p.uid,
            'Normal',
            'LogWriteResumed',
            `Container ${row.name}: its log is written again; ${now.droppedBytes} bytes (${now.droppedRecords} lines) of output were lost`,
          );
        }
      }
    }
    for (const id of this.#cpuSamples.keys()) if (!live.has(id)) this.#cpuSamples.delete(id);
    for (const id of this.#logStatus.keys()) {
      if (!live.has(id)) {
        this.#logStatus.delete(id);
        this.#problems.delete(`log:${id}`);
      }
    }
  }
}

interface Resume {
  status: PodStatus;
  containers: Map<string, ContainerResume>;
}
