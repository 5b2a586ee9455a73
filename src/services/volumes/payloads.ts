/**
 * The files of configMap, secret, downwardAPI and projected volumes, as the kubelet computes
 * them (`MakePayload` of each volume plugin) — pure: values in, a payload out, or a
 * FailedPrecondition with the kubelet's message (`configmap "x" not found`,
 * `configmap references non-existent config key: k`).
 */
import { goQuote } from '../../api/field-path.ts';
import type {
  ConfigMap,
  DownwardAPIVolumeFile,
  KeyToPath,
  Pod,
  ProjectionSource,
  Secret,
} from '../../api/types.ts';
import { RuntimeError } from '../../errors.ts';
import { type Allocatable, fieldRefValue, resourceFieldValue } from '../env.ts';
import type { NodeInfo } from '../node.ts';
import { type ObjectSet, objectKey } from '../object-set.ts';
import type { Payload } from './atomic-writer.ts';

const enc = new TextEncoder();

function setupError(message: string, hint?: string): RuntimeError {
  return new RuntimeError('FailedPrecondition', message, hint ? { hint } : {});
}

const OBJECTS_HINT =
  'add it to the manifest set (hostpod run -f), in the pod\'s namespace, or mark the volume source "optional: true"';

function keyedPayload(
  kind: 'configmap' | 'secret',
  all: Map<string, Uint8Array>,
  items: readonly KeyToPath[] | undefined,
  defaultMode: number,
  optional: boolean,
): Payload {
  const out: Payload = new Map();
  if (items && items.length > 0) {
    for (const it of items) {
      const data = all.get(it.key);
      if (data === undefined) {
        if (optional) continue;
        throw setupError(
          kind === 'configmap'
            ? `configmap references non-existent config key: ${it.key}`
            : `references non-existent secret key: ${it.key}`,
        );
      }
      out.set(it.path, { data, mode: it.mode ?? defaultMode });
    }
  } else {
    for (const [k, data] of all) out.set(k, { data, mode: defaultMode });
  }
  return out;
}

function configMapData(cm: ConfigMap): Map<string, Uint8Array> {
  const m = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(cm.data)) m.set(k, enc.encode(v));
  for (const [k, v] of Object.entries(cm.binaryData)) m.set(k, v);
  return m;
}

/**
 * A configMap source's files: `items` (key → path, `mode`) or every key (data and
 * binaryData), with `defaultMode`. A missing ConfigMap gives no files when `optional`.
 */
export function configMapPayload(
  source: { name?: string; items?: KeyToPath[]; optional?: boolean },
  defaultMode: number,
  namespace: string,
  objects: ObjectSet,
): Payload {
  const name = source.name ?? '';
  const cm = objects.configMaps.get(objectKey(namespace, name));
  if (!cm) {
    if (source.optional) return new Map();
    throw setupError(`configmap "${name}" not found`, OBJECTS_HINT);
  }
  return keyedPayload('configmap', configMapData(cm), source.items, defaultMode, source.optional === true);
}

/** A secret source's files, like `configMapPayload`. */
export function secretPayload(
  source: { name?: string; items?: KeyToPath[]; optional?: boolean },
  defaultMode: number,
  namespace: string,
  objects: ObjectSet,
): Payload {
  const name = source.name ?? '';
  const secret: Secret | undefined = objects.secrets.get(objectKey(namespace, name));
  if (!secret) {
    if (source.optional) return new Map();
    throw setupError(`secret "${name}" not found`, OBJECTS_HINT);
  }
  return keyedPayload(
    'secret',
    new Map(Object.entries(secret.data)),
    source.items,
    defaultMode,
    source.optional === true,
  );
}

/** The kubelet's `FormatMap`: `key="value"` lines (Go `%q`), sorted by key, no final newline. */
export function formatMap(m: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${goQuote(m?.[k] ?? '')}`)
    .join('\n');
}

/**
 * A downwardAPI source's files: `fieldRef` (`metadata.name`, `namespace`, `uid`, `labels`,
 * `annotations`, one label or annotation) and `resourceFieldRef` (of the named container, with
 * divisor; an unset limit is the node's allocatable).
 */
export function downwardAPIPayload(
  items: readonly DownwardAPIVolumeFile[],
  defaultMode: number,
  pod: Pod,
  node: NodeInfo,
  allocatable?: Allocatable,
): Payload {
  const out: Payload = new Map();
  for (const it of items) {
    let value: string | undefined;
    if (it.fieldRef) {
      const fp = it.fieldRef.fieldPath;
      if (fp === 'metadata.labels') value = formatMap(pod.metadata.labels);
      else if (fp === 'metadata.annotations') value = formatMap(pod.metadata.annotations);
      else value = fieldRefValue(pod, node, fp);
      if (value === undefined) throw setupError(`unsupported fieldPath: ${fp}`);
    } else if (it.resourceFieldRef) {
      const ref = it.resourceFieldRef;
      const all = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
      const c = all.find((x) => x.name === ref.containerName);
      if (!c)
        throw setupError(
          `cannot find container "${ref.containerName ?? ''}" for resourceFieldRef ${ref.resource}`,
        );
      value = resourceFieldValue(c, ref, allocatable);
      if (value === undefined) throw setupError(`unsupported container resource : ${ref.resource}`);
    } else continue;
    out.set(it.path, { data: enc.encode(value), mode: it.mode ?? defaultMode });
  }
  return out;
}

/**
 * A projected volume's files: its sources merged in order. `serviceAccountToken` is read from
 * `serviceAccountToken` when given; otherwise it is left out and a warning is returned.
 */
export function projectedPayload(
  sources: readonly ProjectionSource[],
  defaultMode: number,
  pod: Pod,
  ctx: {
    node: NodeInfo;
    objects: ObjectSet;
    allocatable?: Allocatable;
    serviceAccountToken?: Uint8Array;
  },
): { payload: Payload; warnings: string[] } {
  const namespace = pod.metadata.namespace ?? 'default';
  const payload: Payload = new Map();
  const warnings: string[] = [];
  const merge = (p: Payload) => {
    for (const [k, v] of p) payload.set(k, v);
  };
  for (const s of sources) {
    if (s.configMap) merge(configMapPayload(s.configMap, defaultMode, namespace, ctx.objects));
    if (s.secret) merge(secretPayload(s.secret, defaultMode, namespace, ctx.objects));
    if (s.downwardAPI)
      merge(downwardAPIPayload(s.downwardAPI.items ?? [], defaultMode, pod, ctx.node, ctx.allocatable));
    if (s.serviceAccountToken) {
      if (ctx.serviceAccountToken)
        payload.set(s.serviceAccountToken.path, { data: ctx.serviceAccountToken, mode: defaultMode });
      else
        warnings.push(
          `no service account token is configured: "${s.serviceAccountToken.path}" is left out of the projected volume`,
        );
    }
    if (s.clusterTrustBundle)
      warnings.push('clusterTrustBundle projections are not supported: left out of the projected volume');
  }
  return { payload, warnings };
}
