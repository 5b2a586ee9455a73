import { randomUUID } from 'node:crypto';
import { RuntimeError } from '../../../errors.ts';
import type { EnvVar } from '../../spec/types.ts';
import {
  ephemeralUserName,
  LOGON_TYPES,
  tokenError,
  type WindowsAccountSpec,
} from '../../spec/windows/account.ts';
import { decodeEnvBlockText } from '../../spec/windows/env-block.ts';
import { type Win32Api, type Win32Handle, win32 } from './win32-api.ts';
import { describeWin32Error, NERR_USER_NOT_FOUND } from './win32-errors.ts';

/** `TOKEN_ALL_ACCESS`. */
const TOKEN_ALL_ACCESS = 0xf01ff;
const LOGON32_PROVIDER_DEFAULT = 0;
const USER_PRIV_USER = 1;
const UF_NORMAL_ACCOUNT = 0x200;
const UF_DONT_EXPIRE_PASSWD = 0x10000;

/** A logged-on account: the token the container's processes are created with. */
export interface AccountToken {
  /** The primary token (a Win32 HANDLE). */
  handle: Win32Handle;
  /** What it is: hostpod's own token, a service/named logon, or an ephemeral user in a group. */
  kind: 'inherit' | 'logon' | 'ephemeral';
  /** The ephemeral user's name (removed by `close()`). */
  ephemeralUser?: string;
  /**
   * The account's default environment (`CreateEnvironmentBlock(token, bInherit=FALSE)`), in
   * order — the first layer of `buildWindowsEnv()`. Throws FailedPrecondition naming the error.
   */
  environment(): EnvVar[];
  /** Closes the token and deletes the ephemeral user (an absent user is fine). Idempotent. */
  close(): void;
}

/**
 * Logs on the account of a HostProcess container as hcsshim does (windows-backend.md §3):
 * - `inherit`: `OpenProcessToken(GetCurrentProcess(), TOKEN_ALL_ACCESS)` — hostpod's own
 *   token (SYSTEM when hostpod runs as a service);
 * - a name that is a local group (`NetLocalGroupGetInfo` on the whole string): an ephemeral user
 *   named `ephemeralUserName(containerId)` with a random password (a UUID), `USER_PRIV_USER`,
 *   normal account, password never expires; added to the group; logged on INTERACTIVE. Any
 *   failure after `NetUserAdd` deletes the user again;
 * - anything else: `LogonUserW(user, domain, no password, SERVICE or INTERACTIVE)` — so the
 *   `NT AUTHORITY` service accounts work and a real user without a password fails.
 * Throws FailedPrecondition `failed to create user process token: <step>: <Windows error>`
 * (steps as the reference: `failed to logon user`, `failed to create local account for
 * container: failed to create user <name>`, `…: failed to add user "<name>" to the "<group>"
 * group`), or `failed to open current process token`. `api` is for tests.
 */
export function openAccountToken(
  spec: WindowsAccountSpec,
  containerId: string,
  api: Win32Api = win32(),
): AccountToken {
  const fail = (step: string) => tokenError(step, describeWin32Error(api.GetLastError()));
  const out: [Win32Handle | null] = [null];
  if (spec.kind === 'inherit') {
    if (!api.OpenProcessToken(api.GetCurrentProcess(), TOKEN_ALL_ACCESS, out)) {
      throw new RuntimeError(
        'FailedPrecondition',
        `failed to open current process token: ${describeWin32Error(api.GetLastError())}`,
      );
    }
    return token(api, out[0], 'inherit');
  }
  if (isLocalGroup(api, spec.name)) {
    const name = ephemeralUserName(containerId);
    const password = randomUUID();
    const createStep = 'failed to create local account for container';
    const parmErr: [number] = [0];
    const added = api.NetUserAdd(
      null,
      1,
      {
        usri1_name: name,
        usri1_password: password,
        usri1_password_age: 0,
        usri1_priv: USER_PRIV_USER,
        usri1_home_dir: null,
        usri1_comment: 'hostpod ephemeral',
        usri1_flags: UF_NORMAL_ACCOUNT | UF_DONT_EXPIRE_PASSWD,
        usri1_script_path: null,
      },
      parmErr,
    );
    if (added !== 0)
      throw tokenError(`${createStep}: failed to create user ${name}`, describeWin32Error(added));
    try {
      const member = api.NetLocalGroupAddMembers(null, spec.name, 3, { lgrmi3_domainandname: name }, 1);
      if (member !== 0) {
        throw tokenError(
          `${createStep}: failed to add user "${name}" to the "${spec.name}" group`,
          describeWin32Error(member),
        );
      }
      if (!api.LogonUserW(name, '.', password, LOGON_TYPES.interactive, LOGON32_PROVIDER_DEFAULT, out)) {
        throw fail('failed to logon user');
      }
    } catch (e) {
      deleteUser(api, name);
      throw e;
    }
    return token(api, out[0], 'ephemeral', name);
  }
  const domain = spec.domain ?? null;
  if (!api.LogonUserW(spec.user, domain, null, LOGON_TYPES[spec.logonType], LOGON32_PROVIDER_DEFAULT, out)) {
    throw fail('failed to logon user');
  }
  return token(api, out[0], 'logon');
}

/**
 * Deletes the ephemeral user of `containerId` if it exists (crash recovery, as the shim's
 * `delete` does). Returns true when a user was deleted. Throws FailedPrecondition for any other
 * failure than "no such user".
 */
export function removeEphemeralUser(containerId: string, api: Win32Api = win32()): boolean {
  const name = ephemeralUserName(containerId);
  const rc = api.NetUserDel(null, name);
  if (rc === 0) return true;
  if (rc === NERR_USER_NOT_FOUND) return false;
  throw new RuntimeError('FailedPrecondition', `failed to delete user "${name}": ${describeWin32Error(rc)}`, {
    hint: 'delete it by hand (net user <name> /delete) if it is left over',
  });
}

function isLocalGroup(api: Win32Api, name: string): boolean {
  const buf: [unknown] = [null];
  const rc = api.NetLocalGroupGetInfo(null, name, 1, buf);
  if (rc === 0 && buf[0] !== null) api.NetApiBufferFree(buf[0]);
  return rc === 0;
}

function deleteUser(api: Win32Api, name: string): void {
  const rc = api.NetUserDel(null, name);
  if (rc !== 0 && rc !== NERR_USER_NOT_FOUND) {
    // After a failed start the user is left behind: say so rather than hide it.
    process.emitWarning(`hostpod: could not delete ephemeral user "${name}": ${describeWin32Error(rc)}`);
  }
}

function token(
  api: Win32Api,
  handle: Win32Handle | null,
  kind: AccountToken['kind'],
  user?: string,
): AccountToken {
  if (handle === null) throw tokenError('failed to logon user', 'no token returned');
  let closed = false;
  return {
    handle,
    kind,
    ...(user === undefined ? {} : { ephemeralUser: user }),
    environment(): EnvVar[] {
      const env: [unknown] = [null];
      if (!api.CreateEnvironmentBlock(env, handle, false)) {
        throw new RuntimeError(
          'FailedPrecondition',
          `failed to get the account's environment: ${describeWin32Error(api.GetLastError())}`,
        );
      }
      try {
        let text = '';
        for (let off = 0; ; ) {
          const s = api.readString16(env[0], off);
          if (s === '') break;
          text += `${s}\0`;
          off += (s.length + 1) * 2;
        }
        return decodeEnvBlockText(text);
      } finally {
        api.DestroyEnvironmentBlock(env[0]);
      }
    },
    close(): void {
      if (closed) return;
      closed = true;
      api.CloseHandle(handle);
      if (user !== undefined) deleteUser(api, user);
    },
  };
}
