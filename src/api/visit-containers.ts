import type { FieldPath } from './field-path.ts';
import type { Container, PodSpec } from './types.ts';

/** Which list a container came from. */
export type ContainerType = 'init_container' | 'container' | 'ephemeral_container';

/** A container with where it sits in the pod spec. */
export interface VisitedContainer {
  container: Container;
  type: ContainerType;
  /** Path of the container from the object root, e.g. `spec.initContainers[0]`. */
  path: FieldPath;
}

/**
 * Lists the containers of a pod spec in the API server's visiting order: init containers,
 * containers, then ephemeral containers (`podshelper.VisitContainersWithPath`).
 */
export function containersWithPath(spec: PodSpec, specPath: FieldPath): VisitedContainer[] {
  const out: VisitedContainer[] = [];
  const lists = [
    ['initContainers', 'init_container', spec.initContainers ?? []],
    ['containers', 'container', spec.containers],
    ['ephemeralContainers', 'ephemeral_container', spec.ephemeralContainers ?? []],
  ] as const;
  for (const [field, type, list] of lists) {
    for (const [i, container] of list.entries()) out.push({ container, type, path: [...specPath, field, i] });
  }
  return out;
}
