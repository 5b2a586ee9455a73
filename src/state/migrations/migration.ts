import type { SqlDatabase } from '../sqlite-driver.ts';

/**
 * One numbered schema step. `up` runs inside the transaction that also records `version` in
 * `meta`, so a crash leaves the database at the version before or after it, never between.
 * `up` must be synchronous and must not start or end transactions itself.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: SqlDatabase): void;
}
