/**
 * The daemon's Prometheus metrics (docs/metrics.md): the kubelet's HostProcess counters, the
 * per-container CPU, working set and log bytes the kubelet's resource metrics report, pods by
 * phase, image pull and API request durations, the disk-full condition, and Node.js process
 * metrics. Everything lives in one prom-client `Registry` per `DaemonMetrics` (never the global
 * one), so two daemons in one test process do not share counters.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PodPhase } from '../api/pod-status-types.ts';
import type { ContainerStatsView } from '../api/protocol.ts';
import { describeError, errnoCode, RuntimeError } from '../errors.ts';

/** The kubelet's `container_type` label values. */
export type ContainerType = 'init_container' | 'container' | 'ephemeral_container';
export const CONTAINER_TYPES: readonly ContainerType[] = [
  'init_container',
  'container',
  'ephemeral_container',
];
const POD_PHASES: readonly PodPhase[] = ['Pending', 'Running', 'Succeeded', 'Failed'];

export interface DaemonMetricsOptions {
  /** Stats of every running container, asked once per scrape. */
  collectContainers?: () => Promise<ContainerStatsView[]>;
  /** How many pods are in each phase, asked once per scrape. */
  podPhases?: () => Record<PodPhase, number>;
  /** A collector slower than this is given up for the scrape (and counted as failed). Default 5000. */
  collectTimeoutMs?: number;
}

const CONTAINER_LABELS = ['namespace', 'pod', 'container'] as const;

/**
 * The daemon's metrics. The event methods (`containerStarted`, `observeImagePull`, …) are cheap
 * and never throw; `render()` asks the collectors given at construction and serializes the whole
 * registry. A collector that throws or times out does not fail the scrape: its series are left
 * out and `hostpod_metrics_collector_errors_total{collector}` rises.
 */
export class DaemonMetrics {
  readonly registry = new Registry();
  readonly #options: DaemonMetricsOptions;
  #rendering: Promise<unknown> = Promise.resolve();

  readonly #started = new Counter({
    name: 'started_host_process_containers_total',
    help: 'Cumulative number of hostprocess containers started.',
    labelNames: ['container_type'] as const,
    registers: [this.registry],
  });
  readonly #startErrors = new Counter({
    name: 'started_host_process_containers_errors_total',
    help: 'Cumulative number of errors when starting hostprocess containers.',
    labelNames: ['container_type', 'code'] as const,
    registers: [this.registry],
  });
  readonly #cpu = new Counter({
    name: 'container_cpu_usage_seconds_total',
    help: 'Cumulative cpu time consumed by the container in core-seconds',
    labelNames: CONTAINER_LABELS,
    registers: [this.registry],
  });
  readonly #workingSet = new Gauge({
    name: 'container_memory_working_set_bytes',
    help: 'Current working set of the container in bytes',
    labelNames: CONTAINER_LABELS,
    registers: [this.registry],
  });
  readonly #logBytes = new Gauge({
    name: 'hostpod_container_log_bytes',
    help: "Bytes in the container's CRI log files, all rotations included.",
    labelNames: CONTAINER_LABELS,
    registers: [this.registry],
  });
  readonly #pods = new Gauge({
    name: 'hostpod_pods',
    help: 'Number of pods known to the daemon, by phase.',
    labelNames: ['phase'] as const,
    registers: [this.registry],
  });
  readonly #imagePull = new Histogram({
    name: 'hostpod_image_pull_duration_seconds',
    help: 'Duration of image pulls (resolve, download and unpack), by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  readonly #apiRequest = new Histogram({
    name: 'hostpod_api_request_duration_seconds',
    help: 'Duration of local API requests, by method, route pattern and HTTP status code.',
    labelNames: ['method', 'route', 'code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly #diskFull = new Gauge({
    name: 'hostpod_disk_full',
    help: '1 while writes under this path fail for lack of space, else 0.',
    labelNames: ['path'] as const,
    registers: [this.registry],
  });
  readonly #stateWriteFailures = new Counter({
    name: 'hostpod_state_write_failures_total',
    help: 'Cumulative number of state database writes that failed (disk full, I/O error).',
    registers: [this.registry],
  });
  readonly #logWriteFailures = new Counter({
    name: 'hostpod_log_write_failures_total',
    help: 'Cumulative number of container log writes that failed (disk full, I/O error).',
    registers: [this.registry],
  });
  readonly #logBytesDropped = new Counter({
    name: 'hostpod_log_bytes_dropped_total',
    help: 'Cumulative bytes of container output that could not be written to a log.',
    registers: [this.registry],
  });
  readonly #collectorErrors = new Counter({
    name: 'hostpod_metrics_collector_errors_total',
    help: 'Cumulative number of scrapes in which a collector failed or timed out, by collector.',
    labelNames: ['collector'] as const,
    registers: [this.registry],
  });

  constructor(options: DaemonMetricsOptions = {}) {
    this.#options = options;
    collectDefaultMetrics({ register: this.registry });
    // Series at 0 from the first scrape, so `rate()` and `increase()` see the first start.
    for (const t of CONTAINER_TYPES) this.#started.inc({ container_type: t }, 0);
    for (const c of ['containers', 'pods']) this.#collectorErrors.inc({ collector: c }, 0);
    this.#stateWriteFailures.inc(0);
    this.#logWriteFailures.inc(0);
    this.#logBytesDropped.inc(0);
  }

  /** A container's task was started (`started_host_process_containers_total`). */
  containerStarted(type: ContainerType): void {
    this.#started.inc({ container_type: type });
  }

  /** A container failed to start; `code` is the `RuntimeError` code (`PermissionDenied`, …). */
  containerStartFailed(type: ContainerType, code: string): void {
    this.#startErrors.inc({ container_type: type, code });
  }

  observeImagePull(seconds: number, outcome: 'success' | 'failure'): void {
    this.#imagePull.observe({ outcome }, seconds);
  }

  /** `route` is the pattern (`/v1/namespaces/{namespace}/pods/{name}`), never the raw path: it bounds the series. */
  observeApiRequest(method: string, route: string, status: number, seconds: number): void {
    this.#apiRequest.observe({ method, route, code: String(status) }, seconds);
  }

  setDiskFull(path: string, full: boolean): void {
    this.#diskFull.set({ path }, full ? 1 : 0);
  }

  stateWriteFailed(): void {
    this.#stateWriteFailures.inc();
  }

  logWriteFailed(): void {
    this.#logWriteFailures.inc();
  }

  logBytesDropped(bytes: number): void {
    if (bytes > 0) this.#logBytesDropped.inc(bytes);
  }

  /** The Prometheus text exposition of every metric. Never throws for a failing collector. */
  render(): Promise<{ contentType: string; body: string }> {
    // One scrape at a time: the per-container series are reset and refilled for each.
    const next = this.#rendering.then(
      () => this.#render(),
      () => this.#render(),
    );
    this.#rendering = next;
    return next;
  }

  async #render(): Promise<{ contentType: string; body: string }> {
    const timeout = this.#options.collectTimeoutMs ?? 5000;
    const collectContainers = this.#options.collectContainers;
    const podPhases = this.#options.podPhases;
    const [containers, phases] = await Promise.all([
      collectContainers ? this.#guard('containers', timeout, collectContainers) : undefined,
      podPhases ? this.#guard('pods', timeout, async () => podPhases()) : undefined,
    ]);
    this.#cpu.reset();
    this.#workingSet.reset();
    this.#logBytes.reset();
    for (const c of containers ?? []) {
      const labels = { namespace: c.namespace, pod: c.pod, container: c.container };
      this.#cpu.inc(labels, Math.max(0, c.cpuUsageNs) / 1e9);
      this.#workingSet.set(labels, c.memoryWorkingSetBytes);
      this.#logBytes.set(labels, c.logBytes);
    }
    this.#pods.reset();
    if (phases) for (const p of POD_PHASES) this.#pods.set({ phase: p }, phases[p] ?? 0);
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  async #guard<T>(collector: string, timeoutMs: number, fn: () => Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        fn(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch {
      this.#collectorErrors.inc({ collector });
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A metrics endpoint bound by `serveMetrics`. */
export interface MetricsServer {
  /** The address bound (`127.0.0.1`, `::1`, `0.0.0.0`). */
  address: string;
  port: number;
  /** `address:port` as `serveMetrics` takes it (IPv6 in brackets): `127.0.0.1:9470`, `[::1]:9470`. */
  listen: string;
  close(): Promise<void>;
}

/**
 * Parses `HOST:PORT` where HOST is an IPv4 literal or a bracketed IPv6 literal (`[::1]:9470`).
 * Host names are refused: the endpoint binds exactly what the operator wrote, and a name could
 * resolve to a public address. Throws `InvalidArgument`.
 */
export function parseListenAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  const hint = 'Write an IP address and a port: 127.0.0.1:9470, [::1]:9470 or 0.0.0.0:9470.';
  if (!m || host === undefined || !Number.isInteger(port) || port > 65535) {
    throw new RuntimeError('InvalidArgument', `Cannot serve metrics on "${address}": not HOST:PORT`, {
      hint,
    });
  }
  const family = isIP(host);
  if (family === 0 || (family === 6 && m[1] === undefined) || (family === 4 && m[1] !== undefined)) {
    throw new RuntimeError(
      'InvalidArgument',
      `Cannot serve metrics on "${address}": "${host}" is not an IP address${family === 6 ? ' in brackets' : ''}`,
      { hint },
    );
  }
  return { host, port };
}

/**
 * Serves `GET /metrics` (and `HEAD`) on exactly `address` (`parseListenAddress`); every other
 * path is 404, another method on `/metrics` 405. Resolves once listening. Throws
 * `InvalidArgument` (bad address, or one not on this host), `Unavailable` (port in use),
 * `PermissionDenied` (a privileged port).
 */
export async function serveMetrics(metrics: DaemonMetrics, address: string): Promise<MetricsServer> {
  const { host, port } = parseListenAddress(address);
  const server = createServer((req, res) => {
    handle(metrics, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`cannot render metrics: ${describeError(err)}\n`);
    });
  });
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, ipv6Only: host.includes(':') }, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: unknown) => {
    throw listenError(address, err);
  });
  const bound = server.address();
  const boundHost = typeof bound === 'object' && bound ? bound.address : host;
  const boundPort = typeof bound === 'object' && bound ? bound.port : port;
  return {
    address: boundHost,
    port: boundPort,
    listen: boundHost.includes(':') ? `[${boundHost}]:${boundPort}` : `${boundHost}:${boundPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(metrics: DaemonMetrics, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '').split('?')[0];
  if (path !== '/metrics') {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('404 not found: the metrics are at /metrics\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end('405 method not allowed\n');
    return;
  }
  const { contentType, body } = await metrics.render();
  res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function listenError(address: string, err: unknown): RuntimeError {
  const what = `Cannot serve metrics on "${address}"`;
  switch (errnoCode(err)) {
    case 'EADDRINUSE':
      return new RuntimeError('Unavailable', `${what}: the port is in use`, {
        hint: 'Stop what listens there, or set metricsAddress to another port.',
        cause: err,
      });
    case 'EADDRNOTAVAIL':
      return new RuntimeError('InvalidArgument', `${what}: no interface of this host has that address`, {
        hint: 'Use 127.0.0.1, ::1, 0.0.0.0 or an address of this host.',
        cause: err,
      });
    case 'EACCES':
      return new RuntimeError('PermissionDenied', `${what}: permission denied`, {
        hint: 'Ports below 1024 need root; use a higher port.',
        cause: err,
      });
    default:
      return new RuntimeError('Internal', `${what}: ${describeError(err)}`, { cause: err });
  }
}
