/**
 * The daemon's health: the conditions an operator must see (`/v1/healthz`, a node event when one
 * appears) and the periodic check that finds them — writes a full disk held back are retried,
 * containers whose log cannot be written are reported (an event, the metrics) and reported again
 * when it can be, and each running job's CPU is sampled so `top` has a rate at its first call.
 */
import type { Health } from '../api/protocol.ts';
import type { GroupManager } from '../runtime/group/types.ts';
import { type LogStatus, readLogStatus } from '../runtime/task/log-status.ts';
import type { AgentMetrics } from './agent-types.ts';
import type { StateWriter } from './state-writer.ts';

export class HealthMonitor {
  readonly #writer: StateWriter;
  readonly #groups: GroupManager;
  readonly #metrics: AgentMetrics | undefined;
  readonly #problems = new Map<string, string>();
  /** The last log status seen per running container. */
  readonly #logStatus = new Map<string, LogStatus>();
  readonly #cpuSamples = new Map<string, { ns: number; at: number }>();
  #checking = false;

  constructor(writer: StateWriter, groups: GroupManager, metrics?: AgentMetrics) {
    this.#writer = writer;
    this.#groups = groups;
    this.#metrics = metrics;
  }

  health(): Health {
    const problems = [...this.#problems.values()];
    const state = this.#writer.problem;
    if (state) problems.unshift(state);
    return { ok: problems.length === 0, problems };
  }

  /** Records (or clears, with `undefined`) a condition an operator must see; a new one is a node event. */
  setProblem(key: string, message: string | undefined): void {
    if (message === undefined) {
      this.#problems.delete(key);
      return;
    }
    if (this.#problems.get(key) === message) return;
    this.#problems.set(key, message);
    this.#writer.addEvent(undefined, 'Warning', 'NodeProblem', message);
  }

  /** CPU use since the last sample of container `id`, in millicores (none at the first sample). */
  cpuRate(id: string, ns: number): { cpuMillicores?: number } {
    const now = Date.now();
    const prev = this.#cpuSamples.get(id);
    this.#cpuSamples.set(id, { ns, at: now });
    if (!prev || now - prev.at < 50) return {};
    return { cpuMillicores: Math.max(0, Math.round((ns - prev.ns) / 1e3 / (now - prev.at))) };
  }

  /** The periodic check. Never overlaps itself; never throws. */
  async check(): Promise<void> {
    if (this.#checking) return;
    this.#checking = true;
    try {
      this.#writer.flush();
      await this.#checkContainers();
    } finally {
      this.#checking = false;
    }
  }

  async #checkContainers(): Promise<void> {
    const db = this.#writer.db;
    const live = new Set<string>();
    for (const p of db.pods.list()) {
      for (const row of db.containers.listByPod(p.uid, { latest: true })) {
        if (!('running' in row.state) || !row.taskDir) continue;
        live.add(row.id);
        const usage = await this.#groups
          .open(row.groupId ?? row.id)
          .stats()
          .catch(() => undefined);
        if (usage) this.cpuRate(row.id, usage.cpuUsageNs);
        const now = await readLogStatus(row.taskDir).catch(() => undefined);
        if (!now) continue;
        const before = this.#logStatus.get(row.id);
        this.#logStatus.set(row.id, now);
        const dropped = now.droppedBytes - (before?.droppedBytes ?? 0);
        if (dropped > 0) this.#metrics?.logBytesDropped?.(dropped);
        if (now.failing && !before?.failing) {
          this.#metrics?.logWriteFailed?.();
          this.#problems.set(
            `log:${row.id}`,
            `pod ${p.namespace}/${p.name} container ${row.name}: log writes fail (${now.error ?? 'error'})`,
          );
          this.#writer.addEvent(
            p.uid,
            'Warning',
            'LogWriteFailed',
            `Container ${row.name}: its output cannot be written to its log (${now.error ?? 'error'} since ${now.since ?? '?'}); it keeps running, the lost output is counted`,
          );
        } else if (!now.failing && before?.failing) {
          this.#problems.delete(`log:${row.id}`);
          this.#writer.addEvent(
            p.uid,
            'Normal',
            'LogWriteResumed',
            `Container ${row.name}: its log is written again; ${now.droppedBytes} bytes (${now.droppedRecords} lines) of output were lost`,
          );
        }
      }
    }
    for (const id of this.#cpuSamples.keys()) if (!live.has(id)) this.#cpuSamples.delete(id);
    for (const id of this.#logStatus.keys()) {
      if (!live.has(id)) {
        this.#logStatus.delete(id);
        this.#problems.delete(`log:${id}`);
      }
    }
  }
}
