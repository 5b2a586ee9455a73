/**
 * Rows are a boundary: a row comes back from SQLite as `unknown` and is parsed column by column.
 * A column that does not hold what the schema promises means the file was changed outside
 * hostpod (or damaged): `DataLoss`, naming the row and the column.
 */
import { RuntimeError } from '../errors.ts';
import { isJsonObject, type JsonObject } from './json.ts';

/** The hint of every damaged-row error. */
export const DAMAGED_ROW_HINT =
  'the state database was changed outside hostpod or is damaged: restore state.db from a backup, or remove the object and apply it again';

/** Reads the columns of one row. `where` names the row in errors (`pod "default/web"`). */
export class Row {
  readonly #row: Record<string, unknown>;
  where: string;

  constructor(row: unknown, where: string) {
    if (typeof row !== 'object' || row === null) throw damaged(where, 'is not a row');
    this.#row = row as Record<string, unknown>;
    this.where = where;
  }

  /** A TEXT column. */
  text(col: string): string {
    const v = this.#row[col];
    if (typeof v !== 'string') throw damaged(this.where, `column ${col} is not text`);
    return v;
  }

  /** A nullable TEXT column; NULL is undefined. */
  optText(col: string): string | undefined {
    return this.#row[col] === null ? undefined : this.text(col);
  }

  /** An INTEGER column within the safe integer range. */
  int(col: string): number {
    const v = this.#row[col];
    if (typeof v !== 'number' || !Number.isSafeInteger(v))
      throw damaged(this.where, `column ${col} is not an integer`);
    return v;
  }

  /** A nullable INTEGER column; NULL is undefined. */
  optInt(col: string): number | undefined {
    return this.#row[col] === null ? undefined : this.int(col);
  }

  /** A TEXT column holding one of `values`. */
  oneOf<T extends string>(col: string, values: readonly T[]): T {
    const v = this.text(col);
    if (!(values as readonly string[]).includes(v))
      throw damaged(this.where, `column ${col} holds "${v}", not one of ${values.join(', ')}`);
    return v as T;
  }

  /** A TEXT column holding an RFC 3339 time. */
  time(col: string): string {
    const v = this.text(col);
    if (!isTime(v)) throw damaged(this.where, `column ${col} is not a time: "${v}"`);
    return v;
  }

  /** A nullable time column. */
  optTime(col: string): string | undefined {
    return this.#row[col] === null ? undefined : this.time(col);
  }

  /** A TEXT column holding a JSON object. */
  jsonObject(col: string): JsonObject {
    const text = this.text(col);
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw damaged(this.where, `column ${col} is not valid JSON`);
    }
    if (!isJsonObject(v)) throw damaged(this.where, `column ${col} is not a JSON object`);
    return v;
  }

  /** A nullable JSON object column. */
  optJsonObject(col: string): JsonObject | undefined {
    return this.#row[col] === null ? undefined : this.jsonObject(col);
  }
}

/** The `DataLoss` error for a row that does not hold what the schema promises. */
export function damaged(where: string, detail: string): RuntimeError {
  return new RuntimeError('DataLoss', `State database row ${where} is damaged: ${detail}`, {
    hint: DAMAGED_ROW_HINT,
  });
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** True for an RFC 3339 time (`2026-11-27T13:18:04.123Z`). */
export function isTime(v: string): boolean {
  return TIME.test(v) && !Number.isNaN(Date.parse(v));
}
