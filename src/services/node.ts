/**
 * This node as the scheduler would see it: its labels, and whether a pod's `nodeSelector`,
 * required node affinity and `nodeName` fit it (pure).
 */
import { hostname, networkInterfaces } from 'node:os';
import type { NodeSelectorRequirement, PodSpec } from '../api/types.ts';

export interface NodeInfo {
  name: string;
  /** `kubernetes.io/os`, `kubernetes.io/arch`, `kubernetes.io/hostname` plus configured ones. */
  labels: Record<string, string>;
  /** The node's IP (the pod IP of a HostProcess pod). */
  ip: string;
}

/** Kubernetes' GOARCH names for Node.js's `process.arch`. */
export function goArch(arch: string): string {
  return (
    (
      { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<
        string,
        string
      >
    )[arch] ?? arch
  );
}

/** The first non-internal IPv4 address of the host (the pod IP of a HostProcess pod), else 127.0.0.1. */
export function hostIp(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** This host's node info: labels from the host plus `extraLabels`; `name` defaults to the host name. */
export function localNode(options: {
  arch: string;
  ip: string;
  /** `kubernetes.io/os` (default linux): the runtime platform's OS. */
  os?: 'linux' | 'windows';
  name?: string;
  extraLabels?: Record<string, string>;
}): NodeInfo {
  const name = options.name ?? hostname().toLowerCase();
  return {
    name,
    ip: options.ip,
    labels: {
      'kubernetes.io/os': options.os ?? 'linux',
      'kubernetes.io/arch': goArch(options.arch),
      'kubernetes.io/hostname': name,
      ...options.extraLabels,
    },
  };
}

function matches(req: NodeSelectorRequirement, labels: Record<string, string>): boolean {
  const v = labels[req.key];
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return v !== undefined && values.includes(v);
    case 'NotIn':
      return v === undefined || !values.includes(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
    case 'Gt':
    case 'Lt': {
      if (v === undefined || values[0] === undefined) return false;
      const a = Number.parseInt(v, 10);
      const b = Number.parseInt(values[0], 10);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return req.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/**
 * Why the pod does not fit this node, or undefined when it fits: `spec.nodeName`, every
 * `nodeSelector` label, and at least one term of the required node affinity.
 */
export function nodeMismatch(spec: PodSpec, node: NodeInfo): string | undefined {
  if (spec.nodeName && spec.nodeName.toLowerCase() !== node.name) {
    return `spec.nodeName is "${spec.nodeName}" but this node is "${node.name}"`;
  }
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) {
    if (node.labels[k] !== v) {
      return `nodeSelector ${k}=${v} does not match this node (${k}=${node.labels[k] ?? '<unset>'})`;
    }
  }
  const terms =
    spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && terms.length > 0) {
    const fits = terms.some((t) => (t.matchExpressions ?? []).every((r) => matches(r, node.labels)));
    if (!fits) {
      const first = terms[0]?.matchExpressions?.find((r) => !matches(r, node.labels));
      return `required node affinity does not match this node${first ? ` (${first.key} ${first.operator} [${(first.values ?? []).join(', ')}], node has ${first.key}=${node.labels[first.key] ?? '<unset>'})` : ''}`;
    }
  }
  return undefined;
}
