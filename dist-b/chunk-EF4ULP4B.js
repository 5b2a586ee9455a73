import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  defaultServer,
  isPlainHttpHost,
  resolveRegistryHosts
} from "./chunk-EWJ2BNDP.js";
import {
  sleep
} from "./chunk-EY5AGAN5.js";
import {
  describeNetworkError,
  discard,
  errorText,
  httpRequest,
  isTransientError,
  readBounded
} from "./chunk-H6JRZREJ.js";
import {
  DigestMismatchError,
  MANIFEST_ACCEPT,
  digestAlgorithm,
  hasherFor,
  isDigest,
  isLoopbackHost
} from "./chunk-4PE76O5T.js";
import {
  RuntimeError,
  errnoCode
} from "./chunk-4ZL3ZTLI.js";

// src/image/registry/auth.ts
function parseChallenge(header) {
  if (!header) return void 0;
  const m = /^\s*([A-Za-z][A-Za-z0-9._-]*)\s*(.*)$/s.exec(header);
  if (!m) return void 0;
  const params = {};
  const re = /([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy;
  const rest = m[2] ?? "";
  let p = re.exec(rest);
  while (p !== null) {
    params[p[1].toLowerCase()] = p[2] !== void 0 ? p[2].replace(/\\(.)/g, "$1") : p[3] ?? "";
    if (re.lastIndex >= rest.length) break;
    p = re.exec(rest);
  }
  return { scheme: m[1].toLowerCase(), params };
}
function basicAuthorization(username, password) {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}
var RETRY_TOKEN = /* @__PURE__ */ new Set([408, 429, 500, 502, 503, 504]);
function scopeKey(origin, s) {
  return `${origin} ${s.repo} ${s.actions} ${s.alsoPull ?? ""}`;
}
var TokenCache = class {
  #deps;
  #basic = /* @__PURE__ */ new Map();
  #bearer = /* @__PURE__ */ new Map();
  constructor(deps) {
    this.#deps = deps;
  }
  /** The Authorization header known for requests to `origin` within `scope`, if any. */
  authorization(origin, scope) {
    const basic = this.#basic.get(origin);
    if (basic) return basic;
    return this.#bearer.get(scopeKey(origin, scope)) ?? (scope.actions === "pull" && !scope.alsoPull ? this.#bearer.get(scopeKey(origin, { ...scope, actions: "pull,push" })) : void 0);
  }
  /** Answers the challenge `header` of `host` for `scope`; afterwards {@link authorization} has it. */
  async authenticate(host, origin, scope, header, what, signal) {
    const d = this.#deps;
    const challenge = parseChallenge(Array.isArray(header) ? header[0] : header);
    const creds = d.credentials(host.host);
    if (challenge?.scheme === "basic") {
      if (!creds) throw d.statusError(401, host, scope.repo, what, "basic authentication required");
      this.#basic.set(origin, basicAuthorization(creds.username, creds.password));
      return;
    }
    if (challenge?.scheme !== "bearer" || !challenge.params.realm) {
      throw d.statusError(
        401,
        host,
        scope.repo,
        what,
        "the registry sent no usable authentication challenge"
      );
    }
    let realm;
    try {
      realm = new URL(challenge.params.realm);
    } catch {
      throw new RuntimeError(
        "PermissionDenied",
        `Registry ${host.host} sent an invalid token realm ${JSON.stringify(challenge.params.realm)}`
      );
    }
    if (realm.protocol !== "https:" && !(realm.protocol === "http:" && d.isPlainHttp(realm.host))) {
      throw new RuntimeError(
        "PermissionDenied",
        `Registry ${host.host} asks for a token from ${realm.origin} over plain HTTP; refused`,
        { hint: `pass --insecure-registry ${realm.host} if that is intended` }
      );
    }
    if (challenge.params.service) realm.searchParams.set("service", challenge.params.service);
    const scopes = [`repository:${scope.repo}:${scope.actions}`];
    if (scope.alsoPull) scopes.push(`repository:${scope.alsoPull}:pull`);
    const asked = challenge.params.scope;
    if (asked && !scopes.includes(asked) && asked !== `repository:${scope.repo}:pull`) scopes.push(asked);
    for (const s of scopes) realm.searchParams.append("scope", s);
    const headers = { "user-agent": "hostpod" };
    if (creds) headers.authorization = basicAuthorization(creds.username, creds.password);
    const tokenWhat = `token from ${realm.origin}`;
    let res;
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
            "Unavailable",
            `Cannot get a token for ${what} from ${realm.origin}: ${describeNetworkError(e)}`,
            { cause: e }
          );
        }
        await d.backoff(tokenWhat, attempt, describeNetworkError(e), signal);
      }
    }
    const body = await readBounded(res.body, 1024 * 1024, "token response");
    if (res.statusCode !== 200) {
      const detail = errorText(body);
      throw new RuntimeError(
        "PermissionDenied",
        `Token service ${realm.origin} refused a token for ${what} (HTTP ${res.statusCode}${detail ? `: ${detail}` : ""})`,
        {
          hint: creds ? `the credentials for ${host.host} in the Docker config were refused` : `the repository may need credentials: add auths["${host.host}"] to $DOCKER_CONFIG/config.json`
        }
      );
    }
    let token;
    try {
      const j = JSON.parse(body.toString("utf8"));
      token = j.token ?? j.access_token;
    } catch {
      token = void 0;
    }
    if (typeof token !== "string" || token === "") {
      throw new RuntimeError("PermissionDenied", `Token service ${realm.origin} sent no token for ${what}`);
    }
    this.#bearer.set(scopeKey(origin, scope), `Bearer ${token}`);
  }
};

// src/image/registry/connections.ts
import http from "node:http";
var Connections = class {
  #opts;
  #http = new http.Agent({ keepAlive: true, timeout: 4e3 });
  #https;
  #defaultTls;
  #tlsAgents = /* @__PURE__ */ new Map();
  constructor(opts) {
    this.#opts = opts;
  }
  /** Sends one request (no redirects, no retries) on the pool `url` and `host` call for. */
  async request(url, r, host, signal) {
    return httpRequest(url, {
      ...r,
      transport: await this.#transport(url, host),
      headersTimeoutMs: this.#opts.headersTimeoutMs,
      bodyTimeoutMs: this.#opts.bodyTimeoutMs,
      ...this.#opts.lookup ? { lookup: this.#opts.lookup } : {},
      ...host?.dialTimeoutMs !== void 0 ? { dialTimeoutMs: host.dialTimeoutMs } : {},
      signal
    });
  }
  /** Ends every connection, so a short-lived process can exit at once. */
  close() {
    this.#http.destroy();
    this.#defaultTls?.destroy();
    for (const a of this.#tlsAgents.values()) a.destroy();
  }
  async #transport(url, host) {
    if (url.protocol !== "https:") return { mod: http, agent: this.#http };
    this.#https ??= await import("node:https");
    const https = this.#https;
    const tls = host?.tls;
    const custom = tls && (tls.ca || tls.certs || tls.skipVerify) && url.origin === new URL(host.api).origin;
    if (!custom) {
      this.#defaultTls ??= new https.Agent({ keepAlive: true, timeout: 4e3 });
      return { mod: https, agent: this.#defaultTls };
    }
    let agent = this.#tlsAgents.get(host);
    if (!agent) {
      const { rootCertificates } = await import("node:tls");
      const o = { keepAlive: true, timeout: 4e3 };
      if (tls.ca) o.ca = [...rootCertificates, ...tls.ca.map((b) => b.toString("utf8"))];
      const pair = tls.certs?.[0];
      if (pair) {
        o.cert = pair.cert;
        o.key = pair.key;
      }
      if (tls.skipVerify) o.rejectUnauthorized = false;
      agent = new https.Agent(o);
      this.#tlsAgents.set(host, agent);
    }
    return { mod: https, agent };
  }
};

// src/image/registry/failures.ts
var HostRequestError = class extends RuntimeError {
  reason;
  host;
  constructor(code, message, reason, host, opts = {}) {
    super(code, message, opts);
    this.reason = reason;
    this.host = host;
  }
};
var DNS = ["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME", "EAI_NODATA"];
var CERT = [
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "ERR_TLS_CERT_ALTNAME_INVALID"
];
function codeOf(e) {
  for (let x = e, i = 0; x instanceof Error && i < 4; x = x.cause, i++) {
    const c = errnoCode(x);
    if (c) return c;
  }
  return "";
}
function hostsTomlPath(configDir, domain) {
  return `${configDir ?? "/etc/hostpod/certs.d"}/${domain}/hosts.toml`;
}
function networkFailureHint(domain, host, e, configDir) {
  const code = codeOf(e);
  const msg = describeNetworkError(e);
  const https = host.api.startsWith("https:");
  const toml = hostsTomlPath(configDir, domain);
  if (DNS.includes(code)) {
    return `the name ${host.host.replace(/:\d+$/, "")} does not resolve: check this machine's DNS and network access; a host without access to ${domain} can use a mirror in ${toml}`;
  }
  if (code === "ECONNREFUSED")
    return `nothing accepts connections at ${host.host}: check that the registry there is running`;
  if (https && (code === "EPROTO" || /wrong version number|packet length too long|http request/i.test(msg))) {
    return `${host.host} does not speak HTTPS: for a plain-HTTP registry pass --insecure-registry ${host.host}, or set server = "http://${host.host}" in ${toml}`;
  }
  if (CERT.includes(code) || /certificate/i.test(msg)) {
    return `the TLS certificate of ${host.host} is not trusted (${code || "certificate error"}): name its CA with ca = "/path/ca.pem" in ${toml} (or set NODE_EXTRA_CA_CERTS)`;
  }
  if (code === "ETIMEDOUT" || /timeout/i.test(msg)) {
    return `${host.host} did not answer in time: check the network path to it (a firewall dropping packets?)${host.mirror ? "; dial_timeout in hosts.toml makes a dead mirror fail over sooner" : ""}`;
  }
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH")
    return `no route to ${host.host}: check this machine's network`;
  return `check that ${host.host} is reachable${https ? " over HTTPS" : ""}`;
}
function label(h) {
  const origin = new URL(h.api).origin;
  return h.mirror ? `${origin} (mirror, ${h.source ?? "hosts.toml"})` : origin;
}
function allHostsFailed(what, failures) {
  if (failures.length === 1) return failures[0].error;
  const lines = failures.map(({ host, error }) => {
    const reason = error instanceof HostRequestError ? error.reason : error instanceof Error ? error.message : String(error);
    return `  ${label(host)}: ${reason}`;
  });
  const codes = failures.map((f) => f.error instanceof RuntimeError ? f.error.code : "Unavailable");
  const hints = [
    ...new Set(
      failures.flatMap((f) => f.error instanceof RuntimeError && f.error.hint ? [f.error.hint] : [])
    )
  ];
  const opts = { cause: failures[failures.length - 1].error };
  if (hints.length > 0) opts.hint = hints.join("; ");
  return new RuntimeError(
    codes[codes.length - 1],
    `Cannot get ${what}: every registry host failed:
${lines.join("\n")}`,
    opts
  );
}

// src/image/registry/client.ts
var RETRY_STATUS = /* @__PURE__ */ new Set([408, 429, 500, 502, 503, 504]);
var MAX_REDIRECTS = 5;
var RegistryClient = class {
  #opts;
  #auth;
  #hosts = /* @__PURE__ */ new Map();
  #conn;
  constructor(opts = {}) {
    this.#opts = {
      insecureRegistries: opts.insecureRegistries ?? [],
      registryConfigDir: opts.registryConfigDir,
      retries: opts.retries ?? 4,
      retryBaseMs: opts.retryBaseMs ?? 250,
      headersTimeoutMs: opts.headersTimeoutMs ?? 3e4,
      bodyTimeoutMs: opts.bodyTimeoutMs ?? 3e4,
      maxManifestBytes: opts.maxManifestBytes ?? 4 * 1024 * 1024,
      onRetry: opts.onRetry,
      credentials: opts.credentials
    };
    this.#conn = new Connections({
      headersTimeoutMs: this.#opts.headersTimeoutMs,
      bodyTimeoutMs: this.#opts.bodyTimeoutMs,
      ...opts.lookup ? { lookup: opts.lookup } : {}
    });
    this.#auth = new TokenCache({
      credentials: (host) => this.#opts.credentials?.(host),
      get: (url, headers, signal) => this.#conn.request(new URL(url), { method: "GET", headers }, void 0, signal),
      isPlainHttp: (host) => this.isPlainHttp(host),
      retries: () => this.#opts.retries,
      backoff: (what, attempt, reason, signal) => this.#backoff(what, attempt, reason, signal),
      statusError: (status, host, repo, what, detail) => this.#statusError(status, host, repo, what, detail)
    });
  }
  /** Closes the keep-alive connections so a short-lived process can exit at once; not usable afterwards. */
  async close() {
    this.#conn.close();
  }
  /** True when `host` is reached over plain HTTP by default (loopback, or listed as insecure). */
  isPlainHttp(host) {
    return isPlainHttpHost(host, this.#opts.insecureRegistries);
  }
  /** `http(s)://host` of a registry's own server (Docker Hub's is registry-1.docker.io). */
  baseUrl(domain) {
    return defaultServer(domain, this.#opts.insecureRegistries);
  }
  /** The hosts tried for `domain`, in order (read once per client from its hosts.toml). */
  hosts(domain) {
    let p = this.#hosts.get(domain);
    if (!p) {
      const o = {
        insecureRegistries: this.#opts.insecureRegistries
      };
      if (this.#opts.registryConfigDir !== void 0) o.configDir = this.#opts.registryConfigDir;
      p = resolveRegistryHosts(domain, o);
      this.#hosts.set(domain, p);
    }
    return p;
  }
  get retries() {
    return this.#opts.retries;
  }
  /** Public for pull's resume loop: waits the back-off for a body error. */
  async backoff(what, attempt, reason, signal) {
    await this.#backoff(what, attempt, reason, signal);
  }
  /**
   * Fetches a manifest or index by tag (hosts with `resolve`) or digest (hosts with `pull`).
   * Verifies the bytes: against the digest asked for, else against `Docker-Content-Digest`.
   * Throws `NotFound`, `PermissionDenied` (auth), `Unavailable` (unreachable after retries),
   * DigestMismatchError (`DataLoss`), `ResourceExhausted` (too large); with several hosts, one
   * error listing each host's.
   */
  async getManifest(domain, repo, tagOrDigest, opts = {}) {
    const what = `manifest ${domain}/${repo}${isDigest(tagOrDigest) ? "@" : ":"}${tagOrDigest}`;
    const cap = isDigest(tagOrDigest) ? "pull" : "resolve";
    const req = {
      method: "GET",
      path: `manifests/${tagOrDigest}`,
      headers: { accept: MANIFEST_ACCEPT },
      ok: [200],
      what
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
  async #readManifest(res, tagOrDigest, what) {
    const max = this.#opts.maxManifestBytes;
    const len = Number(res.headers["content-length"]);
    if (Number.isFinite(len) && len > max) {
      res.body.destroy();
      throw new RuntimeError("ResourceExhausted", `${what} is ${len} bytes, more than ${max}`);
    }
    const bytes = await readBounded(res.body, max, what);
    const mediaType = String(res.headers["content-type"] ?? "").split(";")[0].trim();
    const header = res.headers["docker-content-digest"];
    const expected = isDigest(tagOrDigest) ? tagOrDigest : isDigest(header) ? header : void 0;
    const h = hasherFor(expected ?? "sha256:");
    h.update(bytes);
    const actual = h.digest();
    if (expected && actual !== expected) {
      throw new DigestMismatchError(what, { expected, actual, actualSize: bytes.length });
    }
    const digest = expected && digestAlgorithm(expected) !== "sha256" ? expected : actual;
    return { bytes, digest, mediaType };
  }
  /**
   * Opens blob `digest` from the first host with `pull` that has it, from byte `offset` when > 0
   * (Range request; a server that ignores it answers from 0 and `start` says so). The caller
   * reads and verifies the body; errors while reading it are transient and resumable.
   */
  async openBlob(domain, repo, digest, opts = {}) {
    const offset = opts.offset ?? 0;
    const what = `blob ${digest}`;
    return this.#eachHost(domain, "pull", `${what} of ${domain}/${repo}`, async (host, retries) => {
      const req = { method: "GET", path: `blobs/${digest}`, ok: [200], what };
      let res = await this.sendTo(
        host,
        domain,
        repo,
        offset > 0 ? { ...req, headers: { range: `bytes=${offset}-` }, ok: [200, 206, 416] } : req,
        opts.signal,
        retries
      );
      if (res.statusCode === 416) {
        await discard(res.body);
        res = await this.sendTo(host, domain, repo, req, opts.signal, retries);
      }
      let start = 0;
      let total;
      if (res.statusCode === 206) {
        const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(res.headers["content-range"] ?? ""));
        start = m ? Number(m[1]) : offset;
        if (m && m[3] !== "*") total = Number(m[3]);
        if (start !== offset) {
          res.body.destroy();
          throw new RuntimeError(
            "Unavailable",
            `Registry ${host.host} answered blob ${digest} from byte ${start}, not ${offset}`
          );
        }
      } else {
        const len = Number(res.headers["content-length"]);
        if (Number.isFinite(len)) total = len;
      }
      const out = { start, body: res.body };
      if (total !== void 0) out.total = total;
      return out;
    });
  }
  /**
   * Sends `req` to the hosts of `domain` that have `cap`, in order, until one answers with a
   * status in `req.ok`; returns that response (the caller consumes its body) and the host.
   */
  async send(domain, repo, cap, req, signal) {
    return this.#eachHost(domain, cap, req.what, async (host, retries) => ({
      res: await this.sendTo(host, domain, repo, req, signal, retries),
      host
    }));
  }
  async #eachHost(domain, cap, what, fn) {
    const all = await this.hosts(domain);
    const hosts = all.filter((h) => h.capabilities.has(cap));
    if (hosts.length === 0) {
      throw new RuntimeError("FailedPrecondition", `No host of registry ${domain} may ${cap} (${what})`, {
        hint: `give the server or a host capabilities = ["${cap}"] in ${all[0]?.source ?? "its hosts.toml"}`
      });
    }
    const failures = [];
    for (const [i, host] of hosts.entries()) {
      const last = i === hosts.length - 1;
      try {
        return await fn(host, last ? this.#opts.retries : 0);
      } catch (e) {
        if (e?.name === "AbortError") throw e;
        failures.push({ host, error: e });
      }
    }
    throw allHostsFailed(what, failures);
  }
  /** Sends one request to one host: auth, redirects (GET/HEAD), retries. */
  async sendTo(host, domain, repo, req, signal, retries = this.#opts.retries) {
    const start = /^https?:\/\//.test(req.path) ? new URL(req.path) : new URL(`${host.api}/${repo}/${req.path}`);
    if (host.mirror && !/^https?:\/\//.test(req.path)) start.searchParams.set("ns", domain);
    const origin = new URL(host.api).origin;
    const scope = {
      repo,
      actions: req.actions ?? "pull",
      ...req.alsoPull ? { alsoPull: req.alsoPull } : {}
    };
    let authTried = false;
    for (let attempt = 0; ; ) {
      let url = start;
      let res;
      try {
        for (let hop = 0; ; hop++) {
          const h = { ...req.headers, "user-agent": "hostpod" };
          for (const [k, v] of Object.entries(host.headers)) h[k] = v.join(", ");
          const authz = this.#auth.authorization(origin, scope);
          if (authz && url.origin === origin) h.authorization = authz;
          res = await this.#conn.request(
            url,
            { method: req.method, headers: h, ...req.body ? { body: req.body() } : {} },
            host,
            signal
          );
          const loc = res.headers.location;
          const redirect = [301, 302, 303, 307, 308].includes(res.statusCode) && typeof loc === "string";
          if (!redirect || req.method !== "GET" && req.method !== "HEAD") break;
          await discard(res.body);
          if (hop >= MAX_REDIRECTS) {
            throw new RuntimeError(
              "Unavailable",
              `Too many redirects fetching ${req.what} from ${host.host}`
            );
          }
          const next = new URL(loc, url);
          if (next.protocol === "http:" && url.protocol === "https:" && !isLoopbackHost(next.host)) {
            throw new RuntimeError(
              "PermissionDenied",
              `Registry ${host.host} redirected ${req.what} from HTTPS to plain HTTP (${next.host}); refused`
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
      const body = req.method === "HEAD" ? Buffer.alloc(0) : await readBounded(res.body, 64 * 1024, req.what).catch(() => Buffer.alloc(0));
      if (status === 401 && !authTried) {
        authTried = true;
        await this.#auth.authenticate(host, origin, scope, res.headers["www-authenticate"], req.what, signal);
        continue;
      }
      if (RETRY_STATUS.has(status) && attempt < retries) {
        const ra = Number(res.headers["retry-after"]);
        await this.#backoff(
          req.what,
          attempt++,
          `HTTP ${status}`,
          signal,
          Number.isFinite(ra) ? ra : void 0
        );
        continue;
      }
      throw this.#statusError(status, host, repo, req.what, errorText(body), retries + 1);
    }
  }
  async #backoff(what, attempt, reason, signal, retryAfterS) {
    const exp = this.#opts.retryBaseMs * 2 ** attempt;
    let delayMs = Math.round(exp / 2 + Math.random() * (exp / 2));
    if (retryAfterS !== void 0 && Number.isFinite(retryAfterS))
      delayMs = Math.min(Math.max(delayMs, retryAfterS * 1e3), 1e4);
    this.#opts.onRetry?.({ what, attempt: attempt + 1, delayMs, reason });
    await sleep(delayMs, signal);
  }
  #networkError(e, domain, host, what) {
    if (e instanceof RuntimeError) return e;
    if (e?.name === "AbortError") return e;
    const reason = describeNetworkError(e);
    return new HostRequestError(
      "Unavailable",
      `Cannot fetch ${what} from registry ${host.host}: ${reason}`,
      reason,
      host,
      {
        cause: e,
        hint: networkFailureHint(domain, host, e, this.#opts.registryConfigDir)
      }
    );
  }
  #statusError(status, host, repo, what, detail, attempts = 1) {
    const why = detail ? `: ${detail}` : "";
    const reason = `HTTP ${status}${why}`;
    const h = host.host;
    if (status === 404) {
      return new HostRequestError("NotFound", `Registry ${h} has no ${what} (${reason})`, reason, host, {
        hint: `check the repository name "${repo}" and the tag or digest`
      });
    }
    if (status === 401 || status === 403) {
      const creds = this.#opts.credentials?.(h);
      return new HostRequestError(
        "PermissionDenied",
        `Registry ${h} refused access to ${what} (${reason})`,
        reason,
        host,
        {
          hint: creds ? `the credentials for ${h} in the Docker config were refused; check auths["${h}"]` : `log in: add auths["${h}"] to $DOCKER_CONFIG/config.json (or ~/.docker/config.json)`
        }
      );
    }
    if (status === 429 || status >= 500) {
      return new HostRequestError(
        "Unavailable",
        `Registry ${h} failed ${what} (${reason})${attempts > 1 ? ` after ${attempts} attempts` : ""}`,
        reason,
        host,
        { hint: "the registry is unhealthy or rate-limiting; try again later" }
      );
    }
    return new HostRequestError("Internal", `Registry ${h} answered ${what} with ${reason}`, reason, host);
  }
};

export {
  RegistryClient
};
