import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, RuntimeError } from '../../errors.ts';
import { isLoopbackHost } from '../../oci/reference.ts';
import { ALL_CAPABILITIES, type HostCapability, type HostSettings, parseHostsToml } from './hosts-toml.ts';

/** Where hostpod looks for `<registry>/hosts.toml` unless told otherwise. */
export const DEFAULT_REGISTRY_CONFIG_DIR = '/etc/hostpod/certs.d';

/** Docker Hub's API host: `docker.io` (and its alias `index.docker.io`) name the registry, not its API. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

/** One place a registry's API is reached: a mirror from hosts.toml, or the registry's server. */
export interface RegistryHost {
  /** `host[:port]`: what errors name and credentials are looked up by. */
  host: string;
  /** The API root without a trailing slash, e.g. `https://registry-1.docker.io/v2`. */
  api: string;
  capabilities: ReadonlySet<HostCapability>;
  /** Tried before the server: its requests carry `?ns=<registry>` (containerd does the same). */
  mirror: boolean;
  /** TLS settings from hosts.toml (or a Docker-style certs.d folder). */
  tls: { ca?: Buffer[]; certs?: { cert: Buffer; key: Buffer }[]; skipVerify: boolean };
  headers: Readonly<Record<string, readonly string[]>>;
  dialTimeoutMs?: number;
  /** The file that configured it, for messages. */
  source?: string;
}

export interface RegistryHostsOptions {
  /** The certs.d-style folder (`<dir>/<registry>/hosts.toml`); none means defaults only. */
  configDir?: string;
  /** Registries whose default server is reached over plain HTTP. */
  insecureRegistries?: readonly string[];
}

/** True when `host` (`host[:port]`) is reached over plain HTTP by default: loopback or listed. */
export function isPlainHttpHost(host: string, insecure: readonly string[]): boolean {
  if (isLoopbackHost(host)) return true;
  const bare = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return insecure.some((h) => h === host || h === bare);
}

/** The URL of a registry's own server: `https://registry-1.docker.io` for docker.io. */
export function defaultServer(domain: string, insecure: readonly string[] = []): string {
  const host = domain === 'docker.io' || domain === 'index.docker.io' ? DOCKER_HUB_API_HOST : domain;
  return `${isPlainHttpHost(domain, insecure) ? 'http' : 'https'}://${host}`;
}

/** The folders looked at for `domain`, first match wins (containerd's order). */
function candidateDirs(domain: string): string[] {
  const colon = domain.lastIndexOf(':');
  const hasPort = colon > 0 && !domain.endsWith(']');
  const names = hasPort ? [`${domain.slice(0, colon)}_${domain.slice(colon + 1)}_`, domain] : [domain];
  if (domain === 'docker.io') names.push('index.docker.io');
  return [...names, '_default'];
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function readText(p: string): Promise<string | undefined> {
  try {
    return await readFile(p, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
    throw new RuntimeError('PermissionDenied', `Cannot read ${p}: ${errnoCode(e) ?? String(e)}`);
  }
}

/**
 * The hosts to try for `domain`, in order: the `[host."…"]` entries of its hosts.toml (the
 * folder `<configDir>/<domain>` — `host_port_` or `host:port` for a port — else `_default`),
 * then the server (`server =`, else the registry itself; Docker Hub's is registry-1.docker.io).
 * A folder without hosts.toml is read as Docker's certs.d: `*.crt` CAs, `*.cert`/`*.key` pairs.
 * Throws what {@link parseHostsToml} throws, and `InvalidArgument` naming the file and key when
 * a certificate file named there cannot be read.
 */
export async function resolveRegistryHosts(
  domain: string,
  opts: RegistryHostsOptions = {},
): Promise<RegistryHost[]> {
  const insecure = opts.insecureRegistries ?? [];
  let settings: HostSettings = {};
  let server = defaultServer(domain, insecure);
  let source: string | undefined;
  const mirrors: RegistryHost[] = [];
  if (opts.configDir !== undefined) {
    for (const name of candidateDirs(domain)) {
      const dir = join(opts.configDir, name);
      if (!(await isDir(dir))) continue;
      const file = join(dir, 'hosts.toml');
      const text = await readText(file);
      if (text === undefined) {
        if (name !== '_default') settings = await dockerCertsDir(dir);
        break;
      }
      const parsed = parseHostsToml(text, file, dir);
      source = file;
      settings = parsed.serverSettings;
      if (parsed.server !== undefined) server = withScheme(parsed.server, insecure);
      for (const h of parsed.hosts) mirrors.push(await makeHost(withScheme(h.url, insecure), h, true, file));
      break;
    }
  }
  const u = new URL(server);
  if (u.hostname === 'docker.io' || u.hostname === 'index.docker.io') u.hostname = DOCKER_HUB_API_HOST;
  return [...mirrors, await makeHost(u.href, settings, false, source)];
}

function withScheme(url: string, insecure: readonly string[]): string {
  if (/^https?:\/\//i.test(url)) return url;
  const host = url.split('/')[0] ?? url;
  return `${isPlainHttpHost(host, insecure) ? 'http' : 'https'}://${url}`;
}

async function makeHost(
  url: string,
  s: HostSettings,
  mirror: boolean,
  source: string | undefined,
): Promise<RegistryHost> {
  const u = new URL(url);
  let path = u.pathname.replace(/\/+$/, '');
  if (!s.overridePath && !path.endsWith('/v2')) path += '/v2';
  const where = (key: string) => `${source ?? 'registry settings'}: ${mirror ? `host."${url}".` : ''}${key}`;
  const read = async (p: string, key: string): Promise<Buffer> => {
    try {
      return await readFile(p);
    } catch (e) {
      throw new RuntimeError(
        'InvalidArgument',
        `${where(key)}: cannot read ${p}: ${errnoCode(e) ?? String(e)}`,
      );
    }
  };
  const tls: RegistryHost['tls'] = { skipVerify: s.skipVerify === true };
  if (s.ca) tls.ca = await Promise.all(s.ca.map((p) => read(p, 'ca')));
  if (s.client) {
    tls.certs = await Promise.all(
      s.client.map(async (c) => {
        const cert = await read(c.cert, 'client');
        return { cert, key: c.key ? await read(c.key, 'client') : cert };
      }),
    );
  }
  const h: RegistryHost = {
    host: u.host,
    api: `${u.origin}${path}`,
    capabilities: new Set(s.capabilities ?? ALL_CAPABILITIES),
    mirror,
    tls,
    headers: s.header ?? {},
  };
  if (s.dialTimeoutMs !== undefined) h.dialTimeoutMs = s.dialTimeoutMs;
  if (source !== undefined) h.source = source;
  return h;
}

/** Docker's certs.d folder: every `*.crt` a CA, every `X.cert` with `X.key` a client pair. */
async function dockerCertsDir(dir: string): Promise<HostSettings> {
  const names = (await readdir(dir)).sort();
  const s: HostSettings = {};
  const ca = names.filter((n) => n.endsWith('.crt')).map((n) => join(dir, n));
  if (ca.length > 0) s.ca = ca;
  const client = names
    .filter((n) => n.endsWith('.cert') && names.includes(`${n.slice(0, -5)}.key`))
    .map((n) => ({ cert: join(dir, n), key: join(dir, `${n.slice(0, -5)}.key`) }));
  if (client.length > 0) s.client = client;
  return s;
}

/**
 * Checks a registry config folder named explicitly (a flag): it must be a directory, so that a
 * typo does not silently mean "no mirrors". Throws `InvalidArgument` naming the path.
 */
export async function checkRegistryConfigDir(dir: string, what = '--registry-config-dir'): Promise<void> {
  if (await isDir(dir)) return;
  throw new RuntimeError('InvalidArgument', `${what} ${dir}: no such directory`, {
    hint: `make it (mkdir -p ${dir}) and put <registry>/hosts.toml files in it, or point at containerd's /etc/containerd/certs.d`,
  });
}
