import type http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { errnoCode, RuntimeError } from '../../errors.ts';

/** A response whose headers have arrived; the caller consumes or discards `body`. */
export interface HttpResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
}

/** node:http or node:https with the agent (connection pool, TLS settings) to use. */
export interface Transport {
  mod: { request: typeof http.request };
  agent: http.Agent;
}

/** No connection, response or body bytes within the configured time (transient: retried). */
export class TimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
}

export interface HttpRequestOptions {
  method: string;
  headers: Record<string, string>;
  /** A request body; the caller sets content-length. */
  body?: Buffer | Readable;
  transport: Transport;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** Longest wait for the TCP (and TLS) connection; default: the headers timeout. */
  dialTimeoutMs?: number;
  signal: AbortSignal | undefined;
  /** Name resolution (default: the system's, `dns.lookup`). */
  lookup?: LookupFunction;
}

/**
 * One request with node:http(s) (loaded with Node itself: no start-up cost, and a native parser
 * that hands body chunks over without copies). `dialTimeoutMs` bounds the connection,
 * `headersTimeoutMs` the wait for the response, `bodyTimeoutMs` the silence between body bytes.
 */
export function httpRequest(url: URL, opts: HttpRequestOptions): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const reqOpts: http.RequestOptions = {
      method: opts.method,
      headers: opts.headers,
      agent: opts.transport.agent,
    };
    if (opts.signal) reqOpts.signal = opts.signal;
    if (opts.lookup) reqOpts.lookup = opts.lookup;
    const req = opts.transport.mod.request(url, reqOpts);
    let res: IncomingMessage | undefined;
    let ended = false;
    req.on('timeout', () => {
      if (ended) return;
      if (res) {
        res.destroy(new TimeoutError(`body timeout: no data for ${opts.bodyTimeoutMs} ms`));
      } else {
        req.destroy(new TimeoutError(`headers timeout: no response within ${opts.headersTimeoutMs} ms`));
      }
    });
    req.setTimeout(opts.headersTimeoutMs);
    if (opts.dialTimeoutMs !== undefined) {
      const ms = opts.dialTimeoutMs;
      req.once('socket', (s) => {
        if (!s.connecting) return;
        const t = setTimeout(
          () => req.destroy(new TimeoutError(`connect timeout: no connection within ${ms} ms`)),
          ms,
        );
        s.once('connect', () => clearTimeout(t));
        s.once('close', () => clearTimeout(t));
      });
    }
    req.once('response', (r) => {
      res = r;
      r.once('end', () => {
        ended = true;
      });
      req.setTimeout(opts.bodyTimeoutMs);
      resolve({ statusCode: r.statusCode ?? 0, headers: r.headers, body: r });
    });
    req.once('error', reject);
    const body = opts.body;
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      body.once('error', (e) => req.destroy(e));
      body.pipe(req);
    }
  });
}

/** Reads and drops a small body so its connection can be reused (a large one is cut off). */
export function discard(body: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (Number(body.headers['content-length'] ?? 0) > 64 * 1024) {
      body.destroy();
      resolve();
      return;
    }
    body.once('end', resolve);
    body.once('close', resolve);
    body.once('error', () => resolve());
    body.resume();
  });
}

/** Reads a body of at most `max` bytes; a longer one is RuntimeError `ResourceExhausted`. */
export async function readBounded(body: Readable, max: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of body as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) {
      body.destroy();
      throw new RuntimeError('ResourceExhausted', `${what} is larger than ${max} bytes`);
    }
    parts.push(c);
  }
  return Buffer.concat(parts);
}

/** The first error of a registry error body (`CODE: message`), else its first 200 characters. */
export function errorText(bytes: Buffer): string {
  try {
    const j = JSON.parse(bytes.toString('utf8')) as { errors?: { code?: string; message?: string }[] };
    const e = j.errors?.[0];
    if (e) return [e.code, e.message].filter((x) => x).join(': ');
  } catch {
    // not JSON
  }
  return bytes.toString('utf8').slice(0, 200).trim();
}

/** True for errors worth a retry: connection refused/reset/dropped, timeouts. */
export function isTransientError(e: unknown): boolean {
  const code = errnoCode(e) ?? '';
  if ((e as Error)?.name === 'AbortError' || code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR') return false;
  if (code.startsWith('UND_ERR_')) return code !== 'UND_ERR_INVALID_ARG' && code !== 'UND_ERR_NOT_SUPPORTED';
  if (
    [
      'ECONNRESET',
      'ECONNREFUSED',
      'EPIPE',
      'ETIMEDOUT',
      'EAI_AGAIN',
      'ECONNABORTED',
      'EHOSTUNREACH',
      'ERR_STREAM_PREMATURE_CLOSE',
    ].includes(code)
  ) {
    return true;
  }
  const msg = e instanceof Error ? e.message : '';
  if (/terminated|other side closed|socket hang up/i.test(msg)) return true;
  const cause = e instanceof Error ? e.cause : undefined;
  return cause !== undefined && cause !== e && isTransientError(cause);
}

/** A short reason for a network error (`ECONNREFUSED`, `body timeout`, …). */
export function describeNetworkError(e: unknown): string {
  const code = errnoCode(e);
  const msg = e instanceof Error ? e.message : String(e);
  const cause = e instanceof Error && e.cause instanceof Error ? ` (${e.cause.message})` : '';
  return code && !msg.includes(code) ? `${code}: ${msg}${cause}` : `${msg}${cause}`;
}
