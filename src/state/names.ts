import { dns1123LabelErrors, dns1123SubdomainErrors } from '../api/names.ts';
import { RuntimeError } from '../errors.ts';
import { type ContainerId, type PodUid, parseContainerId, parsePodUid } from './ids.ts';
import { damaged } from './row.ts';

/**
 * Checks a namespace (RFC 1123 label) and a name (RFC 1123 subdomain) before they are stored:
 * `InvalidArgument` naming the object otherwise, so `../x` or `A/B` never becomes a row.
 */
export function checkNames(kind: string, namespace: string, name: string): void {
  const ns = dns1123LabelErrors(namespace);
  const nm = dns1123SubdomainErrors(name);
  const problem =
    ns.length > 0 ? `namespace: ${ns.join('; ')}` : nm.length > 0 ? `name: ${nm.join('; ')}` : '';
  if (problem)
    throw new RuntimeError('InvalidArgument', `Invalid ${kind} "${namespace}/${name}": ${problem}`, {
      hint: 'names are lower case letters, digits, "-" and "." (a namespace: no ".")',
    });
}

/** A pod uid read from a row: a malformed one is `DataLoss` naming the row. */
export function rowPodUid(v: string, where: string): PodUid {
  try {
    return parsePodUid(v);
  } catch {
    throw damaged(where, `holds an invalid pod uid "${v}"`);
  }
}

/** A container id read from a row: a malformed one is `DataLoss` naming the row. */
export function rowContainerId(v: string, where: string): ContainerId {
  try {
    return parseContainerId(v);
  } catch {
    throw damaged(where, `holds an invalid container id "${v}"`);
  }
}
