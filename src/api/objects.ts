/**
 * Finds the API objects in loaded documents and decodes the ones hostpod uses: workloads (a Pod
 * or the pod template of a DaemonSet, Deployment, ReplicaSet, StatefulSet, Job, CronJob),
 * ConfigMaps, Secrets, ServiceAccounts and Namespaces. `List` documents are unpacked.
 */
import { decodeMeta, decodePodSpec } from './decode-pod.ts';
import { Decoder } from './decoder.ts';
import { type FieldError, type FieldPath, required, typeInvalid } from './field-path.ts';
import type { SourceDocument } from './manifests.ts';
import type { ConfigMap, ObjectMeta, Pod, Secret, WorkloadKind } from './types.ts';
import { validateObjectMeta, validatePodSpec } from './validate-pod.ts';

/** An object inside a document (`objectPath` is `[]`, or `['items', i]` inside a List). */
export interface ManifestObject {
  doc: SourceDocument;
  objectPath: FieldPath;
  apiVersion: string;
  kind: string;
  name: string | undefined;
  namespace: string | undefined;
  raw: Record<string, unknown>;
}

/** Where a workload kind keeps its pod template, and which restart policies it allows. */
const TEMPLATES: Record<
  WorkloadKind,
  { spec: FieldPath; meta: FieldPath; restart?: readonly string[]; group: string }
> = {
  Pod: { spec: ['spec'], meta: ['metadata'], group: 'v1' },
  DaemonSet: {
    spec: ['spec', 'template', 'spec'],
    meta: ['spec', 'template', 'metadata'],
    restart: ['Always'],
    group: 'apps/v1',
  },
  Deployment: {
    spec: ['spec', 'template', 'spec'],
    meta: ['spec', 'template', 'metadata'],
    restart: ['Always'],
    group: 'apps/v1',
  },
  ReplicaSet: {
    spec: ['spec', 'template', 'spec'],
    meta: ['spec', 'template', 'metadata'],
    restart: ['Always'],
    group: 'apps/v1',
  },
  StatefulSet: {
    spec: ['spec', 'template', 'spec'],
    meta: ['spec', 'template', 'metadata'],
    restart: ['Always'],
    group: 'apps/v1',
  },
  Job: {
    spec: ['spec', 'template', 'spec'],
    meta: ['spec', 'template', 'metadata'],
    restart: ['OnFailure', 'Never'],
    group: 'batch/v1',
  },
  CronJob: {
    spec: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
    meta: ['spec', 'jobTemplate', 'spec', 'template', 'metadata'],
    restart: ['OnFailure', 'Never'],
    group: 'batch/v1',
  },
};

/** True for the kinds whose pod template hostpod runs. */
export function isWorkloadKind(kind: string): kind is WorkloadKind {
  return Object.hasOwn(TEMPLATES, kind);
}

/** The result of decoding and validating one workload. */
export interface DecodedWorkload {
  object: ManifestObject;
  kind: WorkloadKind;
  /** The pod this workload would run (for a template: the template's metadata and spec). */
  pod: Pod;
  /** Path of the pod spec from the object root. */
  specPath: FieldPath;
  /** Type errors and validation errors, paths from the object root. */
  errors: FieldError[];
  unknownFields: FieldPath[];
}

/** Problems that make a document unusable as an object (not a map, no kind …). */
export interface ObjectProblem {
  doc: SourceDocument;
  objectPath: FieldPath;
  error: FieldError;
}

/** Splits documents into objects; unpacks `List` and `*List` kinds. */
export function findObjects(docs: readonly SourceDocument[]): {
  objects: ManifestObject[];
  problems: ObjectProblem[];
} {
  const objects: ManifestObject[] = [];
  const problems: ObjectProblem[] = [];
  const visit = (doc: SourceDocument, value: unknown, objectPath: FieldPath): void => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push({
        doc,
        objectPath,
        error: typeInvalid(objectPath, value, 'an object with apiVersion and kind'),
      });
      return;
    }
    const raw = value as Record<string, unknown>;
    const kind = raw.kind;
    if (typeof kind !== 'string' || kind === '') {
      problems.push({
        doc,
        objectPath,
        error: required([...objectPath, 'kind'], "Object 'Kind' is missing"),
      });
      return;
    }
    if (kind === 'List' || (kind.endsWith('List') && Array.isArray(raw.items))) {
      if (!Array.isArray(raw.items)) {
        problems.push({ doc, objectPath, error: typeInvalid([...objectPath, 'items'], raw.items, 'a list') });
        return;
      }
      for (const [i, item] of raw.items.entries()) visit(doc, item, [...objectPath, 'items', i]);
      return;
    }
    const meta =
      raw.metadata !== null && typeof raw.metadata === 'object'
        ? (raw.metadata as Record<string, unknown>)
        : {};
    objects.push({
      doc,
      objectPath,
      apiVersion: typeof raw.apiVersion === 'string' ? raw.apiVersion : '',
      kind,
      name: typeof meta.name === 'string' ? meta.name : undefined,
      namespace: typeof meta.namespace === 'string' ? meta.namespace : undefined,
      raw,
    });
  };
  for (const doc of docs) visit(doc, doc.value, []);
  return { objects, problems };
}

export interface WorkloadOptions {
  allowPrivileged?: boolean;
}

/** Decodes and validates a workload object's pod (template). */
export function decodeWorkload(object: ManifestObject, options: WorkloadOptions = {}): DecodedWorkload {
  const kind = object.kind as WorkloadKind;
  const t = TEMPLATES[kind];
  const d = new Decoder();
  const errors: FieldError[] = [];
  if (object.apiVersion !== t.group) {
    errors.push({
      type: 'NotSupported',
      path: ['apiVersion'],
      value: object.apiVersion,
      detail: `supported values: "${t.group}" (for kind ${kind})`,
    });
  }
  const objMeta = decodeMeta(d, object.raw.metadata, ['metadata']);
  errors.push(...validateObjectMeta(objMeta, ['metadata'], true));
  // Walk down to the template, reporting a wrong type on the way.
  let node: unknown = object.raw;
  for (const [i, seg] of t.spec.entries()) {
    if (i === t.spec.length - 1) break;
    const o = d.obj(node, t.spec.slice(0, i));
    node = o?.[seg as string];
  }
  const tmplMeta = kind === 'Pod' ? objMeta : decodeMeta(d, getPath(object.raw, t.meta), t.meta);
  const specValue = getPath(object.raw, t.spec);
  if (specValue === undefined || specValue === null) errors.push(required(t.spec, ''));
  const spec = decodePodSpec(d, specValue, t.spec);
  const validation = validatePodSpec(spec, t.spec, {
    ...(t.restart ? { allowedRestartPolicies: t.restart } : {}),
    ...(options.allowPrivileged === undefined ? {} : { allowPrivileged: options.allowPrivileged }),
  });
  const meta: ObjectMeta = {
    ...tmplMeta,
    name: kind === 'Pod' ? (objMeta.name ?? '') : (object.name ?? tmplMeta.name ?? ''),
    namespace: objMeta.namespace ?? 'default',
  };
  return {
    object,
    kind,
    pod: { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec },
    specPath: t.spec,
    errors: [...d.errors, ...errors, ...validation],
    unknownFields: d.unknownFields,
  };
}

function getPath(v: unknown, path: FieldPath): unknown {
  let cur = v;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/** Decodes a ConfigMap object. */
export function decodeConfigMap(object: ManifestObject): { value: ConfigMap; errors: FieldError[] } {
  const d = new Decoder();
  const o =
    d.obj(object.raw, [], ['apiVersion', 'kind', 'metadata', 'data', 'binaryData', 'immutable']) ?? {};
  const metadata = decodeMeta(d, o.metadata, ['metadata']);
  const errors = validateObjectMeta(metadata, ['metadata'], true);
  const binaryData: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(d.strMap(o.binaryData, ['binaryData']) ?? {})) {
    binaryData[k] = Buffer.from(v, 'base64');
  }
  return {
    value: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata,
      data: d.strMap(o.data, ['data']) ?? {},
      binaryData,
    },
    errors: [...d.errors, ...errors],
  };
}

/** Decodes a Secret object (`data` base64-decoded, `stringData` merged over it). */
export function decodeSecret(object: ManifestObject): { value: Secret; errors: FieldError[] } {
  const d = new Decoder();
  const o =
    d.obj(object.raw, [], ['apiVersion', 'kind', 'metadata', 'data', 'stringData', 'type', 'immutable']) ??
    {};
  const metadata = decodeMeta(d, o.metadata, ['metadata']);
  const errors = validateObjectMeta(metadata, ['metadata'], true);
  const data: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(d.strMap(o.data, ['data']) ?? {})) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v.replace(/\s/g, ''))) {
      errors.push({ type: 'Invalid', path: ['data', k], value: '<secret>', detail: 'illegal base64 data' });
      continue;
    }
    data[k] = Buffer.from(v, 'base64');
  }
  for (const [k, v] of Object.entries(d.strMap(o.stringData, ['stringData']) ?? {}))
    data[k] = Buffer.from(v, 'utf8');
  return {
    value: { apiVersion: 'v1', kind: 'Secret', metadata, type: d.str(o.type, ['type']) ?? 'Opaque', data },
    errors: [...d.errors, ...errors],
  };
}
