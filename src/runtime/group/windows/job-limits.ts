import { cpuMaximum, type JobLimits, memoryLimitBytes } from '../limits.ts';

/** What a job object is given for a container's resources (see `jobObjectLimits`). */
export interface JobObjectLimits {
  /** `JobMemoryLimit` with JOB_OBJECT_LIMIT_JOB_MEMORY: a commit cap for the whole job. */
  jobMemoryBytes?: number;
  /** `CpuRate` with ENABLE|HARD_CAP, in 1/10000ths of all host CPUs. */
  cpuRate?: number;
}

/**
 * The job-object values the kubelet and hcsshim arrive at for a Windows HostProcess container:
 * memory = `limits.memory` floored to whole MiB (hcsshim); CPU = the kubelet's `cpu_maximum`
 * `clamp(10 * limitMilliCPU / hostCpus, 1, 10000)`. A CPU request sets nothing: the kubelet sends
 * no `cpu_shares` for Windows. Limits of 0 or below 1 MiB set nothing.
 */
export function jobObjectLimits(limits: JobLimits, hostCpus: number): JobObjectLimits {
  const out: JobObjectLimits = {};
  const memory = limits.memoryBytes === undefined ? undefined : memoryLimitBytes(limits.memoryBytes);
  if (memory !== undefined) out.jobMemoryBytes = memory;
  if (limits.cpuLimitMilli !== undefined && limits.cpuLimitMilli > 0)
    out.cpuRate = cpuMaximum(limits.cpuLimitMilli, hostCpus);
  return out;
}
