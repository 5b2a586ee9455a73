/**
 * Kubernetes resource quantities (`500m`, `64Mi`, `1e3`, `1.5Gi`), parsed exactly: the value is
 * kept as a rational of two bigints, so no float rounding can change a limit.
 */

/** The regular expression the API server quotes in its error message. */
export const QUANTITY_PATTERN = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
const QUANTITY_RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([a-zA-Z]*)([-+]?[0-9]*)$/;

const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL_EXP: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

/** An exact quantity: `num / den`, `den > 0`, plus the text it was written as. */
export interface Quantity {
  readonly num: bigint;
  readonly den: bigint;
  /** The quantity as written (numbers are rendered as the API server would). */
  readonly text: string;
}

/** Why a quantity did not parse: the API server's words. */
export type QuantityParseResult = { ok: true; value: Quantity } | { ok: false; message: string };

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/**
 * Parses a quantity from a string or a JSON number. Never throws; an unparseable input gives
 * `ok: false` with the API server's message.
 */
export function parseQuantity(input: string | number): QuantityParseResult {
  const text = typeof input === 'number' ? numberText(input) : input;
  const fail: QuantityParseResult = {
    ok: false,
    message: `quantities must match the regular expression '${QUANTITY_PATTERN}'`,
  };
  if (text === undefined || text.length === 0 || text.length > 128) return fail;
  const m = QUANTITY_RE.exec(text);
  if (!m) return fail;
  const [, sign = '', whole = '', frac = '', letters = '', expPart = ''] = m;
  if (whole === '' && frac === '') return fail;
  let num = BigInt(`${whole || '0'}${frac}`);
  let den = pow10(frac.length);
  if (sign === '-') num = -num;
  if (letters === 'e' || letters === 'E') {
    if (!/^[-+]?[0-9]+$/.test(expPart)) return { ok: false, message: "unable to parse quantity's suffix" };
    const exp = Number(expPart);
    if (Math.abs(exp) > 100) return { ok: false, message: "unable to parse quantity's suffix" };
    if (exp >= 0) num *= pow10(exp);
    else den *= pow10(-exp);
  } else {
    if (expPart !== '') return { ok: false, message: "unable to parse quantity's suffix" };
    const bin = BINARY[letters];
    const dec = DECIMAL_EXP[letters];
    if (bin !== undefined) num *= bin;
    else if (dec !== undefined) {
      if (dec >= 0) num *= pow10(dec);
      else den *= pow10(-dec);
    } else return { ok: false, message: "unable to parse quantity's suffix" };
  }
  return { ok: true, value: normalize(num, den, text) };
}

function numberText(n: number): string | undefined {
  if (!Number.isFinite(n)) return undefined;
  // JSON numbers such as 0.5 or 1e3 are valid quantities; render without exponent surprises.
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? BigInt(n).toString() : String(n);
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 1n : x;
}

function normalize(num: bigint, den: bigint, text: string): Quantity {
  const g = gcd(num, den);
  return { num: num / g, den: den / g, text };
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

/** The value in thousandths, rounded up (the API server's `MilliValue`). */
export function milliValue(q: Quantity): bigint {
  return ceilDiv(q.num * 1000n, q.den);
}

/** The value as a whole number, rounded up (the API server's `Value`), e.g. bytes. */
export function integerValue(q: Quantity): bigint {
  return ceilDiv(q.num, q.den);
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`. */
export function compareQuantity(a: Quantity, b: Quantity): -1 | 0 | 1 {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

/** True for a negative quantity. */
export function isNegative(q: Quantity): boolean {
  return q.num < 0n;
}
