/**
 * What kubectl-style arguments name: `pods`, `ds agent`, `pods,ds`, `all`, `ds/agent pod/web`
 * (kubectl's short names and `TYPE.GROUP` forms, `api/resources.ts`), and the `-l/--selector`
 * filter applied to what the daemon lists.
 */
import { type LabelSelector, matchesLabels } from '../../api/label-selector.ts';
import { RESOURCES, type ResourceInfo, resourceNamed } from '../../api/resources.ts';
import { RuntimeError } from '../../errors.ts';

export interface ResourceArgs {
  /** The resources asked for, in kubectl's order (`all`: pods, then each workload kind). */
  resources: ResourceInfo[];
  /** The objects named (empty: list every object of `resources`). */
  named: { resource: ResourceInfo; name: string }[];
}

function resolve(typed: string, command: string): ResourceInfo {
  const r = resourceNamed(typed);
  if (!r)
    throw new RuntimeError(
      'InvalidArgument',
      `hostpod ${command}: the server doesn't have a resource type "${typed}"`,
      {
        hint: 'hostpod knows pods (po), daemonsets (ds), deployments (deploy), replicasets (rs), statefulsets (sts), jobs, cronjobs (cj) and all',
      },
    );
  return r;
}

/** Reads `TYPE[,TYPE…] [NAME…]` or `TYPE/NAME…`. Throws `InvalidArgument`. */
export function resourceArgs(args: readonly string[], command: string): ResourceArgs {
  const first = args[0];
  if (first === undefined)
    throw new RuntimeError('InvalidArgument', `hostpod ${command} needs a resource type`, {
      hint: `hostpod ${command} pods|ds|deploy|… [NAME…], or TYPE/NAME`,
    });
  if (first.includes('/')) {
    const named = args.map((a) => {
      const slash = a.indexOf('/');
      if (slash <= 0 || slash === a.length - 1)
        throw new RuntimeError('InvalidArgument', `"${a}" is not TYPE/NAME`, {
          hint: 'with TYPE/NAME, give every argument as TYPE/NAME (e.g. ds/agent pod/web)',
        });
      return { resource: resolve(a.slice(0, slash), command), name: a.slice(slash + 1) };
    });
    return { resources: [...new Set(named.map((n) => n.resource))], named };
  }
  const types = first.split(',');
  const resources = types.flatMap((t) =>
    t.toLowerCase() === 'all' ? [...RESOURCES] : [resolve(t, command)],
  );
  const unique = [...new Set(resources)];
  const names = args.slice(1);
  if (names.some((n) => n.includes('/')))
    throw new RuntimeError(
      'InvalidArgument',
      'there is no need to give a resource type as a separate argument when passing TYPE/NAME',
      {
        hint: `hostpod ${command} ds/agent, or hostpod ${command} ds agent`,
      },
    );
  if (names.length > 0 && unique.length !== 1)
    throw new RuntimeError('InvalidArgument', 'names can be given with one resource type only', {
      hint: `hostpod ${command} ds agent (or ds/agent pod/web)`,
    });
  return { resources: unique, named: names.map((name) => ({ resource: unique[0]!, name })) };
}

/** The labels of an object as applied (`metadata.labels`). */
export function labelsOf(manifest: Record<string, unknown>): Record<string, string> {
  const meta = manifest.metadata as { labels?: unknown } | undefined;
  const l = meta?.labels;
  return l !== null && typeof l === 'object' ? (l as Record<string, string>) : {};
}

/** Keeps what the selector matches (everything without one). */
export function selected<T extends { manifest: Record<string, unknown> }>(
  items: readonly T[],
  selector: LabelSelector | undefined,
): T[] {
  return selector ? items.filter((i) => matchesLabels(selector, labelsOf(i.manifest))) : [...items];
}

/** kubectl's LABELS cell: `k=v,…` in key order, `<none>` when there are none. */
export function labelsCell(manifest: Record<string, unknown>): string {
  const e = Object.entries(labelsOf(manifest)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return e.length === 0 ? '<none>' : e.map(([k, v]) => `${k}=${v}`).join(',');
}
