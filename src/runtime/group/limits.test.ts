import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import {
  cgroupLimits,
  cpuMaximum,
  cpuQuotaUs,
  cpuShares,
  cpuWeightFromShares,
  memoryLimitBytes,
  validateWindowsCpu,
} from './limits.ts';

describe('limits', () => {
  it('memoryLimitBytes() floors to whole MiB like hcsshim', () => {
    assert.equal(memoryLimitBytes(64 * 1024 * 1024), 67_108_864);
    assert.equal(memoryLimitBytes(64 * 1024 * 1024 + 1023), 67_108_864);
    assert.equal(memoryLimitBytes(100_000_000), 95 * 1024 * 1024);
    assert.equal(memoryLimitBytes(1000), undefined);
  });

  it('cpuMaximum() is the kubelet rate clamped to 1..10000', () => {
    assert.equal(cpuMaximum(500, 2), 2500);
    assert.equal(cpuMaximum(500, 3), 1666);
    assert.equal(cpuMaximum(1, 64), 1);
    assert.equal(cpuMaximum(64_000, 2), 10_000);
  });

  it('cpuQuotaUs() gives rate/10000 of all CPUs per period, at least 1 ms', () => {
    assert.equal(cpuQuotaUs(2500, 2), 50_000);
    assert.equal(cpuQuotaUs(10_000, 4), 400_000);
    assert.equal(cpuQuotaUs(1, 2), 1_000);
  });

  it('cpuShares() and cpuWeightFromShares() follow the kubelet/runc formulas', () => {
    assert.equal(cpuShares(0), 2);
    assert.equal(cpuShares(1), 2);
    assert.equal(cpuShares(250), 256);
    assert.equal(cpuShares(1000), 1024);
    assert.equal(cpuShares(10_000_000), 262_144);
    assert.equal(cpuWeightFromShares(2), 1);
    assert.equal(cpuWeightFromShares(1024), 39);
    assert.equal(cpuWeightFromShares(262_144), 10_000);
  });

  it('cgroupLimits() maps 64Mi and 500m on 2 CPUs to the cgroup values', () => {
    const out = cgroupLimits({ memoryBytes: 64 * 1024 * 1024, cpuLimitMilli: 500, cpuRequestMilli: 250 }, 2);
    assert.deepEqual(out, {
      cpuPeriodUs: 100_000,
      memoryMaxBytes: 67_108_864,
      cpuQuotaUs: 50_000,
      cpuShares: 256,
      cpuWeight: 10,
    });
    assert.deepEqual(cgroupLimits({}, 2), { cpuPeriodUs: 100_000 });
  });

  it('cgroupLimits() refuses negative and non-finite numbers', () => {
    assert.throws(
      () => cgroupLimits({ memoryBytes: -1 }, 2),
      (e) => isRuntimeError(e, 'InvalidArgument'),
    );
    assert.throws(
      () => cgroupLimits({ cpuLimitMilli: Number.NaN }, 2),
      (e) => isRuntimeError(e, 'InvalidArgument'),
    );
  });

  it('validateWindowsCpu() rejects more than one of count, maximum and weight with hcsshim message', () => {
    assert.throws(() => validateWindowsCpu({ cpuCount: 1, cpuMaximum: 5000, cpuShares: 10 }, 2), {
      message:
        "invalid spec - Windows Job Container CPU Count: '1', Limit: '5000', and Weight: '10' are mutually exclusive",
    });
    assert.throws(() => validateWindowsCpu({ cpuMaximum: 5000, cpuShares: 10 }, 2), /mutually exclusive/);
  });

  it('validateWindowsCpu() turns a count into a rate and lowers it to the host CPUs', () => {
    assert.equal(validateWindowsCpu({ cpuCount: 1 }, 4), 2500);
    assert.equal(validateWindowsCpu({ cpuCount: 8 }, 2), 10_000);
    assert.equal(validateWindowsCpu({ cpuMaximum: 300 }, 2), 300);
    assert.equal(validateWindowsCpu({}, 2), undefined);
  });
});
