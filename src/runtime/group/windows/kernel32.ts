/**
 * The few kernel32 calls the Job Object backend makes, through koffi. Loaded only on Windows,
 * on first use (`loadKernel32()`): koffi is resolved with `require` so that `NODE_PATH` can point
 * at a win32 build of it (the Wine tests do). Structs are passed as Buffers encoded by
 * `job-structs.ts`; handles are koffi pointers.
 */
import { createRequire } from 'node:module';
import { RuntimeError } from '../../../errors.ts';

/** An opaque kernel handle (a koffi pointer). */
export type Handle = unknown;

export interface Kernel32 {
  CreateJobObjectW(attributes: null, name: string): Handle;
  OpenJobObjectW(access: number, inherit: boolean, name: string): Handle;
  SetInformationJobObject(job: Handle, cls: number, info: Buffer, length: number): boolean;
  QueryInformationJobObject(job: Handle, cls: number, info: Buffer, length: number, returned: null): boolean;
  TerminateJobObject(job: Handle, exitCode: number): boolean;
  CloseHandle(handle: Handle): boolean;
  GetLastError(): number;
  OpenProcess(access: number, inherit: boolean, pid: number): Handle;
  TerminateProcess(process: Handle, exitCode: number): boolean;
  CreateRemoteThread(
    process: Handle,
    attributes: null,
    stackSize: number,
    start: Handle,
    /** A number: the routine's argument (an event code, not a pointer). */
    parameter: number,
    flags: number,
    threadId: null,
  ): Handle;
  GetModuleHandleW(name: string): Handle;
  /** Each of the four FILETIMEs is an 8-byte Buffer. */
  GetProcessTimes(process: Handle, creation: Buffer, exit: Buffer, kernel: Buffer, user: Buffer): boolean;
  GetExitCodeProcess(process: Handle, code: Buffer): boolean;
  GetProcAddress(module: Handle, name: string): Handle;
}

interface KoffiLib {
  func(prototype: string): (...args: unknown[]) => unknown;
}
interface Koffi {
  load(path: string): KoffiLib;
}

const PROTOTYPES: Record<keyof Kernel32, string> = {
  CreateJobObjectW: 'void * __stdcall CreateJobObjectW(void *attributes, const char16_t *name)',
  OpenJobObjectW: 'void * __stdcall OpenJobObjectW(uint32_t access, bool inherit, const char16_t *name)',
  SetInformationJobObject:
    'bool __stdcall SetInformationJobObject(void *job, int cls, void *info, uint32_t length)',
  QueryInformationJobObject:
    'bool __stdcall QueryInformationJobObject(void *job, int cls, _Out_ void *info, uint32_t length, _Out_ uint32_t *returned)',
  TerminateJobObject: 'bool __stdcall TerminateJobObject(void *job, uint32_t exitCode)',
  CloseHandle: 'bool __stdcall CloseHandle(void *handle)',
  GetLastError: 'uint32_t __stdcall GetLastError()',
  OpenProcess: 'void * __stdcall OpenProcess(uint32_t access, bool inherit, uint32_t pid)',
  TerminateProcess: 'bool __stdcall TerminateProcess(void *process, uint32_t exitCode)',
  CreateRemoteThread:
    'void * __stdcall CreateRemoteThread(void *process, void *attributes, size_t stackSize, void *start, uintptr_t parameter, uint32_t flags, _Out_ uint32_t *threadId)',
  GetModuleHandleW: 'void * __stdcall GetModuleHandleW(const char16_t *name)',
  GetProcessTimes:
    'bool __stdcall GetProcessTimes(void *process, _Out_ void *creation, _Out_ void *exit, _Out_ void *kernel, _Out_ void *user)',
  GetExitCodeProcess: 'bool __stdcall GetExitCodeProcess(void *process, _Out_ void *code)',
  GetProcAddress: 'void * __stdcall GetProcAddress(void *module, const char *name)',
};

let loaded: Kernel32 | undefined;

/**
 * kernel32 through koffi. Throws `FailedPrecondition` when koffi cannot be loaded (not
 * installed for win32/x64) or this is not Windows.
 */
export function loadKernel32(): Kernel32 {
  if (loaded) return loaded;
  if (process.platform !== 'win32')
    throw new RuntimeError('FailedPrecondition', 'Cannot use Job Objects: this is not Windows');
  let koffi: Koffi;
  try {
    koffi = createRequire(import.meta.url)('koffi') as Koffi;
  } catch (err) {
    throw new RuntimeError(
      'FailedPrecondition',
      'Cannot use Job Objects: the koffi module cannot be loaded',
      {
        hint: 'Install hostpod with its dependencies for win32/x64 (npm install --os=win32 --cpu=x64).',
        cause: err,
      },
    );
  }
  const lib = koffi.load('kernel32.dll');
  const fns: Partial<Record<keyof Kernel32, unknown>> = {};
  for (const [name, proto] of Object.entries(PROTOTYPES)) fns[name as keyof Kernel32] = lib.func(proto);
  loaded = fns as unknown as Kernel32;
  return loaded;
}
