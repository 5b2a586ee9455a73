/**
 * A pod's resolver configuration built the kubelet's way (pkg/kubelet/network/dns): from the
 * node's settings (`--cluster-dns`, `--cluster-domain`, `--resolv-conf`), the pod's `dnsPolicy`
 * and `dnsConfig`, then written as containerd writes a sandbox's `resolv.conf`. Pure.
 */
import type { Pod } from '../api/types.ts';
import { hostDefaults } from '../lib/host-os.ts';

/** The node's DNS settings: the kubelet's flags of the same names. */
export interface DnsSettings {
  /** `--cluster-dns`: the cluster DNS service's IPs; empty = none configured. */
  clusterDNS: readonly string[];
  /** `--cluster-domain` (e.g. `cluster.local`); '' = none. */
  clusterDomain: string;
  /** `--resolv-conf`: the host file pods' settings start from; '' = none (pods then get 127.0.0.1). */
  resolvConf: string;
}

/** The kubelet's defaults: no cluster DNS, no cluster domain, the host's /etc/resolv.conf. */
export const DEFAULT_DNS_SETTINGS: DnsSettings = {
  clusterDNS: [],
  clusterDomain: '',
  // Windows has no resolver file: pods use the host's DNS as the node's HostProcess pods do.
  resolvConf: hostDefaults().resolvConf,
};

/** The runtime's DNS config (CRI `DNSConfig`). */
export interface DnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

/** A Kubernetes event the kubelet would raise while forming the config. */
export interface DnsWarning {
  reason: 'DNSConfigForming' | 'MissingClusterDNS';
  message: string;
}

/** What the pod gets: a config, or the host's own file as it is. */
export type PodDns =
  | { kind: 'host-file'; warnings: DnsWarning[] }
  | { kind: 'config'; config: DnsConfig; warnings: DnsWarning[] };

const MAX_NAMESERVERS = 3;
const MAX_SEARCH_PATHS = 32;
const MAX_SEARCH_CHARS = 2048;
/** DNS1123SubdomainMaxLength: longer search paths make some C libraries abort. */
const MAX_SEARCH_PATH_LENGTH = 253;

/**
 * Parses a resolv.conf as the kubelet does: `nameserver` lines accumulate, the last `search`
 * and `options` lines win, a line starting with `#` is a comment, a search path's trailing dot is
 * dropped.
 */
export function parseResolvConf(text: string): DnsConfig {
  const out: DnsConfig = { servers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) continue;
    const fields = trimmed.split(/\s+/).filter(Boolean);
    const [key, ...rest] = fields;
    if (key === 'nameserver' && rest[0] !== undefined) out.servers.push(rest[0]);
    if (key === 'search') out.searches = rest.map((s) => (s.endsWith('.') ? s.slice(0, -1) : s));
    if (key === 'options') out.options = rest;
  }
  return out;
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/**
 * The pod's DNS, by the kubelet's `GetPodDNS`: `None` starts empty; `ClusterFirstWithHostNet`
 * (and `ClusterFirst` off the host network) uses the cluster DNS servers, the searches
 * `<ns>.svc.<domain> svc.<domain> <domain>` then the host's, and `ndots:5` — or, without cluster
 * DNS, falls back to `Default` with a `MissingClusterDNS` warning; `Default` (and `ClusterFirst`
 * on the host network, as every HostProcess pod is) uses the host's. `dnsConfig` is then merged
 * in (servers and searches appended without duplicates, options by name, the pod's winning), and
 * the limits applied (3 servers; 32 searches, 2048 characters, none longer than 253) with a
 * `DNSConfigForming` warning. A host-based result with nothing merged is the host's file itself
 * (`host-file`): the container sees the host's `/etc/resolv.conf`, live.
 * `hostFile` is the text of `settings.resolvConf` (undefined when it is '').
 */
export function buildPodDns(pod: Pod, settings: DnsSettings, hostFile: string | undefined): PodDns {
  const warnings: DnsWarning[] = [];
  const { spec } = pod;
  const host =
    settings.resolvConf === '' || hostFile === undefined ? emptyConfig() : parseResolvConf(hostFile);
  let type: 'none' | 'cluster' | 'host' =
    spec.dnsPolicy === 'None'
      ? 'none'
      : spec.dnsPolicy === 'Default' || (spec.dnsPolicy === 'ClusterFirst' && spec.hostNetwork === true)
        ? 'host'
        : 'cluster';
  let config = host;
  if (type === 'none') config = emptyConfig();
  if (type === 'cluster') {
    if (settings.clusterDNS.length > 0) {
      config = {
        servers: [...settings.clusterDNS],
        searches: clusterSearches(host.searches, pod.metadata.namespace ?? 'default', settings.clusterDomain),
        options: ['ndots:5'],
      };
    } else {
      warnings.push({
        reason: 'MissingClusterDNS',
        message: `pod: "${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? 'default'}". hostpod does not have ClusterDNS IP configured (clusterDNS, --cluster-dns) and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`,
      });
      type = 'host';
    }
  }
  if (type === 'host' && settings.resolvConf === '')
    config = { servers: ['127.0.0.1'], searches: ['.'], options: [] };
  const extra = spec.dnsConfig;
  if (type === 'host' && settings.resolvConf !== '' && extra === undefined)
    return { kind: 'host-file', warnings };
  if (extra !== undefined) {
    config = {
      servers: unique([...config.servers, ...(extra.nameservers ?? [])]),
      searches: unique([...config.searches, ...(extra.searches ?? [])]),
      options: mergeOptions(config.options, extra.options ?? []),
    };
  }
  return { kind: 'config', config: fitLimits(config, warnings), warnings };
}

function emptyConfig(): DnsConfig {
  return { servers: [], searches: [], options: [] };
}

function clusterSearches(hostSearches: readonly string[], namespace: string, domain: string): string[] {
  if (domain === '') return [...hostSearches];
  return unique([`${namespace}.svc.${domain}`, `svc.${domain}`, domain, ...hostSearches]);
}

/**
 * The kubelet's `mergeDNSOptions`: options by name (`name` or `name:value`), the pod's replacing
 * the base's. The kubelet lists them in a Go map's (random) order; here the base's order is
 * kept and new names follow in the pod's order.
 */
function mergeOptions(base: readonly string[], pod: readonly { name: string; value?: string }[]): string[] {
  const byName = new Map<string, string>();
  for (const op of base) {
    const i = op.indexOf(':');
    if (i === -1) byName.set(op, '');
    else byName.set(op.slice(0, i), op.slice(i + 1));
  }
  for (const op of pod) byName.set(op.name, op.value ?? '');
  return [...byName].map(([name, value]) => (value === '' ? name : `${name}:${value}`));
}

function fitLimits(c: DnsConfig, warnings: DnsWarning[]): DnsConfig {
  let servers = c.servers;
  if (servers.length > MAX_NAMESERVERS) {
    servers = servers.slice(0, MAX_NAMESERVERS);
    warnings.push({
      reason: 'DNSConfigForming',
      message: `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${servers.join(' ')}`,
    });
  }
  let searches = c.searches;
  let exceeded = false;
  if (searches.length > MAX_SEARCH_PATHS) {
    searches = searches.slice(0, MAX_SEARCH_PATHS);
    exceeded = true;
  }
  const short = searches.filter((s) => s.length <= MAX_SEARCH_PATH_LENGTH);
  if (short.length !== searches.length) exceeded = true;
  searches = short;
  // Whole paths are cut from the end until the line fits.
  while (searches.join(' ').length > MAX_SEARCH_CHARS) {
    searches = searches.slice(0, -1);
    exceeded = true;
  }
  if (exceeded) {
    warnings.push({
      reason: 'DNSConfigForming',
      message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(' ')}`,
    });
  }
  return { servers, searches, options: c.options };
}

/** The file containerd writes for a sandbox's DNS config: search, nameserver lines, options. */
export function formatResolvConf(c: DnsConfig): string {
  let out = '';
  if (c.searches.length > 0) out += `search ${c.searches.join(' ')}\n`;
  for (const s of c.servers) out += `nameserver ${s}\n`;
  if (c.options.length > 0) out += `options ${c.options.join(' ')}\n`;
  return out;
}
