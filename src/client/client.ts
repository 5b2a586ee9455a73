/**
 * `DaemonClient`: the daemon API (docs/api.md) as typed methods, over HTTP/1.1 on the daemon's
 * unix socket. Error answers become `RuntimeError`s with the daemon's code, message and hint;
 * a socket that is missing or refuses becomes `Unavailable`, one the caller may not open
 * `PermissionDenied`. Streams (watches, logs) are async iterables that end quietly when the
 * caller's `AbortSignal` aborts.
 */

import { Agent, type ClientRequest, type IncomingMessage, request } from 'node:http';
import { hostDefaults } from '../lib/host-os.ts';

/**
 * One connection per request (a unix socket connects in microseconds): a kept-alive connection
 * the daemon closes as idle at the moment it is reused fails the request with EPIPE/ECONNRESET.
 */
const ONE_SHOT = new Agent({ keepAlive: false });

import type { DeleteOptions, EventFilter, NodeApi, PodFilter, WorkloadFilter } from '../api/node-api.ts';
import type {
  ApiError,
  ApplyRequest,
  ApplyResponse,
  ContainerList,
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
} from '../api/protocol.ts';
import { resourceOfKind } from '../api/resources.ts';
import { ERROR_CODES, type ErrorCode, errnoCode, RuntimeError } from '../errors.ts';

/** Where the daemon listens unless told otherwise. */
export const DEFAULT_SOCKET = hostDefaults().socket;

/** The socket path: the `--socket` flag, else `$HOSTPOD_SOCKET`, else `DEFAULT_SOCKET`. */
export function resolveSocket(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return flag || env.HOSTPOD_SOCKET || DEFAULT_SOCKET;
}

export interface DaemonClientOptions {
  socketPath: string;
  /** Bound on an ordinary (not streamed, not waiting) request, ms; default 30 s. */
  timeoutMs?: number;
}

type QueryValue = string | number | boolean | undefined;

/** The `RuntimeError` for an `{ error }` answer (field details appended to the message). */
export function errorFromApi(e: ApiError | undefined, status: number): RuntimeError {
  if (!e || typeof e.message !== 'string') {
    return new RuntimeError('Internal', `the hostpod daemon answered HTTP ${status} without an error body`);
  }
  const code: ErrorCode = (ERROR_CODES as readonly string[]).includes(e.code)
    ? (e.code as ErrorCode)
    : 'Internal';
  const details = Array.isArray(e.details)
    ? e.details.map((d) => `\n  ${d.object ? `${d.object}: ` : ''}${d.path}: ${d.message}`).join('')
    : '';
  return new RuntimeError(code, `${e.message}${details}`, {
    ...(typeof e.hint === 'string' ? { hint: e.hint } : {}),
    ...(Array.isArray(e.details) ? { details: e.details } : {}),
  });
}

export class DaemonClient implements NodeApi {
  readonly socketPath: string;
  private readonly timeoutMs: number;

  constructor(options: DaemonClientOptions) {
    this.socketPath = options.socketPath;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  version(): Promise<VersionInfo> {
    return this.json('GET', '/v1/version');
  }

  /** Resolves with the health also when the daemon reports problems (HTTP 503). */
  async health(): Promise<Health> {
    const { res, body } = await this.send('GET', '/v1/healthz', {}, undefined, this.timeoutMs);
    const text = await readAll(res, body);
    const value = JSON.parse(text) as Health & { error?: ApiError };
    if (value.error) throw errorFromApi(value.error, res.statusCode ?? 0);
    return value;
  }

  apply(req: ApplyRequest): Promise<ApplyResponse> {
    return this.json('POST', '/v1/apply', {}, req, 0);
  }

  async listPods(filter: PodFilter = {}): Promise<PodView[]> {
    return (await this.json<{ items: PodView[] }>('GET', '/v1/pods', { namespace: filter.namespace })).items;
  }

  /** Every pod as ADDED, then each change, until `signal` aborts. */
  watchPods(filter: PodFilter, signal?: AbortSignal): AsyncIterable<PodWatchEvent> {
    return this.ndjson<PodWatchEvent>('/v1/pods', { namespace: filter.namespace, watch: 1 }, signal);
  }

  getPod(namespace: string, name: string): Promise<PodView> {
    return this.json('GET', podPath(namespace, name));
  }

  deletePod(namespace: string, name: string, options: DeleteOptions = {}): Promise<DeleteResponse> {
    const query = { gracePeriod: options.gracePeriodSeconds, force: options.force, wait: options.wait };
    return this.json(
      'DELETE',
      podPath(namespace, name),
      query,
      undefined,
      options.wait === false ? this.timeoutMs : 0,
    );
  }

  listWorkloads(filter: WorkloadFilter = {}): Promise<WorkloadView[]> {
    return this.json<{ items: WorkloadView[] }>('GET', '/v1/workloads', {
      namespace: filter.namespace,
      kind: filter.kind,
    }).then((r) => r.items);
  }

  getWorkload(kind: string, namespace: string, name: string): Promise<WorkloadView> {
    return this.json('GET', workloadPath(kind, namespace, name));
  }

  deleteWorkload(
    kind: string,
    namespace: string,
    name: string,
    options: DeleteOptions = {},
  ): Promise<DeleteResponse> {
    const query = { gracePeriod: options.gracePeriodSeconds, force: options.force, wait: options.wait };
    return this.json(
      'DELETE',
      workloadPath(kind, namespace, name),
      query,
      undefined,
      options.wait === false ? this.timeoutMs : 0,
    );
  }

  restartWorkload(kind: string, namespace: string, name: string): Promise<WorkloadView> {
    return this.json('POST', `${workloadPath(kind, namespace, name)}/restart`, {}, undefined, 0);
  }

  /** The log as chunks of text; with `follow`, until the container's run ends or `signal` aborts. */
  async *logs(
    namespace: string,
    name: string,
    query: LogQuery = {},
    signal?: AbortSignal,
  ): AsyncGenerator<Buffer> {
    const q: Record<string, QueryValue> = { ...query };
    const { res, body } = await this.send('GET', `${podPath(namespace, name)}/log`, q, undefined, 0, signal);
    if (!body.ok) throw errorFromApi(parseError(await readAll(res, body)), res.statusCode ?? 0);
    try {
      for await (const chunk of res) yield chunk as Buffer;
    } catch (e) {
      if (signal?.aborted) return;
      throw streamBroken(e);
    }
    if (signal?.aborted) return;
    const trailer = res.trailers['hostpod-error'];
    if (trailer) throw errorFromApi(parseError(`{"error":${trailer}}`), 200);
    if (!res.complete) throw streamBroken(undefined);
  }

  async listContainers(): Promise<ContainerView[]> {
    return (await this.json<ContainerList>('GET', '/v1/containers', {})).items;
  }

  execTarget(namespace: string, name: string, container?: string): Promise<ExecTarget> {
    return this.json('GET', `${podPath(namespace, name)}/exec`, { container });
  }

  async listEvents(filter: EventFilter = {}): Promise<EventView[]> {
    return (await this.json<{ items: EventView[] }>('GET', '/v1/events', { ...filter })).items;
  }

  /** The events so far (after `after`), then each new one, until `signal` aborts. */
  watchEvents(filter: EventFilter, signal?: AbortSignal): AsyncIterable<EventView> {
    return this.ndjson<EventView>('/v1/events', { ...filter, watch: 1 }, signal);
  }

  async stats(filter: PodFilter = {}): Promise<ContainerStatsView[]> {
    return (
      await this.json<{ items: ContainerStatsView[] }>('GET', '/v1/stats/pods', {
        namespace: filter.namespace,
      })
    ).items;
  }

  async listImages(): Promise<ImageView[]> {
    return (await this.json<{ items: ImageView[] }>('GET', '/v1/images')).items;
  }

  pullImage(reference: string, platform?: string): Promise<ImageView> {
    return this.json('POST', '/v1/images/pull', {}, platform ? { reference, platform } : { reference }, 0);
  }

  removeImage(reference: string): Promise<{ removed: string[] }> {
    return this.json('DELETE', '/v1/images', { reference });
  }

  private async json<T>(
    method: string,
    path: string,
    query: Record<string, QueryValue> = {},
    payload?: unknown,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    const { res, body } = await this.send(method, path, query, payload, timeoutMs);
    const text = await readAll(res, body);
    if (!body.ok) throw errorFromApi(parseError(text), res.statusCode ?? 0);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new RuntimeError(
        'Internal',
        `the hostpod daemon answered ${method} ${path} with something that is not JSON`,
      );
    }
  }

  private async *ndjson<T>(
    path: string,
    query: Record<string, QueryValue>,
    signal?: AbortSignal,
  ): AsyncGenerator<T> {
    const { res, body } = await this.send('GET', path, query, undefined, 0, signal);
    if (!body.ok) throw errorFromApi(parseError(await readAll(res, body)), res.statusCode ?? 0);
    let rest = '';
    res.setEncoding('utf8');
    try {
      for await (const chunk of res) {
        rest += chunk as string;
        let nl = rest.indexOf('\n');
        while (nl >= 0) {
          const line = rest.slice(0, nl);
          rest = rest.slice(nl + 1);
          nl = rest.indexOf('\n');
          if (line === '') continue;
          const value = JSON.parse(line) as { error?: ApiError };
          if (value.error) throw errorFromApi(value.error, 200);
          yield value as Awaited<T>;
        }
      }
    } catch (e) {
      if (signal?.aborted) return;
      if (e instanceof RuntimeError) throw e;
      throw streamBroken(e);
    }
    if (signal?.aborted) return;
    throw new RuntimeError('Unavailable', 'the hostpod daemon ended the watch', {
      hint: 'run the command again',
    });
  }

  /** Sends a request; resolves with the response once its headers arrived. */
  private send(
    method: string,
    path: string,
    query: Record<string, QueryValue>,
    payload: unknown,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<{ res: IncomingMessage; body: { ok: boolean } }> {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === false) continue;
      search.set(k, v === true ? '1' : String(v));
    }
    // `wait=false` must be sent: its default is true.
    if (query.wait === false) search.set('wait', '0');
    const qs = search.toString();
    const data = payload === undefined ? undefined : Buffer.from(JSON.stringify(payload));
    return new Promise((resolve, reject) => {
      let req: ClientRequest | undefined;
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => req?.destroy(new RuntimeError('Canceled', 'the request was cancelled'));
      const cleanup = () => {
        if (timer) clearTimeout(timer);
      };
      req = request(
        {
          socketPath: this.socketPath,
          agent: ONE_SHOT,
          method,
          path: qs ? `${path}?${qs}` : path,
          headers: data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {},
        },
        (res) => {
          cleanup();
          res.once('close', () => signal?.removeEventListener('abort', onAbort));
          const status = res.statusCode ?? 0;
          resolve({ res, body: { ok: status >= 200 && status < 300 } });
        },
      );
      req.on('error', (e) => {
        cleanup();
        signal?.removeEventListener('abort', onAbort);
        reject(this.connectError(e, method, path));
      });
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          req?.destroy(
            new RuntimeError(
              'DeadlineExceeded',
              `the hostpod daemon did not answer ${method} ${path} within ${timeoutMs / 1000} s`,
              {
                hint: 'the daemon may be overloaded or stuck; see its log (journalctl -u hostpod)',
              },
            ),
          );
        }, timeoutMs);
      }
      if (signal) {
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
      req.end(data);
    });
  }

  private connectError(e: unknown, method: string, path: string): RuntimeError {
    if (e instanceof RuntimeError) return e;
    const code = errnoCode(e);
    const why = (e as Error).message;
    if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ENOTSOCK') {
      return new RuntimeError(
        'Unavailable',
        `Cannot reach the hostpod daemon at ${this.socketPath}: ${why}`,
        {
          hint: 'start it with `hostpod daemon` (or systemctl start hostpod)',
          cause: e,
        },
      );
    }
    if (code === 'EACCES' || code === 'EPERM') {
      return new RuntimeError(
        'PermissionDenied',
        `Cannot open the hostpod daemon's socket ${this.socketPath}: ${why}`,
        {
          hint: "run as root, or as a member of the daemon's group (its --group setting)",
          cause: e,
        },
      );
    }
    if (code === 'ECONNRESET' || code === 'EPIPE') {
      return new RuntimeError(
        'Unavailable',
        `the hostpod daemon closed the connection during ${method} ${path}`,
        {
          hint: 'the daemon may have restarted; run the command again',
          cause: e,
        },
      );
    }
    return new RuntimeError(
      'Unavailable',
      `Cannot talk to the hostpod daemon at ${this.socketPath}: ${why}`,
      { cause: e },
    );
  }
}

function workloadPath(kind: string, namespace: string, name: string): string {
  const r = resourceOfKind(kind);
  if (!r || r.kind === 'Pod')
    throw new RuntimeError('InvalidArgument', `"${kind}" is not a workload kind hostpod keeps`);
  return `/v1/namespaces/${encodeURIComponent(namespace)}/${r.plural}/${encodeURIComponent(name)}`;
}

function podPath(namespace: string, name: string): string {
  return `/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
}

const MAX_ANSWER = 256 * 1024 * 1024;

async function readAll(res: IncomingMessage, _body: { ok: boolean }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of res) {
      size += (c as Buffer).length;
      if (size > MAX_ANSWER)
        throw new RuntimeError('ResourceExhausted', 'the hostpod daemon answered with more than 256 MiB');
      chunks.push(c as Buffer);
    }
  } catch (e) {
    if (e instanceof RuntimeError) throw e;
    throw streamBroken(e);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseError(text: string): ApiError | undefined {
  try {
    const v = JSON.parse(text) as { error?: ApiError };
    return v && typeof v === 'object' && v.error && typeof v.error === 'object' ? v.error : undefined;
  } catch {
    return undefined;
  }
}

function streamBroken(e: unknown): RuntimeError {
  return new RuntimeError('Unavailable', 'the connection to the hostpod daemon broke off', {
    hint: 'the daemon may have restarted; run the command again',
    ...(e === undefined ? {} : { cause: e }),
  });
}
