/**
 * The daemon's configuration: a YAML file (`--config`, default `/etc/hostpod/config.yaml` when it
 * exists) overlaid by command-line flags. Every key is checked; an unknown key or a wrong type is
 * an error naming the file and the key, so a typo never silently falls back to a default.
 * `contrib/config.yaml` documents every key.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import jsYaml from 'js-yaml';
import { parseFieldValidation } from '../api/field-validation.ts';
import { integerValue, parseQuantity } from '../api/quantity.ts';
import { describeError, errnoCode, RuntimeError } from '../errors.ts';
import { hostDefaults } from '../lib/host-os.ts';
import type { Layout } from '../runtime/spec/types.ts';
import type { LogRotation } from '../runtime/task/launch-spec.ts';
import { parseDnsSettings } from '../services/dns-settings.ts';
import { DEFAULT_DNS_SETTINGS, type DnsSettings } from '../services/resolv-conf.ts';
import { isNamedPipe } from './api/socket.ts';
import { parseListenAddress } from './metrics.ts';

export interface DaemonConfig {
  root: string;
  socket: string;
  /** A group (name or gid) whose members may use the socket besides root. */
  socketGroup?: string;
  layout: Layout;
  cgroupParent?: string;
  nodeName?: string;
  nodeLabels: Record<string, string>;
  serviceAccounts?: { localService?: string; networkService?: string };
  /** `host:port` for Prometheus metrics; '' turns them off. */
  metricsAddress: string;
  /** The static pod directory; '' turns it off. */
  staticPodDir: string;
  /** What an unknown field in a static pod file is (kubectl's `--validate`); default strict. */
  staticPodValidate: 'strict' | 'warn' | 'ignore';
  logRotation: LogRotation;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  insecureRegistries: string[];
  /** The certs.d folder of registry hosts.toml files (mirrors, TLS, headers). */
  registryConfigDir: string;
  serviceAccountTokenFile?: string;
  workspace?: 'auto' | 'overlay' | 'copy';
  /** Pods' resolv.conf: `clusterDNS`, `clusterDomain`, `resolvConf` (the kubelet's flags). */
  dns: DnsSettings;
}

export const DEFAULT_CONFIG_FILE = hostDefaults().configFile;

export const DEFAULTS: DaemonConfig = {
  root: hostDefaults().root,
  socket: hostDefaults().socket,
  layout: 'bind',
  nodeLabels: {},
  metricsAddress: '127.0.0.1:9470',
  staticPodDir: hostDefaults().staticPodDir,
  staticPodValidate: 'strict',
  logRotation: { maxBytes: 10 * 1024 * 1024, maxFiles: 5 },
  logLevel: 'info',
  insecureRegistries: [],
  registryConfigDir: hostDefaults().registryConfigDir,
  dns: DEFAULT_DNS_SETTINGS,
};

const KEYS = [
  'root',
  'socket',
  'socketGroup',
  'layout',
  'cgroupParent',
  'nodeName',
  'nodeLabels',
  'serviceAccounts',
  'metricsAddress',
  'staticPodDir',
  'staticPodValidate',
  'logMaxSize',
  'logMaxFiles',
  'logLevel',
  'insecureRegistries',
  'registryConfigDir',
  'serviceAccountTokenFile',
  'workspace',
  'clusterDNS',
  'clusterDomain',
  'resolvConf',
] as const;

/** Every key of the config file (each has its flag, see cli/commands/daemon.ts). */
export const CONFIG_KEYS: readonly string[] = KEYS;

const CONFIG_HINT = `known keys: ${KEYS.join(', ')} (contrib/config.yaml describes them; each has a flag of the same name)`;

type Raw = Partial<Record<(typeof KEYS)[number], unknown>>;

/**
 * Reads the config file. `required`: a missing file is an error (it was named on the command
 * line); else a missing default file means defaults. Throws `InvalidArgument` naming the key.
 */
export async function readConfigFile(path: string, required: boolean): Promise<Raw> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' && !required) return {};
    throw new RuntimeError(
      'InvalidArgument',
      `Cannot read the config file ${path}: ${errnoCode(e) ?? String(e)}`,
      {
        cause: e,
      },
    );
  }
  let v: unknown;
  try {
    v = jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA });
  } catch (e) {
    throw new RuntimeError('InvalidArgument', `Cannot read the config file ${path}: not YAML: ${String(e)}`);
  }
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new RuntimeError(
      'InvalidArgument',
      `Cannot read the config file ${path}: expected a mapping of keys`,
    );
  // Unknown keys are reported by buildConfig, with every other problem.
  return v as Raw;
}

/** Builds the configuration: defaults, then the file's keys, then the flags (both as `Raw`). */
export function buildConfig(file: Raw, flags: Raw, where: string): DaemonConfig {
  const problems: string[] = [];
  // Every bad key is reported, all at once, before anything is made.
  const step = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof RuntimeError) || e.code !== 'InvalidArgument') throw e;
      problems.push(e.message);
    }
  };
  for (const k of Object.keys(file))
    if (!(KEYS as readonly string[]).includes(k)) problems.push(`${where}: unknown key "${k}"`);
  const merged: Raw = { ...file };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
  const bad = (key: string, want: string) =>
    new RuntimeError('InvalidArgument', `${where}: ${key}: expected ${want}`);
  const str = (key: keyof Raw): string | undefined => {
    const v = merged[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw bad(key, 'a string');
    return v;
  };
  const c: DaemonConfig = { ...DEFAULTS, nodeLabels: {}, insecureRegistries: [] };
  step(() => {
    const root = str('root');
    if (root !== undefined) {
      if (!isAbsolute(root)) throw bad('root', 'an absolute path');
      c.root = root;
    }
  });
  step(() => {
    const socket = str('socket');
    if (socket !== undefined) {
      if (!isAbsolute(socket) && !isNamedPipe(socket))
        throw bad('socket', 'an absolute path or a named pipe (\\\\.\\pipe\\name)');
      c.socket = socket;
    }
  });
  step(() => {
    const group = merged.socketGroup;
    if (group !== undefined) {
      if (typeof group !== 'string' && typeof group !== 'number')
        throw bad('socketGroup', 'a group name or gid');
      c.socketGroup = String(group);
    }
  });
  step(() => {
    const layout = str('layout');
    if (layout !== undefined) {
      if (layout !== 'bind' && layout !== 'symlink') throw bad('layout', '"bind" or "symlink"');
      c.layout = layout;
    }
  });
  step(() => {
    const parent = str('cgroupParent');
    if (parent !== undefined) c.cgroupParent = parent;
  });
  step(() => {
    const nodeName = str('nodeName');
    if (nodeName !== undefined) c.nodeName = nodeName;
  });
  step(() => {
    const labels = merged.nodeLabels;
    if (labels !== undefined) {
      if (typeof labels !== 'object' || labels === null || Array.isArray(labels))
        throw bad('nodeLabels', 'a mapping of label → value');
      for (const [k, v] of Object.entries(labels)) {
        if (typeof v !== 'string') throw bad(`nodeLabels.${k}`, 'a string');
        c.nodeLabels[k] = v;
      }
    }
  });
  step(() => {
    const sa = merged.serviceAccounts;
    if (sa !== undefined) {
      if (typeof sa !== 'object' || sa === null || Array.isArray(sa))
        throw bad('serviceAccounts', 'a mapping with localService and networkService');
      const out: { localService?: string; networkService?: string } = {};
      for (const [k, v] of Object.entries(sa)) {
        if (k !== 'localService' && k !== 'networkService') throw bad(`serviceAccounts.${k}`, 'no such key');
        if (typeof v !== 'string') throw bad(`serviceAccounts.${k}`, 'a user name');
        out[k] = v;
      }
      c.serviceAccounts = out;
    }
  });
  step(() => {
    const metrics = str('metricsAddress');
    if (metrics !== undefined) {
      if (metrics !== '') {
        try {
          parseListenAddress(metrics);
        } catch (e) {
          throw bad('metricsAddress', `HOST:PORT with an IP address, or "" for none (${describeError(e)})`);
        }
      }
      c.metricsAddress = metrics;
    }
  });
  step(() => {
    const dir = str('staticPodDir');
    if (dir !== undefined) {
      if (dir !== '' && !isAbsolute(dir)) throw bad('staticPodDir', 'an absolute path, or "" for none');
      c.staticPodDir = dir;
    }
  });
  step(() => {
    const v = merged.staticPodValidate;
    if (v === undefined) return;
    if (typeof v !== 'string' && typeof v !== 'boolean')
      throw bad('staticPodValidate', 'strict, warn or ignore');
    try {
      c.staticPodValidate = parseFieldValidation(String(v), 'staticPodValidate');
    } catch {
      throw bad('staticPodValidate', 'strict, warn or ignore');
    }
  });
  step(() => {
    const size = merged.logMaxSize;
    if (size !== undefined) {
      const q = parseQuantity(String(size));
      const bytes = q.ok ? Number(integerValue(q.value)) : Number.NaN;
      if (!Number.isSafeInteger(bytes) || bytes < 1) throw bad('logMaxSize', 'a size such as 10Mi');
      c.logRotation = { ...c.logRotation, maxBytes: bytes };
    }
  });
  step(() => {
    const files = merged.logMaxFiles;
    if (files !== undefined) {
      const n = typeof files === 'number' ? files : Number(files);
      if (!Number.isSafeInteger(n) || n < 2 || n > 100) throw bad('logMaxFiles', 'a count from 2 to 100');
      c.logRotation = { ...c.logRotation, maxFiles: n };
    }
  });
  step(() => {
    const level = str('logLevel');
    if (level !== undefined) {
      if (!['debug', 'info', 'warn', 'error'].includes(level))
        throw bad('logLevel', 'debug, info, warn or error');
      c.logLevel = level as DaemonConfig['logLevel'];
    }
  });
  step(() => {
    const insecure = merged.insecureRegistries;
    if (insecure !== undefined) {
      if (!Array.isArray(insecure) || insecure.some((x) => typeof x !== 'string'))
        throw bad('insecureRegistries', 'a list of host[:port]');
      c.insecureRegistries = insecure as string[];
    }
  });
  step(() => {
    const registryDir = str('registryConfigDir');
    if (registryDir !== undefined) {
      if (!isAbsolute(registryDir)) throw bad('registryConfigDir', 'an absolute path');
      c.registryConfigDir = registryDir;
    }
  });
  step(() => {
    const token = str('serviceAccountTokenFile');
    if (token !== undefined) c.serviceAccountTokenFile = token;
  });
  step(() => {
    const ws = str('workspace');
    if (ws !== undefined) {
      if (ws !== 'auto' && ws !== 'overlay' && ws !== 'copy') throw bad('workspace', 'auto, overlay or copy');
      c.workspace = ws;
    }
  });
  step(() => {
    c.dns = parseDnsSettings(
      { clusterDNS: merged.clusterDNS, clusterDomain: merged.clusterDomain, resolvConf: merged.resolvConf },
      where,
    );
  });
  if (problems.length === 1) throw new RuntimeError('InvalidArgument', problems[0]!, { hint: CONFIG_HINT });
  if (problems.length > 1)
    throw new RuntimeError(
      'InvalidArgument',
      `the configuration has ${problems.length} problems: ${problems.join('; ')}`,
      { hint: CONFIG_HINT },
    );
  return c;
}
