/**
 * The Win32 calls of the accounts module, through koffi (kernel32, advapi32, userenv,
 * netapi32). Loaded on first use, on Windows only: koffi is not a Linux dependency (Windows
 * Node finds it through NODE_PATH or the install's node_modules). Nothing here knows about
 * containers.
 */
import { createRequire } from 'node:module';
import { RuntimeError } from '../../../errors.ts';

/** The few koffi entry points used (koffi ships no types we depend on). */
interface Koffi {
  load(name: string): { func(prototype: string): (...args: unknown[]) => unknown };
  pointer(name: string, type: unknown): unknown;
  opaque(): unknown;
  struct(name: string, fields: Record<string, string>): unknown;
  decode(ptr: unknown, offset: number, type: string, length: number): unknown;
}

/** An opaque Win32 HANDLE as koffi returns it. */
export type Win32Handle = unknown;

export interface Win32Api {
  GetLastError(): number;
  GetCurrentProcess(): Win32Handle;
  OpenProcessToken(process: Win32Handle, access: number, out: [Win32Handle | null]): boolean;
  CloseHandle(h: Win32Handle): boolean;
  LogonUserW(
    user: string,
    domain: string | null,
    password: string | null,
    type: number,
    provider: number,
    out: [Win32Handle | null],
  ): boolean;
  CreateEnvironmentBlock(out: [unknown], token: Win32Handle, inherit: boolean): boolean;
  DestroyEnvironmentBlock(env: unknown): boolean;
  NetLocalGroupGetInfo(server: null, group: string, level: number, out: [unknown]): number;
  NetApiBufferFree(buf: unknown): number;
  NetUserAdd(server: null, level: number, info: UserInfo1, parmErr: [number]): number;
  NetUserDel(server: null, user: string): number;
  NetLocalGroupAddMembers(
    server: null,
    group: string,
    level: number,
    members: { lgrmi3_domainandname: string },
    total: number,
  ): number;
  /** Reads the UTF-16 string at `ptr + offset` up to its NUL. */
  readString16(ptr: unknown, offset: number): string;
}

/** `USER_INFO_1` (NetUserAdd level 1). */
export interface UserInfo1 {
  usri1_name: string;
  usri1_password: string;
  usri1_password_age: number;
  usri1_priv: number;
  usri1_home_dir: string | null;
  usri1_comment: string | null;
  usri1_flags: number;
  usri1_script_path: string | null;
}

let api: Win32Api | undefined;

/**
 * The bound Win32 API. Throws Unavailable when koffi cannot be loaded (not Windows, or koffi
 * not installed), saying what to install.
 */
export function win32(): Win32Api {
  if (api !== undefined) return api;
  let koffi: Koffi;
  try {
    koffi = createRequire(import.meta.url)('koffi') as Koffi;
  } catch (e) {
    throw new RuntimeError(
      'Unavailable',
      'Cannot manage Windows accounts: the koffi module is not installed',
      {
        hint: 'install koffi for win32/x64 next to hostpod (npm install --os=win32 --cpu=x64 koffi)',
        cause: e,
      },
    );
  }
  koffi.pointer('HANDLE', koffi.opaque());
  koffi.struct('USER_INFO_1', {
    usri1_name: 'str16',
    usri1_password: 'str16',
    usri1_password_age: 'uint32_t',
    usri1_priv: 'uint32_t',
    usri1_home_dir: 'str16',
    usri1_comment: 'str16',
    usri1_flags: 'uint32_t',
    usri1_script_path: 'str16',
  });
  koffi.struct('LOCALGROUP_MEMBERS_INFO_3', { lgrmi3_domainandname: 'str16' });
  const kernel32 = koffi.load('kernel32.dll');
  const advapi32 = koffi.load('advapi32.dll');
  const userenv = koffi.load('userenv.dll');
  const netapi32 = koffi.load('netapi32.dll');
  const bound = {
    GetLastError: kernel32.func('uint32_t __stdcall GetLastError()'),
    GetCurrentProcess: kernel32.func('HANDLE __stdcall GetCurrentProcess()'),
    CloseHandle: kernel32.func('bool __stdcall CloseHandle(HANDLE h)'),
    OpenProcessToken: advapi32.func(
      'bool __stdcall OpenProcessToken(HANDLE process, uint32_t access, _Out_ HANDLE *token)',
    ),
    LogonUserW: advapi32.func(
      'bool __stdcall LogonUserW(const char16_t *user, const char16_t *domain, const char16_t *password, uint32_t type, uint32_t provider, _Out_ HANDLE *token)',
    ),
    CreateEnvironmentBlock: userenv.func(
      'bool __stdcall CreateEnvironmentBlock(_Out_ void **env, HANDLE token, bool inherit)',
    ),
    DestroyEnvironmentBlock: userenv.func('bool __stdcall DestroyEnvironmentBlock(void *env)'),
    NetLocalGroupGetInfo: netapi32.func(
      'uint32_t __stdcall NetLocalGroupGetInfo(const char16_t *server, const char16_t *group, uint32_t level, _Out_ void **buf)',
    ),
    NetApiBufferFree: netapi32.func('uint32_t __stdcall NetApiBufferFree(void *buf)'),
    NetUserAdd: netapi32.func(
      'uint32_t __stdcall NetUserAdd(const char16_t *server, uint32_t level, USER_INFO_1 *buf, _Out_ uint32_t *parmErr)',
    ),
    NetUserDel: netapi32.func('uint32_t __stdcall NetUserDel(const char16_t *server, const char16_t *user)'),
    NetLocalGroupAddMembers: netapi32.func(
      'uint32_t __stdcall NetLocalGroupAddMembers(const char16_t *server, const char16_t *group, uint32_t level, LOCALGROUP_MEMBERS_INFO_3 *buf, uint32_t total)',
    ),
    // `char16_t` with length -1: the NUL-terminated text at the address (`str16` would read a pointer there).
    readString16: (ptr: unknown, offset: number) => koffi.decode(ptr, offset, 'char16_t', -1) as string,
  };
  api = bound as unknown as Win32Api;
  return api;
}
