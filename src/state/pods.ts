/**
 * The `pods` table: one row per pod, keyed by uid and unique by namespace/name. The manifest is
 * the Pod object as applied (decoded by the services, not here); the status is the pod status
 * the services keep, stored whole so it moves with the container rows in one transition.
 */

import { sameDesiredState, sameSpec } from '../api/applied-object.ts';
import { RuntimeError } from '../errors.ts';
import { type ContainerId, newPodUid, type PodUid } from './ids.ts';
import { type JsonObject, toJsonText } from './json.ts';
import { checkNames, rowPodUid } from './names.ts';
import { damaged, Row } from './row.ts';
import type { SqlDatabase, SqlStatement } from './sqlite-driver.ts';
import { guard, sqliteCode } from './sqlite-errors.ts';
import { statementCache } from './statements.ts';

export const POD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed'] as const;
export type PodPhase = (typeof POD_PHASES)[number];

/** Where a pod came from: `hostpod apply`, or a file of the static pod directory. */
export type PodSource = { kind: 'apply' } | { kind: 'static'; path: string };

/** A pod status to store: any plain object with a phase (the services' `PodStatus`). */
export interface PodStatusInput {
  readonly phase: PodPhase;
}

export interface PodRecord {
  uid: PodUid;
  namespace: string;
  name: string;
  /** The Pod object as applied (apiVersion, kind, metadata, spec), keys sorted. */
  manifest: JsonObject;
  source: PodSource;
  createdAt: string;
  /** Set once deletion began (the pod is terminating); the row goes with `remove`. */
  deletedAt?: string;
  /** The last stored pod status, and its phase; absent until the first status. */
  status?: JsonObject;
  phase?: PodPhase;
  /** 1 on creation, +1 each time `put` changes the manifest. */
  generation: number;
  /** The uid of the workload (`workloads` table) that runs this pod; absent for a bare Pod. */
  ownerUid?: string;
}

export interface PutPodInput {
  namespace: string;
  name: string;
  manifest: object;
  source: PodSource;
  /** The uid of a new pod (default: a random UUID); an existing pod keeps its uid. */
  uid?: PodUid;
  /** The status of a new pod; an existing pod's status is left as it is. */
  status?: PodStatusInput;
  /** The creation time of a new pod (default: now). */
  at?: string;
  /** The workload that runs the pod (its uid); a bare Pod has none. Set again on every put. */
  ownerUid?: string;
}

/** What `put` did, in `kubectl apply`'s words. */
export type PutChange = 'created' | 'configured' | 'unchanged';

const COLUMNS =
  'uid, namespace, name, manifest, source, source_path, created_at, deleted_at, status, generation, owner_uid';

/** Typed access to the `pods` table. Every method throws `RuntimeError`s only. */
export class PodRepository {
  readonly #db: SqlDatabase;
  readonly #sql: (sql: string) => SqlStatement;

  constructor(db: SqlDatabase) {
    this.#db = db;
    this.#sql = statementCache(db);
  }

  /**
   * Inserts the pod, or replaces the manifest of the pod of that namespace/name, bumping its
   * generation when the manifest changed. Throws `InvalidArgument` (bad names, a manifest JSON
   * cannot hold), `FailedPrecondition` (the pod is being deleted, or comes from another source:
   * a static pod is changed through its file), `AlreadyExists` (the given uid is taken).
   */
  put(input: PutPodInput): { pod: PodRecord; change: PutChange } {
    const what = `pod "${input.namespace}/${input.name}"`;
    checkNames('pod', input.namespace, input.name);
    const manifest = toJsonText(input.manifest, `the manifest of ${what}`);
    const status = input.status === undefined ? null : toJsonText(input.status, `the status of ${what}`);
    const sourcePath = input.source.kind === 'static' ? input.source.path : null;
    return guard(`put ${what}`, () =>
      this.#db.transaction(() => {
        const existing = this.find(input.namespace, input.name);
        if (existing === undefined) {
          const uid = input.uid ?? newPodUid();
          try {
            this.#sql(`INSERT INTO pods (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, 1, ?)`).run(
              uid,
              input.namespace,
              input.name,
              manifest,
              input.source.kind,
              sourcePath,
              input.at ?? now(),
              status,
              input.ownerUid ?? null,
            );
          } catch (err) {
            if (sqliteCode(err) === 'SQLITE_CONSTRAINT_PRIMARYKEY')
              throw new RuntimeError('AlreadyExists', `Cannot create ${what}: uid ${uid} is taken`, {
                hint: 'leave the uid out to get a fresh one',
                cause: err,
              });
            throw err;
          }
          return { pod: this.#mustGet(uid), change: 'created' as const };
        }
        if (existing.deletedAt !== undefined)
          throw new RuntimeError('FailedPrecondition', `Cannot change ${what}: it is being deleted`, {
            hint: 'wait until it is gone, then apply it again',
          });
        if (sourceText(existing.source) !== sourceText(input.source))
          throw new RuntimeError(
            'FailedPrecondition',
            `Cannot change ${what}: it comes from ${sourceText(existing.source)}, not ${sourceText(input.source)}`,
            { hint: 'change a static pod through its file; delete the other pod first to replace it' },
          );
        if (existing.ownerUid !== input.ownerUid)
          this.#sql('UPDATE pods SET owner_uid = ? WHERE uid = ?').run(input.ownerUid ?? null, existing.uid);
        // What the user asked for, not the saved status, uid or server defaults (apply of a
        // `get -o yaml` copy is unchanged).
        if (sameDesiredState(existing.manifest, input.manifest))
          return { pod: this.#mustGet(existing.uid), change: 'unchanged' as const };
        // As the API server does: the generation counts spec changes, not label or annotation edits.
        const bump = sameSpec(existing.manifest, input.manifest) ? 0 : 1;
        this.#sql('UPDATE pods SET manifest = ?, generation = generation + ? WHERE uid = ?').run(
          manifest,
          bump,
          existing.uid,
        );
        return { pod: this.#mustGet(existing.uid), change: 'configured' as const };
      })(),
    );
  }

  /** Stores the pod's status. Throws `NotFound` when there is no such pod. */
  setStatus(uid: PodUid, status: PodStatusInput): void {
    const text = toJsonText(status, `the status of pod ${uid}`);
    guard(`store the status of pod ${uid}`, () => {
      const r = this.#sql('UPDATE pods SET status = ? WHERE uid = ?').run(text, uid);
      if (r.changes === 0) throw notFound(uid);
    });
  }

  /** The pod of that uid, or undefined. */
  get(uid: PodUid): PodRecord | undefined {
    const row = guard(`read pod ${uid}`, () =>
      this.#sql(`SELECT ${COLUMNS} FROM pods WHERE uid = ?`).get(uid),
    );
    return row === undefined ? undefined : parsePodRow(row);
  }

  /** Whether a pod of that uid is stored (without reading its manifest and status). */
  has(uid: PodUid): boolean {
    return (
      guard(`read pod ${uid}`, () => this.#sql('SELECT 1 FROM pods WHERE uid = ?').get(uid)) !== undefined
    );
  }

  /** The pod of that namespace and name, or undefined. */
  find(namespace: string, name: string): PodRecord | undefined {
    const row = guard(`read pod "${namespace}/${name}"`, () =>
      this.#sql(`SELECT ${COLUMNS} FROM pods WHERE namespace = ? AND name = ?`).get(namespace, name),
    );
    return row === undefined ? undefined : parsePodRow(row);
  }

  /** Pods ordered by namespace and name; only one namespace's when given. */
  list(options: { namespace?: string } = {}): PodRecord[] {
    const rows = guard('list pods', () =>
      options.namespace === undefined
        ? this.#sql(`SELECT ${COLUMNS} FROM pods ORDER BY namespace, name`).all()
        : this.#sql(`SELECT ${COLUMNS} FROM pods WHERE namespace = ? ORDER BY name`).all(options.namespace),
    );
    return rows.map(parsePodRow);
  }

  /** The pods a workload runs (by its uid), ordered by name. */
  listByOwner(ownerUid: string): PodRecord[] {
    const rows = guard(`list the pods of workload ${ownerUid}`, () =>
      this.#sql(`SELECT ${COLUMNS} FROM pods WHERE owner_uid = ? ORDER BY namespace, name`).all(ownerUid),
    );
    return rows.map(parsePodRow);
  }

  /** Marks the pod as being deleted (the first time wins). Throws `NotFound`. */
  markDeleted(uid: PodUid, at: string = now()): PodRecord {
    return guard(`mark pod ${uid} deleted`, () => {
      const r = this.#sql('UPDATE pods SET deleted_at = COALESCE(deleted_at, ?) WHERE uid = ?').run(at, uid);
      if (r.changes === 0) throw notFound(uid);
      return this.#mustGet(uid);
    });
  }

  /** Removes the pod with its containers and events. Returns false when there was none. */
  remove(uid: PodUid): boolean {
    return guard(`remove pod ${uid}`, () => this.#sql('DELETE FROM pods WHERE uid = ?').run(uid).changes > 0);
  }

  #mustGet(uid: PodUid): PodRecord {
    const p = this.get(uid);
    if (p === undefined) throw notFound(uid);
    return p;
  }
}

/** The `NotFound` error for a pod or container id; shared with the other repositories. */
export function notFound(id: PodUid | ContainerId, kind: 'pod' | 'container' = 'pod'): RuntimeError {
  return new RuntimeError('NotFound', `No ${kind} ${id} in the state database`, {
    hint: 'list them with `hostpod get pods`',
  });
}

function sourceText(s: PodSource): string {
  return s.kind === 'apply' ? 'hostpod apply' : `static pod file ${s.path}`;
}

function parsePodRow(row: unknown): PodRecord {
  const r = new Row(row, 'pods');
  const namespace = r.text('namespace');
  const name = r.text('name');
  r.where = `pod "${namespace}/${name}"`;
  const uid = rowPodUid(r.text('uid'), r.where);
  const kind = r.oneOf('source', ['apply', 'static'] as const);
  const path = r.optText('source_path');
  if ((kind === 'static') !== (path !== undefined))
    throw damaged(r.where, 'has a source_path that does not match its source');
  const status = r.optJsonObject('status');
  const deletedAt = r.optTime('deleted_at');
  const ownerUid = r.optText('owner_uid');
  let phase: PodPhase | undefined;
  if (status !== undefined) {
    const p = status.phase;
    if (typeof p !== 'string' || !(POD_PHASES as readonly string[]).includes(p))
      throw damaged(r.where, 'has a status without a valid phase');
    phase = p as PodPhase;
  }
  return {
    uid,
    namespace,
    name,
    manifest: r.jsonObject('manifest'),
    source: kind === 'static' ? { kind, path: path! } : { kind },
    createdAt: r.time('created_at'),
    ...(deletedAt === undefined ? {} : { deletedAt }),
    ...(status === undefined ? {} : { status }),
    ...(phase === undefined ? {} : { phase }),
    generation: r.int('generation'),
    ...(ownerUid === undefined ? {} : { ownerUid }),
  };
}

function now(): string {
  return new Date().toISOString();
}
