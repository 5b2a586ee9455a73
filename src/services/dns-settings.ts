/**
 * The node's DNS settings from configuration — the kubelet's `--cluster-dns`, `--cluster-domain`
 * and `--resolv-conf` — checked before anything runs.
 */
import { isIP } from 'node:net';
import { dns1123SubdomainErrors } from '../api/names.ts';
import { RuntimeError } from '../errors.ts';
import { DEFAULT_DNS_SETTINGS, type DnsSettings } from './resolv-conf.ts';

export interface RawDnsSettings {
  /** A list of IPs, or one string of comma-separated IPs (the kubelet flag's form). */
  clusterDNS?: unknown;
  clusterDomain?: unknown;
  resolvConf?: unknown;
}

/**
 * Parses the three settings (absent ones take the kubelet's defaults: no cluster DNS, no
 * domain, `/etc/resolv.conf`). `where` names the source in errors (a config file, "flags").
 * Throws `InvalidArgument` naming the key: an IP that is not one, a domain that is not a DNS
 * subdomain, a resolvConf that is neither an absolute path nor "".
 */
export function parseDnsSettings(raw: RawDnsSettings, where: string): DnsSettings {
  const bad = (key: string, want: string, got: unknown) =>
    new RuntimeError('InvalidArgument', `${where}: ${key}: expected ${want}, got ${JSON.stringify(got)}`);
  const out: DnsSettings = { ...DEFAULT_DNS_SETTINGS, clusterDNS: [] };
  if (raw.clusterDNS !== undefined) {
    const list =
      typeof raw.clusterDNS === 'string'
        ? raw.clusterDNS
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : raw.clusterDNS;
    if (!Array.isArray(list) || list.some((ip) => typeof ip !== 'string' || isIP(ip) === 0))
      throw bad(
        'clusterDNS',
        'a list of IP addresses (the cluster DNS service, e.g. 10.96.0.10)',
        raw.clusterDNS,
      );
    out.clusterDNS = list as string[];
  }
  if (raw.clusterDomain !== undefined) {
    const d = raw.clusterDomain;
    const name = typeof d === 'string' && d.endsWith('.') ? d.slice(0, -1) : d;
    if (typeof name !== 'string' || (name !== '' && dns1123SubdomainErrors(name).length > 0))
      throw bad('clusterDomain', 'a DNS domain such as cluster.local', d);
    out.clusterDomain = name;
  }
  if (raw.resolvConf !== undefined) {
    const f = raw.resolvConf;
    if (typeof f !== 'string' || (f !== '' && !f.startsWith('/')))
      throw bad('resolvConf', 'an absolute path, or "" for none', f);
    out.resolvConf = f;
  }
  return out;
}
