/**
 * The routes of API v1 (docs/api.md): which method and path call which backend method, with which
 * query parameters and body fields. Names in paths and queries are checked before the backend
 * sees them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NodeApi } from '../../api/node-api.ts';
import type { ApplyRequest, LogQuery } from '../../api/protocol.ts';
import { RESOURCES, resourceOfKind } from '../../api/resources.ts';
import { RuntimeError } from '../../errors.ts';
import { HttpError } from './errors.ts';
import {
  checkName,
  pathSegments,
  type Query,
  type RequestLimits,
  readJsonBody,
  rejectUnknown,
} from './request.ts';
import { type StreamOptions, streamNdjson, streamText } from './streams.ts';

/** What a handler gets. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  backend: NodeApi;
  query: Query;
  namespace: string;
  name: string;
  /** The workload kind of a `/v1/namespaces/NS/RESOURCE/NAME` path (`DaemonSet`, …); else ''. */
  kind: string;
  limits: RequestLimits;
  stream: StreamOptions;
}

interface Handler {
  /** Query parameters this method takes. */
  params: readonly string[];
  /** True when it reads a JSON body. */
  body?: boolean;
  run(c: RouteContext): Promise<void> | void;
}

/** A path pattern (as named in metrics) and its handlers by method. */
interface Route {
  pattern: string;
  methods: Record<string, Handler>;
}

/** Answers 200 with `value` as JSON. */
export function sendJson(res: ServerResponse, value: unknown, status = 200): void {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

const MAX_REFERENCE = 4096;

function imageReference(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new RuntimeError('InvalidArgument', `${where} must be a non-empty string (an image reference)`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (value.length > MAX_REFERENCE || /[\u0000-\u0020\u007f]/.test(value)) {
    throw new RuntimeError('InvalidArgument', `${where} is not an image reference`);
  }
  return value;
}

const ns = (q: Query) => {
  const n = q.namespace();
  return n === undefined ? {} : { namespace: n };
};

const VERSION: Route = {
  pattern: '/v1/version',
  methods: { GET: { params: [], run: async (c) => sendJson(c.res, await c.backend.version()) } },
};
const HEALTHZ: Route = {
  pattern: '/v1/healthz',
  methods: {
    GET: {
      params: [],
      run: async (c) => {
        const h = await c.backend.health();
        sendJson(c.res, h, h.ok ? 200 : 503);
      },
    },
  },
};

const APPLY: Route = {
  pattern: '/v1/apply',
  methods: {
    POST: {
      params: [],
      body: true,
      run: async (c) => {
        const body = await readJsonBody(c.req, c.limits);
        rejectUnknown(body, ['objects', 'dryRun', 'fieldValidation'], 'apply request');
        if (!Array.isArray(body.objects))
          throw new RuntimeError('InvalidArgument', '"objects" must be a list of objects');
        if (body.dryRun !== undefined && typeof body.dryRun !== 'boolean')
          throw new RuntimeError('InvalidArgument', '"dryRun" must be true or false');
        const request: ApplyRequest = { objects: body.objects };
        if (body.dryRun !== undefined) request.dryRun = body.dryRun;
        if (body.fieldValidation !== undefined) {
          if (
            body.fieldValidation !== 'strict' &&
            body.fieldValidation !== 'warn' &&
            body.fieldValidation !== 'ignore'
          )
            throw new RuntimeError('InvalidArgument', '"fieldValidation" must be strict, warn or ignore');
          request.fieldValidation = body.fieldValidation;
        }
        sendJson(c.res, await c.backend.apply(request));
      },
    },
  },
};

const PODS: Route = {
  pattern: '/v1/pods',
  methods: {
    GET: {
      params: ['namespace', 'watch'],
      run: async (c) => {
        const filter = ns(c.query);
        if (!c.query.bool('watch')) {
          sendJson(c.res, { items: await c.backend.listPods(filter) });
          return;
        }
        await streamNdjson(c.res, c.stream, (signal) => c.backend.watchPods(filter, signal));
      },
    },
  },
};

const POD: Route = {
  pattern: '/v1/namespaces/{namespace}/pods/{name}',
  methods: {
    GET: { params: [], run: async (c) => sendJson(c.res, await c.backend.getPod(c.namespace, c.name)) },
    DELETE: {
      params: ['gracePeriod', 'force', 'wait'],
      run: async (c) =>
        sendJson(c.res, await c.backend.deletePod(c.namespace, c.name, deleteOptions(c.query))),
    },
  },
};

function deleteOptions(q: Query): { gracePeriodSeconds?: number; force?: boolean; wait?: boolean } {
  const options: { gracePeriodSeconds?: number; force?: boolean; wait?: boolean } = {};
  const grace = q.int('gracePeriod', 365 * 24 * 3600);
  const force = q.bool('force');
  const wait = q.bool('wait');
  if (grace !== undefined) options.gracePeriodSeconds = grace;
  if (force !== undefined) options.force = force;
  if (wait !== undefined) options.wait = wait;
  return options;
}

const WORKLOADS: Route = {
  pattern: '/v1/workloads',
  methods: {
    GET: {
      params: ['namespace', 'kind'],
      run: async (c) => {
        const filter: { namespace?: string; kind?: string } = ns(c.query);
        const kind = c.query.string('kind');
        if (kind !== undefined) {
          if (!resourceOfKind(kind) || kind === 'Pod')
            throw new RuntimeError(
              'InvalidArgument',
              `query parameter "kind" must be a workload kind (DaemonSet, …)`,
            );
          filter.kind = kind;
        }
        sendJson(c.res, { items: await c.backend.listWorkloads(filter) });
      },
    },
  },
};

const WORKLOAD: Route = {
  pattern: '/v1/namespaces/{namespace}/{workloads}/{name}',
  methods: {
    GET: {
      params: [],
      run: async (c) => sendJson(c.res, await c.backend.getWorkload(c.kind, c.namespace, c.name)),
    },
    DELETE: {
      params: ['gracePeriod', 'force', 'wait'],
      run: async (c) =>
        sendJson(c.res, await c.backend.deleteWorkload(c.kind, c.namespace, c.name, deleteOptions(c.query))),
    },
  },
};

const RESTART: Route = {
  pattern: '/v1/namespaces/{namespace}/{workloads}/{name}/restart',
  methods: {
    POST: {
      params: [],
      run: async (c) => sendJson(c.res, await c.backend.restartWorkload(c.kind, c.namespace, c.name)),
    },
  },
};

const LOG_PARAMS = [
  'container',
  'previous',
  'follow',
  'tailLines',
  'sinceSeconds',
  'sinceTime',
  'timestamps',
] as const;

function logQuery(q: Query): LogQuery {
  const query: LogQuery = {};
  const container = q.containerName('container');
  if (container !== undefined) query.container = container;
  for (const k of ['previous', 'follow', 'timestamps'] as const) {
    const v = q.bool(k);
    if (v !== undefined) query[k] = v;
  }
  const tail = q.int('tailLines');
  if (tail !== undefined) query.tailLines = tail;
  const since = q.int('sinceSeconds');
  if (since !== undefined) {
    if (since === 0)
      throw new RuntimeError('InvalidArgument', 'query parameter "sinceSeconds" must be at least 1');
    query.sinceSeconds = since;
  }
  const sinceTime = q.string('sinceTime');
  if (sinceTime !== undefined) {
    if (
      !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/.test(sinceTime) ||
      Number.isNaN(Date.parse(sinceTime))
    )
      throw new RuntimeError(
        'InvalidArgument',
        `query parameter "sinceTime" must be an RFC 3339 time (2026-01-02T15:04:05Z)`,
      );
    if (since !== undefined)
      throw new RuntimeError('InvalidArgument', 'give at most one of "sinceSeconds" and "sinceTime"');
    query.sinceTime = sinceTime;
  }
  return query;
}

const LOG: Route = {
  pattern: '/v1/namespaces/{namespace}/pods/{name}/log',
  methods: {
    GET: {
      params: LOG_PARAMS,
      run: async (c) => {
        const query = logQuery(c.query);
        await streamText(c.res, c.stream, (signal) => c.backend.logs(c.namespace, c.name, query, signal));
      },
    },
  },
};

const EXEC: Route = {
  pattern: '/v1/namespaces/{namespace}/pods/{name}/exec',
  methods: {
    GET: {
      params: ['container'],
      run: async (c) =>
        sendJson(c.res, await c.backend.execTarget(c.namespace, c.name, c.query.containerName('container'))),
    },
  },
};

const EVENTS: Route = {
  pattern: '/v1/events',
  methods: {
    GET: {
      params: ['namespace', 'pod', 'after', 'watch'],
      run: async (c) => {
        const filter: { namespace?: string; pod?: string; after?: number } = ns(c.query);
        const pod = c.query.podName('pod');
        if (pod !== undefined) filter.pod = pod;
        const after = c.query.int('after');
        if (after !== undefined) filter.after = after;
        if (!c.query.bool('watch')) {
          sendJson(c.res, { items: await c.backend.listEvents(filter) });
          return;
        }
        await streamNdjson(c.res, c.stream, (signal) => c.backend.watchEvents(filter, signal));
      },
    },
  },
};

const STATS: Route = {
  pattern: '/v1/stats/pods',
  methods: {
    GET: {
      params: ['namespace'],
      run: async (c) => sendJson(c.res, { items: await c.backend.stats(ns(c.query)) }),
    },
  },
};

const CONTAINERS: Route = {
  pattern: '/v1/containers',
  methods: {
    GET: { params: [], run: async (c) => sendJson(c.res, { items: await c.backend.listContainers() }) },
  },
};

const IMAGES: Route = {
  pattern: '/v1/images',
  methods: {
    GET: { params: [], run: async (c) => sendJson(c.res, { items: await c.backend.listImages() }) },
    DELETE: {
      params: ['reference'],
      run: async (c) => {
        const ref = imageReference(c.query.string('reference'), 'query parameter "reference"');
        sendJson(c.res, await c.backend.removeImage(ref));
      },
    },
  },
};

const PULL: Route = {
  pattern: '/v1/images/pull',
  methods: {
    POST: {
      params: [],
      body: true,
      run: async (c) => {
        const body = await readJsonBody(c.req, c.limits);
        rejectUnknown(body, ['reference', 'platform'], 'pull request');
        const ref = imageReference(body.reference, '"reference"');
        if (
          body.platform !== undefined &&
          (typeof body.platform !== 'string' || !/^[a-z0-9_.-]+(\/[a-z0-9_.-]+){1,2}$/i.test(body.platform))
        )
          throw new RuntimeError('InvalidArgument', '"platform" must be os/arch or os/arch/variant');
        sendJson(c.res, await c.backend.pullImage(ref, body.platform));
      },
    },
  },
};

/** The route of a raw path and the names in it. Throws `InvalidArgument` (bad name), `HttpError` 404. */
export function matchRoute(rawPath: string): { route: Route; namespace: string; name: string; kind: string } {
  const s = pathSegments(rawPath);
  const notFound = () =>
    new HttpError(404, {
      code: 'NotFound',
      message: `no API route ${JSON.stringify(rawPath.slice(0, 200))}`,
      hint: 'the routes are listed in docs/api.md; every path starts with /v1/',
    });
  if (s[0] !== 'v1') throw notFound();
  const simple: Record<string, Route> = {
    version: VERSION,
    healthz: HEALTHZ,
    apply: APPLY,
    pods: PODS,
    workloads: WORKLOADS,
    events: EVENTS,
    images: IMAGES,
    'images/pull': PULL,
    'stats/pods': STATS,
    containers: CONTAINERS,
  };
  const rest = s.slice(1).join('/');
  if (s[1] !== 'namespaces') {
    const r = Object.hasOwn(simple, rest) ? simple[rest] : undefined;
    if (!r || s.slice(1).some((x) => x.includes('/'))) throw notFound();
    return { route: r, namespace: '', name: '', kind: '' };
  }
  const workload = RESOURCES.find((r) => r.plural === s[3] && r.kind !== 'Pod');
  if (workload && (s.length === 5 || (s.length === 6 && s[5] === 'restart'))) {
    const namespace = checkName(s[2]!, 'namespace');
    const name = checkName(s[4]!, 'pod');
    return { route: s.length === 5 ? WORKLOAD : RESTART, namespace, name, kind: workload.kind };
  }
  if (s.length < 5 || s[3] !== 'pods') throw notFound();
  const namespace = checkName(s[2]!, 'namespace');
  const name = checkName(s[4]!, 'pod');
  if (s.length === 5) return { route: POD, namespace, name, kind: '' };
  if (s.length === 6 && s[5] === 'log') return { route: LOG, namespace, name, kind: '' };
  if (s.length === 6 && s[5] === 'exec') return { route: EXEC, namespace, name, kind: '' };
  throw notFound();
}

export type { Handler, Route };
