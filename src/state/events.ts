/**
 * The `events` table: what happened to a pod (or, without a pod, to the node), as `kubectl get
 * events` shows it. An event equal to one already kept for the same pod (type, reason, message)
 * continues that series: its count rises and it becomes the newest. Each pod keeps its newest
 * `EVENTS_PER_POD` events; a pod's events go with the pod.
 */

import { RuntimeError } from '../errors.ts';
import type { PodUid } from './ids.ts';
import { rowPodUid } from './names.ts';
import { notFound } from './pods.ts';
import { Row } from './row.ts';
import type { SqlDatabase, SqlStatement } from './sqlite-driver.ts';
import { guard, sqliteCode } from './sqlite-errors.ts';
import { statementCache } from './statements.ts';

/** How many events each pod (and the node) keeps. */
export const EVENTS_PER_POD = 200;
/** Longer messages are cut to this many characters (the API server's limit for event notes). */
export const EVENT_MESSAGE_MAX = 1024;

export const EVENT_TYPES = ['Normal', 'Warning'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface EventRecord {
  /** Rises with every add (a continued series gets a new id); never reused. */
  id: number;
  /** Absent for a node event. */
  podUid?: PodUid;
  type: EventType;
  reason: string;
  message: string;
  /** When the series began, and when it was last seen. */
  firstTime: string;
  time: string;
  count: number;
}

export interface AddEventInput {
  podUid?: PodUid;
  type: EventType;
  /** UpperCamelCase, as the kubelet's (`Pulled`, `BackOff`, `FailedMount`). */
  reason: string;
  message: string;
  at?: string;
}

const COLUMNS = 'id, pod_uid, first_time, time, count, type, reason, message';
const REASON = /^[A-Za-z][A-Za-z0-9]{0,127}$/;

/** Typed access to the `events` table. Every method throws `RuntimeError`s only. */
export class EventRepository {
  readonly #db: SqlDatabase;
  readonly #sql: (sql: string) => SqlStatement;
  readonly #limit: number;

  /** `limit`: events kept per pod (tests use a small one). */
  constructor(db: SqlDatabase, limit = EVENTS_PER_POD) {
    this.#db = db;
    this.#sql = statementCache(db);
    this.#limit = limit;
  }

  /**
   * Records an event, continuing an equal one's series, then drops the pod's oldest beyond the
   * limit. Throws `InvalidArgument` (a reason that is not UpperCamelCase), `NotFound` (no such pod).
   */
  add(input: AddEventInput): EventRecord {
    if (!REASON.test(input.reason))
      throw new RuntimeError(
        'InvalidArgument',
        `Invalid event reason "${input.reason}": expected UpperCamelCase`,
        {
          hint: 'use a kubelet-style reason such as BackOff or FailedMount',
        },
      );
    const message =
      input.message.length > EVENT_MESSAGE_MAX
        ? `${input.message.slice(0, EVENT_MESSAGE_MAX - 1)}…`
        : input.message;
    const at = input.at ?? new Date().toISOString();
    const pod = input.podUid ?? null;
    return guard(`record event ${input.reason} of ${pod === null ? 'the node' : `pod ${pod}`}`, () =>
      this.#db.transaction(() => {
        const prev = this.#sql(
          'SELECT first_time, count FROM events WHERE pod_uid IS ? AND type = ? AND reason = ? AND message = ? ORDER BY id DESC LIMIT 1',
        ).get(pod, input.type, input.reason, message);
        let firstTime = at;
        let count = 1;
        if (prev !== undefined) {
          const r = new Row(prev, `event ${input.reason}`);
          firstTime = r.time('first_time');
          count = r.int('count') + 1;
          this.#sql('DELETE FROM events WHERE pod_uid IS ? AND type = ? AND reason = ? AND message = ?').run(
            pod,
            input.type,
            input.reason,
            message,
          );
        }
        let id: number | bigint;
        try {
          id = this.#sql(
            'INSERT INTO events (pod_uid, first_time, time, count, type, reason, message) VALUES (?, ?, ?, ?, ?, ?, ?)',
          ).run(pod, firstTime, at, count, input.type, input.reason, message).lastInsertRowid;
        } catch (err) {
          if (sqliteCode(err) === 'SQLITE_CONSTRAINT_FOREIGNKEY' && input.podUid)
            throw notFound(input.podUid);
          throw err;
        }
        this.#sql(
          'DELETE FROM events WHERE pod_uid IS ? AND id <= (SELECT id FROM events WHERE pod_uid IS ? ORDER BY id DESC LIMIT 1 OFFSET ?)',
        ).run(pod, pod, this.#limit);
        return parseEventRow(this.#sql(`SELECT ${COLUMNS} FROM events WHERE id = ?`).get(id));
      })(),
    );
  }

  /**
   * Events oldest first: of one pod (`podUid`), of the node (`podUid: null`), or all; only
   * those after `afterId` when given (to follow new ones).
   */
  list(options: { podUid?: PodUid | null; afterId?: number } = {}): EventRecord[] {
    const where: string[] = ['id > ?'];
    const args: (string | number | null)[] = [options.afterId ?? 0];
    if (options.podUid !== undefined) {
      where.push('pod_uid IS ?');
      args.push(options.podUid);
    }
    const rows = guard('list events', () =>
      this.#sql(`SELECT ${COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY id`).all(...args),
    );
    return rows.map(parseEventRow);
  }
}

function parseEventRow(row: unknown): EventRecord {
  const r = new Row(row, 'events');
  const id = r.int('id');
  r.where = `event ${id}`;
  const pod = r.optText('pod_uid');
  return {
    id,
    ...(pod === undefined ? {} : { podUid: rowPodUid(pod, r.where) }),
    type: r.oneOf('type', EVENT_TYPES),
    reason: r.text('reason'),
    message: r.text('message'),
    firstTime: r.time('first_time'),
    time: r.time('time'),
    count: r.int('count'),
  };
}
