// Test helper: a real `docker-registry` (Distribution) on 127.0.0.1, storage in a temp dir,
// and image building/pushing with umoci/skopeo. One registry per test file: start in `before`,
// stop in `after`.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';

const run = promisify(execFile);

/** A free TCP port on 127.0.0.1 (bound then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A bcrypt htpasswd line for `user:password` (htpasswd from apache2-utils, else python3's crypt). */
export async function htpasswdLine(user: string, password: string): Promise<string> {
  try {
    const { stdout } = await run('htpasswd', ['-Bbn', user, password]);
    return stdout.trim();
  } catch {
    const { stdout } = await run('python3', [
      '-W',
      'ignore',
      '-c',
      'import crypt,sys; print(sys.argv[1] + ":" + crypt.crypt(sys.argv[2], crypt.mksalt(crypt.METHOD_BLOWFISH)))',
      user,
      password,
    ]);
    if (!stdout.includes('$2')) throw new Error('no bcrypt available: install apache2-utils (htpasswd)');
    return stdout.trim();
  }
}

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  url: string;
  dir: string;
  /** Copies an OCI layout image (`oci:DIR:TAG`) to `HOST/REPO:TAG` with skopeo; `all` keeps an index whole. */
  push(layoutDir: string, layoutTag: string, dest: string, opts?: { all?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/** Starts docker-registry on a free loopback port; with `htpasswd`, basic auth is required. */
export async function startRegistry(
  opts: { htpasswd?: { user: string; password: string } } = {},
): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'hostpod-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let auth = '';
  if (opts.htpasswd) {
    await writeFile(
      join(dir, 'htpasswd'),
      `${await htpasswdLine(opts.htpasswd.user, opts.htpasswd.password)}\n`,
    );
    auth = `auth:\n  htpasswd:\n    realm: hostpod-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  await writeFile(
    join(dir, 'config.yml'),
    `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
  delete:
    enabled: true
http:
  addr: ${host}
  secret: ${randomBytes(8).toString('hex')}
${auth}`,
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const url = `http://${host}`;
  let ready = false;
  for (let i = 0; i < 100 && !ready; i++) {
    if (child.exitCode !== null) break;
    try {
      const r = await fetch(`${url}/v2/`);
      await r.arrayBuffer();
      ready = r.status === 200 || r.status === 401;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  if (!ready) {
    await stop();
    throw new Error(`docker-registry did not start on ${host}: ${stderr}`);
  }
  const creds = opts.htpasswd ? ['--dest-creds', `${opts.htpasswd.user}:${opts.htpasswd.password}`] : [];
  return {
    host,
    url,
    dir,
    async push(layoutDir, layoutTag, dest, o = {}) {
      await run('skopeo', [
        'copy',
        '-q',
        ...(o.all ? ['--all'] : []),
        '--dest-tls-verify=false',
        ...creds,
        `oci:${layoutDir}:${layoutTag}`,
        `docker://${host}/${dest}`,
      ]);
    },
    stop,
  };
}

/** Builds `DIR:TAG` with umoci (a tool we did not write): an image holding `files` (path → content). */
export async function buildUmociImage(
  dir: string,
  tag: string,
  files: Record<string, string | Uint8Array>,
): Promise<void> {
  const src = await mkdtemp(join(tmpdir(), 'hostpod-umoci-src-'));
  try {
    for (const [p, content] of Object.entries(files)) {
      await mkdir(join(src, p, '..'), { recursive: true });
      await writeFile(join(src, p), content, { mode: 0o755 });
    }
    await run('umoci', ['init', '--layout', dir]).catch((e: Error) => {
      if (!/exists/.test(e.message)) throw e;
    });
    await run('umoci', ['new', '--image', `${dir}:${tag}`]);
    await run('umoci', ['insert', '--image', `${dir}:${tag}`, src, '/']);
    await run('umoci', [
      'config',
      '--image',
      `${dir}:${tag}`,
      '--config.cmd',
      '/bin/busybox',
      '--config.cmd',
      'sh',
    ]);
  } finally {
    await rm(src, { recursive: true, force: true });
  }
}

/** A descriptor as written into a layout. */
export interface LayoutDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

async function putBlob(dir: string, bytes: Uint8Array, mediaType: string): Promise<LayoutDescriptor> {
  const hex = createHash('sha256').update(bytes).digest('hex');
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'blobs', 'sha256', hex), bytes);
  return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
}

/** A gzip tar layer holding `files` (made with node-tar from a temp dir). */
export async function makeLayer(
  files: Record<string, string | Uint8Array>,
): Promise<{ gz: Buffer; diffId: string }> {
  const src = await mkdtemp(join(tmpdir(), 'hostpod-layer-'));
  try {
    for (const [p, content] of Object.entries(files)) {
      await mkdir(join(src, p, '..'), { recursive: true });
      await writeFile(join(src, p), content);
    }
    const chunks: Buffer[] = [];
    const stream = tar.create({ cwd: src, portable: true, mtime: new Date(0) }, Object.keys(files).sort());
    for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
    const raw = Buffer.concat(chunks);
    return { gz: gzipSync(raw), diffId: `sha256:${createHash('sha256').update(raw).digest('hex')}` };
  } finally {
    await rm(src, { recursive: true, force: true });
  }
}

/**
 * Writes one image (config + gzip layers) into an OCI layout at `dir` (created if needed) and
 * returns its manifest descriptor (with `platform`). The layout's index.json is not touched.
 */
export async function writeImage(
  dir: string,
  spec: {
    os: string;
    architecture: string;
    variant?: string;
    layers: Record<string, string | Uint8Array>[];
    cmd?: string[];
  },
): Promise<LayoutDescriptor> {
  const layers: LayoutDescriptor[] = [];
  const diffIds: string[] = [];
  for (const files of spec.layers) {
    const l = await makeLayer(files);
    layers.push(await putBlob(dir, l.gz, 'application/vnd.oci.image.layer.v1.tar+gzip'));
    diffIds.push(l.diffId);
  }
  const config = {
    created: '2024-05-06T07:08:09Z',
    architecture: spec.architecture,
    os: spec.os,
    ...(spec.variant ? { variant: spec.variant } : {}),
    config: { Cmd: spec.cmd ?? ['/bin/sh'], Env: ['PATH=/bin'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
  };
  const cfg = await putBlob(
    dir,
    Buffer.from(JSON.stringify(config)),
    'application/vnd.oci.image.config.v1+json',
  );
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: cfg,
    layers,
  };
  const m = await putBlob(dir, Buffer.from(JSON.stringify(manifest)), manifest.mediaType);
  const platform: NonNullable<LayoutDescriptor['platform']> = {
    os: spec.os,
    architecture: spec.architecture,
  };
  if (spec.variant) platform.variant = spec.variant;
  return { ...m, platform };
}

/**
 * Writes an OCI layout at `dir` whose index.json names `tag` → a nested image index of `images`
 * (pushed with `skopeo copy --all` it becomes a multi-platform index in the registry), or → the
 * single image when `images` has one entry and `index` is false.
 */
export async function writeLayout(
  dir: string,
  tag: string,
  images: LayoutDescriptor[],
  index = true,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  let top: LayoutDescriptor;
  if (index) {
    const idx = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: images };
    top = await putBlob(dir, Buffer.from(JSON.stringify(idx)), idx.mediaType);
  } else {
    const { platform: _p, ...rest } = images[0]!;
    top = rest;
  }
  top.annotations = { 'org.opencontainers.image.ref.name': tag };
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [top] }));
}
