/**
 * The Job Object structs hostpod sets and reads, encoded by hand at their x64 offsets
 * (docs: /work/shared/docs/windows-backend.md §1.2) so the layout is checked by Linux unit tests
 * and does not depend on how an FFI lays out a C struct. Pure: buffers in, values out.
 *
 * Every struct hostpod sets is built whole from its own values: a query-modify-set would copy
 * back what Wine's query returns (zeros) and drop `JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`.
 */

/** `JOBOBJECTINFOCLASS` values used. */
export const JobInfoClass = {
  BasicAccounting: 1,
  BasicProcessIdList: 3,
  AssociateCompletionPort: 7,
  BasicAndIoAccounting: 8,
  ExtendedLimit: 9,
  CpuRateControl: 15,
  MemoryUsage: 28,
} as const;

export const JOB_OBJECT_LIMIT_JOB_MEMORY = 0x200;
export const JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000;
export const CPU_RATE_ENABLE = 0x1;
export const CPU_RATE_WEIGHT_BASED = 0x2;
export const CPU_RATE_HARD_CAP = 0x4;

export const EXTENDED_LIMIT_SIZE = 144;
export const CPU_RATE_SIZE = 8;
export const BASIC_AND_IO_ACCOUNTING_SIZE = 96;
export const MEMORY_USAGE_SIZE = 16;

/**
 * `JOBOBJECT_EXTENDED_LIMIT_INFORMATION` (144 bytes): LimitFlags at 16 (inside the 64-byte
 * basic part), JobMemoryLimit at 120. Always KILL_ON_JOB_CLOSE; JOB_MEMORY when a limit is given.
 */
export function encodeExtendedLimit(jobMemoryBytes?: number): Buffer {
  const b = Buffer.alloc(EXTENDED_LIMIT_SIZE);
  let flags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
  if (jobMemoryBytes !== undefined && jobMemoryBytes > 0) {
    flags |= JOB_OBJECT_LIMIT_JOB_MEMORY;
    b.writeBigUInt64LE(BigInt(jobMemoryBytes), 120);
  }
  b.writeUInt32LE(flags, 16);
  return b;
}

/** `PeakJobMemoryUsed` (offset 136) of a queried extended limit struct. */
export function peakJobMemory(b: Buffer): number {
  return Number(b.readBigUInt64LE(136));
}

/**
 * `JOBOBJECT_CPU_RATE_CONTROL_INFORMATION` (8 bytes): a hard cap in 1/10000ths of the host
 * (`ENABLE|HARD_CAP`, what the kubelet's `cpu_maximum` becomes) or a weight 1..9
 * (`ENABLE|WEIGHT_BASED`).
 */
export function encodeCpuRate(cpu: { rate: number } | { weight: number }): Buffer {
  const b = Buffer.alloc(CPU_RATE_SIZE);
  if ('rate' in cpu) {
    b.writeUInt32LE(CPU_RATE_ENABLE | CPU_RATE_HARD_CAP, 0);
    b.writeUInt32LE(cpu.rate, 4);
  } else {
    b.writeUInt32LE(CPU_RATE_ENABLE | CPU_RATE_WEIGHT_BASED, 0);
    b.writeUInt32LE(cpu.weight, 4);
  }
  return b;
}

/** What `JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION` (96 bytes) says. */
export interface JobAccounting {
  /** User + kernel time of every process the job ever held, in ns (the struct counts 100 ns). */
  cpuNs: number;
  totalProcesses: number;
  activeProcesses: number;
  readBytes: number;
  writeBytes: number;
}

export function decodeAccounting(b: Buffer): JobAccounting {
  const user = b.readBigInt64LE(0);
  const kernel = b.readBigInt64LE(8);
  return {
    cpuNs: Number((user + kernel) * 100n),
    totalProcesses: b.readUInt32LE(36),
    activeProcesses: b.readUInt32LE(40),
    // IO_COUNTERS after the 48-byte basic part: ReadOps, WriteOps, OtherOps, ReadBytes, WriteBytes, …
    readBytes: Number(b.readBigUInt64LE(48 + 24)),
    writeBytes: Number(b.readBigUInt64LE(48 + 32)),
  };
}

/** `JOBOBJECT_MEMORY_USAGE_INFORMATION` (16 bytes): the job's commit now and its peak. */
export function decodeMemoryUsage(b: Buffer): { jobMemory: number; peak: number } {
  return { jobMemory: Number(b.readBigUInt64LE(0)), peak: Number(b.readBigUInt64LE(8)) };
}

/** The buffer size of a `JOBOBJECT_BASIC_PROCESS_ID_LIST` with room for `n` pids. */
export function pidListSize(n: number): number {
  return 8 + 8 * Math.max(1, n);
}

/**
 * `JOBOBJECT_BASIC_PROCESS_ID_LIST`: NumberOfAssignedProcesses (u32), NumberOfProcessIdsInList
 * (u32), then ULONG_PTR pids. `assigned` > `pids.length` means the buffer was too small.
 */
export function decodePidList(b: Buffer): { assigned: number; pids: number[] } {
  const assigned = b.readUInt32LE(0);
  const inList = Math.min(b.readUInt32LE(4), Math.floor((b.length - 8) / 8));
  const pids: number[] = [];
  for (let i = 0; i < inList; i++) pids.push(Number(b.readBigUInt64LE(8 + 8 * i)));
  return { assigned, pids };
}
