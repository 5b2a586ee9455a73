/**
 * kubectl's names for the kinds hostpod keeps: plural, singular and short names (`ds`,
 * `deploy`, `rs`, `sts`, `cj`, `po`), the API group of each kind, and which kinds a
 * `rollout restart` applies to. Pure: the CLI resolves what a user typed, the daemon API
 * resolves the resource segment of its paths.
 */

/** A kind kept as an object with its pods (every workload kind but Pod). */
export type OwnerKind = 'DaemonSet' | 'Deployment' | 'ReplicaSet' | 'StatefulSet' | 'Job' | 'CronJob';

export interface ResourceInfo {
  kind: OwnerKind | 'Pod';
  /** The plural resource name (`daemonsets`): path segment and kubectl's `TYPE.GROUP`. */
  plural: string;
  /** `apps/v1`, `batch/v1`, `v1`. */
  apiVersion: string;
  /** Every name kubectl accepts for it. */
  names: readonly string[];
}

export const RESOURCES: readonly ResourceInfo[] = [
  { kind: 'Pod', plural: 'pods', apiVersion: 'v1', names: ['pods', 'pod', 'po'] },
  {
    kind: 'DaemonSet',
    plural: 'daemonsets',
    apiVersion: 'apps/v1',
    names: ['daemonsets', 'daemonset', 'ds', 'daemonsets.apps', 'daemonset.apps', 'ds.apps'],
  },
  {
    kind: 'Deployment',
    plural: 'deployments',
    apiVersion: 'apps/v1',
    names: ['deployments', 'deployment', 'deploy', 'deployments.apps', 'deployment.apps', 'deploy.apps'],
  },
  {
    kind: 'ReplicaSet',
    plural: 'replicasets',
    apiVersion: 'apps/v1',
    names: ['replicasets', 'replicaset', 'rs', 'replicasets.apps', 'replicaset.apps', 'rs.apps'],
  },
  {
    kind: 'StatefulSet',
    plural: 'statefulsets',
    apiVersion: 'apps/v1',
    names: ['statefulsets', 'statefulset', 'sts', 'statefulsets.apps', 'statefulset.apps', 'sts.apps'],
  },
  {
    kind: 'Job',
    plural: 'jobs',
    apiVersion: 'batch/v1',
    names: ['jobs', 'job', 'jobs.batch', 'job.batch'],
  },
  {
    kind: 'CronJob',
    plural: 'cronjobs',
    apiVersion: 'batch/v1',
    names: ['cronjobs', 'cronjob', 'cj', 'cronjobs.batch', 'cronjob.batch', 'cj.batch'],
  },
];

/** The owner kinds, in `get all`'s order. */
export const OWNER_KINDS: readonly OwnerKind[] = RESOURCES.flatMap((r) => (r.kind === 'Pod' ? [] : [r.kind]));

/** What a typed resource name means (case-insensitive, as kubectl), or undefined. */
export function resourceNamed(typed: string): ResourceInfo | undefined {
  const t = typed.toLowerCase();
  return RESOURCES.find((r) => r.names.includes(t));
}

/** The resource of a kind (`DaemonSet`), or undefined. */
export function resourceOfKind(kind: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.kind === kind);
}

/** True for a kind kept as an object with its pods. */
export function isOwnerKind(kind: string): kind is OwnerKind {
  return (OWNER_KINDS as readonly string[]).includes(kind);
}

/** The kinds `kubectl rollout restart` takes. */
export const RESTARTABLE_KINDS: readonly OwnerKind[] = ['DaemonSet', 'Deployment', 'StatefulSet'];

/** kubectl's `TYPE.GROUP/NAME` of an object (`daemonset.apps/agent`, `pod/web`). */
export function qualifiedName(kind: string, name: string): string {
  const r = resourceOfKind(kind);
  const group = r?.apiVersion.includes('/') ? `.${r.apiVersion.split('/')[0]}` : '';
  return `${kind.toLowerCase()}${group}/${name}`;
}
