import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { RuntimeError } from '../../errors.ts';
import { sleep } from '../../lib/sleep.ts';
import { type Digest, DigestMismatchError, digestAlgorithm, hasherFor, isDigest } from '../../oci/digest.ts';
import { MANIFEST_ACCEPT } from '../../oci/media-types.ts';
import { isLoopbackHost } from '../../oci/reference.ts';
import { TokenCache } from './auth.ts';
import { Connections } from './connections.ts';
import type { CredentialLookup } from './docker-config.ts';
import { allHostsFailed, HostRequestError, networkFailureHint } from './failures.ts';
import { defaultServer, isPlainHttpHost, type RegistryHost, resolveRegistryHosts } from './hosts.ts';
import type { HostCapability } from './hosts-toml.ts';
import {
  describeNetworkError,
  discard,
  errorText,
  type HttpResponse,
  isTransientError,
  readBounded,
} from './http.ts';

export { describeNetworkError, isTransientError } from './http.ts';

/** How a registry client behaves; every field has a default. */
export interface RegistryClientOptions {
  /** Hosts (`host[:port]` or `host`) reached over plain HTTP although not loopback. */
  insecureRegistries?: readonly string[];
  /** The certs.d folder: `<dir>/<registry>/hosts.toml` (mirrors, TLS, headers); none: defaults. */
  registryConfigDir?: string;
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
  /** Name resolution (default: the system's); tests use it to keep a name from resolving. */
  lookup?: LookupFunction;
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

/** One registry API request, for {@link RegistryClient.send}. */
export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A path under `/v2/<repo>/` (`manifests/latest`), or an absolute URL (an upload location). */
  path: string;
  headers?: Record<string, string>;
  /** Makes the body afresh for each attempt (retries, re-authentication). */
  body?: () => Buffer | Readable;
  /** Statuses handed back to the caller; others become errors. */
  ok: readonly number[];
  /** What is asked for, in messages: `manifest docker.io/library/busybox:latest`. */
  what: string;
  /** The token scope's actions (default `pull`). */
  actions?: 'pull' | 'pull,push';
  /** Another repository the token must cover for pulling (cross-repository mount). */
  alsoPull?: string;
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const MAX_REDIRECTS = 5;

/**
 * An OCI distribution-spec client: manifests by tag or digest (OCI and Docker schema 2 types),
 * blobs with Range resume, uploads ({@link send}, used by push). Each registry's hosts come from
 * its hosts.toml (mirrors tried in order, then the server; only hosts with the capability the
 * request needs; Docker Hub's server is registry-1.docker.io). Redirects are followed with
 * credentials dropped when the origin changes; anonymous / basic / bearer-token auth from the
 * `WWW-Authenticate` challenge; retries with back-off on 5xx, 429 and dropped connections (on
 * the last host only: a failing mirror falls over to the next at once). HTTPS, except plain HTTP
 * for loopback hosts, `insecureRegistries` and `http://` hosts in hosts.toml.
 */
export class RegistryClient {
  readonly #opts: Required<
    Omit<RegistryClientOptions, 'onRetry' | 'credentials' | 'registryConfigDir' | 'lookup'>
  > & {
    onRetry: RegistryClientOptions['onRetry'] | undefined;
    credentials: CredentialLookup | undefined;
    registryConfigDir: string | undefined;
  };
  readonly #auth: TokenCache;
  readonly #hosts = new Map<string, Promise<RegistryHost[]>>();
  readonly #conn: Connections;

  constructor(opts: RegistryClientOptions = {}) {
    this.#opts = {
      insecureRegistries: opts.insecureRegistries ?? [],
      registryConfigDir: opts.registryConfigDir,
      retries: opts.retries ?? 4,
      retryBaseMs: opts.retryBaseMs ?? 250,
      headersTimeoutMs: opts.headersTimeoutMs ?? 30_000,
      bodyTimeoutMs: opts.bodyTimeoutMs ?? 30_000,
      maxManifestBytes: opts.maxManifestBytes ?? 4 * 1024 * 1024,
      onRetry: opts.onRetry,
      credentials: opts.credentials,
    };
    this.#conn = new Connections({
      headersTimeoutMs: this.#opts.headersTimeoutMs,
      bodyTimeoutMs: this.#opts.bodyTimeoutMs,
      ...(opts.lookup ? { lookup: opts.lookup } : {}),
    });
    this.#auth = new TokenCache({
      credentials: (host) => this.#opts.credentials?.(host),
      get: (url, headers, signal) =>
        this.#conn.request(new URL(url), { method: 'GET', headers }, undefined, signal),
      isPlainHttp: (host) => this.isPlainHttp(host),
      retries: () => this.#opts.retries,
      backoff: (what, attempt, reason, signal) => this.#backoff(what, attempt, reason, signal),
      statusError: (status, host, repo, what, detail) => this.#statusError(status, host, repo, what, detail),
    });
  }

  /** Closes the keep-alive connections so a short-lived process can exit at once; not usable afterwards. */
  async close(): Promise<void> {
    this.#conn.close();
  }

  /** True when `host` is reached over plain HTTP by default (loopback, or listed as insecure). */
  isPlainHttp(host: string): boolean {
    return isPlainHttpHost(host, this.#opts.insecureRegistries);
  }

  /** `http(s)://host` of a registry's own server (Docker Hub's is registry-1.docker.io). */
  baseUrl(domain: string): string {
    return defaultServer(domain, this.#opts.insecureRegistries);
  }

  /** The hosts tried for `domain`, in order (read once per client from its hosts.toml). */
  hosts(domain: string): Promise<RegistryHost[]> {
    let p = this.#hosts.get(domain);
    if (!p) {
      const o: Parameters<typeof resolveRegistryHosts>[1] = {
        insecureRegistries: this.#opts.insecureRegistries,
      };
      if (this.#opts.registryConfigDir !== undefined) o.configDir = this.#opts.registryConfigDir;
      p = resolveRegistryHosts(domain, o);
      this.#hosts.set(domain, p);
    }
    return p;
  }

  get retries(): number {
    return this.#opts.retries;
  }

  /** Public for pull's resume loop: waits the back-off for a body error. */
  async backoff(what: string, attempt: number, reason: string, signal?: AbortSignal): Promise<void> {
    await this.#backoff(what, attempt, reason, signal);
  }

  /**
   * Fetches a manifest or index by tag (hosts with `resolve`) or digest (hosts with `pull`).
   * Verifies the bytes: against the digest asked for, else against `Docker-Content-Digest`.
   * Throws `NotFound`, `PermissionDenied` (auth), `Unavailable` (unreachable after retries),
   * DigestMismatchError (`DataLoss`), `ResourceExhausted` (too large); with several hosts, one
   * error listing each host's.
   */
  async getManifest(
    domain: string,
    repo: string,
    tagOrDigest: string,
    opts: { signal?: AbortSignal } = {},
  ): Promise<FetchedManifest> {
    const what = `manifest ${domain}/${repo}${isDigest(tagOrDigest) ? '@' : ':'}${tagOrDigest}`;
    const cap: HostCapability = isDigest(tagOrDigest) ? 'pull' : 'resolve';
    const req: RegistryRequest = {
      method: 'GET',
      path: `manifests/${tagOrDigest}`,
      headers: { accept: MANIFEST_ACCEPT },
      ok: [200],
      what,
    };
    return this.#eachHost(domain, cap, what, async (host, retries) => {
      for (let attempt = 0; ; attempt++) {
        const res = await this.sendTo(host, domain, repo, req, opts.signal, retries);
        try {
          return this.#readManifest(res, tagOrDigest, what);
        } catch (e) {
          if (!isTransientError(e) || attempt >= retries) {
            throw e instanceof RuntimeError ? e : this.#networkError(e, domain, host, what);
          }
          await this.#backoff(what, attempt, describeNetworkError(e), opts.signal);
        }
      }
    });
  }

  async #readManifest(res: HttpResponse, tagOrDigest: string, what: string): Promise<FetchedManifest> {
    const max = this.#opts.maxManifestBytes;
    const len = Number(res.headers['content-length']);
    if (Number.isFinite(len) && len > max) {
      res.body.destroy();
      throw new RuntimeError('ResourceExhausted', `${what} is ${len} bytes, more than ${max}`);
    }
    const bytes = await readBounded(res.body, max, what);
    const mediaType = String(res.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    const header = res.headers['docker-content-digest'];
    const expected = isDigest(tagOrDigest) ? tagOrDigest : isDigest(header) ? header : undefined;
    const h = hasherFor(expected ?? ('sha256:' as Digest));
    h.update(bytes);
    const actual = h.digest();
    if (expected && actual !== expected) {
      throw new DigestMismatchError(what, { expected, actual, actualSize: bytes.length });
    }
    const digest = expected && digestAlgorithm(expected) !== 'sha256' ? expected : actual;
    return { bytes, digest: digest as Digest, mediaType };
  }

  /**
   * Opens blob `digest` from the first host with `pull` that has it, from byte `offset` when > 0
   * (Range request; a server that ignores it answers from 0 and `start` says so). The caller
   * reads and verifies the body; errors while reading it are transient and resumable.
   */
  async openBlob(
    domain: string,
    repo: string,
    digest: Digest,
    opts: { offset?: number; signal?: AbortSignal } = {},
  ): Promise<BlobStream> {
    const offset = opts.offset ?? 0;
    const what = `blob ${digest}`;
    return this.#eachHost(domain, 'pull', `${what} of ${domain}/${repo}`, async (host, retries) => {
      const req: RegistryRequest = { method: 'GET', path: `blobs/${digest}`, ok: [200], what };
      let res = await this.sendTo(
        host,
        domain,
        repo,
        offset > 0 ? { ...req, headers: { range: `bytes=${offset}-` }, ok: [200, 206, 416] } : req,
        opts.signal,
        retries,
      );
      if (res.statusCode === 416) {
        // The partial is as long as (or longer than) the blob: start again from byte 0.
        await discard(res.body);
        res = await this.sendTo(host, domain, repo, req, opts.signal, retries);
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
            `Registry ${host.host} answered blob ${digest} from byte ${start}, not ${offset}`,
          );
        }
      } else {
        const len = Number(res.headers['content-length']);
        if (Number.isFinite(len)) total = len;
      }
      const out: BlobStream = { start, body: res.body };
      if (total !== undefined) out.total = total;
      return out;
    });
  }

  /**
   * Sends `req` to the hosts of `domain` that have `cap`, in order, until one answers with a
   * status in `req.ok`; returns that response (the caller consumes its body) and the host.
   */
  async send(
    domain: string,
    repo: string,
    cap: HostCapability,
    req: RegistryRequest,
    signal?: AbortSignal,
  ): Promise<{ res: HttpResponse; host: RegistryHost }> {
    return this.#eachHost(domain, cap, req.what, async (host, retries) => ({
      res: await this.sendTo(host, domain, repo, req, signal, retries),
      host,
    }));
  }

  async #eachHost<T>(
    domain: string,
    cap: HostCapability,
    what: string,
    fn: (host: RegistryHost, retries: number) => Promise<T>,
  ): Promise<T> {
    const all = await this.hosts(domain);
    const hosts = all.filter((h) => h.capabilities.has(cap));
    if (hosts.length === 0) {
      throw new RuntimeError('FailedPrecondition', `No host of registry ${domain} may ${cap} (${what})`, {
        hint: `give the server or a host capabilities = ["${cap}"] in ${all[0]?.source ?? 'its hosts.toml'}`,
      });
    }
    const failures: { host: RegistryHost; error: unknown }[] = [];
    for (const [i, host] of hosts.entries()) {
      const last = i === hosts.length - 1;
      try {
        return await fn(host, last ? this.#opts.retries : 0);
      } catch (e) {
        if ((e as Error)?.name === 'AbortError') throw e;
        failures.push({ host, error: e });
      }
    }
    throw allHostsFailed(what, failures);
  }

  /** Sends one request to one host: auth, redirects (GET/HEAD), retries. */
  async sendTo(
    host: RegistryHost,
    domain: string,
    repo: string,
    req: RegistryRequest,
    signal: AbortSignal | undefined,
    retries = this.#opts.retries,
  ): Promise<HttpResponse> {
    const start = /^https?:\/\//.test(req.path)
      ? new URL(req.path)
      : new URL(`${host.api}/${repo}/${req.path}`);
    if (host.mirror && !/^https?:\/\//.test(req.path)) start.searchParams.set('ns', domain);
    const origin = new URL(host.api).origin;
    const scope = {
      repo,
      actions: req.actions ?? 'pull',
      ...(req.alsoPull ? { alsoPull: req.alsoPull } : {}),
    };
    let authTried = false;
    for (let attempt = 0; ; ) {
      let url = start;
      let res!: HttpResponse;
      try {
        for (let hop = 0; ; hop++) {
          const h: Record<string, string> = { ...req.headers, 'user-agent': 'hostpod' };
          for (const [k, v] of Object.entries(host.headers)) h[k] = v.join(', ');
          const authz = this.#auth.authorization(origin, scope);
          if (authz && url.origin === origin) h.authorization = authz;
          res = await this.#conn.request(
            url,
            { method: req.method, headers: h, ...(req.body ? { body: req.body() } : {}) },
            host,
            signal,
          );
          const loc = res.headers.location;
          const redirect = [301, 302, 303, 307, 308].includes(res.statusCode) && typeof loc === 'string';
          if (!redirect || (req.method !== 'GET' && req.method !== 'HEAD')) break;
          await discard(res.body);
          if (hop >= MAX_REDIRECTS) {
            throw new RuntimeError(
              'Unavailable',
              `Too many redirects fetching ${req.what} from ${host.host}`,
            );
          }
          const next = new URL(loc, url);
          if (next.protocol === 'http:' && url.protocol === 'https:' && !isLoopbackHost(next.host)) {
            throw new RuntimeError(
              'PermissionDenied',
              `Registry ${host.host} redirected ${req.what} from HTTPS to plain HTTP (${next.host}); refused`,
            );
          }
          url = next;
        }
      } catch (e) {
        if (e instanceof RuntimeError || !isTransientError(e) || attempt >= retries) {
          throw this.#networkError(e, domain, host, req.what);
        }
        await this.#backoff(req.what, attempt++, describeNetworkError(e), signal);
        continue;
      }
      const status = res.statusCode;
      if (req.ok.includes(status)) return res;
      const body =
        req.method === 'HEAD'
          ? Buffer.alloc(0)
          : await readBounded(res.body, 64 * 1024, req.what).catch(() => Buffer.alloc(0));
      if (status === 401 && !authTried) {
        authTried = true;
        await this.#auth.authenticate(host, origin, scope, res.headers['www-authenticate'], req.what, signal);
        continue;
      }
      if (RETRY_STATUS.has(status) && attempt < retries) {
        const ra = Number(res.headers['retry-after']);
        await this.#backoff(
          req.what,
          attempt++,
          `HTTP ${status}`,
          signal,
          Number.isFinite(ra) ? ra : undefined,
        );
        continue;
      }
      throw this.#statusError(status, host, repo, req.what, errorText(body), retries + 1);
    }
  }

  async #backoff(what: string, attempt: number, reason: string, signal?: AbortSignal, retryAfterS?: number) {
    const exp = this.#opts.retryBaseMs * 2 ** attempt;
    let delayMs = Math.round(exp / 2 + Math.random() * (exp / 2));
    if (retryAfterS !== undefined && Number.isFinite(retryAfterS))
      delayMs = Math.min(Math.max(delayMs, retryAfterS * 1000), 10_000);
    this.#opts.onRetry?.({ what, attempt: attempt + 1, delayMs, reason });
    await sleep(delayMs, signal);
  }

  #networkError(e: unknown, domain: string, host: RegistryHost, what: string): unknown {
    if (e instanceof RuntimeError) return e;
    if ((e as Error)?.name === 'AbortError') return e;
    const reason = describeNetworkError(e);
    return new HostRequestError(
      'Unavailable',
      `Cannot fetch ${what} from registry ${host.host}: ${reason}`,
      reason,
      host,
      {
        cause: e,
        hint: networkFailureHint(domain, host, e, this.#opts.registryConfigDir),
      },
    );
  }

  #statusError(
    status: number,
    host: RegistryHost,
    repo: string,
    what: string,
    detail: string,
    attempts = 1,
  ): RuntimeError {
    const why = detail ? `: ${detail}` : '';
    const reason = `HTTP ${status}${why}`;
    const h = host.host;
    if (status === 404) {
      return new HostRequestError('NotFound', `Registry ${h} has no ${what} (${reason})`, reason, host, {
        hint: `check the repository name "${repo}" and the tag or digest`,
      });
    }
    if (status === 401 || status === 403) {
      const creds = this.#opts.credentials?.(h);
      return new HostRequestError(
        'PermissionDenied',
        `Registry ${h} refused access to ${what} (${reason})`,
        reason,
        host,
        {
          hint: creds
            ? `the credentials for ${h} in the Docker config were refused; check auths["${h}"]`
            : `log in: add auths["${h}"] to $DOCKER_CONFIG/config.json (or ~/.docker/config.json)`,
        },
      );
    }
    if (status === 429 || status >= 500) {
      return new HostRequestError(
        'Unavailable',
        `Registry ${h} failed ${what} (${reason})${attempts > 1 ? ` after ${attempts} attempts` : ''}`,
        reason,
        host,
        { hint: 'the registry is unhealthy or rate-limiting; try again later' },
      );
    }
    return new HostRequestError('Internal', `Registry ${h} answered ${what} with ${reason}`, reason, host);
  }
}
