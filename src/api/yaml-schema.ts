/**
 * The YAML scalar rules kubectl applies (sigs.k8s.io/yaml over go-yaml v2): besides true/false,
 * `y`/`yes`/`on` and `n`/`no`/`off` are booleans; `0644` is octal, `0x1F` hex, `0b101` binary,
 * `1_000` a thousand; `~`/`null`/empty are null; timestamps and `1:20` stay strings. Only plain
 * (unquoted) scalars are resolved; quoted ones are always strings.
 */
import jsyaml from 'js-yaml';

const BOOL_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE']);
const BOOL_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE']);
const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const INT_RE = /^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0o?[0-7_]+|0|[1-9][0-9_]*)$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$/;
const SPECIAL_FLOATS: Record<string, number> = {
  '.inf': Number.POSITIVE_INFINITY,
  '.Inf': Number.POSITIVE_INFINITY,
  '.INF': Number.POSITIVE_INFINITY,
  '+.inf': Number.POSITIVE_INFINITY,
  '+.Inf': Number.POSITIVE_INFINITY,
  '+.INF': Number.POSITIVE_INFINITY,
  '-.inf': Number.NEGATIVE_INFINITY,
  '-.Inf': Number.NEGATIVE_INFINITY,
  '-.INF': Number.NEGATIVE_INFINITY,
  '.nan': Number.NaN,
  '.NaN': Number.NaN,
  '.NAN': Number.NaN,
};

/** Go's strconv.ParseInt(s, 0, 64) after removing `_`; undefined when it is not an integer. */
function parseGoInt(data: string): number | undefined {
  if (!INT_RE.test(data)) return undefined;
  const clean = data.replace(/_/g, '');
  const neg = clean.startsWith('-');
  const body = clean.replace(/^[-+]/, '');
  let n: bigint;
  if (/^0b/.test(body)) n = BigInt(body);
  else if (/^0x/.test(body)) n = BigInt(body);
  else if (/^0o/.test(body)) n = BigInt(`0o${body.slice(2)}`);
  else if (/^0[0-7]+$/.test(body)) n = BigInt(`0o${body.slice(1)}`);
  else if (/^[0-9]+$/.test(body)) n = BigInt(body);
  else return undefined;
  if (neg) n = -n;
  return Number(n);
}

const nullType = new jsyaml.Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (data: string) => NULLS.has(data),
  construct: () => null,
});

const boolType = new jsyaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: string) => BOOL_TRUE.has(data) || BOOL_FALSE.has(data),
  construct: (data: string) => BOOL_TRUE.has(data),
});

const intType = new jsyaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: string) => parseGoInt(data) !== undefined,
  construct: (data: string) => parseGoInt(data),
});

const floatType = new jsyaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (data: string) => data in SPECIAL_FLOATS || (FLOAT_RE.test(data) && /[0-9]/.test(data)),
  construct: (data: string) => SPECIAL_FLOATS[data] ?? Number.parseFloat(data.replace(/_/g, '')),
});

/** js-yaml schema with kubectl's scalar resolution. */
export const KUBECTL_SCHEMA = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [nullType, boolType, intType, floatType],
});
