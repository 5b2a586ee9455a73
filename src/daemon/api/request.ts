/**
 * Reading what a client sends: the JSON body (type, size and time bounded), the query string
 * (only known parameters, each once) and the names in the path (DNS-1123, decoded once).
 */
import type { IncomingMessage } from 'node:http';
import { dns1123LabelErrors, dns1123SubdomainErrors } from '../../api/names.ts';
import { RuntimeError } from '../../errors.ts';
import { HttpError } from './errors.ts';

/** Limits of a request, documented in docs/api.md. */
export interface RequestLimits {
  /** Largest body accepted (bytes). */
  maxBodyBytes: number;
  /** Time a client has to send its whole body, from the end of its headers (ms). */
  bodyTimeoutMs: number;
}

export const DEFAULT_LIMITS: RequestLimits = { maxBodyBytes: 8 * 1024 * 1024, bodyTimeoutMs: 30_000 };

/** True when the request announces a body (Content-Length > 0 or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Reads a JSON object body. Throws `HttpError` 415 (not `application/json`), 413 (over the limit,
 * stops reading), 408 (slower than the limit), and `InvalidArgument` for malformed JSON or a body
 * that is not an object.
 */
export async function readJsonBody(
  req: IncomingMessage,
  limits: RequestLimits,
): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(415, {
      code: 'InvalidArgument',
      message: `the request body must be application/json, not ${type === '' ? 'untyped' : `"${type}"`}`,
      hint: 'send the header Content-Type: application/json',
    });
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limits.maxBodyBytes) throw tooLarge(limits);
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      done();
      reject(
        new HttpError(
          408,
          {
            code: 'DeadlineExceeded',
            message: `the request body did not arrive within ${limits.bodyTimeoutMs} ms`,
          },
          { Connection: 'close' },
        ),
      );
    }, limits.bodyTimeoutMs);
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limits.maxBodyBytes) {
        done();
        reject(tooLarge(limits));
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => {
      done();
      resolve();
    };
    const onError = (e: Error) => {
      done();
      reject(e);
    };
    const onClose = () => {
      done();
      reject(new RuntimeError('Canceled', 'the client closed the connection before sending its whole body'));
    };
    const done = () => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
  const body = Buffer.concat(chunks);
  if (nestingDepth(body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new RuntimeError(
      'InvalidArgument',
      `the request body is nested deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new RuntimeError('InvalidArgument', `the request body is not valid JSON: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RuntimeError('InvalidArgument', 'the request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** Deepest nesting of objects and arrays a body may have (YAML manifests stop at 100, see api/manifests.ts). */
export const MAX_JSON_DEPTH = 256;

/**
 * The nesting depth of JSON text, counted without parsing (strings skipped); stops counting
 * above `max`. Parsing millions of nested brackets would hold the event loop for seconds.
 */
export function nestingDepth(text: Buffer, max: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > max) return deepest;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

function tooLarge(limits: RequestLimits): HttpError {
  return new HttpError(
    413,
    {
      code: 'InvalidArgument',
      message: `the request body is larger than ${limits.maxBodyBytes} bytes`,
      hint: 'apply fewer objects at a time',
    },
    { Connection: 'close' },
  );
}

/** Throws `InvalidArgument` naming every key of `obj` not in `allowed`. */
export function rejectUnknown(obj: Record<string, unknown>, allowed: readonly string[], what: string): void {
  const unknown = Object.keys(obj).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new RuntimeError(
      'InvalidArgument',
      `unknown ${unknown.length === 1 ? 'field' : 'fields'} in the ${what}: ${unknown.map((k) => JSON.stringify(k)).join(', ')}`,
      { hint: `the ${what} takes: ${allowed.join(', ') || 'nothing'} (docs/api.md)` },
    );
  }
}

/** The query parameters of a request: each known name at most once; others are refused. */
export class Query {
  private readonly values = new Map<string, string>();

  constructor(search: string, allowed: readonly string[]) {
    const params = new URLSearchParams(search);
    const unknown = new Set<string>();
    for (const [k, v] of params) {
      if (!allowed.includes(k)) unknown.add(k);
      else if (this.values.has(k))
        throw new RuntimeError('InvalidArgument', `query parameter "${k}" is given twice`);
      else this.values.set(k, v);
    }
    if (unknown.size > 0) {
      throw new RuntimeError(
        'InvalidArgument',
        `unknown query ${unknown.size === 1 ? 'parameter' : 'parameters'}: ${[...unknown].map((k) => JSON.stringify(k.slice(0, 100))).join(', ')}`,
        { hint: `this route takes: ${allowed.join(', ') || 'no parameter'} (docs/api.md)` },
      );
    }
  }

  string(name: string): string | undefined {
    return this.values.get(name);
  }

  /** `1`/`true` or `0`/`false`; absent → undefined. */
  bool(name: string): boolean | undefined {
    const v = this.values.get(name);
    if (v === undefined) return undefined;
    if (v === '1' || v === 'true') return true;
    if (v === '0' || v === 'false') return false;
    throw new RuntimeError('InvalidArgument', `query parameter "${name}" must be 1, 0, true or false`);
  }

  /** A non-negative integer up to `max`. */
  int(name: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = this.values.get(name);
    if (v === undefined) return undefined;
    const n = /^\d{1,16}$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n) || n > max) {
      throw new RuntimeError(
        'InvalidArgument',
        `query parameter "${name}" must be an integer from 0 to ${max}`,
      );
    }
    return n;
  }

  namespace(name = 'namespace'): string | undefined {
    const v = this.values.get(name);
    return v === undefined ? undefined : checkName(v, 'namespace');
  }

  podName(name: string): string | undefined {
    const v = this.values.get(name);
    return v === undefined ? undefined : checkName(v, 'pod');
  }

  containerName(name: string): string | undefined {
    const v = this.values.get(name);
    return v === undefined ? undefined : checkName(v, 'container');
  }
}

/**
 * Checks a name from a path or query: a namespace or container name is a DNS-1123 label, a pod
 * name a DNS-1123 subdomain. Throws `InvalidArgument` (so `..`, `../x`, empty and too long never
 * reach the backend).
 */
export function checkName(value: string, what: 'namespace' | 'pod' | 'container'): string {
  const errs = what === 'pod' ? dns1123SubdomainErrors(value) : dns1123LabelErrors(value);
  if (errs.length > 0) {
    const shown = value.length > 64 ? `${JSON.stringify(value.slice(0, 64))}…` : JSON.stringify(value);
    throw new RuntimeError('InvalidArgument', `invalid ${what} name ${shown}: ${errs.join('; ')}`);
  }
  return value;
}

/** Splits a raw path into decoded segments; throws `InvalidArgument` on bad percent-encoding. */
export function pathSegments(rawPath: string): string[] {
  const parts = rawPath.split('/').slice(1);
  return parts.map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      throw new RuntimeError(
        'InvalidArgument',
        `the path segment ${JSON.stringify(p.slice(0, 64))} is not valid percent-encoding`,
      );
    }
  });
}
