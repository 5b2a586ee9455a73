import { isAbsolute, join } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { RuntimeError } from '../../errors.ts';

/** What a registry host may be used for (containerd's host capabilities). */
export type HostCapability = 'pull' | 'resolve' | 'push';

export const ALL_CAPABILITIES: readonly HostCapability[] = ['pull', 'resolve', 'push'];

/** The settings one host (the `server`, or one `[host."URL"]` table) carries. */
export interface HostSettings {
  capabilities?: HostCapability[];
  skipVerify?: boolean;
  /** CA certificate files, absolute (relative ones resolved against the hosts.toml's folder). */
  ca?: string[];
  /** Client certificate/key pairs; a key of undefined means the key is in the certificate file. */
  client?: { cert: string; key?: string }[];
  overridePath?: boolean;
  header?: Record<string, string[]>;
  dialTimeoutMs?: number;
}

/** A parsed hosts.toml: the server (optional) and the hosts tried before it, in file order. */
export interface HostsFile {
  file: string;
  server?: string;
  /** Settings of the server (the file's top-level keys). */
  serverSettings: HostSettings;
  hosts: ({ url: string } & HostSettings)[];
}

const HOST_KEYS = ['capabilities', 'skip_verify', 'ca', 'client', 'override_path', 'header', 'dial_timeout'];
const TOP_KEYS = ['server', 'host', ...HOST_KEYS];

/**
 * Parses a containerd `hosts.toml` (the `certs.d` layout, docs/images.md) with a TOML 1.0
 * parser. Every key is checked: bad TOML, an unknown key (`proxy` included: hostpod does not
 * proxy), or a value of the wrong type is RuntimeError `InvalidArgument` naming `file`, the key
 * and (for TOML syntax) the line and column. Paths are resolved against the file's folder.
 */
export function parseHostsToml(text: string, file: string, dir: string): HostsFile {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      const first = e.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'invalid TOML';
      throw new RuntimeError('InvalidArgument', `${file}:${e.line}:${e.column}: not valid TOML: ${first}`, {
        hint: 'hosts.toml is TOML: quote strings, e.g. server = "https://registry.example.com"',
      });
    }
    throw e;
  }
  const bad = (key: string, want: string) =>
    new RuntimeError('InvalidArgument', `${file}: ${key}: expected ${want}`, {
      hint: 'see docs/images.md, "Registry hosts (hosts.toml)"',
    });
  for (const k of Object.keys(doc)) {
    if (!TOP_KEYS.includes(k)) throw unknownKey(file, k, TOP_KEYS);
  }
  const out: HostsFile = { file, serverSettings: hostSettings(doc, '', dir, bad), hosts: [] };
  if (doc.server !== undefined) {
    if (typeof doc.server !== 'string' || doc.server === '') throw bad('server', 'a URL string');
    checkUrl(doc.server, 'server', file);
    out.server = doc.server;
  }
  if (doc.host !== undefined) {
    if (!isTable(doc.host)) throw bad('host', 'tables [host."https://mirror.example.com"]');
    for (const [url, v] of Object.entries(doc.host)) {
      const key = `host."${url}"`;
      if (!isTable(v)) throw bad(key, 'a table of host settings');
      for (const k of Object.keys(v))
        if (!HOST_KEYS.includes(k)) throw unknownKey(file, `${key}.${k}`, HOST_KEYS);
      checkUrl(url, key, file);
      out.hosts.push({ url, ...hostSettings(v, `${key}.`, dir, bad) });
    }
  }
  return out;
}

function unknownKey(file: string, key: string, known: readonly string[]): RuntimeError {
  const extra = key.endsWith('proxy') ? ' (hostpod does not send registry traffic through a proxy)' : '';
  return new RuntimeError('InvalidArgument', `${file}: unknown key "${key}"${extra}`, {
    hint: `known keys here: ${known.join(', ')} (see docs/images.md)`,
  });
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function checkUrl(s: string, key: string, file: string): void {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `https://${s}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new RuntimeError('InvalidArgument', `${file}: ${key}: "${s}" is not a URL`, {
      hint: 'write https://HOST[:PORT][/PATH] or http://HOST[:PORT][/PATH]',
    });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new RuntimeError('InvalidArgument', `${file}: ${key}: scheme ${u.protocol} is not http or https`);
  }
  if (u.search || u.hash || u.username || u.password) {
    throw new RuntimeError(
      'InvalidArgument',
      `${file}: ${key}: "${s}" has a query, fragment or credentials`,
      { hint: 'credentials come from the Docker config file (docs/images.md, "Credentials")' },
    );
  }
}

type Bad = (key: string, want: string) => RuntimeError;

function hostSettings(t: Record<string, unknown>, prefix: string, dir: string, bad: Bad): HostSettings {
  const s: HostSettings = {};
  const path = (p: string) => (isAbsolute(p) ? p : join(dir, p));
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (t.capabilities !== undefined) {
    const v = t.capabilities;
    if (!strings(v) || v.some((c) => !(ALL_CAPABILITIES as readonly string[]).includes(c)))
      throw bad(`${prefix}capabilities`, 'a list of "pull", "resolve", "push"');
    s.capabilities = v as HostCapability[];
  }
  if (t.skip_verify !== undefined) {
    if (typeof t.skip_verify !== 'boolean') throw bad(`${prefix}skip_verify`, 'true or false');
    s.skipVerify = t.skip_verify;
  }
  if (t.override_path !== undefined) {
    if (typeof t.override_path !== 'boolean') throw bad(`${prefix}override_path`, 'true or false');
    s.overridePath = t.override_path;
  }
  if (t.ca !== undefined) {
    const v = typeof t.ca === 'string' ? [t.ca] : t.ca;
    if (!strings(v) || v.includes('')) throw bad(`${prefix}ca`, 'a path or a list of paths');
    s.ca = v.map(path);
  }
  if (t.client !== undefined) {
    const v = typeof t.client === 'string' ? [t.client] : t.client;
    const want = 'a path, a list of paths, or a list of [certificate, key] pairs';
    if (!Array.isArray(v)) throw bad(`${prefix}client`, want);
    s.client = v.map((x) => {
      if (typeof x === 'string' && x !== '') return { cert: path(x) };
      if (strings(x) && x.length === 2 && x[0] !== '') {
        return x[1] ? { cert: path(x[0]!), key: path(x[1]) } : { cert: path(x[0]!) };
      }
      throw bad(`${prefix}client`, want);
    });
  }
  if (t.header !== undefined) {
    if (!isTable(t.header)) throw bad(`${prefix}header`, 'a table of NAME = "value" or ["values"]');
    const h: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(t.header)) {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k))
        throw bad(`${prefix}header."${k}"`, 'a valid header name');
      const vals = typeof v === 'string' ? [v] : v;
      if (!strings(vals) || vals.some((x) => /[\r\n\0]/.test(x)))
        throw bad(`${prefix}header.${k}`, 'a string or a list of strings, without line breaks');
      h[k.toLowerCase()] = vals;
    }
    s.header = h;
  }
  if (t.dial_timeout !== undefined) {
    const ms = typeof t.dial_timeout === 'string' ? parseDuration(t.dial_timeout) : undefined;
    if (ms === undefined) throw bad(`${prefix}dial_timeout`, 'a duration such as "1s" or "500ms"');
    s.dialTimeoutMs = ms;
  }
  return s;
}

/** A Go-style duration (`1s`, `500ms`, `1m30s`) in milliseconds; undefined when malformed or 0. */
export function parseDuration(s: string): number | undefined {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  let total = 0;
  let i = 0;
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]!]!;
    i = re.lastIndex;
  }
  return s.length > 0 && total > 0 ? Math.round(total) : undefined;
}
