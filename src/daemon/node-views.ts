/**
 * The read side of the daemon's core: what the node API shows, read from the state database
 * only (so what a client sees is on disk) — pods, events and their watches, logs, stats, exec
 * targets — and the image calls, with the in-use check `rmi` shares with the CLI.
 */
import type { EventFilter, PodFilter } from '../api/node-api.ts';
import type {
  ContainerStatsView,
  ContainerView,
  EventView,
  ExecTarget,
  ImageView,
  LogQuery,
  PodView,
  PodWatchEvent,
  VersionInfo,
} from '../api/protocol.ts';
import { resourceOfKind } from '../api/resources.ts';
import { RuntimeError } from '../errors.ts';
import { removeImageContent } from '../image/gc.ts';
import { AsyncQueue, produced } from '../lib/async-queue.ts';
import { readExit } from '../runtime/task/exit-record.ts';
import { platformOf } from '../services/container-runner.ts';
import { containerView } from '../services/container-view.ts';
import { execTargetOf } from '../services/exec.ts';
import { assertImageUnused } from '../services/image-use.ts';
import { type ImageContext, prepareImage } from '../services/images.ts';
import { logPath, taskDir } from '../services/records.ts';
import type { RuntimeDeps } from '../services/runtime-deps.ts';
import type { EventRecord } from '../state/events.ts';
import { type PodUid, parseContainerId } from '../state/ids.ts';
import type { PodRecord } from '../state/pods.ts';
import { decodeStoredPod } from './apply.ts';
import type { HealthMonitor } from './health-monitor.ts';
import { streamPodLogs } from './pod-logs.ts';
import type { StateWriter } from './state-writer.ts';
import { eventView, imageView, logBytes, viewOf as podView } from './views.ts';

export interface NodeViewsContext {
  writer: StateWriter;
  deps: RuntimeDeps;
  images: ImageContext;
  monitor: HealthMonitor;
  version: string;
  pid: number;
}

export class NodeViews {
  readonly #x: NodeViewsContext;
  readonly #startedAt = new Date().toISOString();

  constructor(x: NodeViewsContext) {
    this.#x = x;
  }

  get #db() {
    return this.#x.writer.db;
  }

  version(): VersionInfo {
    const { node } = this.#x.deps;
    return {
      version: this.#x.version,
      api: 'v1',
      schema: this.#db.schemaVersion,
      pid: this.#x.pid,
      startedAt: this.#startedAt,
      node: { name: node.name, ip: node.ip, labels: { ...node.labels } },
    };
  }

  viewOf(rec: PodRecord): PodView {
    const w = rec.ownerUid === undefined ? undefined : this.#db.workloads.get(rec.ownerUid);
    const r = w && resourceOfKind(w.kind);
    const owner = w && r ? { kind: w.kind, apiVersion: r.apiVersion, name: w.name, uid: w.uid } : undefined;
    return podView(rec, this.#db.containers.listByPod(rec.uid), owner);
  }

  pods(filter: PodFilter): PodView[] {
    return this.#db.pods
      .list(filter.namespace ? { namespace: filter.namespace } : {})
      .map((p) => this.viewOf(p));
  }

  pod(namespace: string, name: string): PodView {
    return this.viewOf(this.mustFind(namespace, name));
  }

  /** The stored pod; `NotFound` in kubectl's words. */
  mustFind(namespace: string, name: string): PodRecord {
    const rec = this.#db.pods.find(namespace, name);
    if (!rec)
      throw new RuntimeError('NotFound', `pods "${name}" not found in namespace "${namespace}"`, {
        hint: 'list them with hostpod get pods -A',
      });
    return rec;
  }

  watchPods(filter: PodFilter, signal?: AbortSignal): AsyncIterable<PodWatchEvent> {
    const seen = new Set<string>();
    const watcher = (uid: PodUid, deleted?: unknown) => {
      const gone = deleted as PodView | undefined;
      const rec = gone ? undefined : this.#db.pods.get(uid);
      const view = gone ?? (rec ? this.viewOf(rec) : undefined);
      if (!view || (filter.namespace && view.namespace !== filter.namespace)) return;
      const type = gone ? 'DELETED' : seen.has(uid) ? 'MODIFIED' : 'ADDED';
      if (gone) seen.delete(uid);
      else seen.add(uid);
      q.push({ type, object: view });
    };
    let off = () => {};
    const q: AsyncQueue<PodWatchEvent> = new AsyncQueue<PodWatchEvent>({
      ...(signal ? { signal } : {}),
      onEnd: () => off(),
    });
    // Listing and subscribing in one tick: no change can fall between them.
    for (const p of this.pods(filter)) {
      seen.add(p.uid);
      q.push({ type: 'ADDED', object: p });
    }
    if (!q.ended) off = this.#x.writer.watchPods(watcher);
    return q;
  }

  events(filter: EventFilter): EventView[] {
    let podUid: PodUid | undefined;
    if (filter.pod !== undefined) podUid = this.mustFind(filter.namespace ?? 'default', filter.pod).uid;
    const names = this.#podNames();
    return this.#db.events
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

  watchEvents(filter: EventFilter, signal?: AbortSignal): AsyncIterable<EventView> {
    let last = filter.after ?? 0;
    let podUid: PodUid | undefined;
    let off = () => {};
    const q: AsyncQueue<EventView> = new AsyncQueue<EventView>({
      ...(signal ? { signal } : {}),
      onEnd: () => off(),
    });
    try {
      if (filter.pod !== undefined) podUid = this.mustFind(filter.namespace ?? 'default', filter.pod).uid;
      for (const e of this.events(filter)) {
        last = Math.max(last, e.id);
        q.push(e);
      }
    } catch (e) {
      q.end(e);
      return q;
    }
    if (!q.ended)
      off = this.#x.writer.watchEvents((e: EventRecord) => {
        if ((podUid && e.podUid !== podUid) || e.id <= last) return;
        const v = eventView(e, this.#podNames());
        if (filter.namespace && !podUid && v.pod && v.pod.namespace !== filter.namespace) return;
        last = e.id;
        q.push(v);
      });
    return q;
  }

  logs(namespace: string, name: string, query: LogQuery, signal?: AbortSignal): AsyncIterable<Buffer> {
    return produced<Buffer>(async (write, stop) => {
      const rec = this.mustFind(namespace, name);
      const { root } = this.#x.deps;
      await streamPodLogs({
        root,
        pod: rec,
        spec: this.#decode(rec),
        runs: this.#db.containers.listByPod(rec.uid),
        // The record, and the task itself (its end may not be recorded yet when the disk is full).
        stillRunning: async (id) => {
          const now = this.#db.containers.get(parseContainerId(id));
          if (now === undefined || !('running' in now.state)) return false;
          const dir = now.taskDir ?? taskDir(root, id);
          return (
            !(await readExit(dir).catch(() => undefined)) && (await platformOf(this.#x.deps).shimAlive(dir))
          );
        },
        query,
        write,
        signal: stop,
      });
    }, signal);
  }

  async stats(filter: PodFilter): Promise<ContainerStatsView[]> {
    const out: ContainerStatsView[] = [];
    for (const p of this.#db.pods.list(filter.namespace ? { namespace: filter.namespace } : {})) {
      for (const row of this.#db.containers.listByPod(p.uid, { latest: true })) {
        if (!('running' in row.state)) continue;
        const st = await this.#x.deps.groups
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
          ...this.#x.monitor.cpuRate(row.id, st.cpuUsageNs),
          memoryWorkingSetBytes: st.memoryWorkingSetBytes,
          processCount: st.processCount,
          logBytes: await logBytes(logPath(this.#x.deps.root, row.id)),
        });
      }
    }
    return out;
  }

  async containers(): Promise<ContainerView[]> {
    const { root } = this.#x.deps;
    const imageStore = this.#x.images.images;
    return Promise.all(this.#db.containers.listAll().map((r) => containerView(root, r, { imageStore })));
  }

  execTarget(namespace: string, name: string, container?: string): ExecTarget {
    const rec = this.mustFind(namespace, name);
    const rows = this.#db.containers.listByPod(rec.uid, { latest: true });
    const running = rows.filter((r) => 'running' in r.state);
    const pick = container
      ? running.find((r) => r.name === container)
      : (running.find((r) => r.type === 'container') ?? running[0]);
    const target = pick && execTargetOf(this.#x.deps.root, pick);
    if (target) return target;
    const names = this.#containerNames(rec);
    if (container && !names.includes(container))
      throw new RuntimeError('NotFound', `container ${container} not found in pod ${name}`, {
        hint: `its containers: ${names.join(', ')}`,
      });
    throw new RuntimeError(
      'FailedPrecondition',
      container
        ? `Cannot exec in container "${container}" of pod "${name}": it is not running`
        : `Cannot exec in pod "${name}": no container is running`,
    );
  }

  async images(): Promise<ImageView[]> {
    return (await this.#x.images.images.list()).map((r) => imageView(r));
  }

  async pullImage(reference: string, platform?: string): Promise<ImageView> {
    const own = `linux/${this.#x.deps.node.labels['kubernetes.io/arch'] ?? ''}`;
    if (platform !== undefined && platform !== own)
      throw new RuntimeError(
        'InvalidArgument',
        `Cannot pull "${reference}" for ${platform}: the daemon pulls images for the pods of this host (${own})`,
        { hint: 'pull other platforms without the daemon: hostpod pull --platform' },
      );
    await prepareImage(reference, 'Always', this.#x.images);
    const rec = await this.#x.images.images.get(reference);
    if (!rec) throw new RuntimeError('Internal', `image "${reference}" is missing right after its pull`);
    return imageView(rec);
  }

  async removeImage(reference: string): Promise<{ removed: string[] }> {
    const { images } = this.#x;
    await assertImageUnused(images.images, reference, this.#db);
    const removed = await images.images.remove(reference);
    if (removed.length === 0)
      throw new RuntimeError('NotFound', `image "${reference}" not found`, {
        hint: 'list them with hostpod images',
      });
    await removeImageContent(this.#x.deps.root, images.content, images.images, removed);
    return { removed: removed.map((r) => r.name || r.digest) };
  }

  #containerNames(rec: PodRecord): string[] {
    const pod = this.#decode(rec);
    return pod ? [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.name) : [];
  }

  #decode(rec: PodRecord) {
    try {
      return decodeStoredPod(rec.manifest, `pod ${rec.namespace}/${rec.name}`);
    } catch {
      return undefined;
    }
  }

  #podNames(): Map<string, { namespace: string; name: string; uid: string }> {
    return new Map(
      this.#db.pods.list().map((p) => [p.uid, { namespace: p.namespace, name: p.name, uid: p.uid }]),
    );
  }
}
