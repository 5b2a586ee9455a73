/** Test helpers: build manifests as plain objects and validate them the way `lint` does. */
import { stringify } from 'yaml';
import { type FieldError, formatFieldError } from '../field-path.ts';
import { parseManifestText } from '../manifests.ts';
import { decodeWorkload, findObjects } from '../objects.ts';

type Obj = Record<string, unknown>;

/** The "HPC pod" of the spec: pod-level hostProcess + SYSTEM, hostNetwork, given containers. */
export function hpcPod(spec: Obj = {}, containers: Obj[] = [{ name: 'a', image: 'img:1' }]): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: {
      securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
      hostNetwork: true,
      containers,
      ...spec,
    },
  };
}

/** A container with container-level windowsOptions. */
export function ctr(name: string, windowsOptions?: Obj, extra: Obj = {}): Obj {
  return {
    name,
    image: 'img:1',
    ...(windowsOptions ? { securityContext: { windowsOptions } } : {}),
    ...extra,
  };
}

/** Validates one object (given as a plain value) and returns its field errors. */
export function validate(obj: Obj, options: { allowPrivileged?: boolean } = {}): FieldError[] {
  const loaded = parseManifestText(stringify(obj, { version: '1.1' }), 'test.yaml');
  if (loaded.problems.length > 0) throw new Error(`fixture did not parse: ${loaded.problems[0]?.message}`);
  const { objects } = findObjects(loaded.documents);
  const o = objects[0];
  if (!o) throw new Error('no object');
  return decodeWorkload(o, options).errors;
}

/** The errors rendered as the API server prints them. */
export function messages(obj: Obj, options: { allowPrivileged?: boolean } = {}): string[] {
  return validate(obj, options).map(formatFieldError);
}
