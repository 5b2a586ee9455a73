import { errorBody, formatPath } from '../api/field-path.ts';
import { type FieldValidation, unknownFieldMessage } from '../api/field-validation.ts';
import type { SourceDocument } from '../api/manifests.ts';
import {
  decodeConfigMap,
  decodeSecret,
  decodeWorkload,
  findObjects,
  isWorkloadKind,
} from '../api/objects.ts';
import type { ApiError } from '../api/protocol.ts';
import type { ConfigMap, Pod, Secret, WorkloadKind } from '../api/types.ts';
import { RuntimeError } from '../errors.ts';

export interface DesiredPod {
  namespace: string;
  name: string;
  /** The Pod as applied (raw JSON: what is stored, compared and decoded again after a restart). */
  manifest: Record<string, unknown>;
  pod: Pod;
  /** The workload (DaemonSet, …) whose template this pod is; absent for a Pod object. */
  workload?: DesiredWorkload;
}

/** A workload object as applied: kept as an object, its pod owned by it. */
export interface DesiredWorkload {
  kind: Exclude<WorkloadKind, 'Pod'>;
  namespace: string;
  name: string;
  /** The object as applied, without `status`. */
  manifest: Record<string, unknown>;
}

export interface DesiredObject {
  kind: 'ConfigMap' | 'Secret';
  namespace: string;
  name: string;
  raw: Record<string, unknown>;
  value: ConfigMap | Secret;
}

export interface DesiredSet {
  pods: DesiredPod[];
  objects: DesiredObject[];
  skipped: { kind: string; name: string; reason: string }[];
  /** kubectl's warnings: `unknown field "spec.containers[0].foo"` (the field is ignored). */
  warnings: string[];
}

/** A document made from a JSON value (no file positions). */
function documentOf(value: unknown, index: number, file: string): SourceDocument {
  return { file, index, value, locate: () => ({ line: 0, col: 0 }) };
}

import { templatePodName } from '../api/names.ts';

export { templatePodName };

/**
 * Decodes and validates `values` (Kubernetes objects as JSON). Throws `InvalidArgument` with
 * every problem in `details` (field paths prefixed by the object, e.g. `Pod/web: spec.containers[0].image`).
 */
export function decodeDesired(
  values: readonly unknown[],
  options: { node: string; file?: string; fieldValidation?: FieldValidation },
): DesiredSet {
  const file = options.file ?? '<request>';
  const { objects, problems } = findObjects(values.map((v, i) => documentOf(v, i, file)));
  const details: NonNullable<ApiError['details']> = [];
  for (const p of problems)
    details.push({
      path: formatPath(p.error.path),
      message: errorBody(p.error),
      object: `objects[${p.doc.index}]`,
    });
  const out: DesiredSet = { pods: [], objects: [], skipped: [], warnings: [] };
  for (const o of objects) {
    const label = `${o.kind}/${o.name ?? `objects[${o.doc.index}]`}`;
    if (o.kind === 'ConfigMap' || o.kind === 'Secret') {
      const r = o.kind === 'ConfigMap' ? decodeConfigMap(o) : decodeSecret(o);
      for (const e of r.errors)
        details.push({ path: formatPath(e.path), message: errorBody(e), object: label });
      if (r.errors.length === 0)
        out.objects.push({
          kind: o.kind,
          namespace: r.value.metadata.namespace ?? 'default',
          name: r.value.metadata.name ?? '',
          raw: o.raw,
          value: r.value,
        });
      continue;
    }
    if (!isWorkloadKind(o.kind)) {
      out.skipped.push({ kind: o.kind, name: o.name ?? '', reason: 'hostpod runs pods only' });
      continue;
    }
    const w = decodeWorkload(o);
    const validate = options.fieldValidation ?? 'warn';
    if (validate === 'strict')
      for (const f of w.unknownFields)
        details.push({ path: formatPath(f), message: unknownFieldMessage(f), object: label });
    if (validate === 'warn')
      for (const f of w.unknownFields) out.warnings.push(`${label}: unknown field "${formatPath(f)}"`);
    for (const e of w.errors)
      details.push({ path: formatPath(e.path), message: errorBody(e), object: label });
    if (w.errors.length > 0) continue;
    const pod = w.pod;
    const name =
      o.kind === 'Pod' ? (pod.metadata.name ?? '') : templatePodName(pod.metadata.name ?? '', options.node);
    pod.metadata.name = name;
    const namespace = pod.metadata.namespace ?? 'default';
    const desired: DesiredPod = {
      namespace,
      name,
      manifest: podManifest(o.kind, o.raw, name, namespace),
      pod,
    };
    if (w.kind !== 'Pod') {
      const { status: _status, ...rest } = o.raw;
      const meta = (
        typeof rest.metadata === 'object' && rest.metadata !== null ? rest.metadata : {}
      ) as Record<string, unknown>;
      desired.workload = {
        kind: w.kind,
        namespace,
        name: o.name ?? '',
        manifest: { ...rest, metadata: { ...meta, namespace } },
      };
    }
    out.pods.push(desired);
  }
  const seen = new Set<string>();
  for (const p of out.pods) {
    const key = `${p.namespace}/${p.name}`;
    if (seen.has(key))
      details.push({
        path: 'metadata.name',
        message: `two pods are named "${key}"`,
        object: `Pod/${p.name}`,
      });
    seen.add(key);
  }
  if (details.length > 0) {
    throw new RuntimeError(
      'InvalidArgument',
      `the objects have ${details.length} ${details.length === 1 ? 'error' : 'errors'}; nothing was applied`,
      { hint: 'fix them (hostpod lint shows the same errors with file positions)', details },
    );
  }
  return out;
}

/** The Pod to store for a workload object: a Pod as is; a template as a Pod of that name. */
function podManifest(
  kind: string,
  raw: Record<string, unknown>,
  name: string,
  namespace: string,
): Record<string, unknown> {
  if (kind === 'Pod') {
    const { status: _status, ...rest } = raw;
    const meta = (typeof rest.metadata === 'object' && rest.metadata !== null ? rest.metadata : {}) as Record<
      string,
      unknown
    >;
    return { ...rest, metadata: { ...meta, name, namespace } };
  }
  let template: unknown = raw.spec;
  if (kind === 'CronJob') template = (template as Record<string, unknown> | undefined)?.jobTemplate;
  if (kind === 'CronJob') template = (template as Record<string, unknown> | undefined)?.spec;
  template = (template as Record<string, unknown> | undefined)?.template;
  const t = (template ?? {}) as Record<string, unknown>;
  const meta = (typeof t.metadata === 'object' && t.metadata !== null ? t.metadata : {}) as Record<
    string,
    unknown
  >;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { ...meta, name, namespace }, spec: t.spec ?? {} };
}

/** Decodes a stored Pod manifest again (after a restart). Throws `DataLoss` when it no longer decodes. */
export function decodeStoredPod(manifest: unknown, where: string): Pod {
  const { objects } = findObjects([documentOf(manifest, 0, where)]);
  const o = objects[0];
  if (o?.kind !== 'Pod') throw new RuntimeError('DataLoss', `${where}: the stored manifest is not a Pod`);
  const w = decodeWorkload(o);
  if (w.errors.length > 0)
    throw new RuntimeError(
      'DataLoss',
      `${where}: the stored manifest no longer validates: ${w.errors.map((e) => `${formatPath(e.path)}: ${errorBody(e)}`).join('; ')}`,
    );
  return w.pod;
}
