import http from 'node:http';
import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import type { RegistryHost } from './hosts.ts';
import { type HttpResponse, httpRequest, type Transport } from './http.ts';

export interface ConnectionsOptions {
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  lookup?: LookupFunction;
}

/**
 * The registry client's keep-alive connection pools: one for plain HTTP, one for HTTPS with the
 * system's CAs, and one per host whose hosts.toml gives TLS settings (`ca` added to the system's
 * CAs, a `client` certificate, `skip_verify`) — used only for that host's own origin, never for
 * a redirect elsewhere. node:https is loaded on the first HTTPS request: loopback pulls never
 * load TLS. Idle sockets close after 4 s, and all at {@link close}.
 */
export class Connections {
  readonly #opts: ConnectionsOptions;
  readonly #http = new http.Agent({ keepAlive: true, timeout: 4_000 });
  #https: typeof import('node:https') | undefined;
  #defaultTls: http.Agent | undefined;
  readonly #tlsAgents = new Map<RegistryHost, http.Agent>();

  constructor(opts: ConnectionsOptions) {
    this.#opts = opts;
  }

  /** Sends one request (no redirects, no retries) on the pool `url` and `host` call for. */
  async request(
    url: URL,
    r: { method: string; headers: Record<string, string>; body?: Buffer | Readable },
    host: RegistryHost | undefined,
    signal: AbortSignal | undefined,
  ): Promise<HttpResponse> {
    return httpRequest(url, {
      ...r,
      transport: await this.#transport(url, host),
      headersTimeoutMs: this.#opts.headersTimeoutMs,
      bodyTimeoutMs: this.#opts.bodyTimeoutMs,
      ...(this.#opts.lookup ? { lookup: this.#opts.lookup } : {}),
      ...(host?.dialTimeoutMs !== undefined ? { dialTimeoutMs: host.dialTimeoutMs } : {}),
      signal,
    });
  }

  /** Ends every connection, so a short-lived process can exit at once. */
  close(): void {
    this.#http.destroy();
    this.#defaultTls?.destroy();
    for (const a of this.#tlsAgents.values()) a.destroy();
  }

  async #transport(url: URL, host: RegistryHost | undefined): Promise<Transport> {
    if (url.protocol !== 'https:') return { mod: http, agent: this.#http };
    this.#https ??= await import('node:https');
    const https = this.#https;
    const tls = host?.tls;
    const custom = tls && (tls.ca || tls.certs || tls.skipVerify) && url.origin === new URL(host.api).origin;
    if (!custom) {
      this.#defaultTls ??= new https.Agent({ keepAlive: true, timeout: 4_000 });
      return { mod: https, agent: this.#defaultTls };
    }
    let agent = this.#tlsAgents.get(host);
    if (!agent) {
      const { rootCertificates } = await import('node:tls');
      const o: import('node:https').AgentOptions = { keepAlive: true, timeout: 4_000 };
      // Node's `ca` replaces the trusted set: keep the system's and add the host's.
      if (tls.ca) o.ca = [...rootCertificates, ...tls.ca.map((b) => b.toString('utf8'))];
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
}
