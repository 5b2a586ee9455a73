import type { Readable } from 'node:stream';
import { RuntimeError } from '../../errors.ts';
import type { RegistryHost } from './hosts.ts';
import { describeNetworkError, errorText, isTransientError, readBounded } from './http.ts';

/** A parsed `WWW-Authenticate` challenge. */
export interface Challenge {
  scheme: 'basic' | 'bearer' | string;
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header (RFC 7235; the first challenge is used):
 * `Bearer realm="https://auth/token",service="reg",scope="repository:a/b:pull"`.
 * Returns undefined for an empty or unparsable header.
 */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z][A-Za-z0-9._-]*)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy;
  const rest = m[2] ?? '';
  let p: RegExpExecArray | null = re.exec(rest);
  while (p !== null) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
    if (re.lastIndex >= rest.length) break;
    p = re.exec(rest);
  }
  return { scheme: m[1]!.toLowerCase(), params };
}

/** The `Authorization` value for basic auth. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** What a token must allow: actions on a repository, and pulling from another (mounts). */
export interface TokenScope {
  repo: string;
  actions: 'pull' | 'pull,push';
  alsoPull?: string;
}

/** What {@link TokenCache} needs from its client. */
export interface TokenCacheDeps {
  credentials: (host: string) => { username: string; password: string } | undefined;
  get: (
    url: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ) => Promise<{
    statusCode: number;
    headers: Record<string, string | string[] | undefined>;
    body: Readable;
  }>;
  isPlainHttp: (host: string) => boolean;
  retries: () => number;
  backoff: (what: string, attempt: number, reason: string, signal: AbortSignal | undefined) => Promise<void>;
  statusError: (status: number, host: RegistryHost, repo: string, what: string, detail: string) => Error;
}

const RETRY_TOKEN = new Set([408, 429, 500, 502, 503, 504]);

function scopeKey(origin: string, s: TokenScope): string {
  return `${origin} ${s.repo} ${s.actions} ${s.alsoPull ?? ''}`;
}

/**
 * Answers registries' 401 challenges and remembers the answer: `Basic` credentials per origin
 * (from the Docker config, looked up by the host that challenged), `Bearer` tokens per origin
 * and scope (a push token also serves pulls of the same repository). A token realm over plain
 * HTTP is refused unless loopback or insecure. Errors: `PermissionDenied` (no or refused
 * credentials, no token), `Unavailable` (token service unreachable after retries).
 */
export class TokenCache {
  readonly #deps: TokenCacheDeps;
  readonly #basic = new Map<string, string>();
  readonly #bearer = new Map<string, string>();

  constructor(deps: TokenCacheDeps) {
    this.#deps = deps;
  }

  /** The Authorization header known for requests to `origin` within `scope`, if any. */
  authorization(origin: string, scope: TokenScope): string | undefined {
    const basic = this.#basic.get(origin);
    if (basic) return basic;
    return (
      this.#bearer.get(scopeKey(origin, scope)) ??
      (scope.actions === 'pull' && !scope.alsoPull
        ? this.#bearer.get(scopeKey(origin, { ...scope, actions: 'pull,push' }))
        : undefined)
    );
  }

  /** Answers the challenge `header` of `host` for `scope`; afterwards {@link authorization} has it. */
  async authenticate(
    host: RegistryHost,
    origin: string,
    scope: TokenScope,
    header: string | string[] | undefined,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const d = this.#deps;
    const challenge = parseChallenge(Array.isArray(header) ? header[0] : header);
    const creds = d.credentials(host.host);
    if (challenge?.scheme === 'basic') {
      if (!creds) throw d.statusError(401, host, scope.repo, what, 'basic authentication required');
      this.#basic.set(origin, basicAuthorization(creds.username, creds.password));
      return;
    }
    if (challenge?.scheme !== 'bearer' || !challenge.params.realm) {
      throw d.statusError(
        401,
        host,
        scope.repo,
        what,
        'the registry sent no usable authentication challenge',
      );
    }
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm);
    } catch {
      throw new RuntimeError(
        'PermissionDenied',
        `Registry ${host.host} sent an invalid token realm ${JSON.stringify(challenge.params.realm)}`,
      );
    }
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && d.isPlainHttp(realm.host))) {
      throw new RuntimeError(
        'PermissionDenied',
        `Registry ${host.host} asks for a token from ${realm.origin} over plain HTTP; refused`,
        { hint: `pass --insecure-registry ${realm.host} if that is intended` },
      );
    }
    if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
    const scopes = [`repository:${scope.repo}:${scope.actions}`];
    if (scope.alsoPull) scopes.push(`repository:${scope.alsoPull}:pull`);
    const asked = challenge.params.scope;
    if (asked && !scopes.includes(asked) && asked !== `repository:${scope.repo}:pull`) scopes.push(asked);
    for (const s of scopes) realm.searchParams.append('scope', s);
    const headers: Record<string, string> = { 'user-agent': 'hostpod' };
    if (creds) headers.authorization = basicAuthorization(creds.username, creds.password);
    const tokenWhat = `token from ${realm.origin}`;
    let res: Awaited<ReturnType<TokenCacheDeps['get']>>;
    for (let attempt = 0; ; attempt++) {
      try {
        res = await d.get(realm.href, headers, signal);
        if (RETRY_TOKEN.has(res.statusCode) && attempt < d.retries()) {
          res.body.resume();
          await d.backoff(tokenWhat, attempt, `HTTP ${res.statusCode}`, signal);
          continue;
        }
        break;
      } catch (e) {
        if (!isTransientError(e) || attempt >= d.retries()) {
          throw new RuntimeError(
            'Unavailable',
            `Cannot get a token for ${what} from ${realm.origin}: ${describeNetworkError(e)}`,
            { cause: e },
          );
        }
        await d.backoff(tokenWhat, attempt, describeNetworkError(e), signal);
      }
    }
    const body = await readBounded(res.body, 1024 * 1024, 'token response');
    if (res.statusCode !== 200) {
      const detail = errorText(body);
      throw new RuntimeError(
        'PermissionDenied',
        `Token service ${realm.origin} refused a token for ${what} (HTTP ${res.statusCode}${detail ? `: ${detail}` : ''})`,
        {
          hint: creds
            ? `the credentials for ${host.host} in the Docker config were refused`
            : `the repository may need credentials: add auths["${host.host}"] to $DOCKER_CONFIG/config.json`,
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
    this.#bearer.set(scopeKey(origin, scope), `Bearer ${token}`);
  }
}
