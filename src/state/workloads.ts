/**
 * The `workloads` table: DaemonSets, Deployments, ReplicaSets, StatefulSets, Jobs and CronJobs
 * applied to the node, stored as applied (without `status`), keyed by uid and unique by kind,
 * namespace and name. The pods they run point to them (`pods.owner_uid`).
 */
import { randomUUID } from 'node:crypto';
import { RuntimeError } from '../errors.ts';
import { type JsonObject, toJsonText } from './json.ts';
import { checkNames } from './names.ts';
import type { PutChange } from './pods.ts';
import { Row } from './row.ts';
import type { SqlDatabase, SqlStatement } from './sqlite-driver.ts';
import { guard } from './sqlite-errors.ts';
import { statementCache } from './statements.ts';

export const WORKLOAD_KINDS = [
  'DaemonSet',
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'Job',
  'CronJob',
] as const;
export type StoredWorkloadKind = (typeof WORKLOAD_KINDS)[number];

export interface WorkloadRecord {
  uid: string;
  kind: StoredWorkloadKind;
  namespace: string;
  name: string;
  /** The object as applied (no `status`), keys sorted. */
  manifest: JsonObject;
  /** 1 on creation, +1 on every change of the manifest. */
  generation: number;
  createdAt: string;
}

export interface PutWorkloadInput {
  kind: StoredWorkloadKind;
  namespace: string;
  name: string;
  manifest: object;
  /**
   * True when the stored manifest and this one want the same thing (the comparison apply uses);
   * default: equal JSON. An equal manifest is `unchanged` and not rewritten.
   */
  same?: (stored: JsonObject, next: object) => boolean;
  at?: string;
}

const COLUMNS = 'uid, kind, namespace, name, manifest, generation, created_at';

/** Typed access to the `workloads` table. Every method throws `RuntimeError`s only. */
export class WorkloadRepository {
  readonly #db: SqlDatabase;
  readonly #sql: (sql: string) => SqlStatement;

  constructor(db: SqlDatabase) {
    this.#db = db;
    this.#sql = statementCache(db);
  }

  /** Inserts the workload or replaces its manifest. Throws `InvalidArgument` (bad names). */
  put(input: PutWorkloadInput): { workload: WorkloadRecord; change: PutChange } {
    const what = `${input.kind} "${input.namespace}/${input.name}"`;
    checkNames(input.kind, input.namespace, input.name);
    const text = toJsonText(input.manifest, `the manifest of ${what}`);
    return guard(`store ${what}`, () =>
      this.#db.transaction(() => {
        const existing = this.find(input.kind, input.namespace, input.name);
        if (existing === undefined) {
          const uid = randomUUID();
          this.#sql(`INSERT INTO workloads (${COLUMNS}) VALUES (?, ?, ?, ?, ?, 1, ?)`).run(
            uid,
            input.kind,
            input.namespace,
            input.name,
            text,
            input.at ?? new Date().toISOString(),
          );
          return { workload: this.#mustGet(uid), change: 'created' as const };
        }
        const same = input.same
          ? input.same(existing.manifest, input.manifest)
          : toJsonText(existing.manifest, what) === text;
        if (same) return { workload: existing, change: 'unchanged' as const };
        this.#sql('UPDATE workloads SET manifest = ?, generation = generation + 1 WHERE uid = ?').run(
          text,
          existing.uid,
        );
        return { workload: this.#mustGet(existing.uid), change: 'configured' as const };
      })(),
    );
  }

  /** The workload of that uid, or undefined. */
  get(uid: string): WorkloadRecord | undefined {
    const row = guard(`read workload ${uid}`, () =>
      this.#sql(`SELECT ${COLUMNS} FROM workloads WHERE uid = ?`).get(uid),
    );
    return row === undefined ? undefined : parseWorkloadRow(row);
  }

  /** The workload of that kind, namespace and name, or undefined. */
  find(kind: StoredWorkloadKind, namespace: string, name: string): WorkloadRecord | undefined {
    const row = guard(`read ${kind} "${namespace}/${name}"`, () =>
      this.#sql(`SELECT ${COLUMNS} FROM workloads WHERE kind = ? AND namespace = ? AND name = ?`).get(
        kind,
        namespace,
        name,
      ),
    );
    return row === undefined ? undefined : parseWorkloadRow(row);
  }

  /** Workloads by kind, namespace and name; filtered by kind and namespace when given. */
  list(options: { kind?: StoredWorkloadKind; namespace?: string } = {}): WorkloadRecord[] {
    const rows = guard('list workloads', () =>
      this.#sql(
        `SELECT ${COLUMNS} FROM workloads WHERE (@kind IS NULL OR kind = @kind) AND (@ns IS NULL OR namespace = @ns) ORDER BY kind, namespace, name`,
      ).all({ kind: options.kind ?? null, ns: options.namespace ?? null }),
    );
    return rows.map(parseWorkloadRow);
  }

  /** Removes the workload (its pods keep running without an owner). False when there was none. */
  remove(uid: string): boolean {
    return guard(
      `remove workload ${uid}`,
      () => this.#sql('DELETE FROM workloads WHERE uid = ?').run(uid).changes > 0,
    );
  }

  #mustGet(uid: string): WorkloadRecord {
    const w = this.get(uid);
    if (w === undefined) throw new RuntimeError('NotFound', `No workload ${uid} in the state database`);
    return w;
  }
}

function parseWorkloadRow(row: unknown): WorkloadRecord {
  const r = new Row(row, 'workloads');
  const kind = r.oneOf('kind', WORKLOAD_KINDS);
  const namespace = r.text('namespace');
  const name = r.text('name');
  r.where = `${kind} "${namespace}/${name}"`;
  return {
    uid: r.text('uid'),
    kind,
    namespace,
    name,
    manifest: r.jsonObject('manifest'),
    generation: r.int('generation'),
    createdAt: r.time('created_at'),
  };
}
