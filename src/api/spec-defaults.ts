/**
 * A pod spec as JSON (as applied) with the API server's defaults filled in, the way `kubectl get
 * pod -o yaml` shows a stored pod: restartPolicy, dnsPolicy, schedulerName,
 * terminationGracePeriodSeconds, enableServiceLinks; per container imagePullPolicy,
 * terminationMessagePath/Policy, resources, port protocols and probe timings. Pure; fields set
 * are never changed.
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

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function withProbe(p: unknown): unknown {
  return isObj(p) ? { ...DEFAULT_PROBE, ...p } : p;
}

function withContainerDefaults(c: unknown): unknown {
  if (!isObj(c)) return c;
  const out: Obj = {
    imagePullPolicy: defaultImagePullPolicy(typeof c.image === 'string' ? c.image : undefined),
    resources: {},
    terminationMessagePath: DEFAULT_TERMINATION_MESSAGE_PATH,
    terminationMessagePolicy: DEFAULT_TERMINATION_MESSAGE_POLICY,
    ...c,
  };
  if (Array.isArray(c.ports))
    out.ports = c.ports.map((p) => (isObj(p) ? { protocol: DEFAULT_PROTOCOL, ...p } : p));
  for (const k of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const)
    if (c[k] !== undefined) out[k] = withProbe(c[k]);
  return out;
}

/** The spec with the API server's defaults of the fields above. */
export function withPodSpecDefaults(spec: unknown): Obj {
  const s = isObj(spec) ? spec : {};
  const out: Obj = {
    dnsPolicy: DEFAULT_DNS_POLICY,
    enableServiceLinks: true,
    restartPolicy: DEFAULT_RESTART_POLICY,
    schedulerName: DEFAULT_SCHEDULER_NAME,
    securityContext: {},
    terminationGracePeriodSeconds: DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
    ...s,
  };
  for (const k of ['initContainers', 'containers'] as const)
    if (Array.isArray(s[k])) out[k] = s[k].map(withContainerDefaults);
  return out;
}
