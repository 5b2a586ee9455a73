/**
 * The daemon's local API (docs/api.md): HTTP/1.1 on a unix socket that only root, or root and one
 * group, can open. It routes requests to a `NodeApi` (`api/node-api.ts`), checks everything a client sends
 * (paths, query, body type/size/time, unknown fields), maps `RuntimeError` codes to statuses,
 * streams watches and logs, and survives any request: an unexpected exception is a 500 with a
 * generic message (the stack goes to the log, never to the client).
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { NodeApi } from '../api/node-api.ts';
import { HttpError, sendError, toApiError } from './api/errors.ts';
import { DEFAULT_LIMITS, hasBody, Query, type RequestLimits } from './api/request.ts';
import { matchRoute, type RouteContext } from './api/routes.ts';
import { clearSocketPath, listenOnSocket, removeSocket } from './api/socket.ts';
import { StreamSet } from './api/streams.ts';

/** Where the server reports what a client or the backend got wrong. */
export interface ApiLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface ApiServerOptions {
  socketPath: string;
  backend: NodeApi;
  /** A group (gid) allowed to use the API besides root: socket 0660 root:group; else 0600. */
  group?: number;
  logger?: ApiLogger;
  /** Called once per request when its answer is over (metrics). `route` is the path pattern. */
  onRequest?: (method: string, route: string, status: number, seconds: number) => void;
  /** Bounds on requests (tests shorten them). */
  limits?: Partial<ApiLimits>;
}

export interface ApiLimits extends RequestLimits {
  /** Time a client has to send its request headers (ms). */
  headersTimeoutMs: number;
  /** Bytes a stream may have waiting for a client that does not read before it is cut off. */
  maxBufferedBytes: number;
  /** Most connections open at once. */
  maxConnections: number;
}

export const DEFAULT_API_LIMITS: ApiLimits = {
  ...DEFAULT_LIMITS,
  headersTimeoutMs: 10_000,
  maxBufferedBytes: 8 * 1024 * 1024,
  maxConnections: 1024,
};

export interface ApiServer {
  /** Stops accepting, ends every watch and log stream, removes the socket file. */
  close(): Promise<void>;
}

const NO_LOGGER: ApiLogger = { warn() {}, error() {} };

/**
 * Serves the API on `socketPath`. Throws `AlreadyExists` when another daemon answers there (or a
 * non-socket file is in the way); a stale socket file is replaced.
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const limits: ApiLimits = { ...DEFAULT_API_LIMITS, ...options.limits };
  const logger = options.logger ?? NO_LOGGER;
  const streams = new StreamSet();
  const onInternalError = (e: unknown) =>
    logger.error('API request failed with an internal error', {
      error: e instanceof Error ? (e.stack ?? e.message) : String(e),
    });

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    matched: (pattern: string) => void,
  ): Promise<void> => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const { route, namespace, name, kind } = matchRoute(rawPath);
    matched(route.pattern);
    const method = req.method ?? 'GET';
    const handler = Object.hasOwn(route.methods, method) ? route.methods[method] : undefined;
    if (!handler) {
      const allow = Object.keys(route.methods).join(', ');
      throw new HttpError(
        405,
        {
          code: 'InvalidArgument',
          message: `${route.pattern} does not take ${method.slice(0, 20)} (it takes ${allow})`,
        },
        { Allow: allow },
      );
    }
    const query = new Query(q < 0 ? '' : url.slice(q + 1), handler.params);
    if (!handler.body && hasBody(req)) {
      throw new HttpError(
        400,
        { code: 'InvalidArgument', message: `${method} ${route.pattern} takes no request body` },
        { Connection: 'close' },
      );
    }
    const c: RouteContext = {
      req,
      res,
      backend: options.backend,
      query,
      namespace,
      name,
      kind,
      limits,
      stream: { streams, maxBufferedBytes: limits.maxBufferedBytes, onInternalError },
    };
    await handler.run(c);
  };

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.headersTimeoutMs + limits.bodyTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
      keepAliveTimeout: 5000,
      maxHeaderSize: 16 * 1024,
    },
    (req, res) => {
      const t0 = process.hrtime.bigint();
      let pattern = 'unmatched';
      res.on('close', () => {
        options.onRequest?.(
          req.method ?? '',
          pattern,
          res.statusCode,
          Number(process.hrtime.bigint() - t0) / 1e9,
        );
      });
      handle(req, res, (p) => {
        pattern = p;
      }).catch((e: unknown) => {
        const { status, body, internal } = toApiError(e);
        if (internal) onInternalError(e);
        else if (status >= 500) logger.warn('API request failed', { code: body.code, message: body.message });
        const headers = e instanceof HttpError ? e.headers : {};
        if (res.headersSent) {
          res.destroy();
          return;
        }
        sendError(res, status, body, headers);
        if (headers.Connection === 'close') {
          // Stop reading a body that was refused; drop the client if it keeps sending.
          res.on('finish', () => {
            req.socket.end();
            setTimeout(() => req.socket.destroy(), 1000).unref();
          });
          req.resume();
        }
      });
    },
  );
  server.maxConnections = limits.maxConnections;
  server.on('clientError', (e: Error & { code?: string }, socket: Socket) => {
    if (!socket.writable || socket.writableEnded) {
      socket.destroy();
      return;
    }
    const [status, text] =
      e.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large']
        : e.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout']
          : [400, 'Bad Request'];
    const body = JSON.stringify({
      error: {
        code: status === 408 ? 'DeadlineExceeded' : 'InvalidArgument',
        message: `malformed HTTP request (${e.code ?? 'parse error'})`,
      },
    });
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    setTimeout(() => socket.destroy(), 1000).unref();
  });

  await clearSocketPath(options.socketPath);
  const ino = await listenOnSocket(server, options.socketPath, options.group);

  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        streams.endAll();
        // Ended streams leave keep-alive connections that turn idle a moment later: close those
        // as they do; whatever is still busy after 2 s is cut.
        server.closeIdleConnections();
        const idle = setInterval(() => server.closeIdleConnections(), 20);
        const force = setTimeout(() => server.closeAllConnections(), 2000);
        await closed;
        clearInterval(idle);
        clearTimeout(force);
        await removeSocket(options.socketPath, ino);
      })();
      return closing;
    },
  };
}
