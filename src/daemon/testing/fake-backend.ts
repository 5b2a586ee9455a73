/**
 * An in-memory `DaemonBackend` for testing the HTTP layer (api-server, client, CLI commands):
 * pods and events kept in maps, watches, logs from given lines. Not a daemon: nothing runs.
 * `failNext(method, error)` makes the next call of a method throw.
 */

import type { DeleteOptions, EventFilter, NodeApi, PodFilter, WorkloadFilter } from '../../api/node-api.ts';
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
  PodView,
  PodWatchEvent,
  VersionInfo,
  WorkloadView,
} from '../../api/protocol.ts';
import { RuntimeError } from '../../errors.ts';
import { AsyncQueue, produced } from '../../lib/async-queue.ts';

type Method = keyof NodeApi;

/** A PodView for tests: a Running pod with one ready container `main` unless overridden. */
export function fakePod(namespace: string, name: string, extra: Partial<PodView> = {}): PodView {
  const t = '2026-01-01T00:00:00Z';
  return {
    uid: `uid-${namespace}-${name}`,
    namespace,
    name,
    manifest: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace },
      spec: { containers: [{ name: 'main', image: 'example/agent:1' }] },
    },
    source: { kind: 'apply' },
    createdAt: t,
    generation: 1,
    phase: 'Running',
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: t }],
      startTime: t,
      initContainerStatuses: [],
      containerStatuses: [
        {
          name: 'main',
          image: 'example/agent:1',
          containerID: 'hostpod://c1',
          state: { running: { startedAt: t } },
          lastState: {},
          restartCount: 0,
          ready: true,
          started: true,
        },
      ],
    },
    ...extra,
  };
}

export class FakeBackend implements NodeApi {
  readonly pods = new Map<string, PodView>();
  /** Workloads by `Kind/namespace/name`; their `pods` are looked up in `pods` by owner uid. */
  readonly workloads = new Map<string, Omit<WorkloadView, 'pods'>>();
  readonly events: EventView[] = [];
  /** Log lines per `namespace/pod/container` (previous run: key + `#previous`). */
  readonly logLines = new Map<string, string[]>();
  images: ImageView[] = [];
  statsItems: ContainerStatsView[] = [];
  containerItems: ContainerView[] = [];
  healthState: Health = { ok: true, problems: [] };
  /** Every call, as `method args…` (JSON), for assertions. */
  readonly calls: string[] = [];
  private readonly failures = new Map<Method, unknown>();
  private readonly podWatchers = new Set<{ fn: (e: PodWatchEvent) => void; ns: string | undefined }>();
  private readonly eventWatchers = new Set<(e: EventView) => void>();
  private readonly logFollowers = new Set<() => void>();
  private nextEvent = 1;

  /** The next call of `method` throws `error`. */
  failNext(method: Method, error: unknown): void {
    this.failures.set(method, error);
  }

  private enter(method: Method, ...args: unknown[]): void {
    this.calls.push(`${method} ${args.map((a) => JSON.stringify(a)).join(' ')}`.trim());
    if (this.failures.has(method)) {
      const e = this.failures.get(method);
      this.failures.delete(method);
      throw e;
    }
  }

  get podWatcherCount(): number {
    return this.podWatchers.size;
  }

  /** Adds or replaces a pod and tells the watchers. */
  putPod(pod: PodView): void {
    const key = `${pod.namespace}/${pod.name}`;
    const type = this.pods.has(key) ? 'MODIFIED' : 'ADDED';
    this.pods.set(key, pod);
    for (const w of this.podWatchers) if (!w.ns || w.ns === pod.namespace) w.fn({ type, object: pod });
  }

  /** Records an event and tells the watchers. */
  addEvent(e: Omit<EventView, 'id' | 'firstTime' | 'count'> & Partial<EventView>): EventView {
    const ev: EventView = { firstTime: e.time, count: 1, ...e, id: this.nextEvent++ };
    this.events.push(ev);
    for (const w of this.eventWatchers) w(ev);
    return ev;
  }

  /** Ends every `follow` log stream (the container's run ended). */
  endFollows(): void {
    for (const end of this.logFollowers) end();
  }

  async version(): Promise<VersionInfo> {
    this.enter('version');
    return {
      version: '0.1.0-test',
      api: 'v1',
      schema: 1,
      pid: 1234,
      startedAt: '2026-01-01T00:00:00Z',
      node: { name: 'node-a', labels: { 'kubernetes.io/os': 'linux' } },
    };
  }

  async health(): Promise<Health> {
    this.enter('health');
    return this.healthState;
  }

  async apply(request: ApplyRequest): Promise<ApplyResponse> {
    this.enter('apply', request);
    const results: ApplyResult[] = [];
    const skipped: ApplyResponse['skipped'] = [];
    for (const o of request.objects as Record<string, unknown>[]) {
      const meta = (o.metadata ?? {}) as { name?: string; namespace?: string };
      const kind = String(o.kind);
      if (kind !== 'Pod') {
        skipped.push({ kind, name: meta.name ?? '', reason: `hostpod does not run ${kind} objects` });
        continue;
      }
      const namespace = meta.namespace ?? 'default';
      const name = meta.name ?? '';
      const old = this.pods.get(`${namespace}/${name}`);
      const manifest = { ...o, metadata: { ...meta, namespace } };
      const change: ApplyResult['change'] = !old
        ? 'created'
        : JSON.stringify(old.manifest.spec) === JSON.stringify(o.spec)
          ? 'unchanged'
          : 'configured';
      results.push({ kind, namespace, name, change });
      if (!request.dryRun && change !== 'unchanged') {
        this.putPod(fakePod(namespace, name, { manifest, generation: (old?.generation ?? 0) + 1 }));
      }
    }
    return { results, skipped, warnings: [] };
  }

  async listPods(filter: PodFilter = {}): Promise<PodView[]> {
    this.enter('listPods', filter);
    return this.#list(filter);
  }

  #list(filter: PodFilter): PodView[] {
    return [...this.pods.values()].filter((p) => !filter.namespace || p.namespace === filter.namespace);
  }

  async getPod(namespace: string, name: string): Promise<PodView> {
    this.enter('getPod', namespace, name);
    return this.#get(namespace, name);
  }

  #get(namespace: string, name: string): PodView {
    const p = this.pods.get(`${namespace}/${name}`);
    if (!p) throw new RuntimeError('NotFound', `pod "${name}" not found in namespace "${namespace}"`);
    return p;
  }

  async deletePod(namespace: string, name: string, options: DeleteOptions = {}): Promise<DeleteResponse> {
    this.enter('deletePod', namespace, name, options);
    const p = this.#get(namespace, name);
    if (p.source.kind === 'static') {
      throw new RuntimeError('FailedPrecondition', `pod "${name}" is a static pod`, {
        hint: `remove its file ${p.source.path}`,
      });
    }
    this.pods.delete(`${namespace}/${name}`);
    for (const w of this.podWatchers) if (!w.ns || w.ns === namespace) w.fn({ type: 'DELETED', object: p });
    return { namespace, name, status: options.wait === false ? 'terminating' : 'deleted' };
  }

  #workloadView(w: Omit<WorkloadView, 'pods'>): WorkloadView {
    return { ...w, pods: [...this.pods.values()].filter((p) => p.owner?.uid === w.uid) };
  }

  #getWorkload(kind: string, namespace: string, name: string): Omit<WorkloadView, 'pods'> {
    const w = this.workloads.get(`${kind}/${namespace}/${name}`);
    if (!w) throw new RuntimeError('NotFound', `${kind} "${name}" not found in namespace "${namespace}"`);
    return w;
  }

  async listWorkloads(filter: WorkloadFilter = {}): Promise<WorkloadView[]> {
    this.enter('listWorkloads', filter);
    return [...this.workloads.values()]
      .filter(
        (w) =>
          (!filter.kind || w.kind === filter.kind) && (!filter.namespace || w.namespace === filter.namespace),
      )
      .map((w) => this.#workloadView(w));
  }

  async getWorkload(kind: string, namespace: string, name: string): Promise<WorkloadView> {
    this.enter('getWorkload', kind, namespace, name);
    return this.#workloadView(this.#getWorkload(kind, namespace, name));
  }

  async deleteWorkload(
    kind: string,
    namespace: string,
    name: string,
    options: DeleteOptions = {},
  ): Promise<DeleteResponse> {
    this.enter('deleteWorkload', kind, namespace, name, options);
    const w = this.#getWorkload(kind, namespace, name);
    for (const [k, p] of this.pods) if (p.owner?.uid === w.uid) this.pods.delete(k);
    this.workloads.delete(`${kind}/${namespace}/${name}`);
    return { namespace, name, status: options.wait === false ? 'terminating' : 'deleted' };
  }

  async restartWorkload(kind: string, namespace: string, name: string): Promise<WorkloadView> {
    this.enter('restartWorkload', kind, namespace, name);
    return this.#workloadView(this.#getWorkload(kind, namespace, name));
  }

  watchPods(filter: PodFilter, signal?: AbortSignal): AsyncIterable<PodWatchEvent> {
    const w = { fn: (_e: PodWatchEvent) => {}, ns: filter.namespace };
    const q = new AsyncQueue<PodWatchEvent>({
      ...(signal ? { signal } : {}),
      onEnd: () => this.podWatchers.delete(w),
    });
    try {
      this.enter('watchPods', filter);
    } catch (e) {
      q.end(e);
      return q;
    }
    for (const p of this.#list(filter)) q.push({ type: 'ADDED', object: p });
    w.fn = (e) => q.push(e);
    if (!q.ended) this.podWatchers.add(w);
    return q;
  }

  async listEvents(filter: EventFilter = {}): Promise<EventView[]> {
    this.enter('listEvents', filter);
    return this.#events(filter);
  }

  #events(filter: EventFilter): EventView[] {
    return this.events.filter(
      (e) =>
        (filter.after === undefined || e.id > filter.after) &&
        (!filter.namespace || e.pod?.namespace === filter.namespace) &&
        (!filter.pod || e.pod?.name === filter.pod),
    );
  }

  watchEvents(filter: EventFilter, signal?: AbortSignal): AsyncIterable<EventView> {
    const w = (e: EventView) => {
      if (
        (!filter.namespace || e.pod?.namespace === filter.namespace) &&
        (!filter.pod || e.pod?.name === filter.pod)
      )
        q.push(e);
    };
    const q: AsyncQueue<EventView> = new AsyncQueue<EventView>({
      ...(signal ? { signal } : {}),
      onEnd: () => this.eventWatchers.delete(w),
    });
    try {
      this.enter('watchEvents', filter);
    } catch (e) {
      q.end(e);
      return q;
    }
    for (const e of this.#events(filter)) q.push(e);
    if (!q.ended) this.eventWatchers.add(w);
    return q;
  }

  logs(namespace: string, name: string, query: LogQuery, signal?: AbortSignal): AsyncIterable<Buffer> {
    return produced<Buffer>((write, stop) => this.#logs(namespace, name, query, write, stop), signal);
  }

  async #logs(
    namespace: string,
    name: string,
    query: LogQuery,
    write: (chunk: Buffer) => Promise<void>,
    signal: AbortSignal,
  ): Promise<void> {
    this.enter('logs', namespace, name, query);
    const pod = this.#get(namespace, name);
    const container = query.container ?? (pod.status?.containerStatuses[0]?.name as string);
    const key = `${namespace}/${name}/${container}${query.previous ? '#previous' : ''}`;
    const lines = this.logLines.get(key);
    if (!lines) throw new RuntimeError('NotFound', `no log of container "${container}" in pod "${name}"`);
    const shown =
      query.tailLines === undefined ? lines : lines.slice(Math.max(0, lines.length - query.tailLines));
    for (const l of shown) {
      await write(Buffer.from(`${query.timestamps ? '2026-01-01T00:00:00.000000000Z ' : ''}${l}\n`));
    }
    if (!query.follow) return;
    // Following: new lines pushed to logLines arrive until endFollows() or abort.
    let sent = lines.length;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        void (async () => {
          while (sent < lines.length) await write(Buffer.from(`${lines[sent++]}\n`)).catch(() => {});
        })();
      }, 10);
      const end = () => {
        clearInterval(timer);
        this.logFollowers.delete(end);
        signal.removeEventListener('abort', end);
        resolve();
      };
      this.logFollowers.add(end);
      signal.addEventListener('abort', end);
    });
  }

  async stats(filter: PodFilter = {}): Promise<ContainerStatsView[]> {
    this.enter('stats', filter);
    return this.statsItems.filter((s) => !filter.namespace || s.namespace === filter.namespace);
  }

  async listContainers(): Promise<ContainerView[]> {
    this.enter('listContainers');
    return this.containerItems;
  }

  async execTarget(namespace: string, name: string, container?: string): Promise<ExecTarget> {
    this.enter('execTarget', namespace, name, container);
    const pod = this.#get(namespace, name);
    const c = container ?? pod.status?.containerStatuses[0]?.name ?? '';
    const s = pod.status?.containerStatuses.find((x) => x.name === c);
    if (!s) throw new RuntimeError('NotFound', `container "${c}" not found in pod "${name}"`);
    if (!('running' in s.state))
      throw new RuntimeError('FailedPrecondition', `container "${c}" is not running`);
    return {
      containerId: s.containerID ?? '',
      container: c,
      taskDir: `/var/lib/hostpod/containers/${s.containerID ?? ''}/task`,
      mountPoint: '/hpc/',
      mappings: [],
      env: ['PATH=/usr/bin:/bin'],
      cwd: '/hpc',
    };
  }

  async listImages(): Promise<ImageView[]> {
    this.enter('listImages');
    return this.images;
  }

  async pullImage(reference: string, platform?: string): Promise<ImageView> {
    this.enter('pullImage', reference, platform);
    const img: ImageView = {
      reference,
      manifestDigest: `sha256:${'a'.repeat(64)}`,
      configDigest: `sha256:${'b'.repeat(64)}`,
      size: 1000,
      os: 'linux',
      architecture: 'amd64',
    };
    this.images.push(img);
    return img;
  }

  async removeImage(reference: string): Promise<{ removed: string[] }> {
    this.enter('removeImage', reference);
    const i = this.images.findIndex((x) => x.reference === reference);
    if (i < 0) throw new RuntimeError('NotFound', `image "${reference}" not found`);
    this.images.splice(i, 1);
    return { removed: [reference] };
  }
}
