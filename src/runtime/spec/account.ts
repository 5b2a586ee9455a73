import { RuntimeError } from '../../errors.ts';
import { ANNOTATION_INHERIT_USER } from './types.ts';

/** Who a container's processes run as, before any lookup on the host. */
export type AccountSpec =
  /** hostpod's own uid/gid (annotation `microsoft.com/hostprocess-inherit-user`). */
  | { kind: 'inherit' }
  /** `NT AUTHORITY\SYSTEM` → root. */
  | { kind: 'system' }
  /** `NT AUTHORITY\Local Service` → a dedicated unprivileged account. */
  | { kind: 'local-service' }
  /** `NT AUTHORITY\Network Service` → a dedicated unprivileged account. */
  | { kind: 'network-service' }
  /** A name without a domain: a host group, resolved at start (an ephemeral user in it). */
  | { kind: 'group'; name: string };

/** The prefix of every account failure, as hcsshim words it. */
export const LOGON_FAILURE = 'failed to create user process token: failed to logon user';

const NT_AUTHORITY = 'NT AUTHORITY';
const SERVICE_ACCOUNTS: Record<string, AccountSpec> = {
  system: { kind: 'system' },
  localservice: { kind: 'local-service' },
  networkservice: { kind: 'network-service' },
};

/** Go's strconv.ParseBool true values, which hcsshim's annotation parser accepts. */
const TRUE_VALUES = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

/**
 * Maps `runAsUserName` (and the inherit-user annotation, which wins) to an account kind, as
 * hcsshim does: the domain `NT AUTHORITY` is compared case-sensitively, the user part
 * case-insensitively and ignoring spaces (`Local Service` = `LocalService`); a name without a
 * domain is a group candidate. Throws InvalidArgument for a missing name or one with more
 * than one `\` ("invalid user string"), FailedPrecondition ("failed to create user process
 * token: failed to logon user: …") for any other domain or an unknown NT AUTHORITY account.
 */
export function parseRunAsUserName(
  runAsUserName: string | undefined,
  annotations: Readonly<Record<string, string>> = {},
): AccountSpec {
  const inherit = annotations[ANNOTATION_INHERIT_USER];
  if (inherit !== undefined && TRUE_VALUES.has(inherit)) return { kind: 'inherit' };
  if (runAsUserName === undefined || runAsUserName === '') {
    throw new RuntimeError('InvalidArgument', 'runAsUserName is required for a HostProcess container', {
      hint: 'set securityContext.windowsOptions.runAsUserName, e.g. "NT AUTHORITY\\SYSTEM"',
    });
  }
  const parts = runAsUserName.split('\\');
  if (parts.length > 2) {
    throw new RuntimeError('InvalidArgument', `invalid user string "${runAsUserName}"`, {
      hint: 'use DOMAIN\\user or a group name, with at most one backslash',
    });
  }
  if (parts.length === 1) return { kind: 'group', name: runAsUserName };
  const [domain, user] = parts as [string, string];
  if (domain === NT_AUTHORITY) {
    const known = SERVICE_ACCOUNTS[user.toLowerCase().replace(/ /g, '')];
    if (known !== undefined) return known;
  }
  throw new RuntimeError('FailedPrecondition', `${LOGON_FAILURE}: unknown account "${runAsUserName}"`, {
    hint:
      'use "NT AUTHORITY\\SYSTEM", "NT AUTHORITY\\Local Service", "NT AUTHORITY\\Network Service", ' +
      'the name of a local group, or the annotation microsoft.com/hostprocess-inherit-user: "true"',
  });
}
