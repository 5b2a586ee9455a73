import { RuntimeError } from '../../../errors.ts';
import { ANNOTATION_INHERIT_USER } from '../types.ts';

/** Who a Windows container's processes run as, before any call to the host (§3). */
export type WindowsAccountSpec =
  /** hostpod's own token (annotation `microsoft.com/hostprocess-inherit-user: "true"`). */
  | { kind: 'inherit' }
  /**
   * A name to resolve on the host: if the *whole* string names a local group
   * (`NetLocalGroupGetInfo`), an ephemeral user in that group; otherwise `LogonUserW(user,
   * domain, no password, logonType)`.
   */
  | {
      kind: 'named';
      name: string;
      domain: string | undefined;
      user: string;
      logonType: 'service' | 'interactive';
    };

/** `LOGON32_LOGON_INTERACTIVE` / `LOGON32_LOGON_SERVICE`. */
export const LOGON_TYPES = { interactive: 2, service: 5 } as const;

/** The service accounts that log on without a password, as `LogonUserW` spells them. */
export const SERVICE_ACCOUNT_NAMES = ['SYSTEM', 'LOCAL SERVICE', 'NETWORK SERVICE'] as const;

/**
 * Maps `runAsUserName` (and the inherit-user annotation, which wins only with the exact value
 * `"true"`, as hcsshim compares it) to an account, as hcsshim's `processToken` does:
 * `DOMAIN\user` or `user`; the logon type is SERVICE iff the domain is exactly `NT AUTHORITY`
 * (case-sensitive), else INTERACTIVE. `Local Service` / `LocalService` are given to
 * `LogonUserW` as `LOCAL SERVICE` (the spelling it accepts for the service logon).
 * Throws InvalidArgument (field `…securityContext.windowsOptions.runAsUserName`) for an empty
 * name (`empty username or group name passed`) or more than one `\` (`invalid user string`).
 */
export function parseWindowsAccount(
  runAsUserName: string | undefined,
  annotations: Readonly<Record<string, string>> = {},
): WindowsAccountSpec {
  if (annotations[ANNOTATION_INHERIT_USER] === 'true') return { kind: 'inherit' };
  const field = 'securityContext.windowsOptions.runAsUserName';
  if (runAsUserName === undefined || runAsUserName === '') {
    throw new RuntimeError('InvalidArgument', `${field}: empty username or group name passed`, {
      hint: 'set runAsUserName, e.g. "NT AUTHORITY\\SYSTEM", or a local group name',
    });
  }
  const parts = runAsUserName.split('\\');
  if (parts.length > 2) {
    throw new RuntimeError('InvalidArgument', `${field}: invalid user string \`${runAsUserName}\``, {
      hint: 'use DOMAIN\\user or a local group name, with at most one backslash',
    });
  }
  if (parts.length === 1) {
    return {
      kind: 'named',
      name: runAsUserName,
      domain: undefined,
      user: runAsUserName,
      logonType: 'interactive',
    };
  }
  const [domain, user] = parts as [string, string];
  if (domain === 'NT AUTHORITY') {
    const canonical = SERVICE_ACCOUNT_NAMES.find(
      (n) => n.replace(/ /g, '') === user.toUpperCase().replace(/ /g, ''),
    );
    return { kind: 'named', name: runAsUserName, domain, user: canonical ?? user, logonType: 'service' };
  }
  return { kind: 'named', name: runAsUserName, domain, user, logonType: 'interactive' };
}

/** The ephemeral user's name for a container: the first 20 characters of its id (Windows' limit). */
export function ephemeralUserName(containerId: string): string {
  return containerId.slice(0, 20);
}

/** The reference's wording of an account failure, for every step (§3 "Errors"). */
export function tokenError(step: string, cause: string): RuntimeError {
  return new RuntimeError('FailedPrecondition', `failed to create user process token: ${step}: ${cause}`, {
    hint: 'use "NT AUTHORITY\\SYSTEM", "NT AUTHORITY\\Local Service", "NT AUTHORITY\\Network Service" or a local group hostpod may add a user to',
  });
}
