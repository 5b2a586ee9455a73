/**
 * Test helpers for the daemon API: a server on a socket in a temp dir with a `FakeBackend`, and
 * raw HTTP requests (what a crafted client can send, including what `node:http` would refuse to).
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonClient } from '../../client/client.ts';
import { type ApiLimits, type ApiServer, type ApiServerOptions, startApiServer } from '../api-server.ts';
import { FakeBackend } from './fake-backend.ts';

export interface TestServer {
  dir: string;
  socketPath: string;
  backend: FakeBackend;
  server: ApiServer;
  client: DaemonClient;
  logged: string[];
  requests: { method: string; route: string; status: number }[];
  close(): Promise<void>;
}

/** Starts an API server with a fake backend on `<tmp>/run/hostpod.sock`. Close it in `after`. */
export async function startTestServer(
  options: { limits?: Partial<ApiLimits>; group?: number; backend?: FakeBackend } = {},
): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'hostpod-api-'));
  const socketPath = join(dir, 'run', 'hostpod.sock');
  const backend = options.backend ?? new FakeBackend();
  const logged: string[] = [];
  const requests: TestServer['requests'] = [];
  const opts: ApiServerOptions = {
    socketPath,
    backend,
    logger: {
      warn: (m, f) => logged.push(`warn ${m} ${JSON.stringify(f ?? {})}`),
      error: (m, f) => logged.push(`error ${m} ${JSON.stringify(f ?? {})}`),
    },
    onRequest: (method, route, status) => requests.push({ method, route, status }),
  };
  if (options.limits) opts.limits = options.limits;
  if (options.group !== undefined) opts.group = options.group;
  const server = await startApiServer(opts);
  return {
    dir,
    socketPath,
    backend,
    server,
    client: new DaemonClient({ socketPath }),
    logged,
    requests,
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => { error?: { code: string; message: string; hint?: string } } & Record<string, unknown>;
}

/** One request through node:http (a well-formed client). */
export function httpRequest(
  socketPath: string,
  method: string,
  path: string,
  options: { body?: string | Buffer; headers?: Record<string, string | number> } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Writes `text` on a fresh connection and collects what comes back until the server closes or
 * `waitMs` passes; write errors after the server answered are ignored (the answer is what counts).
 */
export function rawExchange(socketPath: string, text: string | Buffer, waitMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ path: socketPath });
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(Buffer.concat(chunks).toString());
    };
    const timer = setTimeout(done, waitMs);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', done);
    s.on('close', done);
    s.on('error', () => {});
    s.write(text);
  });
}

/** The status code of a raw HTTP answer (0 when there is none). */
export function rawStatus(answer: string): number {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(answer);
  return m ? Number(m[1]) : 0;
}
