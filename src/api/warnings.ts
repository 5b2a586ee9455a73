/**
 * hostpod's warnings: HostProcess pitfalls that the API server accepts but that break at run
 * time. Codes are stable; each is documented in docs/lint.md with the reason and the fix.
 */

import { SUPPORTED_VOLUME_SOURCES } from './decode-pod.ts';
import { type FieldPath, formatPath } from './field-path.ts';
import type { Container, Pod } from './types.ts';
import { containersWithPath } from './visit-containers.ts';

export interface LintWarning {
  code: string;
  /** Path from the object root. */
  path: FieldPath;
  message: string;
}

/** Every warning code with a one-line summary (the long form is in docs/lint.md). */
export const WARNING_CODES = {
  HP001: 'cluster DNS name used by a HostProcess pod that resolves with the host resolver',
  HP002: 'no kubernetes.io/os node selection',
  HP003: 'service-account token read from its standard path, which only the bind layout provides',
  HP004: 'named-pipe or unix-socket hostPath volume',
  HP005: 'runAsUserName is not one of the known accounts',
  HP006: 'image with the tag latest or no tag',
  HP007: 'unknown field',
  HP008: 'volume type hostpod does not provide',
  HP009: 'pod has no HostProcess containers',
  HP010: 'pod selects Windows nodes (kubernetes.io/os: windows), which hostpod is not',
} as const;

const KNOWN_ACCOUNTS = ['system', 'localservice', 'local service', 'networkservice', 'network service'];
const CLUSTER_DNS_RE =
  /\b[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\.(svc|svc\.cluster\.local|cluster\.local)\b/i;
const TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

/** True when the runAsUserName names an `NT AUTHORITY` account hostpod maps. */
export function isKnownAccount(name: string): boolean {
  const parts = name.split('\\');
  return (
    parts.length === 2 &&
    parts[0] === 'NT AUTHORITY' &&
    KNOWN_ACCOUNTS.includes((parts[1] ?? '').toLowerCase())
  );
}

/** True when any container of the pod is a HostProcess container (explicitly or inherited). */
export function isHostProcessPod(pod: Pod): boolean {
  const podHpc = pod.spec.securityContext?.windowsOptions?.hostProcess;
  return containersWithPath(pod.spec, []).some(({ container }) => {
    const c = container.securityContext?.windowsOptions?.hostProcess;
    return c === true || (c === undefined && podHpc === true);
  });
}

function imageIsMutable(image: string): boolean {
  if (image.includes('@')) return false;
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon < 0 || image.slice(colon + 1) === 'latest';
}

function stringsOf(c: Container): { path: FieldPath; value: string }[] {
  const out: { path: FieldPath; value: string }[] = [];
  for (const [i, v] of (c.command ?? []).entries()) out.push({ path: ['command', i], value: v });
  for (const [i, v] of (c.args ?? []).entries()) out.push({ path: ['args', i], value: v });
  (c.env ?? []).forEach((e, i) => {
    if (e.value !== undefined) out.push({ path: ['env', i, 'value'], value: e.value });
  });
  return out;
}

/** The warnings for one workload's pod; paths are from the object root (`specPath` prefixes them). */
export function workloadWarnings(
  pod: Pod,
  specPath: FieldPath,
  unknownFields: readonly FieldPath[],
): LintWarning[] {
  const out: LintWarning[] = [];
  const spec = pod.spec;
  for (const f of unknownFields)
    out.push({ code: 'HP007', path: f, message: `unknown field "${formatPath(f)}"` });

  const hpc = isHostProcessPod(pod);
  if (!hpc) {
    out.push({
      code: 'HP009',
      path: specPath,
      message:
        'pod has no HostProcess containers; hostpod runs only HostProcess pods (set securityContext.windowsOptions.hostProcess: true and hostNetwork: true)',
    });
  }

  const containers = containersWithPath(spec, specPath);
  for (const { container, path } of containers) {
    if (container.image && imageIsMutable(container.image)) {
      out.push({
        code: 'HP006',
        path: [...path, 'image'],
        message: `image "${container.image}" has ${container.image.includes(':') ? 'the tag latest' : 'no tag'}: every node may run a different build; pin a tag or a digest`,
      });
    }
    if (!hpc) continue;
    const user =
      container.securityContext?.windowsOptions?.runAsUserName ??
      spec.securityContext?.windowsOptions?.runAsUserName;
    const userPath =
      container.securityContext?.windowsOptions?.runAsUserName !== undefined
        ? [...path, 'securityContext', 'windowsOptions', 'runAsUserName']
        : [...specPath, 'securityContext', 'windowsOptions', 'runAsUserName'];
    if (user !== undefined && user !== '' && !isKnownAccount(user) && !user.includes('\\')) {
      out.push({
        code: 'HP005',
        path: userPath,
        message: `runAsUserName "${user}" is not NT AUTHORITY\\SYSTEM, Local Service or Network Service: it must name a local group that exists on the node when the container starts (an ephemeral user is created in it), or the start fails`,
      });
    } else if (user?.includes('\\') && !isKnownAccount(user)) {
      out.push({
        code: 'HP005',
        path: userPath,
        message: `runAsUserName "${user}" is not a known account: only NT AUTHORITY\\SYSTEM, NT AUTHORITY\\Local Service, NT AUTHORITY\\Network Service or a local group name can start a HostProcess container`,
      });
    }
    for (const s of stringsOf(container)) {
      const m = CLUSTER_DNS_RE.exec(s.value);
      if (m && spec.dnsPolicy !== 'ClusterFirstWithHostNet') {
        out.push({
          code: 'HP001',
          path: [...path, ...s.path],
          message: `"${m[0]}" is a cluster DNS name, but a HostProcess pod resolves names with the host's resolver (dnsPolicy ${spec.dnsPolicy}); use an IP or the node's DNS, or set dnsPolicy: ClusterFirstWithHostNet (honoured by hostpod's bind layout only)`,
        });
      }
      if (s.value.includes(TOKEN_PATH) && !s.value.includes('CONTAINER_SANDBOX_MOUNT_POINT')) {
        out.push({
          code: 'HP003',
          path: [...path, ...s.path],
          message: `reads the service-account token at ${TOKEN_PATH}, which exists only in the bind layout; under the symlink layout (containerd 1.6, hostpod --layout symlink) read it in a shell as "\${CONTAINER_SANDBOX_MOUNT_POINT}${TOKEN_PATH}", which works in both`,
        });
      }
    }
  }

  if (hpc) {
    const osSelected =
      spec.nodeSelector?.['kubernetes.io/os'] !== undefined ||
      (
        spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []
      ).some((t) => (t.matchExpressions ?? []).some((e) => e.key === 'kubernetes.io/os'));
    const windowsSelector = spec.nodeSelector?.['kubernetes.io/os'] === 'windows';
    const windowsAffinity = (
      spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []
    ).some((t) =>
      (t.matchExpressions ?? []).some(
        (e) =>
          e.key === 'kubernetes.io/os' &&
          e.operator === 'In' &&
          (e.values ?? []).length > 0 &&
          (e.values ?? []).every((v) => v === 'windows'),
      ),
    );
    if (windowsSelector || windowsAffinity) {
      out.push({
        code: 'HP010',
        path: windowsSelector
          ? [...specPath, 'nodeSelector', 'kubernetes.io/os']
          : [...specPath, 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution'],
        message:
          'selects Windows nodes (kubernetes.io/os: windows): a hostpod node is linux, so hostpod refuses the pod; to run it here remove the selector or set it to linux (or label the node: hostpod daemon --node-label kubernetes.io/os=windows, nodeLabels in its config)',
      });
    }
    if (!osSelected) {
      out.push({
        code: 'HP002',
        path: specPath,
        message:
          'no kubernetes.io/os in nodeSelector or required nodeAffinity: in a mixed cluster this HostProcess pod can land on nodes whose runtime cannot run it; select the OS by label',
      });
    }
  }

  (spec.volumes ?? []).forEach((v, i) => {
    const vp = [...specPath, 'volumes', i];
    if (
      v.hostPath &&
      (v.hostPath.type === 'Socket' ||
        v.hostPath.path.startsWith('\\\\.\\pipe\\') ||
        v.hostPath.path.startsWith('//./pipe/'))
    ) {
      out.push({
        code: 'HP004',
        path: [...vp, 'hostPath'],
        message: `hostPath "${v.hostPath.path}" is a ${v.hostPath.type === 'Socket' ? 'unix socket' : 'named pipe'}: HostProcess containers cannot mount sockets or pipes; use the host path directly from the container`,
      });
    }
    for (const other of v.persistentVolumeClaim
      ? [...v.otherSources, 'persistentVolumeClaim']
      : v.otherSources) {
      if (!SUPPORTED_VOLUME_SOURCES.includes(other)) {
        out.push({
          code: 'HP008',
          path: [...vp, other],
          message: `volume type "${other}" is not provided by hostpod; the pod cannot start`,
        });
      }
    }
  });
  return out;
}
