/**
 * A container's environment from the pod spec: literal values and `valueFrom` sources resolved
 * against the pod, this node and the object set (the kubelet's `makeEnvironmentVariables`).
 */
import type { Container, Pod } from '../api/types.ts';
import { RuntimeError } from '../errors.ts';
import type { EnvVar } from '../runtime/spec/types.ts';
import type { NodeInfo } from './node.ts';
import type { ObjectSet } from './object-set.ts';

export interface EnvContext {
  node: NodeInfo;
  objects: ObjectSet;
}

/** The value of a `fieldRef` path for this pod on this node. */
export function fieldRefValue(pod: Pod, node: NodeInfo, fieldPath: string): string | undefined {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2] ?? ''] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? 'default';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return node.name;
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? 'default';
    case 'status.hostIP':
    case 'status.hostIPs':
    case 'status.podIP':
    case 'status.podIPs':
      // A HostProcess pod has the node's network: its IP is the node's.
      return node.ip;
    default:
      return undefined;
  }
}

/**
 * The container's env, in order. Throws FailedPrecondition (the kubelet's
 * CreateContainerConfigError) for a source this version cannot resolve.
 */
export function resolveEnv(pod: Pod, container: Container, ctx: EnvContext): EnvVar[] {
  const { node } = ctx;
  const out: EnvVar[] = [];
  for (const e of container.env ?? []) {
    if (e.valueFrom === undefined) {
      out.push({ name: e.name, value: e.value ?? '' });
      continue;
    }
    const fr = e.valueFrom.fieldRef;
    const value = fr ? fieldRefValue(pod, node, fr.fieldPath) : undefined;
    if (value === undefined) {
      throw new RuntimeError(
        'FailedPrecondition',
        `CreateContainerConfigError: container "${container.name}": cannot resolve env ${e.name}: only literal values and fieldRef are supported by this version`,
        {
          hint: 'set the value literally, or use a fieldRef (metadata.name, spec.nodeName, status.podIP, …)',
        },
      );
    }
    out.push({ name: e.name, value });
  }
  if ((container.envFrom ?? []).length > 0) {
    throw new RuntimeError(
      'FailedPrecondition',
      `CreateContainerConfigError: container "${container.name}": envFrom is not supported by this version`,
    );
  }
  return out;
}
