/**
 * What `apply` compares: the desired state of an object, without what the server (hostpod) adds.
 *
 * `hostpod get pod X -o yaml > f; hostpod apply -f f` must say `unchanged`: the saved copy carries
 * `status`, `metadata.uid`, `creationTimestamp`, … and the defaults the server filled in, none of
 * which the user asked to change. Both sides are normalized the same way (server fields dropped,
 * the API server's defaults filled in, empty values dropped) and then compared as JSON.
 */
import { withPodSpecDefaults } from './spec-defaults.ts';

type Json = Record<string, unknown>;

/** Annotations the server (or kubectl) writes, not the user: ignored when comparing. */
const SERVER_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Drops null, empty objects and empty arrays (recursively) and sorts keys, so `{}` = absent. */
function prune(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(prune);
  if (!isObject(v)) return v;
  const out: Json = {};
  for (const k of Object.keys(v).sort()) {
    const x = prune(v[k]);
    if (x === null || x === undefined) continue;
    if (isObject(x) && Object.keys(x).length === 0) continue;
    if (Array.isArray(x) && x.length === 0) continue;
    out[k] = x;
  }
  return out;
}

function defaultSpec(spec: unknown): unknown {
  if (!isObject(spec)) return spec;
  // The same defaults `-o yaml` shows (one defaulting, so a saved copy compares equal).
  const out = withPodSpecDefaults(spec);
  // Where the server puts the node's name: the user did not ask for it (hostpod runs on one node).
  delete out.nodeName;
  return out;
}

/**
 * The part of a Kubernetes object (as JSON) that `apply` compares: `apiVersion`, `kind`,
 * `metadata.{name,namespace,labels,annotations}` and every other top-level field but `status`
 * (for a Pod, `spec` with the API server's defaults). Server-set metadata (`uid`,
 * `creationTimestamp`, `resourceVersion`, `generation`, `managedFields`, `ownerReferences`, …)
 * and `status` are left out. Pure; the input is not changed.
 */
export function normalizeForCompare(obj: unknown): unknown {
  if (!isObject(obj)) return obj;
  const out: Json = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'status' || k === 'metadata') continue;
    out[k] = v;
  }
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const annotations = isObject(meta.annotations)
    ? Object.fromEntries(Object.entries(meta.annotations).filter(([k]) => !SERVER_ANNOTATIONS.has(k)))
    : undefined;
  out.metadata = {
    name: meta.name,
    namespace: meta.namespace ?? 'default',
    labels: meta.labels,
    annotations,
  };
  if (obj.kind === 'Pod') out.spec = defaultSpec(obj.spec);
  return prune(out);
}

/** JSON text with every object's keys sorted: key order (`-o yaml` sorts them) is no change. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** True when applying `b` over `a` changes nothing the user asked for (see `normalizeForCompare`). */
export function sameDesiredState(a: unknown, b: unknown): boolean {
  return canonical(normalizeForCompare(a)) === canonical(normalizeForCompare(b));
}

/** `kubectl rollout restart`'s stamp: a change of it restarts the pod, like a spec change. */
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/**
 * True when the two objects differ in their `spec` only as far as `normalizeForCompare` sees it
 * (and carry the same `rollout restart` stamp).
 */
export function sameSpec(a: unknown, b: unknown): boolean {
  const sa = normalizeForCompare(a);
  const sb = normalizeForCompare(b);
  const stamp = (o: unknown) =>
    isObject(o) && isObject(o.metadata) && isObject(o.metadata.annotations)
      ? o.metadata.annotations[RESTARTED_AT]
      : undefined;
  return (
    canonical(isObject(sa) ? sa.spec : undefined) === canonical(isObject(sb) ? sb.spec : undefined) &&
    stamp(sa) === stamp(sb)
  );
}
