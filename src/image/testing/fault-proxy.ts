// Test helper: an HTTP proxy on 127.0.0.1 in front of a real registry that injects faults
// (status codes, wrong bytes, truncated bodies, slow or stalled bodies, redirects) and can play
// a bearer-token registry (401 challenge + its own token endpoint).
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { request } from 'undici';

export type Fault =
  | { kind: 'status'; status: number }
  | { kind: 'corrupt' }
  | { kind: 'truncate'; afterBytes: number }
  | { kind: 'slow'; chunkBytes: number; delayMs: number }
  | { kind: 'stall'; afterBytes: number }
  | { kind: 'delay'; ms: number }
  | { kind: 'redirect'; to?: string }
  | { kind: 'ignore-range' }
  /** Answer with this response header replaced (e.g. a wrong Docker-Content-Digest). */
  | { kind: 'set-header'; name: string; value: string }
  /** Point the response's Location (an upload URL) at another origin (`to`), same path. */
  | { kind: 'location'; to: string };

export interface FaultRule {
  /** Which requests: a substring or regexp of the path (`/v2/name/blobs/sha256:…`). */
  match: string | RegExp;
  method?: string;
  fault: Fault;
  /** How many matching requests get the fault (default: all). */
  times?: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  range?: string;
  authorization?: string;
  status: number;
}

export interface TokenAuth {
  /** Basic credentials the token endpoint demands; anonymous tokens when absent. */
  users?: Record<string, string>;
  /** Make the token endpoint refuse every request with this status. */
  refuse?: number;
}

export interface FaultProxy {
  host: string;
  url: string;
  rules: FaultRule[];
  log: LoggedRequest[];
  /** Token-auth mode; set/unset at any time. */
  tokenAuth: TokenAuth | undefined;
  /** Tokens issued so far, with the scope asked for. */
  issued: { token: string; scope: string; user?: string }[];
  /** Ends every stalled response (the client sees a dropped connection). */
  releaseStalls(): void;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a fault proxy in front of `upstream` (`http://127.0.0.1:PORT`). */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const sockets = new Set<Socket>();
  const stalls = new Set<() => void>();
  const tokens = new Set<string>();
  const proxy: FaultProxy = {
    host: '',
    url: '',
    rules: [],
    log: [],
    tokenAuth: undefined,
    issued: [],
    releaseStalls() {
      for (const s of stalls) s();
      stalls.clear();
    },
    stop: async () => {},
  };

  function takeFault(req: IncomingMessage, path: string): Fault | undefined {
    for (const r of proxy.rules) {
      if (r.method && r.method !== req.method) continue;
      const hit = typeof r.match === 'string' ? path.includes(r.match) : r.match.test(path);
      if (!hit) continue;
      if (r.times !== undefined) {
        if (r.times <= 0) continue;
        r.times--;
      }
      return r.fault;
    }
    return undefined;
  }

  async function handleToken(req: IncomingMessage, res: ServerResponse, url: URL): Promise<number> {
    const ta = proxy.tokenAuth;
    if (!ta || ta.refuse) {
      const status = ta?.refuse ?? 404;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'DENIED', message: 'token service says no' }] }));
      return status;
    }
    let user: string | undefined;
    if (ta.users) {
      const h = req.headers.authorization ?? '';
      const [u, p] = h.startsWith('Basic ') ? Buffer.from(h.slice(6), 'base64').toString().split(':') : [];
      if (!u || ta.users[u] !== p) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
        return 401;
      }
      user = u;
    }
    const token = randomBytes(16).toString('hex');
    tokens.add(token);
    proxy.issued.push({ token, scope: url.searchParams.get('scope') ?? '', ...(user ? { user } : {}) });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, expires_in: 300 }));
    return 200;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/token') return handleToken(req, res, url);
    let path = url.pathname + url.search;
    const redirected = path.startsWith('/_redirected');
    if (redirected) path = path.slice('/_redirected'.length);
    if (proxy.tokenAuth && !redirected) {
      const h = req.headers.authorization ?? '';
      if (!(h.startsWith('Bearer ') && tokens.has(h.slice(7)))) {
        const repo = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(url.pathname)?.[1];
        const scope = repo ? `,scope="repository:${repo}:pull"` : '';
        res.writeHead(401, {
          'content-type': 'application/json',
          'www-authenticate': `Bearer realm="${proxy.url}/token",service="hostpod-test"${scope}`,
        });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        return 401;
      }
    }
    const fault = redirected ? undefined : takeFault(req, path);
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: `injected ${fault.status}` }] }));
      return fault.status;
    }
    if (fault?.kind === 'redirect') {
      res.writeHead(307, { location: `${fault.to ?? proxy.url}/_redirected${path}` });
      res.end();
      return 307;
    }
    if (fault?.kind === 'delay') await sleep(fault.ms);
    const headers: Record<string, string> = {};
    for (const h of ['accept', 'range', 'authorization', 'content-type', 'content-length', 'content-range']) {
      const v = req.headers[h];
      if (typeof v === 'string' && !(h === 'range' && fault?.kind === 'ignore-range')) headers[h] = v;
    }
    const method = (req.method ?? 'GET') as 'GET';
    const hasBody = method !== ('GET' as string) && method !== ('HEAD' as string);
    const up = await request(upstream + path, { method, headers, ...(hasBody ? { body: req } : {}) });
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(up.headers)) {
      if (typeof v === 'string' && !['connection', 'keep-alive', 'transfer-encoding'].includes(k)) out[k] = v;
    }
    if (out.location?.startsWith(upstream)) out.location = proxy.url + out.location.slice(upstream.length);
    if (out.location?.startsWith('/')) out.location = proxy.url + out.location;
    if (fault?.kind === 'location' && out.location) {
      out.location = fault.to + new URL(out.location).pathname + new URL(out.location).search;
    }
    if (fault?.kind === 'set-header') out[fault.name.toLowerCase()] = fault.value;
    res.writeHead(up.statusCode, out);
    let sent = 0;
    let corrupted = false;
    for await (const raw of up.body as AsyncIterable<Buffer>) {
      let chunk = raw;
      if (fault?.kind === 'corrupt' && !corrupted && chunk.length > 0) {
        chunk = Buffer.from(chunk);
        chunk[0] = chunk[0]! ^ 0xff;
        corrupted = true;
      }
      if (fault?.kind === 'truncate' || fault?.kind === 'stall') {
        const room = fault.afterBytes - sent;
        if (room <= 0 || chunk.length >= room) {
          if (room > 0) res.write(chunk.subarray(0, room));
          sent += Math.max(room, 0);
          if (fault.kind === 'stall') {
            await new Promise<void>((r) => {
              stalls.add(r);
              res.once('close', r);
            });
          }
          up.body.destroy();
          res.socket?.destroy();
          return up.statusCode;
        }
      }
      if (fault?.kind === 'slow') {
        for (let i = 0; i < chunk.length; i += fault.chunkBytes) {
          if (res.destroyed) break;
          res.write(chunk.subarray(i, i + fault.chunkBytes));
          await sleep(fault.delayMs);
        }
      } else if (!res.write(chunk)) {
        await new Promise((r) => res.once('drain', r));
      }
      sent += chunk.length;
      if (res.destroyed) {
        up.body.destroy();
        break;
      }
    }
    res.end();
    return up.statusCode;
  }

  const server: Server = createServer((req, res) => {
    const entry: LoggedRequest = { method: req.method ?? '', path: req.url ?? '', status: 0 };
    if (req.headers.range) entry.range = req.headers.range;
    if (req.headers.authorization) entry.authorization = req.headers.authorization;
    proxy.log.push(entry);
    handle(req, res).then(
      (status) => {
        entry.status = status;
      },
      (e: unknown) => {
        entry.status = 599;
        if (!res.headersSent) res.writeHead(502).end(String(e));
        else res.destroy();
      },
    );
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  proxy.host = `127.0.0.1:${port}`;
  proxy.url = `http://${proxy.host}`;
  proxy.stop = async () => {
    proxy.releaseStalls();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return proxy;
}
