/**
 * JSON columns: values go in as canonical text (object keys sorted, so equal values give equal
 * text and a changed spec is a text comparison) and come out parsed from `unknown`.
 */
import { RuntimeError } from '../errors.ts';

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/**
 * `value` as canonical JSON text: keys sorted at every level, `undefined` members dropped,
 * `toJSON()` honoured (a `Date` becomes its ISO string) as `JSON.stringify` does.
 * Throws `InvalidArgument` naming `what` for a value JSON cannot hold (a cycle, a BigInt, a
 * non-finite number, a top level that is not an object when `object` is set).
 */
export function toJsonText(value: unknown, what: string): string {
  const seen = new Set<object>();
  const canon = (v: unknown, path: string): Json | undefined => {
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw invalid(what, `${path} is ${v}`);
      return v;
    }
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return undefined;
    if (typeof v === 'bigint') throw invalid(what, `${path} is a BigInt`);
    if (typeof v !== 'object') throw invalid(what, `${path} is a ${typeof v}`);
    const toJSON: unknown = Reflect.get(v, 'toJSON');
    if (typeof toJSON === 'function') return canon(toJSON.call(v), path);
    if (v instanceof Map || v instanceof Set)
      throw invalid(what, `${path} is a ${v.constructor.name} (use an object or array)`);
    if (seen.has(v)) throw invalid(what, `${path} refers back to itself`);
    seen.add(v);
    try {
      if (Array.isArray(v)) return v.map((x, i) => canon(x, `${path}[${i}]`) ?? null);
      if (ArrayBuffer.isView(v)) throw invalid(what, `${path} is binary data (encode it as base64)`);
      // fromEntries defines own properties: a "__proto__" key stays a key, not a prototype.
      const entries: [string, Json][] = [];
      for (const k of Object.keys(v).sort()) {
        const c = canon((v as Record<string, unknown>)[k], `${path}.${k}`);
        if (c !== undefined) entries.push([k, c]);
      }
      return Object.fromEntries(entries);
    } finally {
      seen.delete(v);
    }
  };
  const c = canon(value, '$');
  if (c === undefined) throw invalid(what, 'there is no value');
  return JSON.stringify(c);
}

function invalid(what: string, detail: string): RuntimeError {
  return new RuntimeError('InvalidArgument', `Cannot store ${what}: ${detail}`, {
    hint: 'pass a plain JSON-serialisable object',
  });
}

/** True for a JSON object (not an array, not null). */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
