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
  (spec.initContainers ?? []).forEach((c, i) =>
    out.push({ container: c, type: 'init_container', path: [...specPath, 'initContainers', i] }),
  );
  spec.containers.forEach((c, i) => out.push({ container: c, type: 'container', path: [...specPath, 'containers', i] }));
  (spec.ephemeralContainers ?? []).forEach((c, i) =>
    out.push({ container: c, type: 'ephemeral_container', path: [...specPath, 'ephemeralContainers', i] }),
  );
  return out;
}
