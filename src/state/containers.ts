/**
 * The `containers` table: the one persisted record of each container run — a restart is a new
 * row with the next `attempt` (the restart count), as in CRI — for the daemon's pods and for
 * `hostpod run`'s (whose pods have no `pods` row: `podUid` is then absent). It holds the state
 * (the Kubernetes container state; `exit_code`, `exit_reason`, `started_at` and `finished_at` are
 * copied from it on every write so they can be queried, and a row whose copies disagree with its
 * state is `DataLoss`), who supervises it (`owner`), and what exec and probes need (`exec`).
 */

import { dns1123LabelErrors } from '../api/names.ts';
import type { ContainerType } from '../api/visit-containers.ts';
import { RuntimeError } from '../errors.ts';
import { type ContainerState, canTransition, parseContainerState, phaseOf } from './container-state.ts';
import type { ContainerId, PodUid } from './ids.ts';
import { type Json, type JsonObject, toJsonText } from './json.ts';
import { checkNames, rowContainerId, rowPodUid } from './names.ts';
import { notFound } from './pods.ts';
import { damaged, Row } from './row.ts';
import type { SqlDatabase, SqlStatement } from './sqlite-driver.ts';
import { guard, sqliteCode } from './sqlite-errors.ts';
import { statementCache } from './statements.ts';

export type { ContainerType } from '../api/visit-containers.ts';
export const CONTAINER_TYPES = ['init_container', 'container', 'ephemeral_container'] as const;

/** The process supervising a container: pid + start time (a reused pid is not it). */
export interface ContainerOwner {
  pid: number;
  /** Field 22 of /proc/<pid>/stat. */
  startTime: string;
  /**
   * The daemon's containers outlive the daemon process by design: crash cleanup by another
   * hostpod process leaves them alone; the daemon reconciles them itself.
   */
  daemon?: true;
}

/** What an exec into the container (and an exec probe) needs, as the container sees paths. */
export interface ExecInfo {
  layout: 'bind' | 'symlink';
  /** `CONTAINER_SANDBOX_MOUNT_POINT`. */
  mountPoint: string;
  /** Container path → host path (the private view's mounts). */
  mappings: { source: string; target: string }[];
  /** The process environment (`NAME=value`) and working dir. */
  env: string[];
  cwd: string;
  /** Its user is an ephemeral one hostpod made (and removes with it). */
  ephemeralUser: boolean;
}

export interface ContainerRecord {
  id: ContainerId;
  /** Absent for a pod of `hostpod run`, which has no `pods` row. */
  podUid?: PodUid;
  pod: { namespace: string; name: string };
  name: string;
  type: ContainerType;
  /** 0 for the first run; the restart count of the container name. */
  attempt: number;
  image: string;
  /** The manifest digest of the image (`sha256:…`); absent for containers older than schema 5. */
  imageDigest?: string;
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
  owner: ContainerOwner;
  /** Set once it runs. */
  exec?: ExecInfo;
}

export interface CreateContainerInput {
  id: ContainerId;
  /** The daemon's pod (`NotFound` when there is none); absent for a pod of `hostpod run`. */
  podUid?: PodUid;
  pod: { namespace: string; name: string };
  name: string;
  type: ContainerType;
  attempt: number;
  image: string;
  imageDigest?: string;
  /** Default: waiting, `ContainerCreating`. */
  state?: ContainerState;
  lastState?: ContainerState;
  taskDir?: string;
  groupId?: string;
  owner: ContainerOwner;
  exec?: ExecInfo;
  at?: string;
}

export interface UpdateContainerInput {
  state?: ContainerState;
  taskDir?: string;
  groupId?: string;
  owner?: ContainerOwner;
  exec?: ExecInfo;
}

const COLUMNS =
  'id, pod_uid, pod_namespace, pod_name, name, type, attempt, image, state, last_state, exit_code, exit_reason, created_at, started_at, finished_at, task_dir, group_id, owner, exec, image_digest';
const ORDER = "CASE type WHEN 'init_container' THEN 0 WHEN 'container' THEN 1 ELSE 2 END, name, attempt";

/** Typed access to the `containers` table. Every method throws `RuntimeError`s only. */
export class ContainerRepository {
  readonly #db: SqlDatabase;
  readonly #sql: (sql: string) => SqlStatement;

  constructor(db: SqlDatabase) {
    this.#db = db;
    this.#sql = statementCache(db);
  }

  /**
   * Adds a container of a pod. Throws `InvalidArgument` (a name that is not an RFC 1123 label, a
   * negative attempt), `NotFound` (no such pod), `AlreadyExists` (the id, or that attempt of
   * that container name, exists).
   */
  create(input: CreateContainerInput): ContainerRecord {
    const what = `container "${input.name}" of pod ${input.pod.namespace}/${input.pod.name}`;
    checkNames('pod', input.pod.namespace, input.pod.name);
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
          `INSERT INTO containers (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          input.id,
          input.podUid ?? null,
          input.pod.namespace,
          input.pod.name,
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
          toJsonText(input.owner, `the owner of ${what}`),
          input.exec === undefined ? null : toJsonText(input.exec, `the exec info of ${what}`),
          input.imageDigest ?? null,
        );
      } catch (err) {
        const code = sqliteCode(err);
        if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' && input.podUid) throw notFound(input.podUid);
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
        if (change.owner !== undefined)
          this.#sql('UPDATE containers SET owner = ? WHERE id = ?').run(
            toJsonText(change.owner, `the owner of container ${id}`),
            id,
          );
        if (change.exec !== undefined)
          this.#sql('UPDATE containers SET exec = ? WHERE id = ?').run(
            toJsonText(change.exec, `the exec info of container ${id}`),
            id,
          );
        return this.#mustGet(id);
      })(),
    );
  }

  /** The container of that id, or undefined. */
  get(id: ContainerId): ContainerRecord | undefined {
    const row = guard(`read container ${id}`, () =>
      this.#sql(`SELECT ${COLUMNS} FROM containers WHERE id = ?`).get(id),
    );
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

  /**
   * The containers of a pod by name — a pod of `hostpod run` has no uid in the database — newest
   * first; only those without a `pods` row when `runOnly`.
   */
  listByPodName(namespace: string, name: string, options: { runOnly?: boolean } = {}): ContainerRecord[] {
    const rows = guard(`list the containers of pod ${namespace}/${name}`, () =>
      this.#sql(
        `SELECT ${COLUMNS} FROM containers WHERE pod_namespace = ? AND pod_name = ?${options.runOnly ? ' AND pod_uid IS NULL' : ''} ORDER BY created_at DESC, ${ORDER}`,
      ).all(namespace, name),
    );
    return rows.map(parseContainerRow);
  }

  /** Every container run of every pod (the daemon's and `hostpod run`'s), newest first. */
  listAll(): ContainerRecord[] {
    const rows = guard('list the containers', () =>
      this.#sql(`SELECT ${COLUMNS} FROM containers ORDER BY created_at DESC, ${ORDER}`).all(),
    );
    return rows.map(parseContainerRow);
  }

  /** Every container that is not terminated (waiting to start or running), of any pod. */
  listUnfinished(): ContainerRecord[] {
    const rows = guard('list the unfinished containers', () =>
      this.#sql(`SELECT ${COLUMNS} FROM containers WHERE finished_at IS NULL ORDER BY created_at`).all(),
    );
    return rows.map(parseContainerRow);
  }

  /**
   * Removes the ended rows of one container older than attempt `keepFrom` (the kubelet keeps one
   * dead container besides the current one) and returns their ids. `pod`: a daemon pod's uid, or
   * for a pod of `hostpod run` its names and the pid of the run that owns the rows.
   */
  pruneAttempts(
    pod: { uid: string } | { namespace: string; name: string; ownerPid: number },
    container: { type: string; name: string },
    keepFrom: number,
  ): string[] {
    const where =
      'uid' in pod
        ? 'pod_uid = ?'
        : "pod_uid IS NULL AND pod_namespace = ? AND pod_name = ? AND json_extract(owner, '$.pid') = ?";
    const args = 'uid' in pod ? [pod.uid] : [pod.namespace, pod.name, pod.ownerPid];
    return guard(`prune the runs of container ${container.name}`, () =>
      this.#sql(
        `DELETE FROM containers WHERE ${where} AND type = ? AND name = ? AND attempt < ? AND finished_at IS NOT NULL RETURNING id`,
      )
        .pluck()
        .all(...args, container.type, container.name, keepFrom)
        .map(String),
    );
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
  const podUid = r.optText('pod_uid');
  const exec = r.optJsonObject('exec');
  const imageDigest = r.optText('image_digest');
  const d = derived(state);
  if (
    d.exitCode !== (exitCode ?? null) ||
    d.exitReason !== (exitReason ?? null) ||
    d.finishedAt !== (finishedAt ?? null)
  )
    throw damaged(r.where, 'has exit columns that disagree with its state');
  return {
    id,
    ...(podUid === undefined ? {} : { podUid: rowPodUid(podUid, r.where) }),
    pod: { namespace: r.text('pod_namespace'), name: r.text('pod_name') },
    name,
    type: r.oneOf('type', CONTAINER_TYPES),
    attempt: r.int('attempt'),
    image: r.text('image'),
    ...(imageDigest === undefined ? {} : { imageDigest }),
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
    owner: parseOwner(r.jsonObject('owner'), r.where),
    ...(exec === undefined ? {} : { exec: parseExec(exec, r.where) }),
  };
}

function parseOwner(v: JsonObject, where: string): ContainerOwner {
  if (typeof v.pid !== 'number' || !Number.isSafeInteger(v.pid) || typeof v.startTime !== 'string')
    throw damaged(where, 'column owner is not a pid and start time');
  return { pid: v.pid, startTime: v.startTime, ...(v.daemon === true ? { daemon: true as const } : {}) };
}

function parseExec(v: JsonObject, where: string): ExecInfo {
  const bad = () => damaged(where, 'column exec is not what an exec needs');
  const strings = (x: Json | undefined): string[] => {
    if (!Array.isArray(x) || !x.every((e) => typeof e === 'string')) throw bad();
    return x as string[];
  };
  if (v.layout !== 'bind' && v.layout !== 'symlink') throw bad();
  if (typeof v.mountPoint !== 'string' || typeof v.cwd !== 'string' || typeof v.ephemeralUser !== 'boolean')
    throw bad();
  if (!Array.isArray(v.mappings)) throw bad();
  const mappings = v.mappings.map((m) => {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw bad();
    if (typeof m.source !== 'string' || typeof m.target !== 'string') throw bad();
    return { source: m.source, target: m.target };
  });
  return {
    layout: v.layout,
    mountPoint: v.mountPoint,
    mappings,
    env: strings(v.env),
    cwd: v.cwd,
    ephemeralUser: v.ephemeralUser,
  };
}
