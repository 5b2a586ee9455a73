import { errnoCode, RuntimeError, type RuntimeErrorOptions } from '../../errors.ts';
import type { RegistryHost } from './hosts.ts';
import { describeNetworkError } from './http.ts';

/**
 * A request to one registry host failed: `reason` is the short cause (`HTTP 404: …`,
 * `ECONNREFUSED …`) shown when several hosts were tried.
 */
export class HostRequestError extends RuntimeError {
  readonly reason: string;
  readonly host: RegistryHost;

  constructor(
    code: RuntimeError['code'],
    message: string,
    reason: string,
    host: RegistryHost,
    opts: RuntimeErrorOptions = {},
  ) {
    super(code, message, opts);
    this.reason = reason;
    this.host = host;
  }
}

const DNS = ['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA'];
const CERT = [
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
];

function codeOf(e: unknown): string {
  for (let x: unknown = e, i = 0; x instanceof Error && i < 4; x = x.cause, i++) {
    const c = errnoCode(x);
    if (c) return c;
  }
  return '';
}

/** Where a registry's hosts.toml goes, for hints. */
export function hostsTomlPath(configDir: string | undefined, domain: string): string {
  return `${configDir ?? '/etc/hostpod/certs.d'}/${domain}/hosts.toml`;
}

/**
 * What to do about a network failure reaching `host` for registry `domain` — the fix that
 * matches the failure: DNS → network or a mirror; refused → is it running; TLS spoken to a
 * plain-HTTP server → --insecure-registry; untrusted certificate → `ca =`; timeout → network.
 */
export function networkFailureHint(
  domain: string,
  host: RegistryHost,
  e: unknown,
  configDir: string | undefined,
): string {
  const code = codeOf(e);
  const msg = describeNetworkError(e);
  const https = host.api.startsWith('https:');
  const toml = hostsTomlPath(configDir, domain);
  if (DNS.includes(code)) {
    return `the name ${host.host.replace(/:\d+$/, '')} does not resolve: check this machine's DNS and network access; a host without access to ${domain} can use a mirror in ${toml}`;
  }
  if (code === 'ECONNREFUSED')
    return `nothing accepts connections at ${host.host}: check that the registry there is running`;
  if (https && (code === 'EPROTO' || /wrong version number|packet length too long|http request/i.test(msg))) {
    return `${host.host} does not speak HTTPS: for a plain-HTTP registry pass --insecure-registry ${host.host}, or set server = "http://${host.host}" in ${toml}`;
  }
  if (CERT.includes(code) || /certificate/i.test(msg)) {
    return `the TLS certificate of ${host.host} is not trusted (${code || 'certificate error'}): name its CA with ca = "/path/ca.pem" in ${toml} (or set NODE_EXTRA_CA_CERTS)`;
  }
  if (code === 'ETIMEDOUT' || /timeout/i.test(msg)) {
    return `${host.host} did not answer in time: check the network path to it (a firewall dropping packets?)${host.mirror ? '; dial_timeout in hosts.toml makes a dead mirror fail over sooner' : ''}`;
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return `no route to ${host.host}: check this machine's network`;
  return `check that ${host.host} is reachable${https ? ' over HTTPS' : ''}`;
}

/** How a host is named in a list of failures: its API origin, and where it came from. */
function label(h: RegistryHost): string {
  const origin = new URL(h.api).origin;
  return h.mirror ? `${origin} (mirror, ${h.source ?? 'hosts.toml'})` : origin;
}

/**
 * The error for a request that every host failed: with one host, its own error; with several,
 * one error listing each host and its reason, with the code of the last (the server's, the
 * authority) unless all agree, and the distinct hints joined.
 */
export function allHostsFailed(
  what: string,
  failures: readonly { host: RegistryHost; error: unknown }[],
): unknown {
  if (failures.length === 1) return failures[0]!.error;
  const lines = failures.map(({ host, error }) => {
    const reason =
      error instanceof HostRequestError
        ? error.reason
        : error instanceof Error
          ? error.message
          : String(error);
    return `  ${label(host)}: ${reason}`;
  });
  const codes = failures.map((f) => (f.error instanceof RuntimeError ? f.error.code : 'Unavailable'));
  const hints = [
    ...new Set(
      failures.flatMap((f) => (f.error instanceof RuntimeError && f.error.hint ? [f.error.hint] : [])),
    ),
  ];
  const opts: RuntimeErrorOptions = { cause: failures[failures.length - 1]!.error };
  if (hints.length > 0) opts.hint = hints.join('; ');
  return new RuntimeError(
    codes[codes.length - 1]!,
    `Cannot get ${what}: every registry host failed:\n${lines.join('\n')}`,
    opts,
  );
}
