import type Database from 'better-sqlite3';

/**
 * Prepared statements by SQL text, prepared on first use and kept for the connection's life:
 * preparing costs more than running most of hostpod's statements, and better-sqlite3 keeps no
 * cache of its own.
 */
export function statementCache(db: Database.Database): (sql: string) => Database.Statement {
  const cache = new Map<string, Database.Statement>();
  return (sql) => {
    let s = cache.get(sql);
    if (s === undefined) {
      s = db.prepare(sql);
      cache.set(sql, s);
    }
    return s;
  };
}
