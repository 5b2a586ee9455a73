/**
 * The `objects` table: ConfigMaps and Secrets applied to the node, stored as applied (Secret
 * data stays base64, as in the API; the database file is 0600), keyed by kind, namespace and name.
 */
import { sameDesiredState } from '../api/applied-object.ts';
import { RuntimeError } from '../errors.ts';
import { type JsonObject, toJsonText } from './json.ts';
import { checkNames } from './names.ts';
import type { PutChange } from './pods.ts';
import { damaged, Row } from './row.ts';
import type { SqlDatabase, SqlStatement } from './sqlite-driver.ts';
import { guard } from './sqlite-errors.ts';
import { statementCache } from './statements.ts';

export const OBJECT_KINDS = ['ConfigMap', 'Secret'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

export interface ObjectRecord {
  kind: ObjectKind;
  namespace: string;
  name: string;
  /** The object as applied, keys sorted. */
  object: JsonObject;
  /** 1 on creation, +1 on every change. */
  generation: number;
  createdAt: string;
  updatedAt: string;
}

const COLUMNS = 'kind, namespace, name, object, generation, created_at, updated_at';

/** Typed access to the `objects` table. Every method throws `RuntimeError`s only. */
export class ObjectRepository {
  readonly #db: SqlDatabase;
  readonly #sql: (sql: string) => SqlStatement;

  constructor(db: SqlDatabase) {
    this.#db = db;
    this.#sql = statementCache(db);
  }

  /**
   * Stores the object (kind, namespace and name from the arguments; the object's own
   * `kind`/`metadata` must agree when present). Throws `InvalidArgument`.
   */
  put(
    kind: ObjectKind,
    object: object,
    options: { namespace?: string; at?: string } = {},
  ): { object: ObjectRecord; change: PutChange } {
    const meta: unknown = Reflect.get(object, 'metadata');
    const name = typeof meta === 'object' && meta !== null ? Reflect.get(meta, 'name') : undefined;
    const ownNs = typeof meta === 'object' && meta !== null ? Reflect.get(meta, 'namespace') : undefined;
    const namespace = options.namespace ?? (typeof ownNs === 'string' ? ownNs : 'default');
    const ownKind: unknown = Reflect.get(object, 'kind');
    if (typeof name !== 'string')
      throw new RuntimeError('InvalidArgument', `Cannot store a ${kind} without metadata.name`);
    if (ownKind !== undefined && ownKind !== kind)
      throw new RuntimeError(
        'InvalidArgument',
        `Cannot store ${kind} "${namespace}/${name}": its kind is ${String(ownKind)}`,
      );
    if (typeof ownNs === 'string' && ownNs !== namespace)
      throw new RuntimeError(
        'InvalidArgument',
        `Cannot store ${kind} "${namespace}/${name}": its namespace is ${ownNs}`,
      );
    checkNames(kind, namespace, name);
    const what = `${kind} "${namespace}/${name}"`;
    const text = toJsonText(object, what);
    const at = options.at ?? new Date().toISOString();
    return guard(`store ${what}`, () =>
      this.#db.transaction(() => {
        const existing = this.get(kind, namespace, name);
        if (existing !== undefined && sameDesiredState(existing.object, object))
          return { object: existing, change: 'unchanged' as const };
        this.#sql(
          `INSERT INTO objects (${COLUMNS}) VALUES (?, ?, ?, ?, 1, ?, ?)
             ON CONFLICT (kind, namespace, name) DO UPDATE SET object = excluded.object, generation = generation + 1, updated_at = excluded.updated_at`,
        ).run(kind, namespace, name, text, at, at);
        const stored = this.get(kind, namespace, name);
        if (stored === undefined) throw new Error(`${what} vanished inside its transaction`);
        return {
          object: stored,
          change: existing === undefined ? ('created' as const) : ('configured' as const),
        };
      })(),
    );
  }

  /** The object, or undefined. */
  get(kind: ObjectKind, namespace: string, name: string): ObjectRecord | undefined {
    const row = guard(`read ${kind} "${namespace}/${name}"`, () =>
      this.#sql(`SELECT ${COLUMNS} FROM objects WHERE kind = ? AND namespace = ? AND name = ?`).get(
        kind,
        namespace,
        name,
      ),
    );
    return row === undefined ? undefined : parseObjectRow(row);
  }

  /** Objects by kind, namespace and name; filtered by kind and namespace when given. */
  list(options: { kind?: ObjectKind; namespace?: string } = {}): ObjectRecord[] {
    const rows = guard('list objects', () =>
      this.#sql(
        `SELECT ${COLUMNS} FROM objects WHERE (@kind IS NULL OR kind = @kind) AND (@ns IS NULL OR namespace = @ns) ORDER BY kind, namespace, name`,
      ).all({ kind: options.kind ?? null, ns: options.namespace ?? null }),
    );
    return rows.map(parseObjectRow);
  }

  /** Removes the object. Returns false when there was none. */
  remove(kind: ObjectKind, namespace: string, name: string): boolean {
    return guard(
      `remove ${kind} "${namespace}/${name}"`,
      () =>
        this.#sql('DELETE FROM objects WHERE kind = ? AND namespace = ? AND name = ?').run(
          kind,
          namespace,
          name,
        ).changes > 0,
    );
  }
}

function parseObjectRow(row: unknown): ObjectRecord {
  const r = new Row(row, 'objects');
  const kind = r.oneOf('kind', OBJECT_KINDS);
  const namespace = r.text('namespace');
  const name = r.text('name');
  r.where = `${kind} "${namespace}/${name}"`;
  const object = r.jsonObject('object');
  if (object.kind !== undefined && object.kind !== kind)
    throw damaged(r.where, `holds a ${String(object.kind)}`);
  return {
    kind,
    namespace,
    name,
    object,
    generation: r.int('generation'),
    createdAt: r.time('created_at'),
    updatedAt: r.time('updated_at'),
  };
}
