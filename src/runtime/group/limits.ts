import { RuntimeError } from '../../errors.ts';

/**
 * Limit arithmetic for the job, as pure functions: Kubernetes resources in, cgroup values out.
 * The numbers follow what the kubelet and hcsshim compute for Windows HostProcess containers,
 * so a pod gets the same share of the host on Linux as on Windows.
 */

/** The job's resources, as the runtime spec hands them over (plain numbers, no quantities). */
export interface JobLimits {
  /** `resources.limits.memory` in bytes. */
  memoryBytes?: number;
  /** `resources.limits.cpu` in milli-CPUs. */
  cpuLimitMilli?: number;
  /** `resources.requests.cpu` in milli-CPUs. */
  cpuRequestMilli?: number;
  /** Maximum number of processes/threads of the job. */
  pidsMax?: number;
}

/** The values written to cgroup files; absent = not limited. */
export interface CgroupLimits {
  /** `memory.max` (v2) / `memory.limit_in_bytes` (v1), a whole number of MiB. */
  memoryMaxBytes?: number;
  /** `cpu.max` quota (v2) / `cpu.cfs_quota_us` (v1), in µs per `cpuPeriodUs`. */
  cpuQuotaUs?: number;
  cpuPeriodUs: number;
  /** `cpu.shares` (v1). */
  cpuShares?: number;
  /** `cpu.weight` (v2). */
  cpuWeight?: number;
  /** `pids.max`. */
  pidsMax?: number;
}

/** The CFS period hostpod uses, as the kubelet does (100 ms). */
export const CPU_PERIOD_US = 100_000;
/** The kernel refuses a CFS quota below 1 ms. */
export const MIN_CPU_QUOTA_US = 1_000;
const MIB = 1024 * 1024;

/** A memory limit floored to whole MiB, as hcsshim does (bytes/1024/1024). 0 MiB → unlimited. */
export function memoryLimitBytes(bytes: number): number | undefined {
  const mib = Math.floor(bytes / MIB);
  return mib > 0 ? mib * MIB : undefined;
}

/**
 * The kubelet's Windows `cpu_maximum`: the share of all host CPUs, in 1/10000ths,
 * `clamp(10 * limitMilliCPU / hostCPUs, 1, 10000)` with integer division.
 */
export function cpuMaximum(limitMilli: number, hostCpus: number): number {
  const rate = Math.trunc((10 * limitMilli) / hostCpus);
  return Math.min(10_000, Math.max(1, rate));
}

/**
 * The CFS quota for a `cpu_maximum` rate: `rate/10000 * hostCPUs * period`, floored, and at
 * least the kernel's 1 ms minimum (a Windows job can be throttled finer than Linux allows).
 */
export function cpuQuotaUs(rate: number, hostCpus: number, periodUs = CPU_PERIOD_US): number {
  return Math.max(MIN_CPU_QUOTA_US, Math.floor((rate * hostCpus * periodUs) / 10_000));
}

/** The kubelet's milliCPU → `cpu.shares`: `milli * 1024 / 1000`, at least 2, at most 262144. */
export function cpuShares(milli: number): number {
  const shares = Math.trunc((milli * 1024) / 1000);
  return Math.min(262_144, Math.max(2, shares));
}

/** v1 shares → v2 `cpu.weight`, the kubelet/runc formula `1 + ((shares - 2) * 9999) / 262142`. */
export function cpuWeightFromShares(shares: number): number {
  return 1 + Math.trunc(((shares - 2) * 9999) / 262_142);
}

/**
 * Turns the job's resources into cgroup values for a host with `hostCpus` CPUs.
 * Throws `InvalidArgument` for negative or non-finite numbers.
 */
export function cgroupLimits(limits: JobLimits, hostCpus: number): CgroupLimits {
  for (const [key, value] of Object.entries(limits)) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
      throw new RuntimeError('InvalidArgument', `Cannot apply job limits: ${key} is ${String(value)}`, {
        hint: 'Limits are non-negative numbers.',
      });
    }
  }
  const out: CgroupLimits = { cpuPeriodUs: CPU_PERIOD_US };
  if (limits.memoryBytes !== undefined) {
    const bytes = memoryLimitBytes(limits.memoryBytes);
    if (bytes !== undefined) out.memoryMaxBytes = bytes;
  }
  if (limits.cpuLimitMilli !== undefined && limits.cpuLimitMilli > 0) {
    out.cpuQuotaUs = cpuQuotaUs(cpuMaximum(limits.cpuLimitMilli, hostCpus), hostCpus);
  }
  if (limits.cpuRequestMilli !== undefined && limits.cpuRequestMilli > 0) {
    out.cpuShares = cpuShares(limits.cpuRequestMilli);
    out.cpuWeight = cpuWeightFromShares(out.cpuShares);
  }
  if (limits.pidsMax !== undefined && limits.pidsMax > 0) out.pidsMax = Math.floor(limits.pidsMax);
  return out;
}

/** CPU settings of a Windows container spec (CRI `WindowsContainerResources`). */
export interface WindowsCpuResources {
  cpuCount?: number;
  cpuMaximum?: number;
  cpuShares?: number;
}

/**
 * hcsshim's rule for job containers: at most one of CPU count, maximum and weight.
 * Returns the effective `cpu_maximum` rate (a count becomes `count*10000/hostCPUs`, at least 1;
 * a count above the host's is lowered to it), or undefined when none is set.
 * Throws `InvalidArgument` with hcsshim's message when more than one is set.
 */
export function validateWindowsCpu(cpu: WindowsCpuResources, hostCpus: number): number | undefined {
  const count = cpu.cpuCount ?? 0;
  const maximum = cpu.cpuMaximum ?? 0;
  const weight = cpu.cpuShares ?? 0;
  const set = [count, maximum, weight].filter((v) => v > 0).length;
  if (set > 1) {
    throw new RuntimeError(
      'InvalidArgument',
      `invalid spec - Windows Job Container CPU Count: '${count}', Limit: '${maximum}', and Weight: '${weight}' are mutually exclusive`,
      { hint: 'Set only one of CPU count, CPU maximum and CPU shares.' },
    );
  }
  if (count > 0) return Math.max(1, Math.trunc((Math.min(count, hostCpus) * 10_000) / hostCpus));
  if (maximum > 0) return maximum;
  return undefined;
}
