/**
 * The API server's HostProcess and Windows rules (pkg/apis/core/validation/validation.go:
 * `validateWindowsHostProcessPod`, `validateWindowsSecurityContextOptions`, `validateLinux`,
 * `validateWindows`), with the same field paths, error types and messages.
 */
import { type FieldError, type FieldPath, forbidden, invalid } from './field-path.ts';
import { dns1123SubdomainErrors } from './names.ts';
import type { PodSpec, WindowsSecurityContextOptions } from './types.ts';
import { containersWithPath } from './visit-containers.ts';

const MAX_GMSA_CREDENTIAL_SPEC_LENGTH = 64 * 1024;
const MAX_RUN_AS_USER_NAME_DOMAIN_LENGTH = 256;
const MAX_RUN_AS_USER_NAME_USER_LENGTH = 104;
// Go's [[:cntrl:]] is ASCII only.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CTRL_RE = /[\x00-\x1f\x7f]/;
const NETBIOS_RE = /^[^\\/:*?"<>|.][^\\/:*?"<>|]{0,14}$/;
const DNS_LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?';
const WINDOWS_DNS_DOMAIN_RE = new RegExp(`^${DNS_LABEL}(?:\\.${DNS_LABEL})*$`);
const DOTS_SPACES_RE = /^[. ]+$/;
const INVALID_USER_CHARS_RE = /["/\\:;|=,+*?<>@[\]]/;

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

/** Options for the rules that depend on cluster configuration. */
export interface WindowsValidationOptions {
  /** The apiserver's `--allow-privileged`; HostProcess pods are forbidden when false. Default true. */
  allowPrivileged?: boolean;
}

/** `validateWindowsSecurityContextOptions` for one `windowsOptions` at `path`. */
export function validateWindowsOptions(o: WindowsSecurityContextOptions, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (o.gmsaCredentialSpecName !== undefined) {
    for (const msg of dns1123SubdomainErrors(o.gmsaCredentialSpecName)) {
      errs.push(invalid([...path, 'gmsaCredentialSpecName'], o.gmsaCredentialSpecName, msg));
    }
  }
  if (o.gmsaCredentialSpec !== undefined) {
    const l = byteLength(o.gmsaCredentialSpec);
    const p = [...path, 'gmsaCredentialSpec'];
    if (l === 0) errs.push(invalid(p, o.gmsaCredentialSpec, 'gmsaCredentialSpec cannot be an empty string'));
    else if (l > MAX_GMSA_CREDENTIAL_SPEC_LENGTH) {
      errs.push(invalid(p, o.gmsaCredentialSpec, 'gmsaCredentialSpec size must be under 64 KiB'));
    }
  }
  if (o.runAsUserName !== undefined)
    errs.push(...validateRunAsUserName(o.runAsUserName, [...path, 'runAsUserName']));
  return errs;
}

/** The `runAsUserName` rules, in the API server's order (first three stop, the rest accumulate). */
export function validateRunAsUserName(name: string, p: FieldPath): FieldError[] {
  if (byteLength(name) === 0) return [invalid(p, name, 'runAsUserName cannot be an empty string')];
  if (CTRL_RE.test(name)) return [invalid(p, name, 'runAsUserName cannot contain control characters')];
  const parts = name.split('\\');
  if (parts.length > 2) return [invalid(p, name, 'runAsUserName cannot contain more than one backslash')];
  const hasDomain = parts.length === 2;
  const domain = hasDomain ? (parts[0] ?? '') : '';
  const user = hasDomain ? (parts[1] ?? '') : (parts[0] ?? '');
  const errs: FieldError[] = [];
  if (byteLength(domain) >= MAX_RUN_AS_USER_NAME_DOMAIN_LENGTH) {
    errs.push(
      invalid(
        p,
        name,
        `runAsUserName's Domain length must be under ${MAX_RUN_AS_USER_NAME_DOMAIN_LENGTH} characters`,
      ),
    );
  }
  if (hasDomain && !(NETBIOS_RE.test(domain) || WINDOWS_DNS_DOMAIN_RE.test(domain))) {
    errs.push(invalid(p, name, "runAsUserName's Domain doesn't match the NetBios nor the DNS format"));
  }
  const ul = byteLength(user);
  if (ul === 0) errs.push(invalid(p, name, "runAsUserName's User cannot be empty"));
  else if (ul > MAX_RUN_AS_USER_NAME_USER_LENGTH) {
    errs.push(
      invalid(
        p,
        name,
        `runAsUserName's User length must not be longer than ${MAX_RUN_AS_USER_NAME_USER_LENGTH} characters`,
      ),
    );
  }
  if (DOTS_SPACES_RE.test(user))
    errs.push(invalid(p, name, "runAsUserName's User cannot contain only periods or spaces"));
  if (INVALID_USER_CHARS_RE.test(user)) {
    errs.push(
      invalid(p, name, `runAsUserName's User cannot contain the following characters: "/\\:;|=,+*?<>@[]`),
    );
  }
  return errs;
}

/** Every `windowsOptions` of the pod and its containers, validated. */
export function validateAllWindowsOptions(spec: PodSpec, specPath: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const podOpts = spec.securityContext?.windowsOptions;
  if (podOpts)
    errs.push(...validateWindowsOptions(podOpts, [...specPath, 'securityContext', 'windowsOptions']));
  for (const { container, path } of containersWithPath(spec, specPath)) {
    const o = container.securityContext?.windowsOptions;
    if (o) errs.push(...validateWindowsOptions(o, [...path, 'securityContext', 'windowsOptions']));
  }
  return errs;
}

/** `validateWindowsHostProcessPod`: agreement, all-or-none, hostNetwork, cluster policy. */
export function validateHostProcessPod(
  spec: PodSpec,
  specPath: FieldPath,
  options: WindowsValidationOptions = {},
): FieldError[] {
  const errs: FieldError[] = [];
  const podHostProcess = spec.securityContext?.windowsOptions?.hostProcess;
  let count = 0;
  let hpcCount = 0;
  for (const { container, path } of containersWithPath(spec, specPath)) {
    count++;
    const c = container.securityContext?.windowsOptions?.hostProcess;
    if (podHostProcess !== undefined && c !== undefined && podHostProcess !== c) {
      errs.push(
        invalid(
          [...path, 'securityContext', 'windowsOptions', 'hostProcess'],
          c,
          `pod hostProcess value must be identical if both are specified, was ${podHostProcess}`,
        ),
      );
    }
    if (c === true || (c === undefined && podHostProcess === true)) hpcCount++;
  }
  if (hpcCount > 0) {
    if (hpcCount !== count) {
      errs.push(
        invalid(
          specPath,
          '',
          'If pod contains any hostProcess containers then all containers must be HostProcess containers',
        ),
      );
    }
    const hostNetwork = spec.hostNetwork === true;
    if (!hostNetwork) {
      errs.push(
        invalid(
          [...specPath, 'hostNetwork'],
          hostNetwork,
          'hostNetwork must be true if pod contains any hostProcess containers',
        ),
      );
    }
    if (options.allowPrivileged === false) {
      errs.push(forbidden(specPath, 'hostProcess containers are disallowed by cluster policy'));
    }
  }
  return errs;
}

/** `validateLinux` / `validateWindows`: the `spec.os` rules. */
export function validateOsRules(spec: PodSpec, specPath: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const os = spec.os?.name;
  const containers = containersWithPath(spec, specPath);
  if (os === 'linux') {
    const msg = 'windows options cannot be set for a linux pod';
    if (spec.securityContext?.windowsOptions)
      errs.push(forbidden([...specPath, 'securityContext', 'windowsOptions'], msg));
    for (const { container, path } of containers) {
      if (container.securityContext?.windowsOptions) {
        errs.push(forbidden([...path, 'securityContext', 'windowsOptions'], msg));
      }
    }
  } else if (os === 'windows') {
    const msg = 'cannot be set for a windows pod';
    const sc = spec.securityContext;
    const scp = [...specPath, 'securityContext'];
    if (sc) {
      const podFields = [
        'appArmorProfile',
        'seLinuxOptions',
        'seccompProfile',
        'fsGroup',
        'fsGroupChangePolicy',
        'sysctls',
        'runAsUser',
        'runAsGroup',
        'supplementalGroups',
        'supplementalGroupsPolicy',
        'seLinuxChangePolicy',
      ] as const;
      for (const f of podFields) if (sc[f] !== undefined) errs.push(forbidden([...scp, f], msg));
    }
    if (spec.hostUsers !== undefined) errs.push(forbidden([...specPath, 'hostUsers'], msg));
    if (spec.hostPID) errs.push(forbidden([...specPath, 'hostPID'], msg));
    if (spec.hostIPC) errs.push(forbidden([...specPath, 'hostIPC'], msg));
    if (spec.shareProcessNamespace !== undefined)
      errs.push(forbidden([...specPath, 'shareProcessNamespace'], msg));
    const ctrFields = [
      'appArmorProfile',
      'seLinuxOptions',
      'seccompProfile',
      'capabilities',
      'readOnlyRootFilesystem',
      'privileged',
      'allowPrivilegeEscalation',
      'procMount',
      'runAsUser',
      'runAsGroup',
    ] as const;
    for (const { container, path } of containers) {
      const csc = container.securityContext;
      if (!csc) continue;
      for (const f of ctrFields)
        if (csc[f] !== undefined) errs.push(forbidden([...path, 'securityContext', f], msg));
    }
  }
  return errs;
}
