/**
 * The pod's `resolv.conf` on the host: built by `resolv-conf.ts` from the node's settings and the
 * pod's DNS fields, written into the pod's directory, and bound over `/etc/resolv.conf` in each
 * container's private view (bind layout). The host's own `/etc/resolv.conf` is never touched, and
 * `/etc/hosts` and `/etc/hostname` are never bound: node agents edit the host's.
 */
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from '../api/types.ts';
import { errnoCode, RuntimeError } from '../errors.ts';
import type { Layout, VolumeMount } from '../runtime/spec/types.ts';
import { buildPodDns, DEFAULT_DNS_SETTINGS, type DnsSettings, formatResolvConf } from './resolv-conf.ts';

export const RESOLV_CONF_PATH = '/etc/resolv.conf';

export interface PodDnsMount {
  /** The bind of the pod's file over `/etc/resolv.conf`, or undefined: the host's file is seen. */
  mount?: VolumeMount;
  /** Warnings as Kubernetes events (`reason`, `message`). */
  warnings: { reason: string; message: string }[];
}

/**
 * Prepares the pod's resolver configuration in `podDir` (`resolv.conf`, 0644, replaced
 * atomically so a running container keeps the file it has). Nothing is made when the pod sees the
 * host's file as is (`Default`, or `ClusterFirst` on the host network, without `dnsConfig`). In the
 * symlink layout a container's `/etc` is the host's: a pod that would need its own file gets a
 * warning saying it uses the host's. Throws `FailedPrecondition` when the node's `resolvConf`
 * cannot be read and the pod's settings need it.
 */
export async function preparePodDns(
  pod: Pod,
  options: { settings?: DnsSettings; layout: Layout; podDir: string },
): Promise<PodDnsMount> {
  const settings = options.settings ?? DEFAULT_DNS_SETTINGS;
  let hostFile: string | undefined;
  if (settings.resolvConf !== '' && pod.spec.dnsPolicy !== 'None') {
    try {
      hostFile = await readFile(settings.resolvConf, 'utf8');
    } catch (err) {
      throw new RuntimeError(
        'FailedPrecondition',
        `Cannot form the DNS configuration of pod "${pod.metadata.name ?? ''}": cannot read ${settings.resolvConf}: ${errnoCode(err) ?? String(err)}`,
        {
          hint: 'set resolvConf (--resolv-conf) to the host resolver file pods start from, or "" for none',
          cause: err,
        },
      );
    }
  }
  const dns = buildPodDns(pod, settings, hostFile);
  const warnings = [...dns.warnings];
  if (dns.kind === 'host-file') return { warnings };
  if (options.layout === 'symlink') {
    warnings.push({
      reason: 'DNSConfigForming',
      message: `dnsPolicy "${pod.spec.dnsPolicy}"${pod.spec.dnsConfig ? ' with dnsConfig' : ''} is not applied in the symlink layout: the containers use the host's ${RESOLV_CONF_PATH} (use the bind layout)`,
    });
    return { warnings };
  }
  const file = join(options.podDir, 'resolv.conf');
  const tmp = `${file}.tmp`;
  await writeFile(tmp, formatResolvConf(dns.config));
  // Every container of the pod reads it, whatever its account (the umask may be stricter).
  await chmod(tmp, 0o644);
  await rename(tmp, file);
  return {
    mount: {
      hostPath: file,
      mountPath: RESOLV_CONF_PATH,
      // Read-only: a program that edits /etc/resolv.conf meaning the host's gets EROFS instead
      // of silently changing only the pod's copy.
      readOnly: true,
      propagation: 'private',
      replacesHostPath: true,
    },
    warnings,
  };
}

/**
 * `volumes` with the pod's resolv.conf bound into each container, after its own volumes — unless
 * the container mounts a volume at `/etc/resolv.conf` itself (as containerd leaves a CRI mount
 * of it alone), or a Bidirectional volume holding it (the bind would reach the host).
 */
export function withPodDns<V extends { mountsFor(container: string): VolumeMount[] }>(
  volumes: V,
  dns: PodDnsMount,
): V {
  const mount = dns.mount;
  if (mount === undefined) return volumes;
  return {
    ...volumes,
    mountsFor(container: string): VolumeMount[] {
      const own = volumes.mountsFor(container);
      const covers = (m: VolumeMount) => {
        const p = m.mountPath.replace(/\/+$/, '') || '/';
        // The container's own file there, or a Bidirectional volume above it: a bind of the pod's
        // file inside that would appear on the host, over the host's own resolv.conf.
        return (
          p === RESOLV_CONF_PATH ||
          (m.propagation === 'shared' && (p === '/' || RESOLV_CONF_PATH.startsWith(`${p}/`)))
        );
      };
      return own.some(covers) ? own : [...own, mount];
    },
  };
}
