/**
 * Maps a container of the Pod model onto what the runtime needs (`ContainerInput`): its env
 * resolved (see env.ts), `$(VAR)` expanded in command and args, the effective `runAsUserName`.
 */
import type { Container, Pod } from '../api/types.ts';
import type { ContainerInput } from '../runtime/spec/types.ts';
import { expandKubernetesVars, resolveEnv } from './env.ts';
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
  const env = resolveEnv(pod, container, { node, objects });
  // `$(VAR)` in command and args refer to the container's env (the kubelet's
  // ExpandContainerCommandAndArgs).
  const expand = (list: string[] | undefined) => (list ?? []).map((s) => expandKubernetesVars(s, env));
  return {
    name: container.name,
    id,
    command: expand(container.command),
    args: expand(container.args),
    ...(container.workingDir ? { workingDir: container.workingDir } : {}),
    env,
    ...(user !== undefined ? { runAsUserName: user } : {}),
    annotations: pod.metadata.annotations ?? {},
    mounts,
  };
}
