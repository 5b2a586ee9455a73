/**
 * What `apply` compares: the desired state of an object, without what the server (hostpod) adds.
 *
 * `hostpod get pod X -o yaml > f; hostpod apply -f f` must say `unchanged`: the saved copy carries
 * `status`, `metadata.uid`, `creationTimestamp`, … and the defaults the server filled in, none of
 * which the user asked to change. Both sides are normalized the same way (server fields dropped,
 * the API server's defaults filled in, empty values dropped) and then compared as JSON.
 */
import {
  DEFAULT_DNS_POLICY,
  DEFAULT_PROBE,
  DEFAULT_PROTOCOL,
  DEFAULT_RESTART_POLICY,
  DEFAULT_SCHEDULER_NAME,
  DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
  DEFAULT_TERMINATION_MESSAGE_PATH,
  DEFAULT_TERMINATION_MESSAGE_POLICY,
  defaultImagePullPolicy,
} from './defaults.ts';

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

function withDefaults(target: Json, defaults: Json): Json {
  const out: Json = { ...target };
  for (const [k, v] of Object.entries(defaults)) if (out[k] === undefined || out[k] === null) out[k] = v;
  return out;
}

function defaultProbe(p: unknown): unknown {
  return isObject(p) ? withDefaults(p, DEFAULT_PROBE) : p;
}

function defaultContainer(c: unknown): unknown {
  if (!isObject(c)) return c;
  const image = typeof c.image === 'string' ? c.image : undefined;
  const out = withDefaults(c, {
    imagePullPolicy: defaultImagePullPolicy(image),
    terminationMessagePath: DEFAULT_TERMINATION_MESSAGE_PATH,
    terminationMessagePolicy: DEFAULT_TERMINATION_MESSAGE_POLICY,
  });
  for (const k of ['livenessProbe', 'readinessProbe', 'startupProbe'])
    if (out[k] !== undefined) out[k] = defaultProbe(out[k]);
  if (Array.isArray(out.ports))
    out.ports = out.ports.map((p) => (isObject(p) ? withDefaults(p, { protocol: DEFAULT_PROTOCOL }) : p));
  return out;
}

function defaultSpec(spec: unknown): unknown {
  if (!isObject(spec)) return spec;
  const out = withDefaults(spec, {
    restartPolicy: DEFAULT_RESTART_POLICY,
    dnsPolicy: DEFAULT_DNS_POLICY,
    terminationGracePeriodSeconds: DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
    schedulerName: DEFAULT_SCHEDULER_NAME,
  });
  // Where the server puts the node's name: the user did not ask for it (hostpod runs on one node).
  delete out.nodeName;
  for (const k of ['containers', 'initContainers', 'ephemeralContainers'])
    if (Array.isArray(out[k])) out[k] = (out[k] as unknown[]).map(defaultContainer);
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

/** True when applying `b` over `a` changes nothing the user asked for (see `normalizeForCompare`). */
export function sameDesiredState(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalizeForCompare(a)) === JSON.stringify(normalizeForCompare(b));
}

/** True when the two objects differ in their `spec` only as far as `normalizeForCompare` sees it. */
export function sameSpec(a: unknown, b: unknown): boolean {
  const sa = normalizeForCompare(a);
  const sb = normalizeForCompare(b);
  return (
    JSON.stringify(isObject(sa) ? sa.spec : undefined) === JSON.stringify(isObject(sb) ? sb.spec : undefined)
  );
}
