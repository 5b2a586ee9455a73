/**
 * Field paths and field errors in the API server's shapes: `spec.containers[1].name` and
 * `<path>: Invalid value: "x": <detail>` (k8s.io/apimachinery/pkg/util/validation/field).
 */

/** One step of a path: a field name or a list index. */
export type PathSegment = string | number;
/** A path from some root, as segments. */
export type FieldPath = readonly PathSegment[];

/** Renders segments the way the API server does: `spec.containers[1].securityContext`. */
export function formatPath(path: FieldPath): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else s += s === '' ? seg : `.${seg}`;
  }
  return s === '' ? '<root>' : s;
}

/** The error types of `field.ErrorType`, with the words the API server prints for each. */
export type FieldErrorType =
  | 'Invalid'
  | 'Required'
  | 'Forbidden'
  | 'Duplicate'
  | 'NotSupported'
  | 'NotFound'
  | 'TooLong'
  | 'TooMany'
  | 'TypeInvalid';

const TYPE_WORDS: Record<FieldErrorType, string> = {
  Invalid: 'Invalid value',
  Required: 'Required value',
  Forbidden: 'Forbidden',
  Duplicate: 'Duplicate value',
  NotSupported: 'Unsupported value',
  NotFound: 'Not found',
  TooLong: 'Too long',
  TooMany: 'Too many',
  TypeInvalid: 'Invalid value',
};

/** A value as Go's `%#v`-ish rendering in field errors: strings quoted, others as JSON. */
export function renderValue(value: unknown): string {
  if (typeof value === 'string') return goQuote(value);
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object') {
    try {
      const json = JSON.stringify(value);
      return json.length > 200 ? `${json.slice(0, 200)}…` : json;
    } catch {
      return '<unprintable>';
    }
  }
  return String(value);
}

/** Quotes a string the way Go's `%q` does for the characters that matter here. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A validation problem at a field, in the API server's vocabulary. */
export interface FieldError {
  type: FieldErrorType;
  /** Path from the object's root (what the API server prints). */
  path: FieldPath;
  /** The offending value, when the error type shows one. */
  value?: unknown;
  /** The detail message (for NotSupported: the supported values, already rendered). */
  detail: string;
}

/** `field.Invalid(path, value, detail)` */
export function invalid(path: FieldPath, value: unknown, detail: string): FieldError {
  return { type: 'Invalid', path, value, detail };
}
/** `field.Required(path, detail)` */
export function required(path: FieldPath, detail = ''): FieldError {
  return { type: 'Required', path, detail };
}
/** `field.Forbidden(path, detail)` */
export function forbidden(path: FieldPath, detail: string): FieldError {
  return { type: 'Forbidden', path, detail };
}
/** `field.Duplicate(path, value)` */
export function duplicate(path: FieldPath, value: unknown): FieldError {
  return { type: 'Duplicate', path, value, detail: '' };
}
/** `field.NotFound(path, value)` */
export function notFound(path: FieldPath, value: unknown): FieldError {
  return { type: 'NotFound', path, value, detail: '' };
}
/** `field.NotSupported(path, value, supported)` */
export function notSupported(path: FieldPath, value: unknown, supported: readonly string[]): FieldError {
  return {
    type: 'NotSupported',
    path,
    value,
    detail: supported.length > 0 ? `supported values: ${supported.map(goQuote).join(', ')}` : '',
  };
}
/** A wrong JSON/YAML type at `path` (the decoder's error, before validation). */
export function typeInvalid(path: FieldPath, value: unknown, expected: string): FieldError {
  return { type: 'TypeInvalid', path, value, detail: `must be ${expected}` };
}

/** Renders the part after the path, as `field.Error.ErrorBody()` does. */
export function errorBody(e: FieldError): string {
  const words = TYPE_WORDS[e.type];
  switch (e.type) {
    case 'Required':
    case 'Forbidden':
    case 'TooLong':
    case 'TooMany':
      return e.detail ? `${words}: ${e.detail}` : words;
    default: {
      const v = `${words}: ${renderValue(e.value)}`;
      return e.detail ? `${v}: ${e.detail}` : v;
    }
  }
}

/** `<path>: <body>` exactly as the API server prints a field error. */
export function formatFieldError(e: FieldError): string {
  return `${formatPath(e.path)}: ${errorBody(e)}`;
}
