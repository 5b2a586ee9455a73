/**
 * The runtime's own view of a container: what `buildProcessConfig()` needs, already resolved
 * by the caller (the services layer maps the Pod model onto it; env sources such as
 * `fieldRef` and `configMapKeyRef` are resolved before).
 */

/** Where a container's workspace appears to its processes. See docs/runtime.md. */
export type Layout = 'bind' | 'symlink';

/** One environment variable, in order. */
export interface EnvVar {
  name: string;
  value: string;
}

/** A volume prepared on the host by the caller, to appear at `mountPath` in the container. */
export interface VolumeMount {
  /** Absolute host path (a directory or a file). */
  hostPath: string;
  /** Where the container sees it (absolute; `\` and a drive letter are accepted, see docs). */
  mountPath: string;
  readOnly: boolean;
  /**
   * Mount propagation in the bind layout (`private` | `slave` | `shared`, the kubelet's None /
   * HostToContainer / Bidirectional); absent = as inherited from the host. See LaunchSpec.
   */
  propagation?: 'private' | 'slave' | 'shared' | undefined;
  /**
   * Set for a `subPath` mount: the source is `path` inside the volume directory `volume`.
   * `hostPath` is where it resolved when the volume was prepared; the bind itself opens it
   * again beneath `volume`, fd by fd, so a symlink planted in the volume since then cannot
   * redirect the mount.
   */
  subPath?: { volume: string; path: string };
  /**
   * The mount hides the host's file or directory at `mountPath` inside the container on purpose
   * (the pod's `resolv.conf` over `/etc/resolv.conf`): no "shadows the host's" warning.
   */
  replacesHostPath?: boolean;
}

/** The pod annotations the runtime honours (copied from the pod to each container). */
export const ANNOTATION_INHERIT_USER = 'microsoft.com/hostprocess-inherit-user';
export const ANNOTATION_ROOTFS_LOCATION = 'microsoft.com/hostprocess-rootfs-location';

/** A container as the runtime needs it. */
export interface ContainerInput {
  name: string;
  /** The container id: a safe path component (the caller's parser guarantees it). */
  id: string;
  /** Kubernetes `command` (replaces the image Entrypoint, drops the image Cmd). */
  command: string[];
  /** Kubernetes `args` (replace the image Cmd). */
  args: string[];
  workingDir?: string;
  /** The container's env, sources already resolved, in order; later entries win. */
  env: EnvVar[];
  /** The effective `runAsUserName` (container value, else the pod's). */
  runAsUserName?: string;
  /** Pod annotations (only the two above matter here). */
  annotations: Readonly<Record<string, string>>;
  mounts: VolumeMount[];
}

/** The parts of an OCI image config the runtime uses (`config` of the image config blob). */
export interface ImageConfigInput {
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  User?: string;
}

/** What a filesystem path is, as far as command resolution cares. */
export type PathKind = 'file' | 'dir' | 'missing';

/** Looks at a path *as the container's processes will see it*. */
export type Probe = (containerPath: string) => PathKind | Promise<PathKind>;
