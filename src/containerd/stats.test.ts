import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Group } from '../runtime/group/index.ts';
import { decode } from './protos.ts';
import { taskMetrics } from './stats.ts';

// The job's accounting as a cgroup backend reports it (the kernel's numbers are tested in runtime/group).
const group = {
  stats: async () => ({
    cpuUsageNs: 1_500_000,
    memoryWorkingSetBytes: 3_000,
    memoryUsageBytes: 5_000,
    processCount: 4,
    oomKillCount: 1,
  }),
} as unknown as Group;

test('taskMetrics() on a cgroup v1/hybrid host: io.containerd.cgroups.v1.Metrics with what CRI reads', async () => {
  const any = await taskMetrics(group, false, 64 << 20);
  assert.equal(any.type_url, 'io.containerd.cgroups.v1.Metrics');
  const m = decode<{
    cpu: { usage: { total: number } };
    memory: { usage: { usage: number; limit: number }; total_inactive_file: number };
    pids: { current: number };
  }>(any.type_url, any.value);
  assert.equal(m.cpu.usage.total, 1_500_000);
  assert.equal(m.memory.usage.usage, 5_000);
  assert.equal(m.memory.usage.usage - m.memory.total_inactive_file, 3_000, "CRI's working set");
  assert.equal(m.memory.usage.limit, 64 << 20);
  assert.equal(m.pids.current, 4);
});

test('taskMetrics() on a cgroup v2 host: io.containerd.cgroups.v2.Metrics (CPU in µs)', async () => {
  const any = await taskMetrics(group, true, undefined);
  assert.equal(any.type_url, 'io.containerd.cgroups.v2.Metrics');
  const m = decode<{
    cpu: { usage_usec: number };
    memory: { usage: number; inactive_file: number };
    memory_events: { oom_kill: number };
  }>(any.type_url, any.value);
  assert.equal(m.cpu.usage_usec, 1_500);
  assert.equal(m.memory.usage - m.memory.inactive_file, 3_000);
  assert.equal(m.memory_events.oom_kill, 1);
});
