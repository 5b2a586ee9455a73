import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobObjectLimits } from './job-limits.ts';
import {
  decodeAccounting,
  decodeMemoryUsage,
  decodePidList,
  encodeCpuRate,
  encodeExtendedLimit,
  peakJobMemory,
  pidListSize,
} from './job-structs.ts';

describe('job object structs (x64 layouts)', () => {
  it('encodeExtendedLimit() sets KILL_ON_JOB_CLOSE always and JOB_MEMORY with the limit at offset 120', () => {
    const none = encodeExtendedLimit();
    assert.equal(none.length, 144);
    assert.equal(none.readUInt32LE(16), 0x2000);
    assert.equal(none.readBigUInt64LE(120), 0n);
    const mem = encodeExtendedLimit(256 * 1024 * 1024);
    assert.equal(mem.readUInt32LE(16), 0x2200);
    assert.equal(mem.readBigUInt64LE(120), 268435456n);
    // Nothing else is set: no breakaway, no per-process limit, no active-process limit.
    const rest = Buffer.concat([mem.subarray(0, 16), mem.subarray(20, 120), mem.subarray(128)]);
    assert.ok(rest.every((x) => x === 0));
  });

  it('encodeCpuRate() is ENABLE|HARD_CAP with the rate, or ENABLE|WEIGHT_BASED with the weight', () => {
    assert.deepEqual([...encodeCpuRate({ rate: 2500 })], [5, 0, 0, 0, 0xc4, 0x09, 0, 0]);
    assert.deepEqual([...encodeCpuRate({ weight: 9 })], [3, 0, 0, 0, 9, 0, 0, 0]);
  });

  it('decodeAccounting() turns 100 ns units into ns and reads the process counts and IO bytes', () => {
    const b = Buffer.alloc(96);
    b.writeBigInt64LE(30_000_000n, 0); // 3 s user
    b.writeBigInt64LE(5_000_000n, 8); // 0.5 s kernel
    b.writeUInt32LE(7, 36);
    b.writeUInt32LE(2, 40);
    b.writeBigUInt64LE(4096n, 72);
    b.writeBigUInt64LE(8192n, 80);
    assert.deepEqual(decodeAccounting(b), {
      cpuNs: 3_500_000_000,
      totalProcesses: 7,
      activeProcesses: 2,
      readBytes: 4096,
      writeBytes: 8192,
    });
  });

  it('decodePidList() reads the pids in the list and tells a short buffer by the assigned count', () => {
    const b = Buffer.alloc(pidListSize(2));
    assert.equal(b.length, 24);
    b.writeUInt32LE(3, 0);
    b.writeUInt32LE(2, 4);
    b.writeBigUInt64LE(1234n, 8);
    b.writeBigUInt64LE(5678n, 16);
    assert.deepEqual(decodePidList(b), { assigned: 3, pids: [1234, 5678] });
    // A hostile count larger than the buffer is cut to what the buffer holds.
    b.writeUInt32LE(1000, 4);
    assert.deepEqual(decodePidList(b).pids, [1234, 5678]);
  });

  it('decodeMemoryUsage() and peakJobMemory() read the commit and its peak', () => {
    const u = Buffer.alloc(16);
    u.writeBigUInt64LE(1000n, 0);
    u.writeBigUInt64LE(2000n, 8);
    assert.deepEqual(decodeMemoryUsage(u), { jobMemory: 1000, peak: 2000 });
    const ext = Buffer.alloc(144);
    ext.writeBigUInt64LE(777n, 136);
    assert.equal(peakJobMemory(ext), 777);
  });
});

describe('jobObjectLimits()', () => {
  it('jobObjectLimits() floors memory to whole MiB and gives the kubelet cpu_maximum as the rate', () => {
    assert.deepEqual(jobObjectLimits({ memoryBytes: 100 * 1024 * 1024 + 5, cpuLimitMilli: 500 }, 2), {
      jobMemoryBytes: 100 * 1024 * 1024,
      cpuRate: 2500,
    });
    assert.deepEqual(jobObjectLimits({ cpuLimitMilli: 500 }, 3), { cpuRate: 1666 });
    assert.deepEqual(jobObjectLimits({ cpuLimitMilli: 64_000 }, 2), { cpuRate: 10_000 });
    assert.deepEqual(jobObjectLimits({ cpuLimitMilli: 1 }, 64), { cpuRate: 1 });
  });

  it('jobObjectLimits() sets nothing for a request, a zero limit or less than 1 MiB', () => {
    assert.deepEqual(
      jobObjectLimits({ cpuRequestMilli: 250, cpuLimitMilli: 0, memoryBytes: 1024 * 1024 - 1 }, 4),
      {},
    );
    assert.deepEqual(jobObjectLimits({}, 4), {});
  });
});
