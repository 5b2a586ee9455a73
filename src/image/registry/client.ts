import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { errnoCode, RuntimeError } from '../../errors.ts';
import { sleep } from '../../lib/sleep.ts';
import { type Digest, DigestMismatchError, digestAlgorithm, hasherFor, isDigest } from '../../oci/digest.ts';
import { MANIFEST_ACCEPT } from '../../oci/media-types.ts';
import { isLoopbackHost } from '../../oci/reference.ts';
import { basicAuthorization, parseChallenge } from './auth.ts';
import type { CredentialLookup } from './docker-config.ts';

/** How a registry client behaves; every field has a default. */
export interface RegistryClientOptions {
  /** Hosts (`host[:port]` or `host`) reached over plain HTTP although not loopback. */
  insecureRegistries?: readonly string[];
  credentials?: CredentialLookup;
  /** Retries after the first attempt for 5xx/429/dropped connections (default 4). */
  retries?: number;
  /** First back-off delay; doubles each retry, with jitter (default 250 ms). */
  retryBaseMs?: number;
  /** Time to wait for response headers (default 30 s). */
  headersTimeoutMs?: number;
  /** Longest silence inside a response body before the connection counts as dropped (default 30 s). */
  bodyTimeoutMs?: number;
  /** Largest manifest accepted (default 4 MiB). */
  maxManifestBytes?: number;
  /** Told about each retry (for progress output). */
  onRetry?: (info: { what: string; attempt: number; delayMs: number; reason: string }) => void;
}

/** A manifest or index as fetched: its bytes (verified), digest and media type. */
export interface FetchedManifest {
  bytes: Buffer;
  digest: Digest;
  mediaType: string;
}

/** An open blob response. `start` is where `body` begins (the Range offset honoured, else 0). */
export interface BlobStream {
  start: number;
  /** Total blob size when the server said. */
  total?: number;
  body: Readable;
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const MAX_REDIRECTS = 5;

/** A response whose headers have arrived; the caller consumes or discards `body`. */
interface HttpResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
}

/** No response, or no body bytes, within the configured time (transient: the request is retried). */
class TimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
}

/**
 * One GET with node:http(s) (loaded with Node itself: no start-up cost, and a native parser that
 * hands body chunks over without copies). `headersTimeoutMs` bounds the wait for the response,
 * `bodyTimeoutMs` the silence between body bytes (both on the socket's inactivity timer).
 */
function httpGet(
  url: URL,
  opts: {
    headers: Record<string, string>;
    transport: { mod: { request: typeof http.request }; agent: http.Agent };
    headersTimeoutMs: number;
    bodyTimeoutMs: number;
    signal: AbortSignal | undefined;
  },
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const reqOpts: http.RequestOptions = {
      method: 'GET',
      headers: opts.headers,
      agent: opts.transport.agent,
    };
    if (opts.signal) reqOpts.signal = opts.signal;
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
    req.once('response', (r) => {
      res = r;
      r.once('end', () => {
        ended = true;
      });
      req.setTimeout(opts.bodyTimeoutMs);
      resolve({ statusCode: r.statusCode ?? 0, headers: r.headers, body: r });
    });
    req.once('error', reject);
    req.end();
  });
}

/** Reads and drops a small body so its connection can be reused (a large one is cut off). */
function discard(body: IncomingMessage): Promise<void> {
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

async function readBounded(body: Readable, max: number, what: string): Promise<Buffer> {
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

function errorText(bytes: Buffer): string {
  try {
    const j = JSON.parse(bytes.toString('utf8')) as { errors?: { code?: string; message?: string }[] };
    const e = j.errors?.[0];
    if (e) return [e.code, e.message].filter((x) => x).join(': ');
  } catch {
    // not JSON
  }
  return bytes.toString('utf8').slice(0, 200).trim();
}

/**
 * An OCI distribution-spec client for pulling: manifests by tag or digest (OCI and Docker
 * schema 2 types), blobs with Range resume, redirects followed (credentials dropped when the
 * origin changes), anonymous / basic / bearer-token auth from the `WWW-Authenticate` challenge,
 * retries with exponential back-off on 5xx, 429 and dropped connections. HTTPS, except plain
 * HTTP for loopback hosts and hosts listed as insecure.
 */
export class RegistryClient {
  readonly #opts: Required<Omit<RegistryClientOptions, 'onRetry' | 'credentials'>> & {
    onRetry: RegistryClientOptions['onRetry'] | undefined;
    credentials: CredentialLookup | undefined;
  };
  /** Authorization header by `host/repo`. */
  readonly #auth = new Map<string, string>();
  /** Keep-alive connection pools (idle sockets closed after 4 s, and by `close()`). */
  readonly #http = new http.Agent({ keepAlive: true, timeout: 4_000 });
  /** node:https (and TLS) is loaded on the first HTTPS request: loopback pulls never need it. */
  #https: { mod: typeof import('node:https'); agent: http.Agent } | undefined;

  constructor(opts: RegistryClientOptions = {}) {
    this.#opts = {
      insecureRegistries: opts.insecureRegistries ?? [],
      retries: opts.retries ?? 4,
      retryBaseMs: opts.retryBaseMs ?? 250,
      headersTimeoutMs: opts.headersTimeoutMs ?? 30_000,
      bodyTimeoutMs: opts.bodyTimeoutMs ?? 30_000,
      maxManifestBytes: opts.maxManifestBytes ?? 4 * 1024 * 1024,
      onRetry: opts.onRetry,
      credentials: opts.credentials,
    };
  }

  /**
   * Closes the client's keep-alive connections so a short-lived process can exit at once. The
   * client is not usable afterwards.
   */
  async close(): Promise<void> {
    this.#http.destroy();
    this.#https?.agent.destroy();
  }

  async #get(
    url: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<HttpResponse> {
    const u = new URL(url);
    let transport: { mod: { request: typeof http.request }; agent: http.Agent } = {
      mod: http,
      agent: this.#http,
    };
    if (u.protocol === 'https:') {
      if (!this.#https) {
        const mod = await import('node:https');
        this.#https = { mod, agent: new mod.Agent({ keepAlive: true, timeout: 4_000 }) };
      }
      transport = this.#https;
    }
    return httpGet(u, {
      headers,
      transport,
      headersTimeoutMs: this.#opts.headersTimeoutMs,
      bodyTimeoutMs: this.#opts.bodyTimeoutMs,
      signal,
    });
  }

  /** True when `host` is reached over plain HTTP (loopback, or listed as insecure). */
  isPlainHttp(host: string): boolean {
    if (isLoopbackHost(host)) return true;
    const bare = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
    return this.#opts.insecureRegistries.some((h) => h === host || h === bare);
  }

  /** `http(s)://host` for a registry domain. */
  baseUrl(host: string): string {
    return `${this.isPlainHttp(host) ? 'http' : 'https'}://${host}`;
  }

  /**
   * Fetches a manifest or index by tag or digest. Verifies the bytes: against the digest asked
   * for, else against the `Docker-Content-Digest` header when present. Throws `NotFound`
   * (unknown manifest), `PermissionDenied` (auth), `Unavailable` (unreachable after retries),
   * DigestMismatchError (`DataLoss`), `ResourceExhausted` (too large).
   */
  async getManifest(
    host: string,
    repo: string,
    tagOrDigest: string,
    opts: { signal?: AbortSignal } = {},
  ): Promise<FetchedManifest> {
    const what = `manifest ${host}/${repo}${isDigest(tagOrDigest) ? '@' : ':'}${tagOrDigest}`;
    for (let attempt = 0; ; attempt++) {
      const res = await this.#send(
        host,
        repo,
        `manifests/${tagOrDigest}`,
        { accept: MANIFEST_ACCEPT },
        what,
        opts.signal,
      );
      try {
        const len = Number(res.headers['content-length']);
        if (Number.isFinite(len) && len > this.#opts.maxManifestBytes) {
          throw new RuntimeError(
            'ResourceExhausted',
            `${what} is ${len} bytes, more than ${this.#opts.maxManifestBytes}`,
          );
        }
        const bytes = await readBounded(res.body, this.#opts.maxManifestBytes, what);
        const mediaType = String(res.headers['content-type'] ?? '')
          .split(';')[0]!
          .trim();
        const headerDigest = res.headers['docker-content-digest'];
        const expected = isDigest(tagOrDigest)
          ? tagOrDigest
          : isDigest(headerDigest)
            ? headerDigest
            : undefined;
        const h = hasherFor(expected ?? ('sha256:' as Digest));
        h.update(bytes);
        const actual = h.digest();
        if (expected && actual !== expected) {
          throw new DigestMismatchError(what, { expected, actual, actualSize: bytes.length });
        }
        const digest = expected && digestAlgorithm(expected) !== 'sha256' ? expected : actual;
        return { bytes, digest: digest as Digest, mediaType };
      } catch (e) {
        if (!isTransientError(e) || attempt >= this.#opts.retries) throw this.#networkError(e, host, what);
        await this.#backoff(what, attempt, describeNetworkError(e), opts.signal);
      }
    }
  }

  /**
   * Opens blob `digest`, from byte `offset` when > 0 (Range request; a server that ignores it
   * answers from 0 and `start` says so). Follows redirects. The caller reads and verifies the
   * body; errors while reading it are transient ({@link isTransientError}) and resumable.
   */
  async openBlob(
    host: string,
    repo: string,
    digest: Digest,
    opts: { offset?: number; signal?: AbortSignal } = {},
  ): Promise<BlobStream> {
    const headers: Record<string, string> = {};
    const offset = opts.offset ?? 0;
    if (offset > 0) headers.range = `bytes=${offset}-`;
    let res = await this.#send(
      host,
      repo,
      `blobs/${digest}`,
      headers,
      `blob ${digest}`,
      opts.signal,
      offset > 0,
    );
    if (res.statusCode === 416) {
      // The partial is as long as (or longer than) the blob: start again from byte 0.
      await discard(res.body);
      res = await this.#send(host, repo, `blobs/${digest}`, {}, `blob ${digest}`, opts.signal);
    }
    let start = 0;
    let total: number | undefined;
    if (res.statusCode === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
      start = m ? Number(m[1]) : offset;
      if (m && m[3] !== '*') total = Number(m[3]);
      if (start !== offset) {
        res.body.destroy();
        throw new RuntimeError(
          'Unavailable',
          `Registry ${host} answered blob ${digest} from byte ${start}, not ${offset}`,
        );
      }
    } else {
      const len = Number(res.headers['content-length']);
      if (Number.isFinite(len)) total = len;
    }
    const out: BlobStream = { start, body: res.body };
    if (total !== undefined) out.total = total;
    return out;
  }

  /** Waits before retry `attempt` (0-based), telling onRetry. */
  async #backoff(
    what: string,
    attempt: number,
    reason: string,
    signal?: AbortSignal,
    retryAfterS?: number,
  ): Promise<void> {
    const exp = this.#opts.retryBaseMs * 2 ** attempt;
    let delayMs = Math.round(exp / 2 + Math.random() * (exp / 2));
    if (retryAfterS !== undefined && Number.isFinite(retryAfterS))
      delayMs = Math.min(Math.max(delayMs, retryAfterS * 1000), 10_000);
    this.#opts.onRetry?.({ what, attempt: attempt + 1, delayMs, reason });
    await sleep(delayMs, signal);
  }

  /** Public for pull's resume loop: waits the back-off for a body error. */
  async backoff(what: string, attempt: number, reason: string, signal?: AbortSignal): Promise<void> {
    await this.#backoff(what, attempt, reason, signal);
  }

  get retries(): number {
    return this.#opts.retries;
  }

  #networkError(e: unknown, host: string, what: string): unknown {
    if (e instanceof RuntimeError) return e;
    if ((e as Error)?.name === 'AbortError') return e;
    const reason = describeNetworkError(e);
    const tls = !this.isPlainHttp(host);
    return new RuntimeError('Unavailable', `Cannot fetch ${what} from registry ${host}: ${reason}`, {
      cause: e,
      hint: tls
        ? `check that ${host} is reachable over HTTPS; for a plain-HTTP registry pass --insecure-registry ${host}`
        : `check that the registry at ${host} is running`,
    });
  }

  /**
   * Sends GET `/v2/<repo>/<path>` with auth, redirects and retries; returns a 2xx response
   * whose body the caller consumes. Non-2xx final answers become RuntimeErrors.
   */
  async #send(
    host: string,
    repo: string,
    path: string,
    headers: Record<string, string>,
    what: string,
    signal: AbortSignal | undefined,
    allowRange = false,
  ): Promise<HttpResponse> {
    const key = `${host}/${repo}`;
    let authTried = false;
    for (let attempt = 0; ; ) {
      let url = `${this.baseUrl(host)}/v2/${repo}/${path}`;
      const origin = new URL(url).origin;
      let res!: HttpResponse;
      try {
        for (let hop = 0; ; hop++) {
          const h: Record<string, string> = { ...headers, 'user-agent': 'hostpod' };
          const sameOrigin = new URL(url).origin === origin;
          const authz = this.#auth.get(key);
          if (authz && sameOrigin) h.authorization = authz;
          res = await this.#get(url, h, signal);
          const loc = res.headers.location;
          if ([301, 302, 303, 307, 308].includes(res.statusCode) && typeof loc === 'string') {
            await discard(res.body);
            if (hop >= MAX_REDIRECTS) {
              throw new RuntimeError('Unavailable', `Too many redirects fetching ${what} from ${host}`);
            }
            const next = new URL(loc, url);
            if (
              next.protocol === 'http:' &&
              new URL(url).protocol === 'https:' &&
              !isLoopbackHost(next.host)
            ) {
              throw new RuntimeError(
                'PermissionDenied',
                `Registry ${host} redirected ${what} from HTTPS to plain HTTP (${next.host}); refused`,
              );
            }
            url = next.href;
            continue;
          }
          break;
        }
      } catch (e) {
        if (e instanceof RuntimeError || !isTransientError(e) || attempt >= this.#opts.retries) {
          throw this.#networkError(e, host, what);
        }
        await this.#backoff(what, attempt++, describeNetworkError(e), signal);
        continue;
      }
      const status = res.statusCode;
      if (status === 200 || (allowRange && (status === 206 || status === 416))) return res;
      const body = await readBounded(res.body, 64 * 1024, what).catch(() => Buffer.alloc(0));
      if (status === 401 && !authTried) {
        authTried = true;
        await this.#authenticate(host, repo, res.headers['www-authenticate'], what, signal);
        continue;
      }
      if (RETRY_STATUS.has(status) && attempt < this.#opts.retries) {
        const ra = Number(res.headers['retry-after']);
        await this.#backoff(what, attempt++, `HTTP ${status}`, signal, Number.isFinite(ra) ? ra : undefined);
        continue;
      }
      throw this.#statusError(status, host, repo, what, errorText(body));
    }
  }

  #statusError(status: number, host: string, repo: string, what: string, detail: string): RuntimeError {
    const why = detail ? `: ${detail}` : '';
    if (status === 404) {
      return new RuntimeError('NotFound', `Registry ${host} has no ${what} (HTTP 404${why})`, {
        hint: `check the repository name "${repo}" and the tag or digest`,
      });
    }
    if (status === 401 || status === 403) {
      const creds = this.#opts.credentials?.(host);
      return new RuntimeError(
        'PermissionDenied',
        `Registry ${host} refused access to ${what} (HTTP ${status}${why})`,
        {
          hint: creds
            ? `the credentials for ${host} in the Docker config were refused; check auths["${host}"]`
            : `log in: add auths["${host}"] to $DOCKER_CONFIG/config.json (or ~/.docker/config.json)`,
        },
      );
    }
    if (status === 429 || status >= 500) {
      return new RuntimeError(
        'Unavailable',
        `Registry ${host} failed ${what} (HTTP ${status}${why}) after ${this.#opts.retries + 1} attempts`,
        {
          hint: 'the registry is unhealthy or rate-limiting; try again later',
        },
      );
    }
    return new RuntimeError('Internal', `Registry ${host} answered ${what} with HTTP ${status}${why}`);
  }

  /** Answers a 401 challenge: basic credentials, or a bearer token from the realm. */
  async #authenticate(
    host: string,
    repo: string,
    header: string | string[] | undefined,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const key = `${host}/${repo}`;
    const challenge = parseChallenge(Array.isArray(header) ? header[0] : header);
    const creds = this.#opts.credentials?.(host);
    if (challenge?.scheme === 'basic') {
      if (!creds) throw this.#statusError(401, host, repo, what, 'basic authentication required');
      this.#auth.set(key, basicAuthorization(creds.username, creds.password));
      return;
    }
    if (challenge?.scheme !== 'bearer' || !challenge.params.realm) {
      throw this.#statusError(401, host, repo, what, 'the registry sent no usable authentication challenge');
    }
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm);
    } catch {
      throw new RuntimeError(
        'PermissionDenied',
        `Registry ${host} sent an invalid token realm ${JSON.stringify(challenge.params.realm)}`,
      );
    }
    if (
      realm.protocol !== 'https:' &&
      !(realm.protocol === 'http:' && (isLoopbackHost(realm.host) || this.isPlainHttp(realm.host)))
    ) {
      throw new RuntimeError(
        'PermissionDenied',
        `Registry ${host} asks for a token from ${realm.origin} over plain HTTP; refused`,
        {
          hint: `pass --insecure-registry ${realm.host} if that is intended`,
        },
      );
    }
    if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
    realm.searchParams.set('scope', challenge.params.scope ?? `repository:${repo}:pull`);
    const headers: Record<string, string> = { 'user-agent': 'hostpod' };
    if (creds) headers.authorization = basicAuthorization(creds.username, creds.password);
    let res: HttpResponse;
    for (let attempt = 0; ; attempt++) {
      try {
        res = await this.#get(realm.href, headers, signal);
        if (RETRY_STATUS.has(res.statusCode) && attempt < this.#opts.retries) {
          await discard(res.body);
          await this.#backoff(`token from ${realm.origin}`, attempt, `HTTP ${res.statusCode}`, signal);
          continue;
        }
        break;
      } catch (e) {
        if (!isTransientError(e) || attempt >= this.#opts.retries) {
          throw new RuntimeError(
            'Unavailable',
            `Cannot get a token for ${what} from ${realm.origin}: ${describeNetworkError(e)}`,
            { cause: e },
          );
        }
        await this.#backoff(`token from ${realm.origin}`, attempt, describeNetworkError(e), signal);
      }
    }
    const body = await readBounded(res.body, 1024 * 1024, 'token response');
    if (res.statusCode !== 200) {
      throw new RuntimeError(
        'PermissionDenied',
        `Token service ${realm.origin} refused a token for ${what} (HTTP ${res.statusCode}${errorText(body) ? `: ${errorText(body)}` : ''})`,
        {
          hint: creds
            ? `the credentials for ${host} in the Docker config were refused`
            : `the repository may need credentials: add auths["${host}"] to $DOCKER_CONFIG/config.json`,
        },
      );
    }
    let token: unknown;
    try {
      const j = JSON.parse(body.toString('utf8')) as { token?: unknown; access_token?: unknown };
      token = j.token ?? j.access_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || token === '') {
      throw new RuntimeError('PermissionDenied', `Token service ${realm.origin} sent no token for ${what}`);
    }
    this.#auth.set(key, `Bearer ${token}`);
  }
}
