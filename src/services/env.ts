/**
 * A container's environment from the pod spec, the kubelet's `makeEnvironmentVariables`:
 * `envFrom` (ConfigMaps and Secrets, with `prefix` and `optional`), then `env` in order — literal
 * values with Kubernetes `$(VAR)` expansion, `fieldRef`, `resourceFieldRef`, `configMapKeyRef`,
 * `secretKeyRef` — resolved against the pod, this node and the object set.
 */
import { statfsSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { envVarNameErrors } from '../api/names.ts';
import { integerValue, milliValue, type Quantity } from '../api/quantity.ts';
import type { Container, Pod, ResourceFieldSelector } from '../api/types.ts';
import { RuntimeError } from '../errors.ts';
import type { EnvVar } from '../runtime/spec/types.ts';
import type { NodeInfo } from './node.ts';
import { type ObjectSet, objectKey } from './object-set.ts';

/** What the node offers a container with no limit (the kubelet's node allocatable). */
export interface Allocatable {
  cpuMilli: bigint;
  memoryBytes: bigint;
  ephemeralStorageBytes: bigint;
}

export interface EnvContext {
  node: NodeInfo;
  objects: ObjectSet;
  /** Node allocatable for `resourceFieldRef` of an unset limit (default: this host's). */
  allocatable?: Allocatable;
  /** Receives what the kubelet reports as warning events (skipped envFrom keys). */
  warnings?: string[];
}

/** This host's allocatable: all CPUs, all memory, the size of the root filesystem. */
export function hostAllocatable(): Allocatable {
  let storage = 0n;
  try {
    const st = statfsSync('/', { bigint: true });
    storage = st.blocks * st.bsize;
  } catch {
    // An unknown size reads as 0, as the kubelet reports a node without that capacity.
  }
  return {
    cpuMilli: BigInt(availableParallelism()) * 1000n,
    memoryBytes: BigInt(totalmem()),
    ephemeralStorageBytes: storage,
  };
}

/** The value of a `fieldRef` path for this pod on this node (undefined: not a known path). */
export function fieldRefValue(pod: Pod, node: NodeInfo, fieldPath: string): string | undefined {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2] ?? ''] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? 'default';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return node.name;
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? 'default';
    case 'status.hostIP':
    case 'status.hostIPs':
    case 'status.podIP':
    case 'status.podIPs':
      // A HostProcess pod has the node's network: its IP is the node's.
      return node.ip;
    default:
      return undefined;
  }
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

/**
 * The value of a `resourceFieldRef` for `container` (the kubelet's
 * `ExtractContainerResourceValue` after `MergeContainerResourceLimits`): an unset limit is the
 * node's allocatable, an unset request is the limit (the API server's defaulting) or 0; cpu is
 * `ceil(milli / divisor milli)`, memory and ephemeral-storage `ceil(bytes / divisor)`. Undefined
 * for a resource this version does not know (hugepages).
 */
export function resourceFieldValue(
  container: Container,
  selector: ResourceFieldSelector,
  allocatable: Allocatable = hostAllocatable(),
): string | undefined {
  const m = /^(limits|requests)\.(cpu|memory|ephemeral-storage)$/.exec(selector.resource);
  if (!m) return undefined;
  const kind = m[1] as 'limits' | 'requests';
  const res = m[2] as 'cpu' | 'memory' | 'ephemeral-storage';
  const limit = container.resources?.limits?.[res];
  const request = container.resources?.requests?.[res];
  const q: Quantity | undefined = kind === 'limits' ? limit : (request ?? limit);
  const divisor = selector.divisor && selector.divisor.num !== 0n ? selector.divisor : undefined;
  if (res === 'cpu') {
    const milli =
      q !== undefined && q.num !== 0n ? milliValue(q) : kind === 'limits' ? allocatable.cpuMilli : 0n;
    const d = divisor ? milliValue(divisor) : 1000n;
    return ceilDiv(milli, d > 0n ? d : 1000n).toString();
  }
  const fallback = res === 'memory' ? allocatable.memoryBytes : allocatable.ephemeralStorageBytes;
  const bytes = q !== undefined && q.num !== 0n ? integerValue(q) : kind === 'limits' ? fallback : 0n;
  const d = divisor ? integerValue(divisor) : 1n;
  return ceilDiv(bytes, d > 0n ? d : 1n).toString();
}

/**
 * Kubernetes `$(VAR)` expansion (the kubelet's `expansion.Expand`): `$(NAME)` becomes the value
 * of NAME when `env` has it and stays as written otherwise; `$$` is a literal `$` (so `$$(X)`
 * gives `$(X)`); an unclosed `$(` and a `$` before anything else stay as written. `env` is a
 * map, or a list where a later entry of the same name wins.
 */
export function expandKubernetesVars(
  s: string,
  env: ReadonlyMap<string, string> | readonly EnvVar[],
): string {
  if (!s.includes('$')) return s;
  const vars = env instanceof Map ? env : new Map((env as readonly EnvVar[]).map((e) => [e.name, e.value]));
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < s.length; cursor++) {
    if (s[cursor] !== '$' || cursor + 1 >= s.length) continue;
    out += s.slice(checkpoint, cursor);
    const next = s[cursor + 1];
    if (next === '$') {
      out += '$';
      cursor += 1;
    } else if (next === '(') {
      const close = s.indexOf(')', cursor + 2);
      if (close < 0) {
        out += '$(';
        cursor += 1;
      } else {
        const name = s.slice(cursor + 2, close);
        out += vars.get(name) ?? `$(${name})`;
        cursor = close;
      }
    } else {
      out += `$${next}`;
      cursor += 1;
    }
    checkpoint = cursor + 1;
  }
  return out + s.slice(checkpoint);
}

function configError(message: string, hint?: string): RuntimeError {
  return new RuntimeError(
    'FailedPrecondition',
    `CreateContainerConfigError: ${message}`,
    hint ? { hint } : {},
  );
}

const OBJECTS_HINT =
  'add the ConfigMap/Secret to the manifest set (hostpod run -f), in the pod\'s namespace, or mark the reference "optional: true"';

/**
 * The container's env, in order (an `envFrom` variable first, replaced in place by a later one
 * of the same name). Throws FailedPrecondition with the kubelet's CreateContainerConfigError
 * message for a missing required ConfigMap, Secret or key (`configmap "x" not found`,
 * `couldn't find key k in ConfigMap default/x`) or a source this version cannot resolve.
 */
export function resolveEnv(pod: Pod, container: Container, ctx: EnvContext): EnvVar[] {
  const { node, objects } = ctx;
  const namespace = pod.metadata.namespace ?? 'default';
  const env = new Map<string, string>();
  let allocatable = ctx.allocatable;

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const isCm = from.configMapRef !== undefined;
    const name = ref.name ?? '';
    const data: [string, string][] | undefined = isCm
      ? entriesOf(objects.configMaps.get(objectKey(namespace, name))?.data)
      : bytesEntries(objects.secrets.get(objectKey(namespace, name))?.data);
    if (data === undefined) {
      if (ref.optional) continue;
      throw configError(`${isCm ? 'configmap' : 'secret'} "${name}" not found`, OBJECTS_HINT);
    }
    const invalid: string[] = [];
    for (const [k, v] of data) {
      const key = prefix + k;
      if (key === '' || envVarNameErrors(key).length > 0) {
        invalid.push(key);
        continue;
      }
      env.set(key, v);
    }
    if (invalid.length > 0) {
      invalid.sort();
      ctx.warnings?.push(
        `InvalidEnvironmentVariableNames: Keys [${invalid.join(', ')}] from the EnvFrom ${isCm ? 'configMap' : 'secret'} ${namespace}/${name} were skipped since they are considered invalid environment variable names.`,
      );
    }
  }

  for (const e of container.env ?? []) {
    const vf = e.valueFrom;
    if (vf === undefined) {
      env.set(e.name, e.value ? expandKubernetesVars(e.value, env) : '');
      continue;
    }
    let value: string | undefined;
    if (vf.fieldRef) {
      value = fieldRefValue(pod, node, vf.fieldRef.fieldPath);
      if (value === undefined)
        throw configError(`unsupported fieldPath ${vf.fieldRef.fieldPath} in env ${e.name}`);
    } else if (vf.resourceFieldRef) {
      allocatable ??= hostAllocatable();
      value = resourceFieldValue(container, vf.resourceFieldRef, allocatable);
      if (value === undefined)
        throw configError(`unsupported container resource : ${vf.resourceFieldRef.resource}`);
    } else if (vf.configMapKeyRef) {
      const { name = '', key, optional } = vf.configMapKeyRef;
      const cm = objects.configMaps.get(objectKey(namespace, name));
      if (!cm) {
        if (optional) continue;
        throw configError(`configmap "${name}" not found`, OBJECTS_HINT);
      }
      value = Object.hasOwn(cm.data, key) ? cm.data[key] : undefined;
      if (value === undefined) {
        if (optional) continue;
        throw configError(`couldn't find key ${key} in ConfigMap ${namespace}/${name}`);
      }
    } else if (vf.secretKeyRef) {
      const { name = '', key, optional } = vf.secretKeyRef;
      const secret = objects.secrets.get(objectKey(namespace, name));
      if (!secret) {
        if (optional) continue;
        throw configError(`secret "${name}" not found`, OBJECTS_HINT);
      }
      const bytes = Object.hasOwn(secret.data, key) ? secret.data[key] : undefined;
      if (bytes === undefined) {
        if (optional) continue;
        throw configError(`couldn't find key ${key} in Secret ${namespace}/${name}`);
      }
      value = Buffer.from(bytes).toString('utf8');
    } else {
      throw configError(`env ${e.name} has no value source this version can resolve`);
    }
    env.set(e.name, value);
  }
  return [...env].map(([name, value]) => ({ name, value }));
}

function entriesOf(data: Record<string, string> | undefined): [string, string][] | undefined {
  return data === undefined ? undefined : Object.entries(data);
}

function bytesEntries(data: Record<string, Uint8Array> | undefined): [string, string][] | undefined {
  return data === undefined
    ? undefined
    : Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('utf8')]);
}
