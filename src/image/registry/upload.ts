import type { Readable } from 'node:stream';
import { RuntimeError } from '../../errors.ts';
import { type Digest, sha256Of } from '../../oci/digest.ts';
import type { RegistryClient, RegistryRequest } from './client.ts';
import type { RegistryHost } from './hosts.ts';
import { discard, type HttpResponse } from './http.ts';

/** Where pushes to one repository go: the first host of the registry with `push`. */
export interface PushTarget {
  client: RegistryClient;
  /** The registry as the reference names it (`docker.io`, `127.0.0.1:5000`). */
  domain: string;
  repo: string;
  host: RegistryHost;
  signal?: AbortSignal;
}

/**
 * The push target for `domain/repo`: the first host with the `push` capability (containerd
 * pushes to one host: mirrors normally lack `push`). Throws `FailedPrecondition` when none has it.
 */
export async function pushTarget(
  client: RegistryClient,
  domain: string,
  repo: string,
  signal?: AbortSignal,
): Promise<PushTarget> {
  const hosts = await client.hosts(domain);
  const host = hosts.find((h) => h.capabilities.has('push'));
  if (!host) {
    throw new RuntimeError('FailedPrecondition', `No host of registry ${domain} may push`, {
      hint: `give the server capabilities = ["pull", "resolve", "push"] in ${hosts[0]?.source ?? 'its hosts.toml'}`,
    });
  }
  return { client, domain, repo, host, ...(signal ? { signal } : {}) };
}

async function send(t: PushTarget, req: Omit<RegistryRequest, 'actions'>): Promise<HttpResponse> {
  return t.client.sendTo(t.host, t.domain, t.repo, { ...req, actions: 'pull,push' }, t.signal);
}

/** True when the repository has blob `digest` (HEAD; the distribution spec's existence check). */
export async function blobExists(t: PushTarget, digest: Digest): Promise<boolean> {
  const res = await send(t, {
    method: 'HEAD',
    path: `blobs/${digest}`,
    ok: [200, 404],
    what: `blob ${digest}`,
  });
  await discard(res.body);
  return res.statusCode === 200;
}

/** The URL an upload continues at: the response's Location, resolved against the request. */
function location(res: HttpResponse, base: string, what: string): string {
  const loc = res.headers.location;
  if (typeof loc !== 'string' || loc === '') {
    throw new RuntimeError('Internal', `The registry answered ${what} with no upload location`);
  }
  return new URL(loc, base).href;
}

function withDigest(url: string, digest: Digest): string {
  const u = new URL(url);
  u.searchParams.set('digest', digest);
  return u.href;
}

/** Checks the digest a registry says it stored against the one sent: a mismatch is `DataLoss`. */
function checkStored(t: PushTarget, res: HttpResponse, expected: Digest, what: string): void {
  const said = res.headers['docker-content-digest'];
  if (typeof said === 'string' && said !== '' && said !== expected) {
    throw new RuntimeError(
      'DataLoss',
      `Registry ${t.host.host} says it stored ${what} as ${said}, but hostpod sent ${expected}`,
      {
        hint: 'the registry (or a proxy in front of it) changed or lost the bytes: check it, then push again',
      },
    );
  }
}

/**
 * Asks the registry to mount blob `digest` from repository `from` of the same registry (no
 * upload). Returns true when mounted; false when the registry declined (an upload session it
 * opened instead is left to expire: cheaper than guessing its state).
 */
export async function mountBlob(t: PushTarget, digest: Digest, from: string): Promise<boolean> {
  const path = `blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
  const res = await t.client.sendTo(
    t.host,
    t.domain,
    t.repo,
    {
      method: 'POST',
      path,
      ok: [201, 202],
      what: `mount of blob ${digest}`,
      actions: 'pull,push',
      alsoPull: from,
    },
    t.signal,
  );
  await discard(res.body);
  return res.statusCode === 201;
}

/**
 * Uploads blob `digest` of `size` bytes: POST opens the session, then one PUT with the whole
 * body (monolithic), or PATCHes of `chunkSize` bytes and a closing PUT (chunked, when
 * `chunkSize` is set and smaller than the blob). `open(start, end)` makes a stream of bytes
 * [start, end) afresh for each attempt. The registry's `Docker-Content-Digest` must match.
 * Throws what the client throws, `DataLoss` for a digest the registry reports differently.
 */
export async function uploadBlob(
  t: PushTarget,
  blob: { digest: Digest; size: number },
  open: (start: number, end: number) => Readable,
  opts: { chunkSize?: number } = {},
): Promise<void> {
  const what = `upload of blob ${blob.digest}`;
  const started = await send(t, { method: 'POST', path: 'blobs/uploads/', ok: [202], what });
  await discard(started.body);
  let url = location(started, `${t.host.api}/${t.repo}/blobs/uploads/`, what);
  const chunk = opts.chunkSize;
  if (chunk === undefined || chunk >= blob.size) {
    const res = await send(t, {
      method: 'PUT',
      path: withDigest(url, blob.digest),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
      body: () => open(0, blob.size),
      ok: [201],
      what,
    });
    await discard(res.body);
    checkStored(t, res, blob.digest, `blob ${blob.digest}`);
    return;
  }
  for (let start = 0; start < blob.size; start += chunk) {
    const end = Math.min(blob.size, start + chunk);
    const res = await send(t, {
      method: 'PATCH',
      path: url,
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(end - start),
        'content-range': `${start}-${end - 1}`,
      },
      body: () => open(start, end),
      ok: [202],
      what: `${what} (bytes ${start}-${end - 1})`,
    });
    await discard(res.body);
    url = location(res, url, what);
  }
  const res = await send(t, {
    method: 'PUT',
    path: withDigest(url, blob.digest),
    headers: { 'content-length': '0' },
    body: () => Buffer.alloc(0),
    ok: [201],
    what,
  });
  await discard(res.body);
  checkStored(t, res, blob.digest, `blob ${blob.digest}`);
}

/**
 * PUTs a manifest or index under `reference` (a tag or its digest). The registry's
 * `Docker-Content-Digest` must be the bytes' digest (`DataLoss` otherwise). Returns that digest.
 */
export async function putManifest(
  t: PushTarget,
  reference: string,
  bytes: Buffer,
  mediaType: string,
): Promise<Digest> {
  const digest = sha256Of(bytes);
  const what = `manifest ${t.domain}/${t.repo}:${reference}`;
  const res = await send(t, {
    method: 'PUT',
    path: `manifests/${reference}`,
    headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
    body: () => bytes,
    ok: [201],
    what,
  });
  await discard(res.body);
  checkStored(t, res, digest, what);
  return digest;
}
