import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/api/quantity.ts
var QUANTITY_PATTERN = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";
var QUANTITY_RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([a-zA-Z]*)([-+]?[0-9]*)$/;
var BINARY = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n
};
var DECIMAL_EXP = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18
};
var pow10 = (n) => 10n ** BigInt(n);
function parseQuantity(input) {
  const text = typeof input === "number" ? numberText(input) : input;
  const fail = {
    ok: false,
    message: `quantities must match the regular expression '${QUANTITY_PATTERN}'`
  };
  if (text === void 0 || text.length === 0 || text.length > 128) return fail;
  const m = QUANTITY_RE.exec(text);
  if (!m) return fail;
  const [, sign = "", whole = "", frac = "", letters = "", expPart = ""] = m;
  if (whole === "" && frac === "") return fail;
  let num = BigInt(`${whole || "0"}${frac}`);
  let den = pow10(frac.length);
  if (sign === "-") num = -num;
  if (letters === "e" || letters === "E") {
    if (!/^[-+]?[0-9]+$/.test(expPart)) return { ok: false, message: "unable to parse quantity's suffix" };
    const exp = Number(expPart);
    if (Math.abs(exp) > 100) return { ok: false, message: "unable to parse quantity's suffix" };
    if (exp >= 0) num *= pow10(exp);
    else den *= pow10(-exp);
  } else {
    if (expPart !== "") return { ok: false, message: "unable to parse quantity's suffix" };
    const bin = BINARY[letters];
    const dec = DECIMAL_EXP[letters];
    if (bin !== void 0) num *= bin;
    else if (dec !== void 0) {
      if (dec >= 0) num *= pow10(dec);
      else den *= pow10(-dec);
    } else return { ok: false, message: "unable to parse quantity's suffix" };
  }
  return { ok: true, value: normalize(num, den, text) };
}
function numberText(n) {
  if (!Number.isFinite(n)) return void 0;
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? BigInt(n).toString() : String(n);
}
function gcd(a, b) {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 1n : x;
}
function normalize(num, den, text) {
  const g = gcd(num, den);
  return { num: num / g, den: den / g, text };
}
function ceilDiv(a, b) {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}
function milliValue(q) {
  return ceilDiv(q.num * 1000n, q.den);
}
function integerValue(q) {
  return ceilDiv(q.num, q.den);
}
function compareQuantity(a, b) {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}
function isNegative(q) {
  return q.num < 0n;
}

export {
  parseQuantity,
  milliValue,
  integerValue,
  compareQuantity,
  isNegative
};
