/**
 * The volumes of a pod, prepared on the host before its containers start (the kubelet's
 * volume manager for standalone mode). This version provides none yet: a pod whose containers
 * mount volumes is refused.
 */
import type { Pod } from '../api/types.ts';
import { containersWithPath } from '../api/visit-containers.ts';
import { RuntimeError } from '../errors.ts';
import type { VolumeMount } from '../runtime/spec/types.ts';
import type { NodeInfo } from './node.ts';
import type { ObjectSet } from './object-set.ts';

export interface VolumeContext {
  root: string;
  node: NodeInfo;
  objects: ObjectSet;
}

/** A pod's prepared volumes. */
export interface PodVolumes {
  /** The host paths to mount into `container`, with their mountPath and readOnly. */
  mountsFor(container: string): VolumeMount[];
  /** Removes what preparing made (emptyDirs, projected files, tmpfs mounts). Idempotent. */
  cleanup(): Promise<void>;
}

/**
 * Prepares every volume of the pod. Throws NotImplemented while volumes are not supported, so
 * a pod never runs without the volumes it asked for.
 */
export async function prepareVolumes(pod: Pod, _ctx: VolumeContext): Promise<PodVolumes> {
  const withMounts = containersWithPath(pod.spec, []).find(
    ({ container }) => (container.volumeMounts ?? []).length > 0,
  );
  if (withMounts) {
    throw new RuntimeError(
      'NotImplemented',
      `Cannot run pod "${pod.metadata.name}": container "${withMounts.container.name}" mounts volumes, which this version does not provide yet`,
      {
        hint: 'remove the volumeMounts, or reach host paths directly: a HostProcess container shares the host filesystem',
      },
    );
  }
  return { mountsFor: () => [], cleanup: async () => {} };
}
