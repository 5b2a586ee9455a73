import { Row } from '../row.ts';
import type { Migration } from './migration.ts';

interface OldContainerStatus {
  name?: unknown;
  restartCount?: unknown;
  ready?: unknown;
  started?: unknown;
  state?: { waiting?: unknown };
}

/**
 * A pod's stored status keeps only what its container records do not hold: the phase,
 * conditions and start time, and per container (`init_container/NAME`, `container/NAME`) its
 * attempt, `ready`, `started` and a waiting reason between runs. The states, last states, ids and
 * restart counts the old whole status repeated are the records' (composed back when shown).
 */
export const migration0004: Migration = {
  version: 4,
  name: 'stored-status',
  up(db) {
    const update = db.prepare('UPDATE pods SET status = ? WHERE uid = ?');
    for (const raw of db.prepare('SELECT uid, status FROM pods WHERE status IS NOT NULL').all()) {
      const r = new Row(raw, 'pods');
      const uid = r.text('uid');
      const old = JSON.parse(r.text('status')) as Record<string, unknown>;
      if (!Array.isArray(old.containerStatuses) && !Array.isArray(old.initContainerStatuses)) continue;
      const containers: Record<string, unknown> = {};
      for (const [type, list] of [
        ['init_container', old.initContainerStatuses],
        ['container', old.containerStatuses],
      ] as const) {
        for (const c of Array.isArray(list) ? (list as OldContainerStatus[]) : []) {
          if (typeof c.name !== 'string') continue;
          const waiting = c.state?.waiting;
          containers[`${type}/${c.name}`] = {
            attempt: typeof c.restartCount === 'number' ? c.restartCount : 0,
            ready: c.ready === true,
            started: c.started === true,
            ...(typeof waiting === 'object' && waiting !== null ? { waiting } : {}),
          };
        }
      }
      const next = {
        phase: old.phase,
        conditions: Array.isArray(old.conditions) ? old.conditions : [],
        startTime: typeof old.startTime === 'string' ? old.startTime : new Date(0).toISOString(),
        containers,
      };
      update.run(canonical(next), uid);
    }
  },
};

/** JSON with keys sorted at every level (the form the repositories write). */
function canonical(v: unknown): string {
  const sort = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(sort)
      : typeof x === 'object' && x !== null
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .map((k) => [k, sort((x as Record<string, unknown>)[k])]),
          )
        : x;
  return JSON.stringify(sort(v));
}
