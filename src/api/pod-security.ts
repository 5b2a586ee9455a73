/**
 * Pod Security Standards, evaluated as Pod Security Admission does
 * (k8s.io/pod-security-admission/policy): each check has an ID, a level, and on failure a
 * forbidden reason and detail in PSA's words.
 */
import type { Container, PodSpec } from './types.ts';

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';
export const POD_SECURITY_LEVELS: readonly PodSecurityLevel[] = ['privileged', 'baseline', 'restricted'];

/** A failed check. */
export interface PodSecurityViolation {
  check: string;
  level: 'baseline' | 'restricted';
  reason: string;
  detail: string;
}

export interface PodSecurityResult {
  level: PodSecurityLevel;
  allowed: boolean;
  violations: PodSecurityViolation[];
}

const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
]);
/** Volume sources outside hostpod's model that restricted still allows. */
const RESTRICTED_OK_VOLUMES = ['csi', 'ephemeral'];

function allContainers(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers, ...(spec.ephemeralContainers ?? [])];
}

/** `"a", "b"` */
function joinQuote(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(', ');
}
function containers(names: readonly string[]): string {
  return `${names.length === 1 ? 'container' : 'containers'} ${joinQuote(names)}`;
}

type Check = (spec: PodSpec) => { reason: string; detail: string } | undefined;

const baseline: Record<string, Check> = {
  windowsHostProcess(spec) {
    const bad = allContainers(spec)
      .filter((c) => c.securityContext?.windowsOptions?.hostProcess === true)
      .map((c) => c.name);
    const setters: string[] = [];
    if (spec.securityContext?.windowsOptions?.hostProcess === true) setters.push('pod');
    if (bad.length > 0) setters.push(containers(bad));
    return setters.length > 0
      ? {
          reason: 'hostProcess',
          detail: `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`,
        }
      : undefined;
  },
  hostNamespaces(spec) {
    const ns = [
      spec.hostIPC && 'hostIPC',
      spec.hostNetwork && 'hostNetwork',
      spec.hostPID && 'hostPID',
    ].filter((x): x is string => typeof x === 'string');
    return ns.length > 0 ? { reason: 'host namespaces', detail: ns.join(', ') } : undefined;
  },
  privileged(spec) {
    const bad = allContainers(spec)
      .filter((c) => c.securityContext?.privileged === true)
      .map((c) => c.name);
    return bad.length > 0
      ? { reason: 'privileged', detail: `${containers(bad)} must not set securityContext.privileged=true` }
      : undefined;
  },
  capabilities_baseline(spec) {
    const bad: string[] = [];
    const caps = new Set<string>();
    for (const c of allContainers(spec)) {
      const add = (c.securityContext?.capabilities?.add ?? []).filter((a) => !BASELINE_CAPABILITIES.has(a));
      if (add.length > 0) {
        bad.push(c.name);
        for (const a of add) caps.add(a);
      }
    }
    return bad.length > 0
      ? {
          reason: 'non-default capabilities',
          detail: `${containers(bad)} must not include ${joinQuote([...caps].sort())} in securityContext.capabilities.add`,
        }
      : undefined;
  },
  hostPathVolumes(spec) {
    const bad = (spec.volumes ?? []).filter((v) => v.hostPath).map((v) => v.name);
    return bad.length > 0
      ? { reason: 'hostPath volumes', detail: `${bad.length === 1 ? 'volume' : 'volumes'} ${joinQuote(bad)}` }
      : undefined;
  },
  hostPorts(spec) {
    const bad: string[] = [];
    const ports: number[] = [];
    for (const c of allContainers(spec)) {
      const hp = (c.ports ?? []).map((p) => p.hostPort ?? 0).filter((p) => p !== 0);
      if (hp.length > 0) {
        bad.push(c.name);
        ports.push(...hp);
      }
    }
    return bad.length > 0
      ? {
          reason: 'hostPort',
          detail: `${containers(bad)} ${ports.length === 1 ? 'uses hostPort' : 'use hostPorts'} ${ports.join(', ')}`,
        }
      : undefined;
  },
  procMount(spec) {
    const bad = allContainers(spec)
      .filter((c) => c.securityContext?.procMount !== undefined && c.securityContext.procMount !== 'Default')
      .map((c) => c.name);
    return bad.length > 0
      ? {
          reason: 'procMount',
          detail: `${containers(bad)} must not set securityContext.procMount to "Unmasked"`,
        }
      : undefined;
  },
  seccompProfile_baseline(spec) {
    const setters: string[] = [];
    if (spec.securityContext?.seccompProfile?.type === 'Unconfined') setters.push('pod');
    const bad = allContainers(spec)
      .filter((c) => c.securityContext?.seccompProfile?.type === 'Unconfined')
      .map((c) => c.name);
    if (bad.length > 0) setters.push(containers(bad));
    return setters.length > 0
      ? {
          reason: 'seccompProfile',
          detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to "Unconfined"`,
        }
      : undefined;
  },
  sysctls(spec) {
    const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !SAFE_SYSCTLS.has(n));
    return bad.length > 0 ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : undefined;
  },
};

const restricted: Record<string, Check> = {
  restrictedVolumes(spec) {
    const bad = (spec.volumes ?? [])
      .filter(
        (v) =>
          !(
            v.configMap ||
            v.downwardAPI ||
            v.emptyDir ||
            v.persistentVolumeClaim ||
            v.projected ||
            v.secret
          ) && !v.otherSources.some((k) => RESTRICTED_OK_VOLUMES.includes(k)),
      )
      .map((v) => v.name)
      .sort();
    return bad.length > 0
      ? {
          reason: 'restricted volume types',
          detail: `volumes [${bad.map((n) => JSON.stringify(n)).join(' ')}] have restricted types`,
        }
      : undefined;
  },
  allowPrivilegeEscalation(spec) {
    if (spec.os?.name === 'windows') return undefined;
    const bad = allContainers(spec)
      .filter((c) => c.securityContext?.allowPrivilegeEscalation !== false)
      .map((c) => c.name);
    return bad.length > 0
      ? {
          reason: 'allowPrivilegeEscalation != false',
          detail: `${containers(bad)} must set securityContext.allowPrivilegeEscalation=false`,
        }
      : undefined;
  },
  runAsNonRoot(spec) {
    const podTrue = spec.securityContext?.runAsNonRoot === true;
    const setters: string[] = [];
    if (spec.securityContext?.runAsNonRoot === false) setters.push('pod');
    const explicit = allContainers(spec)
      .filter((c) => c.securityContext?.runAsNonRoot === false)
      .map((c) => c.name);
    if (explicit.length > 0) setters.push(containers(explicit));
    if (setters.length > 0) {
      return {
        reason: 'runAsNonRoot != true',
        detail: `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false`,
      };
    }
    const implicit = allContainers(spec)
      .filter((c) => c.securityContext?.runAsNonRoot === undefined && !podTrue)
      .map((c) => c.name);
    return implicit.length > 0
      ? {
          reason: 'runAsNonRoot != true',
          detail: `pod or ${containers(implicit)} must set securityContext.runAsNonRoot=true`,
        }
      : undefined;
  },
  runAsUser(spec) {
    const setters: string[] = [];
    if (spec.securityContext?.runAsUser === 0) setters.push('pod');
    const bad = allContainers(spec)
      .filter((c) => c.securityContext?.runAsUser === 0)
      .map((c) => c.name);
    if (bad.length > 0) setters.push(containers(bad));
    return setters.length > 0
      ? { reason: 'runAsUser=0', detail: `${setters.join(' and ')} must not set runAsUser=0` }
      : undefined;
  },
  seccompProfile_restricted(spec) {
    if (spec.os?.name === 'windows') return undefined;
    const ok = (t: string | undefined) => t === 'RuntimeDefault' || t === 'Localhost';
    const podOk = ok(spec.securityContext?.seccompProfile?.type);
    const bad = allContainers(spec)
      .filter((c) =>
        c.securityContext?.seccompProfile?.type === undefined
          ? !podOk
          : !ok(c.securityContext.seccompProfile.type),
      )
      .map((c) => c.name);
    return bad.length > 0
      ? {
          reason: 'seccompProfile',
          detail: `pod or ${containers(bad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
        }
      : undefined;
  },
  capabilities_restricted(spec) {
    if (spec.os?.name === 'windows') return undefined;
    const noDrop = allContainers(spec)
      .filter((c) => !(c.securityContext?.capabilities?.drop ?? []).includes('ALL'))
      .map((c) => c.name);
    const badAdd: string[] = [];
    const caps = new Set<string>();
    for (const c of allContainers(spec)) {
      const add = (c.securityContext?.capabilities?.add ?? []).filter((a) => a !== 'NET_BIND_SERVICE');
      if (add.length > 0) {
        badAdd.push(c.name);
        for (const a of add) caps.add(a);
      }
    }
    const details: string[] = [];
    if (noDrop.length > 0)
      details.push(`${containers(noDrop)} must set securityContext.capabilities.drop=["ALL"]`);
    if (badAdd.length > 0)
      details.push(
        `${containers(badAdd)} must not include ${joinQuote([...caps].sort())} in securityContext.capabilities.add`,
      );
    return details.length > 0
      ? { reason: 'unrestricted capabilities', detail: details.join('; ') }
      : undefined;
  },
};

/**
 * Evaluates a pod spec against a Pod Security Standards level: `privileged` admits everything,
 * `baseline` runs the baseline checks, `restricted` the baseline and restricted checks.
 */
export function evaluatePodSecurity(spec: PodSpec, level: PodSecurityLevel): PodSecurityResult {
  const violations: PodSecurityViolation[] = [];
  if (level !== 'privileged') {
    for (const [check, fn] of Object.entries(baseline)) {
      const r = fn(spec);
      if (r) violations.push({ check, level: 'baseline', ...r });
    }
  }
  if (level === 'restricted') {
    for (const [check, fn] of Object.entries(restricted)) {
      const r = fn(spec);
      if (r) violations.push({ check, level: 'restricted', ...r });
    }
  }
  return { level, allowed: violations.length === 0, violations };
}

/** PSA's one-line summary: `violates PodSecurity "baseline:latest": host namespaces (hostNetwork), …` */
export function formatPodSecurity(r: PodSecurityResult): string {
  if (r.allowed) return `admitted by PodSecurity "${r.level}:latest"`;
  return `violates PodSecurity "${r.level}:latest": ${r.violations.map((v) => `${v.reason} (${v.detail})`).join(', ')}`;
}
