/**
 * `spec.dnsConfig`: decoding and the API server's rules (validatePodDNSConfig), with its paths
 * and messages. The limits are those of expanded DNS configuration (GA since Kubernetes 1.28).
 */
import { isIP } from 'node:net';
import type { Decoder } from './decoder.ts';
import { defined } from './decoder.ts';
import { type FieldError, type FieldPath, invalid, required } from './field-path.ts';
import { dns1123SubdomainErrors } from './names.ts';
import type { PodDNSConfig, PodSpec } from './types.ts';

/** The API server's (and the kubelet's) limits, from the C library's resolver. */
export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;

/** Decodes `dnsConfig` at `path`; wrong types become the decoder's field errors. */
export function decodeDnsConfig(d: Decoder, v: unknown, path: FieldPath): PodDNSConfig | undefined {
  const o = d.obj(v, path, ['nameservers', 'searches', 'options']);
  if (!o) return undefined;
  return defined<PodDNSConfig>({
    nameservers: d.strArr(o.nameservers, [...path, 'nameservers']),
    searches: d.strArr(o.searches, [...path, 'searches']),
    options: d.arr(o.options, [...path, 'options'], (x, p) => {
      const op = d.obj(x, p, ['name', 'value']);
      if (!op) return undefined;
      return defined<{ name: string; value?: string }>({
        name: d.str(op.name, [...p, 'name']) ?? '',
        value: d.str(op.value, [...p, 'value']),
      });
    }),
  });
}

/** The API server's checks of `dnsPolicy: None` and of `dnsConfig`, in its order. */
export function validateDnsConfig(spec: PodSpec, specPath: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const path = [...specPath, 'dnsConfig'];
  const c = spec.dnsConfig;
  if (spec.dnsPolicy === 'None') {
    if (c === undefined) return [required(path, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if ((c.nameservers ?? []).length === 0)
      return [
        required(
          [...path, 'nameservers'],
          'must provide at least one DNS nameserver when `dnsPolicy` is None',
        ),
      ];
  }
  if (c === undefined) return errs;
  const nameservers = c.nameservers ?? [];
  if (nameservers.length > MAX_DNS_NAMESERVERS)
    errs.push(
      invalid(
        [...path, 'nameservers'],
        nameservers,
        `must not have more than ${MAX_DNS_NAMESERVERS} nameservers`,
      ),
    );
  nameservers.forEach((ns, i) => {
    if (isIP(ns) === 0)
      errs.push(
        invalid(
          [...path, 'nameservers', i],
          ns,
          'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
        ),
      );
  });
  const searches = c.searches ?? [];
  if (searches.length > MAX_DNS_SEARCH_PATHS)
    errs.push(
      invalid(
        [...path, 'searches'],
        searches,
        `must not have more than ${MAX_DNS_SEARCH_PATHS} search paths`,
      ),
    );
  if (searches.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS)
    errs.push(
      invalid(
        [...path, 'searches'],
        searches,
        `must not have more than ${MAX_DNS_SEARCH_LIST_CHARS} characters (including spaces) in the search list`,
      ),
    );
  searches.forEach((s, i) => {
    // A trailing dot is fine.
    const name = s.endsWith('.') ? s.slice(0, -1) : s;
    for (const m of dns1123SubdomainErrors(name)) errs.push(invalid([...path, 'searches', i], name, m));
  });
  (c.options ?? []).forEach((op, i) => {
    if (op.name === '') errs.push(required([...path, 'options', i], 'must not be empty'));
  });
  return errs;
}
