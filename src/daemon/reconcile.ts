/**
 * Where a stored pod's containers stand on the host, from their records and, for a run the
 * record still calls running, its shim: adopted when the shim still runs it, else ended with the
 * exit code the shim wrote (read once, then recorded), or `Unknown` (137) when the shim is gone
 * without one. A run that was being started when the daemon stopped is removed with its record. The
 * restart policy then decides what follows, as if the daemon had been there.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from '../api/types.ts';
import { describeError } from '../errors.ts';
import { readExit } from '../runtime/task/exit-record.ts';
import {
  type ContainerExit,
  exitOfTerminated,
  killedExit,
  readTaskExit,
  terminatedState,
  vanishedExit,
} from '../services/container-exit.ts';
import { platformOf, type RunningContainer, removeContainer } from '../services/container-runner.ts';
import type { ContainerResume, PodResume } from '../services/pod-runner.ts';
import { containerDir, logPath, taskDir } from '../services/records.ts';
import type { RuntimeDeps } from '../services/runtime-deps.ts';
import { composeStatus, parseStoredStatus } from '../services/stored-status.ts';
import type { ContainerRecord, ExecInfo } from '../state/containers.ts';
import type { PodUid } from '../state/ids.ts';
import type { PodRecord } from '../state/pods.ts';
import type { AgentLogger } from './agent-types.ts';
import type { StateWriter } from './state-writer.ts';

export interface PodStanding extends PodResume {
  containers: Map<string, ContainerResume>;
  anyRunning: boolean;
  /** How many containers were adopted. */
  adopted: number;
}

export class Reconciler {
  readonly #deps: RuntimeDeps;
  readonly #writer: StateWriter;
  readonly #log: AgentLogger;

  constructor(deps: RuntimeDeps, writer: StateWriter, log: AgentLogger) {
    this.#deps = deps;
    this.#writer = writer;
    this.#log = log;
  }

  /** Where the pod's containers stand now; every run found ended is recorded as ended. */
  async standing(p: PodRecord, pod: Pod): Promise<PodStanding> {
    const containers = new Map<string, ContainerResume>();
    let adopted = 0;
    // A run that was being started when the daemon stopped never ran as far as anyone was told:
    // what it holds on the host is removed with its record, as if the start never happened.
    for (const row of this.#writer.db.containers.listByPod(p.uid)) {
      if (!('waiting' in row.state)) continue;
      const problems = await this.removeContainer(row.id, false).catch((e: unknown) => [describeError(e)]);
      for (const problem of problems) this.#log.warn({ id: row.id, problem }, 'removing an unfinished start');
      this.#writer.remove(row.id);
    }
    for (const row of this.#writer.db.containers.listByPod(p.uid, { latest: true })) {
      const key = `${row.type}/${row.name}`;
      if ('terminated' in row.state) {
        containers.set(key, {
          attempt: row.attempt,
          ended: resultOf(row, exitOfTerminated(row.state.terminated)),
        });
        continue;
      }
      const running = 'running' in row.state ? await this.#adopt(row) : undefined;
      if (running) {
        adopted++;
        containers.set(key, { attempt: row.attempt, running });
        continue;
      }
      const exit = await this.#end(p.uid, row);
      containers.set(key, { attempt: row.attempt, ended: resultOf(row, exit) });
    }
    const status = composeStatus(
      pod.spec,
      parseStoredStatus(p.status),
      this.#writer.db.containers.listByPod(p.uid),
    );
    return { status, containers, anyRunning: adopted > 0, adopted };
  }

  /** Stops (kills) the running containers of a pod and records why they ended. */
  async stopRunning(uid: PodUid, message: string): Promise<void> {
    for (const row of this.#writer.db.containers.listByPod(uid, { latest: true })) {
      if ('terminated' in row.state) continue;
      const problems = await this.removeContainer(row.id, true).catch((e: unknown) => [describeError(e)]);
      for (const problem of problems) this.#log.warn({ id: row.id, problem }, 'stopping a container');
      const exit = killedExit(message, row.startedAt);
      this.#writer.update(row.id, { state: { terminated: terminatedState(exit, row.id) } });
    }
  }

  /** Removes a container's job, workspace and user (its shim found by its identity file). */
  removeContainer(id: string, keepLogs: boolean): Promise<string[]> {
    return removeContainer(this.#deps, { id }, { keepLogs });
  }

  /** A running container of an earlier daemon, if its shim still runs it: handed to the supervisor. */
  async #adopt(row: ContainerRecord): Promise<RunningContainer | undefined> {
    const dir = row.taskDir ?? taskDir(this.#deps.root, row.id);
    const platform = platformOf(this.#deps);
    if (!(await platform.shimAlive(dir))) return undefined;
    // An exit record (or one that does not read): it ended; `#end` reads it.
    if ((await readExit(dir).catch(() => 'unreadable')) !== undefined) return undefined;
    const exec = row.exec ?? (await this.#legacyExec(row));
    if (!exec) return undefined;
    const task = await platform
      .openTask(dir, this.#deps.groups, row.groupId ?? row.id)
      .catch(() => undefined);
    if (!task) return undefined;
    return {
      id: row.id,
      name: row.name,
      type: row.type,
      exec,
      task,
      account: { name: '', uid: 0, gid: 0, groups: [], home: '/', shell: '', ephemeral: exec.ephemeralUser },
      logPath: logPath(this.#deps.root, row.id),
      warnings: [],
      platform,
    };
  }

  /** A run that is not running any more: its end, read once from its shim's record, recorded. */
  async #end(uid: PodUid, row: ContainerRecord): Promise<ContainerExit> {
    const dir = row.taskDir ?? taskDir(this.#deps.root, row.id);
    const group = this.#deps.groups.open(row.groupId ?? row.id);
    const exit =
      (await readTaskExit(dir, group).catch(() => undefined)) ??
      vanishedExit(
        'the container was gone when the daemon started (the host restarted, or its shim was killed)',
        row.startedAt,
      );
    const problems = await this.removeContainer(row.id, true).catch((e: unknown) => [describeError(e)]);
    for (const problem of problems) this.#log.warn({ id: row.id, problem }, 'cleaning up an ended container');
    this.#writer.update(row.id, { state: { terminated: terminatedState(exit, row.id) } });
    this.#writer.addEvent(
      uid,
      exit.reason === 'Unknown' ? 'Warning' : 'Normal',
      'ContainerEnded',
      `Container ${row.name} ended while the daemon was down: exit code ${exit.exitCode} (${exit.reason})`,
    );
    return exit;
  }

  /**
   * What exec needs of a container an older hostpod started (before the record held it): from
   * its `container.json`, moved into the record once.
   */
  async #legacyExec(row: ContainerRecord): Promise<ExecInfo | undefined> {
    const file = join(containerDir(this.#deps.root, row.id), 'container.json');
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    const strings = (x: unknown) =>
      Array.isArray(x) ? x.filter((e): e is string => typeof e === 'string') : [];
    const exec: ExecInfo = {
      layout: v.layout === 'symlink' ? 'symlink' : 'bind',
      mountPoint: typeof v.mountPoint === 'string' ? v.mountPoint : '/',
      mappings: Array.isArray(v.mappings)
        ? v.mappings.flatMap((m: unknown) => {
            const o = m as { source?: unknown; target?: unknown };
            return typeof o?.source === 'string' && typeof o.target === 'string'
              ? [{ source: o.source, target: o.target }]
              : [];
          })
        : [],
      env: strings(v.env),
      cwd: typeof v.cwd === 'string' ? v.cwd : '/',
      ephemeralUser: v.ephemeralUser === true,
    };
    this.#writer.update(row.id, { exec });
    await rm(file, { force: true }).catch(() => {});
    return exec;
  }
}

/** A stored run as the services' container result. */
export function resultOf(row: ContainerRecord, exit: ContainerExit) {
  return { ...exit, name: row.name, type: row.type, id: row.id, restartCount: row.attempt };
}
