/**
 * Typed reading of `unknown` documents with path tracking: wrong types become field errors,
 * unknown fields become warnings (as `kubectl --validate=warn` reports them), and `null`
 * means "unset", as in the API server.
 */
import { type FieldError, type FieldPath, typeInvalid } from './field-path.ts';
import { parseQuantity, type Quantity } from './quantity.ts';

/** Collects what went wrong while decoding one object. */
export class Decoder {
  readonly errors: FieldError[] = [];
  /** Paths of fields that the API does not define for their object. */
  readonly unknownFields: FieldPath[] = [];

  /** Reads a map/object; returns undefined (and records an error) for other types. */
  obj(v: unknown, path: FieldPath, known?: readonly string[]): Record<string, unknown> | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.errors.push(typeInvalid(path, v, 'an object'));
      return undefined;
    }
    const o = v as Record<string, unknown>;
    if (known) {
      for (const k of Object.keys(o)) if (!known.includes(k)) this.unknownFields.push([...path, k]);
    }
    return o;
  }

  str(v: unknown, path: FieldPath): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') {
      this.errors.push(typeInvalid(path, v, 'a string'));
      return undefined;
    }
    return v;
  }

  bool(v: unknown, path: FieldPath): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') {
      this.errors.push(typeInvalid(path, v, 'a boolean (true or false)'));
      return undefined;
    }
    return v;
  }

  /** An integer in the int64 range representable exactly (|n| ≤ 2^53). */
  int(v: unknown, path: FieldPath, bits: 32 | 64 = 32): number | undefined {
    if (v === undefined || v === null) return undefined;
    const limit = bits === 32 ? 2 ** 31 : Number.MAX_SAFE_INTEGER;
    if (typeof v !== 'number' || !Number.isInteger(v) || v >= limit || v < -limit) {
      this.errors.push(typeInvalid(path, v, bits === 32 ? 'a 32-bit integer' : 'an integer'));
      return undefined;
    }
    return v;
  }

  /** A number or a string (an IntOrString field such as a probe port). */
  intOrString(v: unknown, path: FieldPath): number | string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    return this.int(v, path);
  }

  arr<T>(v: unknown, path: FieldPath, item: (x: unknown, p: FieldPath) => T | undefined): T[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) {
      this.errors.push(typeInvalid(path, v, 'a list'));
      return undefined;
    }
    const out: T[] = [];
    v.forEach((x, i) => {
      const r = item(x, [...path, i]);
      if (r !== undefined) out.push(r);
    });
    return out;
  }

  strArr(v: unknown, path: FieldPath): string[] | undefined {
    return this.arr(v, path, (x, p) => this.str(x, p));
  }

  /** A map of string to string (labels, annotations, nodeSelector, ConfigMap data). */
  strMap(v: unknown, path: FieldPath): Record<string, string> | undefined {
    const o = this.obj(v, path);
    if (!o) return undefined;
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(o)) {
      if (typeof x === 'boolean' || typeof x === 'number') {
        // Labels and annotations: `enabled: yes` is a boolean in YAML 1.1 (kubectl's reader).
        this.errors.push(
          typeInvalid(
            [...path, k],
            x,
            `a string: quote the value (${k}: "…"); YAML 1.1 reads unquoted yes/no/on/off/y/n/true/false as booleans and digits as numbers`,
          ),
        );
        continue;
      }
      const s = this.str(x, [...path, k]);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }

  quantity(v: unknown, path: FieldPath): Quantity | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' && typeof v !== 'number') {
      this.errors.push(typeInvalid(path, v, 'a quantity (a string such as "500m" or "64Mi", or a number)'));
      return undefined;
    }
    const r = parseQuantity(v);
    if (!r.ok) {
      this.errors.push({ type: 'Invalid', path, value: v, detail: r.message });
      return undefined;
    }
    return r.value;
  }

  quantityMap(v: unknown, path: FieldPath): Record<string, Quantity> | undefined {
    const o = this.obj(v, path);
    if (!o) return undefined;
    const out: Record<string, Quantity> = {};
    for (const [k, x] of Object.entries(o)) {
      const q = this.quantity(x, [...path, k]);
      if (q !== undefined) out[k] = q;
    }
    return out;
  }
}

/**
 * Copies the defined properties of `src` into a new object, so that optional fields stay
 * absent rather than `undefined` (required by exactOptionalPropertyTypes).
 */
export function defined<T extends object>(src: { [K in keyof T]: T[K] | undefined }): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(src)) if (v !== undefined) out[k] = v;
  return out as T;
}
