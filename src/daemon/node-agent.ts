/**
 * The daemon's core, a facade over the pieces that each own their part: the pods this node
 * should run (from `apply` and the static pod directory), one `PodWorker` per pod, every write
 * through the `StateWriter` (committed before it is reported), the `Reconciler` that says where
 * stored pods stand on the host on start (containers still running are adopted: their shims kept
 * them running and logging while no daemon ran), the `HealthMonitor`, and the read side
 * (`NodeViews`). It implements the node API (`api/node-api.ts`).
 */

import { readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sameDesiredState, sameSpec } from '../api/applied-object.ts';
import type { DeleteOptions, EventFilter, NodeApi, PodFilter, WorkloadFilter } from '../api/node-api.ts';
import type {
  ApplyRequest,
  ApplyResponse,
  ApplyResult,
  ContainerStatsView,
  ContainerView,
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
  WorkloadView,
} from '../api/protocol.ts';
import type { Pod } from '../api/types.ts';
import { describeError, isRuntimeError, RuntimeError } from '../errors.ts';
import { LocalContentStore } from '../image/content-store.ts';
import { ImageStore } from '../image/image-store.ts';
import { type FileLock, tryFileLock } from '../lib/file-lock.ts';
import { prepareStateRoot } from '../lib/state-root.ts';
import { cleanupStale } from '../services/cleanup.ts';
import type { ImageContext } from '../services/images.ts';
import { addObject, emptyObjectSet, type ObjectSet } from '../services/object-set.ts';
import { admitPod, DEFAULT_TIMING, type PodResume } from '../services/pod-runner.ts';
import { initialPodStatus } from '../services/pod-status.ts';
import { containerDir } from '../services/records.ts';
import { hostRuntimeDeps, type RuntimeDeps } from '../services/runtime-deps.ts';
import { storedStatus } from '../services/stored-status.ts';
import { podDir, removeStalePodVolumes } from '../services/volumes.ts';
import type { PodUid } from '../state/ids.ts';
import type { PodRecord } from '../state/pods.ts';
import { openStateDb, type StateDb, stateDbPath } from '../state/state-db.ts';
import type { AgentConfig, AgentLogger, AgentOptions, CrashPoint } from './agent-types.ts';
import { type DesiredPod, decodeDesired, decodeStoredPod } from './apply.ts';
import { HealthMonitor } from './health-monitor.ts';
import { NodeViews } from './node-views.ts';
import { PodWorker } from './pod-worker.ts';
import { Reconciler } from './reconcile.ts';
import { StateWriter } from './state-writer.ts';
import { Workloads } from './workloads.ts';

export type { AgentConfig, AgentLogger, AgentMetrics, AgentOptions, CrashPoint } from './agent-types.ts';
export { CRASH_POINTS } from './agent-types.ts';

const FINAL: ReadonlySet<string> = new Set(['Succeeded', 'Failed']);
const noop = () => {};
const silentLogger: AgentLogger = { info: noop, warn: noop, error: noop };

export class NodeAgent implements NodeApi {
  readonly db: StateDb;
  readonly deps: RuntimeDeps;
  readonly writer: StateWriter;
  readonly monitor: HealthMonitor;
  readonly #views: NodeViews;
  readonly #workloads: Workloads;
  readonly #reconciler: Reconciler;
  readonly #images: ImageContext;
  readonly #config: AgentConfig;
  readonly #options: AgentOptions;
  readonly #log: AgentLogger;
  readonly #lock: FileLock;
  readonly #workers = new Map<PodUid, PodWorker>();
  /** Apply and delete of one pod (`ns/name`) run one after the other. */
  readonly #podQueues = new Map<string, Promise<unknown>>();
  /** Aborted when the daemon goes away: workers let go of their pods without stopping them. */
  readonly #detach = new AbortController();
  #objects: ObjectSet = emptyObjectSet();
  #closed = false;
  /** Test hook: the daemon SIGKILLs itself at the named point (`AgentOptions.crashAt`). */
  readonly #crashPoint: (point: CrashPoint) => void;

  private constructor(
    config: AgentConfig,
    options: AgentOptions,
    writer: StateWriter,
    deps: RuntimeDeps,
    images: ImageContext,
    lock: FileLock,
  ) {
    this.#config = config;
    this.#options = options;
    this.#log = options.logger ?? silentLogger;
    this.db = writer.db;
    this.writer = writer;
    this.deps = deps;
    this.#images = images;
    this.#lock = lock;
    this.#crashPoint = (point) => {
      if (options.crashAt === point) process.kill(options.pid, 'SIGKILL');
    };
    this.monitor = new HealthMonitor(writer, deps.groups, options.metrics);
    this.#reconciler = new Reconciler(deps, writer, this.#log);
    this.#views = new NodeViews({
      writer,
      deps,
      images,
      monitor: this.monitor,
      version: options.version,
      pid: options.pid,
    });
    this.#workloads = new Workloads({
      db: this.db,
      viewOf: (rec) => this.#views.viewOf(rec),
      deletePod: (namespace, name, o) => this.deletePod(namespace, name, o),
      apply: (request) => this.apply(request),
    });
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
      const log = options.logger ?? silentLogger;
      const crashAt = options.crashAt;
      const crashPoint = crashAt
        ? (point: CrashPoint) => {
            if (point === crashAt) process.kill(options.pid, 'SIGKILL');
          }
        : undefined;
      const writer = new StateWriter(openStateDb(stateDbPath(config.root)), {
        log,
        ...(options.metrics ? { metrics: options.metrics } : {}),
        ...(crashPoint ? { crashPoint } : {}),
      });
      const deps = await hostRuntimeDeps({
        root: config.root,
        records: writer,
        pid: options.pid,
        daemon: true,
        layout: config.layout,
        ...(config.cgroupParent ? { cgroupParent: config.cgroupParent } : {}),
        ...(config.nodeName ? { nodeName: config.nodeName } : {}),
        ...(config.nodeIp ? { nodeIp: config.nodeIp } : {}),
        ...(config.nodeLabels ? { nodeLabels: config.nodeLabels } : {}),
        ...(config.workspace ? { workspace: config.workspace } : {}),
        ...(config.logRotation ? { logRotation: config.logRotation } : {}),
        ...(config.serviceAccounts ? { serviceAccounts: config.serviceAccounts } : {}),
        ...(config.shutdownGraceMs !== undefined ? { shutdownGraceMs: config.shutdownGraceMs } : {}),
        ...(crashPoint ? { onStep: crashPoint } : {}),
        ...(config.dns ? { dns: config.dns } : {}),
      });
      const content = new LocalContentStore(join(config.root, 'content'));
      const images: ImageContext = {
        root: config.root,
        content,
        images: new ImageStore(config.root, content),
        insecureRegistries: config.insecureRegistries ?? [],
        ...(config.registryConfigDir ? { registryConfigDir: config.registryConfigDir } : {}),
        onPulled: (_image, seconds, outcome) => options.metrics?.observeImagePull?.(seconds, outcome),
      };
      return new NodeAgent(config, options, writer, deps, images, lock);
    } catch (e) {
      await lock.release();
      throw e;
    }
  }

  /** Reconciles the state with the host, then runs every pod. */
  async start(): Promise<void> {
    if (this.deps.groups.warning) this.#log.warn({ problem: this.deps.groups.warning }, 'cgroups');
    this.#loadObjects();
    const stale = await cleanupStale({ ...this.deps, containers: this.db.containers });
    for (const problem of stale.problems) this.#log.warn({ problem }, 'cleanup');
    const pods = this.db.pods.list();
    const decoded = new Map<PodUid, Pod>();
    for (const p of pods) {
      const pod = this.#decode(p);
      if (pod) decoded.set(p.uid, pod);
    }
    const keep = new Set([...decoded.values()].map((pod) => basename(podDir(this.deps.root, pod))));
    const vols = await removeStalePodVolumes(this.deps.root, { daemonKeep: keep });
    for (const problem of vols.problems) this.#log.warn({ problem }, 'cleanup');

    let adopted = 0;
    for (const p of pods) {
      const pod = decoded.get(p.uid);
      if (!pod) continue;
      if (p.deletedAt !== undefined) {
        await this.#finishDelete(p);
        continue;
      }
      let resume: Awaited<ReturnType<Reconciler['standing']>>;
      try {
        resume = await this.#reconciler.standing(p, pod);
      } catch (e) {
        // One pod's trouble (a full disk while recording an exit) does not keep the others down.
        this.#log.error({ pod: `${p.namespace}/${p.name}`, err: describeError(e) }, 'cannot resume the pod');
        continue;
      }
      adopted += resume.adopted;
      if (p.phase !== undefined && FINAL.has(p.phase) && !resume.anyRunning) continue;
      // Always resumed: the pod's volume directory may exist (a crash right after it was made).
      this.#startWorker(p.uid, pod, resume);
    }
    this.#log.info({ pods: pods.length, adopted }, 'reconciled');
  }

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
    await Promise.all([...this.#workers.values()].map((w) => w.done));
    // What a full disk held back: one last try before the next daemon reconciles without it.
    this.writer.flush();
    this.db.close();
    await this.#lock.release();
  }

  // ---- the node API: reads ---------------------------------------------------------------------

  async version(): Promise<VersionInfo> {
    return this.#views.version();
  }

  async health(): Promise<Health> {
    return this.monitor.health();
  }

  async listPods(filter: PodFilter = {}): Promise<PodView[]> {
    return this.#views.pods(filter);
  }

  /** The pods as stored now (the daemon's metrics read them synchronously). */
  podsNow(filter: PodFilter = {}): PodView[] {
    return this.#views.pods(filter);
  }

  async getPod(namespace: string, name: string): Promise<PodView> {
    return this.#views.pod(namespace, name);
  }

  watchPods(filter: PodFilter, signal?: AbortSignal): AsyncIterable<PodWatchEvent> {
    return this.#views.watchPods(filter, signal);
  }

  async listWorkloads(filter: WorkloadFilter = {}): Promise<WorkloadView[]> {
    return this.#workloads.list(filter);
  }

  async getWorkload(kind: string, namespace: string, name: string): Promise<WorkloadView> {
    return this.#workloads.get(kind, namespace, name);
  }

  deleteWorkload(kind: string, namespace: string, name: string, options: DeleteOptions = {}) {
    return this.#workloads.delete(kind, namespace, name, options);
  }

  restartWorkload(kind: string, namespace: string, name: string): Promise<WorkloadView> {
    return this.#workloads.restart(kind, namespace, name);
  }

  async listEvents(filter: EventFilter = {}): Promise<EventView[]> {
    return this.#views.events(filter);
  }

  watchEvents(filter: EventFilter, signal?: AbortSignal): AsyncIterable<EventView> {
    return this.#views.watchEvents(filter, signal);
  }

  logs(namespace: string, name: string, query: LogQuery, signal?: AbortSignal): AsyncIterable<Buffer> {
    return this.#views.logs(namespace, name, query, signal);
  }

  stats(filter: PodFilter = {}): Promise<ContainerStatsView[]> {
    return this.#views.stats(filter);
  }

  listContainers(): Promise<ContainerView[]> {
    return this.#views.containers();
  }

  async execTarget(namespace: string, name: string, container?: string): Promise<ExecTarget> {
    return this.#views.execTarget(namespace, name, container);
  }

  listImages(): Promise<ImageView[]> {
    return this.#views.images();
  }

  pullImage(reference: string, platform?: string): Promise<ImageView> {
    return this.#views.pullImage(reference, platform);
  }

  removeImage(reference: string): Promise<{ removed: string[] }> {
    return this.#views.removeImage(reference);
  }

  // ---- the node API: changes --------------------------------------------------------------------

  async apply(request: ApplyRequest): Promise<ApplyResponse> {
    const set = decodeDesired(request.objects, {
      node: this.deps.node.name,
      ...(request.fieldValidation ? { fieldValidation: request.fieldValidation } : {}),
    });
    const r = await this.#applySet(
      set.pods,
      set.objects,
      { kind: 'apply' },
      request.dryRun === true,
      set.skipped,
    );
    return { ...r, warnings: [...set.warnings, ...r.warnings] };
  }

  async deletePod(namespace: string, name: string, options: DeleteOptions = {}): Promise<DeleteResponse> {
    const rec = this.#views.mustFind(namespace, name);
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

  // ---- the daemon's own calls -----------------------------------------------------------------

  /** Records a node event (not about one pod). */
  nodeEvent(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.writer.addEvent(undefined, type, reason, message);
  }

  /** Records (or clears) a condition an operator must see: `/v1/healthz`, an event. */
  setProblem(key: string, message: string | undefined): void {
    this.monitor.setProblem(key, message);
  }

  /** The periodic check (the daemon calls it every few seconds). */
  checkHealth(): Promise<void> {
    return this.monitor.check();
  }

  /** The static pod files that pods came from. */
  staticPaths(): string[] {
    const out = new Set<string>();
    for (const p of this.db.pods.list()) if (p.source.kind === 'static') out.add(p.source.path);
    return [...out];
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

  // ---- apply and delete ---------------------------------------------------------------------

  async #applySet(
    pods: DesiredPod[],
    objects: ReturnType<typeof decodeDesired>['objects'],
    source: { kind: 'apply' } | { kind: 'static'; path: string },
    dryRun: boolean,
    skipped: ApplyResponse['skipped'],
  ): Promise<ApplyResponse> {
    const results: ApplyResult[] = [];
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
          `Cannot apply pod "${p.namespace}/${p.name}": it is a ${existing.source.kind === 'static' ? `static pod (from ${existing.source.path})` : 'pod applied through the API'}`,
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
    const owners = this.#workloads.store(source.kind === 'apply' ? pods : [], dryRun);
    if (dryRun) {
      for (const o of objects) {
        const old = this.db.objects.get(o.kind, o.namespace, o.name);
        results.push({
          kind: o.kind,
          namespace: o.namespace,
          name: o.name,
          change: dryRunChange(old?.object, o.raw),
        });
      }
      for (const p of pods) {
        const old = this.db.pods.find(p.namespace, p.name);
        const pod: ApplyResult = {
          kind: 'Pod',
          namespace: p.namespace,
          name: p.name,
          change: dryRunChange(old?.manifest, p.manifest),
        };
        results.push(Workloads.result(p, pod, owners.get(`${p.namespace}/${p.name}`)?.change));
      }
      return { results, skipped, warnings: [] };
    }
    this.db.transition(() => {
      for (const o of objects) {
        const r = this.db.objects.put(o.kind, o.raw, { namespace: o.namespace });
        results.push({ kind: o.kind, namespace: o.namespace, name: o.name, change: r.change });
      }
    });
    this.#loadObjects();
    for (const p of pods) {
      const owner = owners.get(`${p.namespace}/${p.name}`);
      const r = await this.#serial(`${p.namespace}/${p.name}`, () => this.#applyPod(p, source, owner?.uid));
      results.push(Workloads.result(p, r, owner?.change));
    }
    return { results, skipped, warnings: [] };
  }

  /** Stores one pod and (re)starts its worker; runs in the pod's queue. */
  async #applyPod(p: DesiredPod, source: PodSourceView, ownerUid?: string): Promise<ApplyResult> {
    const before = this.db.pods.find(p.namespace, p.name)?.manifest;
    const { pod: rec, change } = this.db.pods.put({
      namespace: p.namespace,
      name: p.name,
      manifest: p.manifest,
      source,
      ...(ownerUid === undefined ? {} : { ownerUid }),
    });
    const result: ApplyResult = { kind: 'Pod', namespace: p.namespace, name: p.name, change };
    this.#crashPoint('pod-stored');
    const running = this.#workers.get(rec.uid);
    if (change === 'unchanged' && running) return result;
    // Labels or annotations only (as the kubelet, which restarts nothing for them): stored, shown,
    // the pod keeps running. Env from the downward API keeps the values it started with.
    if (change === 'configured' && running && before !== undefined && sameSpec(before, p.manifest)) {
      this.writer.addEvent(
        rec.uid,
        'Normal',
        'Updated',
        'Labels or annotations changed; the pod keeps running',
      );
      return result;
    }
    if (change === 'unchanged' && rec.phase !== undefined && FINAL.has(rec.phase)) return result;
    const pod = this.#decode(rec);
    if (!pod) return result;
    if (running) {
      this.writer.addEvent(rec.uid, 'Normal', 'Killing', 'Stopping the pod: its spec changed');
      running.stop.abort();
      await running.done;
    }
    // A new run of the pod: its containers start again from attempt 0, its status from Pending.
    this.writer.forgetPod(rec.uid);
    const old = this.db.containers.listByPod(rec.uid);
    this.db.transition(() => {
      for (const row of old) this.db.containers.remove(row.id);
      this.db.pods.setStatus(rec.uid, storedStatus(initialPodStatus(pod.spec)));
    });
    for (const row of old)
      await rm(containerDir(this.deps.root, row.id), { recursive: true, force: true }).catch(() => {});
    this.writer.addEvent(
      rec.uid,
      'Normal',
      'Scheduled',
      `Assigned ${p.namespace}/${p.name} to ${this.deps.node.name}`,
    );
    this.#startWorker(rec.uid, pod, undefined);
    this.writer.notifyPod(rec.uid);
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

  async #delete(rec: PodRecord, options: { gracePeriodSeconds?: number; force?: boolean }): Promise<void> {
    const w = this.#workers.get(rec.uid);
    if (rec.deletedAt === undefined) this.db.pods.markDeleted(rec.uid);
    this.writer.notifyPod(rec.uid);
    if (w) {
      if (options.force) w.pod.spec.terminationGracePeriodSeconds = 0;
      else if (options.gracePeriodSeconds !== undefined)
        w.pod.spec.terminationGracePeriodSeconds = options.gracePeriodSeconds;
      w.stop.abort();
      await w.done;
    }
    await this.#finishDelete(this.db.pods.get(rec.uid) ?? rec);
  }

  /** Removes what is left of a deleted pod: running containers (adopted or not), records, logs, volumes. */
  async #finishDelete(rec: PodRecord): Promise<void> {
    const view = this.#views.viewOf(rec);
    for (const row of this.db.containers.listByPod(rec.uid))
      await this.#reconciler.removeContainer(row.id, false);
    const pod = this.#decode(rec);
    if (pod) {
      const dir = podDir(this.deps.root, pod);
      await removeStalePodVolumes(this.deps.root, {
        daemonKeep: new Set(
          (await readdir(join(this.deps.root, 'pods')).catch(() => [])).filter((n) => n !== basename(dir)),
        ),
      }).catch(() => undefined);
    }
    this.writer.forgetPod(rec.uid);
    this.db.pods.remove(rec.uid);
    this.writer.notifyPod(rec.uid, view);
  }

  // ---- workers --------------------------------------------------------------------------------

  #startWorker(uid: PodUid, pod: Pod, resume: PodResume | undefined): void {
    if (this.#closed || this.#workers.has(uid)) return;
    const w = new PodWorker(
      {
        deps: this.deps,
        images: this.#images,
        writer: this.writer,
        reconciler: this.#reconciler,
        objects: () => this.#objects,
        timing: { ...DEFAULT_TIMING, ...this.#config.timing },
        ...(this.#config.serviceAccountTokenFile
          ? { serviceAccountTokenFile: this.#config.serviceAccountTokenFile }
          : {}),
        detach: this.#detach.signal,
        log: this.#log,
        ...(this.#options.metrics ? { metrics: this.#options.metrics } : {}),
        crashPoint: this.#crashPoint,
      },
      uid,
      pod,
      resume,
    );
    this.#workers.set(uid, w);
    void w.done.finally(() => {
      if (this.#workers.get(uid) === w) this.#workers.delete(uid);
    });
  }

  // ---- helpers --------------------------------------------------------------------------------

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
}

/** The word a real apply of `next` over the stored `old` would print (the same comparison as the store's). */
function dryRunChange(old: unknown, next: unknown): ApplyResult['change'] {
  if (old === undefined) return 'created';
  return sameDesiredState(old, next) ? 'unchanged' : 'configured';
}
