/**
 * The `containers` table: one row per container, that is per attempt — a restart is a new row
 * with the next `attempt` (the restart count), as in CRI. The state is the Kubernetes container
 * state; `exit_code`, `exit_reason`, `started_at` and `finished_at` are copied from it on every
 * write so they can be queried, and a row whose copies disagree with its state is `DataLoss`.
 */
import type Database from 'better-sqlite3';
import { dns1123LabelErrors } from '../api/names.ts';
import type { ContainerType } from '../api/visit-containers.ts';
import { RuntimeError } from '../errors.ts';
import { type ContainerState, canTransition, parseContainerState, phaseOf } from './container-state.ts';
import type { ContainerId, PodUid } from './ids.ts';
import { toJsonText } from './json.ts';
import { rowContainerId, rowPodUid } from './names.ts';
import { notFound } from './pods.ts';
import { damaged, Row } from './row.ts';
import { guard, sqliteCode } from './sqlite-errors.ts';
import { statementCache } from './statements.ts';

export type { ContainerType } from '../api/visit-containers.ts';
export const CONTAINER_TYPES = ['init_container', 'container', 'ephemeral_container'] as const;

export interface ContainerRecord {
  id: ContainerId;
  podUid: PodUid;
  name: string;
  type: ContainerType;
  /** 0 for the first run; the restart count of the container name. */
  attempt: number;
  image: string;
  state: ContainerState;
  /** The end of the previous attempt, kept here so older rows can be pruned. */
  lastState?: ContainerState;
  /** From a terminated state: the exit code and reason (`Completed`, `Error`, `OOMKilled`, `Unknown`). */
  exit?: { code: number; reason: string };
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** The task (shim) directory and the group (cgroup) id that hold the running task. */
  taskDir?: string;
  groupId?: string;
}

export interface CreateContainerInput {
  id: ContainerId;
  podUid: PodUid;
  name: string;
  type: ContainerType;
  attempt: number;
  image: string;
  /** Default: waiting, `ContainerCreating`. */
  state?: ContainerState;
  lastState?: ContainerState;
  taskDir?: string;
  groupId?: string;
  at?: string;
}

export interface UpdateContainerInput {
  state?: ContainerState;
  taskDir?: string;
  groupId?: string;
}

const COLUMNS =
  'id, pod_uid, name, type, attempt, image, state, last_state, exit_code, exit_reason, created_at, started_at, finished_at, task_dir, group_id';
const ORDER = "CASE type WHEN 'init_container' THEN 0 WHEN 'container' THEN 1 ELSE 2 END, name, attempt";

/** Typed access to the `containers` table. Every method throws `RuntimeError`s only. */
export class ContainerRepository {
  readonly #db: Database.Database;
  readonly #sql: (sql: string) => Database.Statement;
  readonly #byId: Database.Statement;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#sql = statementCache(db);
    this.#byId = db.prepare(`SELECT ${COLUMNS} FROM containers WHERE id = ?`);
  }

  /**
   * Adds a container of a pod. Throws `InvalidArgument` (a name that is not an RFC 1123 label, a
   * negative attempt), `NotFound` (no such pod), `AlreadyExists` (the id, or that attempt of
   * that container name, exists).
   */
  create(input: CreateContainerInput): ContainerRecord {
    const what = `container "${input.name}" of pod ${input.podUid}`;
    const nameErrors = dns1123LabelErrors(input.name);
    if (nameErrors.length > 0)
      throw new RuntimeError(
        'InvalidArgument',
        `Invalid container name "${input.name}": ${nameErrors.join('; ')}`,
      );
    if (!Number.isSafeInteger(input.attempt) || input.attempt < 0)
      throw new RuntimeError(
        'InvalidArgument',
        `Invalid attempt ${input.attempt} of ${what}: expected 0 or more`,
      );
    const state = input.state ?? { waiting: { reason: 'ContainerCreating' } };
    const d = derived(state);
    return guard(`create ${what}`, () => {
      try {
        this.#sql(
          `INSERT INTO containers (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          input.id,
          input.podUid,
          input.name,
          input.type,
          input.attempt,
          input.image,
          toJsonText(state, `the state of ${what}`),
          input.lastState === undefined ? null : toJsonText(input.lastState, `the last state of ${what}`),
          d.exitCode,
          d.exitReason,
          input.at ?? new Date().toISOString(),
          d.startedAt,
          d.finishedAt,
          input.taskDir ?? null,
          input.groupId ?? null,
        );
      } catch (err) {
        const code = sqliteCode(err);
        if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw notFound(input.podUid);
        if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE')
          throw new RuntimeError(
            'AlreadyExists',
            `Cannot create ${what}: container ${input.id} or attempt ${input.attempt} exists`,
            { hint: 'a restart is the next attempt with a new id', cause: err },
          );
        throw err;
      }
      return this.#mustGet(input.id);
    });
  }

  /**
   * Changes a container's state, task dir or group id. Throws `NotFound`, and
   * `FailedPrecondition` for a move the state machine forbids (`terminated` is final; `running`
   * only ends).
   */
  update(id: ContainerId, change: UpdateContainerInput): ContainerRecord {
    return guard(`update container ${id}`, () =>
      this.#db.transaction(() => {
        const c = this.#mustGet(id);
        if (change.state !== undefined) {
          if (!canTransition(c.state, change.state))
            throw new RuntimeError(
              'FailedPrecondition',
              `Cannot move container "${c.name}" (${id}) from ${phaseOf(c.state)} to ${phaseOf(change.state)}`,
              { hint: 'a terminated container is final: start the next attempt as a new container' },
            );
          const d = derived(change.state);
          this.#sql(
            'UPDATE containers SET state = ?, exit_code = ?, exit_reason = ?, started_at = COALESCE(?, started_at), finished_at = ? WHERE id = ?',
          ).run(
            toJsonText(change.state, `the state of container ${id}`),
            d.exitCode,
            d.exitReason,
            d.startedAt,
            d.finishedAt,
            id,
          );
        }
        if (change.taskDir !== undefined)
          this.#sql('UPDATE containers SET task_dir = ? WHERE id = ?').run(change.taskDir, id);
        if (change.groupId !== undefined)
          this.#sql('UPDATE containers SET group_id = ? WHERE id = ?').run(change.groupId, id);
        return this.#mustGet(id);
      })(),
    );
  }

  /** The container of that id, or undefined. */
  get(id: ContainerId): ContainerRecord | undefined {
    const row = guard(`read container ${id}`, () => this.#byId.get(id));
    return row === undefined ? undefined : parseContainerRow(row);
  }

  /**
   * A pod's containers: init, regular, ephemeral, each by name and attempt. With `latest`, only
   * the newest attempt of each container name.
   */
  listByPod(podUid: PodUid, options: { latest?: boolean } = {}): ContainerRecord[] {
    const sql = options.latest
      ? `SELECT ${COLUMNS} FROM containers c WHERE pod_uid = ? AND attempt = (SELECT MAX(attempt) FROM containers d WHERE d.pod_uid = c.pod_uid AND d.type = c.type AND d.name = c.name) ORDER BY ${ORDER}`
      : `SELECT ${COLUMNS} FROM containers WHERE pod_uid = ? ORDER BY ${ORDER}`;
    const rows = guard(`list the containers of pod ${podUid}`, () => this.#sql(sql).all(podUid));
    return rows.map(parseContainerRow);
  }

  /** Removes one container row (an old attempt). Returns false when there was none. */
  remove(id: ContainerId): boolean {
    return guard(
      `remove container ${id}`,
      () => this.#sql('DELETE FROM containers WHERE id = ?').run(id).changes > 0,
    );
  }

  #mustGet(id: ContainerId): ContainerRecord {
    const c = this.get(id);
    if (c === undefined) throw notFound(id, 'container');
    return c;
  }
}

/** The columns copied from a state. */
function derived(s: ContainerState): {
  exitCode: number | null;
  exitReason: string | null;
  startedAt: string | null;
  finishedAt: string | null;
} {
  if ('terminated' in s)
    return {
      exitCode: s.terminated.exitCode,
      exitReason: s.terminated.reason,
      startedAt: s.terminated.startedAt ?? null,
      finishedAt: s.terminated.finishedAt,
    };
  if ('running' in s)
    return { exitCode: null, exitReason: null, startedAt: s.running.startedAt, finishedAt: null };
  return { exitCode: null, exitReason: null, startedAt: null, finishedAt: null };
}

function parseContainerRow(row: unknown): ContainerRecord {
  const r = new Row(row, 'containers');
  const name = r.text('name');
  r.where = `container "${name}" (${r.text('id')})`;
  const id = rowContainerId(r.text('id'), r.where);
  const state = parseContainerState(r.jsonObject('state'), r.where, 'state');
  const last = r.optJsonObject('last_state');
  const exitCode = r.optInt('exit_code');
  const exitReason = r.optText('exit_reason');
  const startedAt = r.optTime('started_at');
  const finishedAt = r.optTime('finished_at');
  const taskDir = r.optText('task_dir');
  const groupId = r.optText('group_id');
  const d = derived(state);
  if (
    d.exitCode !== (exitCode ?? null) ||
    d.exitReason !== (exitReason ?? null) ||
    d.finishedAt !== (finishedAt ?? null)
  )
    throw damaged(r.where, 'has exit columns that disagree with its state');
  return {
    id,
    podUid: rowPodUid(r.text('pod_uid'), r.where),
    name,
    type: r.oneOf('type', CONTAINER_TYPES),
    attempt: r.int('attempt'),
    image: r.text('image'),
    state,
    ...(last === undefined ? {} : { lastState: parseContainerState(last, r.where, 'last_state') }),
    ...(exitCode === undefined || exitReason === undefined
      ? {}
      : { exit: { code: exitCode, reason: exitReason } }),
    createdAt: r.time('created_at'),
    ...(startedAt === undefined ? {} : { startedAt }),
    ...(finishedAt === undefined ? {} : { finishedAt }),
    ...(taskDir === undefined ? {} : { taskDir }),
    ...(groupId === undefined ? {} : { groupId }),
  };
}
