import type { SqlDatabase, SqlStatement } from './sqlite-driver.ts';

/**
 * Prepared statements by SQL text, prepared on first use and kept for the connection's life:
 * preparing costs more than running most of hostpod's statements, and better-sqlite3 keeps no
 * cache of its own.
 */
export function statementCache(db: SqlDatabase): (sql: string) => SqlStatement {
  const cache = new Map<string, SqlStatement>();
  return (sql) => {
    let s = cache.get(sql);
    if (s === undefined) {
      s = db.prepare(sql);
      cache.set(sql, s);
    }
    return s;
  };
}
