/**
 * Maps a container of the Pod model onto what the runtime needs (`ContainerInput`), resolving
 * env values from the pod itself (`fieldRef`) and the effective `runAsUserName`.
 */
import type { Container, Pod } from '../api/types.ts';
import type { ContainerInput } from '../runtime/spec/types.ts';
import { resolveEnv } from './env.ts';
import type { NodeInfo } from './node.ts';
import { emptyObjectSet, type ObjectSet } from './object-set.ts';

/** The effective runAsUserName: the container's own, else the pod's. */
export function effectiveRunAsUserName(pod: Pod, container: Container): string | undefined {
  return (
    container.securityContext?.windowsOptions?.runAsUserName ??
    pod.spec.securityContext?.windowsOptions?.runAsUserName
  );
}

/** Builds the runtime's view of a container. `mounts` are the volumes already prepared on the host. */
export function containerInput(
  pod: Pod,
  container: Container,
  id: string,
  node: NodeInfo,
  mounts: ContainerInput['mounts'] = [],
  objects: ObjectSet = emptyObjectSet(),
): ContainerInput {
  const user = effectiveRunAsUserName(pod, container);
  return {
    name: container.name,
    id,
    command: container.command ?? [],
    args: container.args ?? [],
    ...(container.workingDir ? { workingDir: container.workingDir } : {}),
    env: resolveEnv(pod, container, { node, objects }),
    ...(user !== undefined ? { runAsUserName: user } : {}),
    annotations: pod.metadata.annotations ?? {},
    mounts,
  };
}
