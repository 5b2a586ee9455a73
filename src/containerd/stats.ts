import type { Group } from '../runtime/group/index.ts';
import { type Any, encode } from './protos.ts';

/**
 * The job's accounting as the cgroup Metrics type matching the host — `io.containerd.cgroups.v2.Metrics`
 * on a unified (v2) host, `io.containerd.cgroups.v1.Metrics` otherwise (hybrid, v1) — since
 * containerd's CRI and metrics collector accept only that one (bare type URL). CPU in ns (v1)
 * or µs (v2), memory usage, inactive file (so working set = usage − inactive file), RSS, the
 * limit, the process count.
 */
export async function taskMetrics(
  group: Group,
  unified: boolean,
  memoryLimit: number | undefined,
): Promise<Any> {
  const s = await group.stats();
  const inactive = Math.max(0, s.memoryUsageBytes - s.memoryWorkingSetBytes);
  const limit = memoryLimit ?? 0;
  if (unified) {
    const name = 'io.containerd.cgroups.v2.Metrics';
    return {
      type_url: name,
      value: Buffer.from(
        encode(name, {
          pids: { current: s.processCount },
          cpu: { usage_usec: Math.floor(s.cpuUsageNs / 1000) },
          memory: {
            usage: s.memoryUsageBytes,
            usage_limit: limit,
            inactive_file: inactive,
            anon: s.memoryWorkingSetBytes,
          },
          memory_events: { oom_kill: s.oomKillCount },
        }),
      ),
    };
  }
  const name = 'io.containerd.cgroups.v1.Metrics';
  return {
    type_url: name,
    value: Buffer.from(
      encode(name, {
        pids: { current: s.processCount },
        cpu: { usage: { total: s.cpuUsageNs } },
        memory: {
          total_inactive_file: inactive,
          inactive_file: inactive,
          total_rss: s.memoryWorkingSetBytes,
          usage: { usage: s.memoryUsageBytes, limit },
        },
      }),
    ),
  };
}
