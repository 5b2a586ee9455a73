import type { CgroupLayout } from '../runtime/group/index.ts';
import type { Layout } from '../runtime/spec/types.ts';
import type { EventPublisher } from './events.ts';

/** What every task of one shim server shares. */
export interface TaskContext {
  /** containerd's namespace (`-namespace`). */
  namespace: string;
  /** This namespace's state root: `<root>/<namespace>` (tasks/, sandboxes/). */
  root: string;
  /** The host's cgroup layout, read once. */
  cgroups: CgroupLayout;
  /** Workspace layout unless a pod's `hostpod.io/workspace-layout` annotation says otherwise. */
  layout: Layout;
  events: EventPublisher;
  /** A line in the server's log. */
  log: (line: string) => void;
  /** Log every call (containerd runs its shims with -debug when it logs at debug level). */
  debug: boolean;
  /** Says `line` in the log only the first time it is said. */
  logOnce: (line: string) => void;
}

/** Annotations hostpod reads from the spec (CRI passes pod annotations through `pod_annotations`). */
export const ANNOTATION_LAYOUT = 'hostpod.io/workspace-layout';
export const ANNOTATION_CONTAINER_TYPE = 'io.kubernetes.cri.container-type';
