/**
 * Where the services keep each container's one record (`state/containers.ts`): created before
 * anything of the container exists on the host, so a crash at any point leaves a record naming
 * what to clean up; running with what exec needs; terminated with its end. `hostpod run` writes
 * straight to its state database; the daemon's writer holds back what a full disk refuses and
 * writes it when it can (`daemon/state-writer.ts`).
 */
import type { CreateContainerInput, UpdateContainerInput } from '../state/containers.ts';
import type { ContainerId } from '../state/ids.ts';

export interface ContainerStore {
  /** Records a new container run. Throws when it cannot be written: nothing may start unrecorded. */
  create(input: CreateContainerInput): unknown;
  /** Records a change (running, terminated); a store may hold it back and write it later. */
  update(id: ContainerId, change: UpdateContainerInput): unknown;
  /** Forgets a run (`--rm`, or an old attempt pruned). */
  remove(id: ContainerId): unknown;
  /**
   * Forgets the ended runs of one container of a pod older than attempt `keepFrom`; returns
   * their ids (their directories go too). `pod`: the daemon's pod uid, or for a pod of `hostpod
   * run` its namespace/name and the owner that runs it.
   */
  pruneAttempts(
    pod: { uid: string } | { namespace: string; name: string; ownerPid: number },
    container: { type: string; name: string },
    keepFrom: number,
  ): string[];
}
