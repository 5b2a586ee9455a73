/**
 * kubectl's `-o jsonpath=TEMPLATE` and `-o custom-columns=SPEC`. The template layer is ours:
 * text outside braces is printed as is, `{"\t"}` is a string literal, `{range EXPR}…{end}`
 * repeats its body for every value of EXPR (with `@` the current value), any other `{EXPR}`
 * prints the values of a JSONPath expression (kubectl's relative form `.a.b`, or `$…` / `@…`).
 * The expressions are evaluated by the jsonpath-plus library, with its safe evaluator for
 * filters (`?(@.type=="Ready")`): no script of the user's runs.
 */
import { createRequire } from 'node:module';
import type * as JsonPathLib from 'jsonpath-plus';
import { RuntimeError } from '../../errors.ts';

// jsonpath-plus is loaded on first use (its CommonJS build, synchronously): `get` without
// `-o jsonpath=…` / `custom-columns=…` never pays for it.
let jsonPathLib: typeof JsonPathLib | undefined;
function jsonPathLibrary(): typeof JsonPathLib {
  jsonPathLib ??= createRequire(import.meta.url)('jsonpath-plus') as typeof JsonPathLib;
  return jsonPathLib;
}

type Node =
  | { t: 'text'; value: string }
  | { t: 'expr'; path: string }
  | { t: 'range'; path: string; body: Node[] };

function syntaxError(what: string, template: string, why: string): RuntimeError {
  return new RuntimeError('InvalidArgument', `${what} "${template}": ${why}`, {
    hint: "kubectl syntax: -o jsonpath='{.items[*].metadata.name}', '{range .items[*]}{.metadata.name}{\"\\n\"}{end}'",
  });
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"' };

/** Reads a `"…"` literal (Go escapes \n \t \r \\ \"). */
function literal(body: string, fail: (why: string) => RuntimeError): string {
  let out = '';
  for (let i = 1; i < body.length - 1; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = ESCAPES[body[i + 1] ?? ''];
    if (e === undefined) throw fail(`unknown escape "\\${body[i + 1] ?? ''}" in a string literal`);
    out += e;
    i++;
  }
  return out;
}

/** Checks an expression's brackets and quotes, which the library would silently ignore. */
function checkExpression(expr: string, fail: (why: string) => RuntimeError): string {
  if (expr === '') throw fail('an empty expression {}');
  const stack: string[] = [];
  let quote = '';
  for (const c of expr) {
    if (quote) {
      if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '(') stack.push(c);
    else if (c === ']' || c === ')') {
      const open = stack.pop();
      if ((c === ']' && open !== '[') || (c === ')' && open !== '('))
        throw fail(`unmatched "${c}" in {${expr}}`);
    }
  }
  if (quote) throw fail(`unterminated quote in {${expr}}`);
  if (stack.length > 0) throw fail(`unclosed "${stack[stack.length - 1]}" in {${expr}}`);
  if (!/^[.$@[]/.test(expr)) throw fail(`{${expr}} is not a JSONPath expression (start it with "." or "$")`);
  return expr;
}

/** Parses a template into nodes. Throws `InvalidArgument` naming the problem. */
export function parseTemplate(template: string, what = '-o jsonpath'): Node[] {
  const fail = (why: string) => syntaxError(what, template, why);
  const root: Node[] = [];
  const stack: Node[][] = [root];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    const cur = stack[stack.length - 1]!;
    if (open < 0) {
      cur.push({ t: 'text', value: template.slice(i) });
      break;
    }
    if (open > i) cur.push({ t: 'text', value: template.slice(i, open) });
    // The action ends at the first "}" outside a quoted string.
    let j = open + 1;
    let quote = '';
    for (; j < template.length; j++) {
      const c = template[j];
      if (quote) {
        if (c === '\\') j++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '}') break;
    }
    if (j >= template.length) throw fail(`unclosed action: "{" at column ${open + 1} has no "}"`);
    const body = template.slice(open + 1, j).trim();
    i = j + 1;
    if (body === 'end') {
      if (stack.length === 1) throw fail('{end} without a {range}');
      stack.pop();
    } else if (body.startsWith('range ')) {
      const node: Node = { t: 'range', path: checkExpression(body.slice(6).trim(), fail), body: [] };
      cur.push(node);
      stack.push(node.body);
    } else if (body.startsWith('"')) {
      if (body.length < 2 || !body.endsWith('"')) throw fail(`unterminated string literal {${body}}`);
      cur.push({ t: 'text', value: literal(body, fail) });
    } else cur.push({ t: 'expr', path: checkExpression(body, fail) });
  }
  if (stack.length > 1) throw fail('{range} without its {end}');
  return root;
}

/** The values of an expression relative to `current` (kubectl: `.a` and `@.a` are the current object's). */
export function evaluate(path: string, current: unknown): unknown[] {
  const p = path.startsWith('$') ? path : path.startsWith('@') ? `$${path.slice(1)}` : `$${path}`;
  try {
    const r: unknown = jsonPathLibrary().JSONPath({
      path: p,
      json: current as object,
      wrap: true,
      eval: 'safe',
    });
    return Array.isArray(r) ? r : [];
  } catch (e) {
    throw new RuntimeError('InvalidArgument', `cannot evaluate JSONPath "${path}": ${(e as Error).message}`, {
      hint: 'filters compare fields: ?(@.type=="Ready")',
    });
  }
}

/** A value as kubectl prints it: strings bare, the rest as JSON. */
export function show(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? '');
}

function run(nodes: Node[], current: unknown): string {
  let out = '';
  for (const n of nodes) {
    if (n.t === 'text') out += n.value;
    else if (n.t === 'expr') out += evaluate(n.path, current).map(show).join(' ');
    else for (const v of evaluate(n.path, current)) out += run(n.body, v);
  }
  return out;
}

/** Renders `-o jsonpath=TEMPLATE` over `value`. Throws `InvalidArgument` (syntax). */
export function renderJsonPath(template: string, value: unknown): string {
  return run(parseTemplate(template), value);
}

/** Parses `-o custom-columns=HEADER:EXPR,…` into columns. Throws `InvalidArgument`. */
export function parseCustomColumns(spec: string): { header: string; nodes: Node[] }[] {
  if (spec.trim() === '')
    throw new RuntimeError('InvalidArgument', '-o custom-columns needs columns', {
      hint: '-o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName',
    });
  return spec.split(',').map((col) => {
    const colon = col.indexOf(':');
    if (colon <= 0)
      throw new RuntimeError('InvalidArgument', `-o custom-columns: "${col}" is not HEADER:EXPRESSION`, {
        hint: '-o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName',
      });
    let expr = col.slice(colon + 1).trim();
    if (!expr.startsWith('{')) expr = `{${expr}}`;
    return { header: col.slice(0, colon), nodes: parseTemplate(expr, '-o custom-columns') };
  });
}

/** The cells of one object under custom columns (`<none>` when a path has no value). */
export function customColumnRow(cols: { nodes: Node[] }[], object: unknown): string[] {
  return cols.map((c) => {
    const n = c.nodes[0];
    if (c.nodes.length === 1 && n?.t === 'expr') {
      const vs = evaluate(n.path, object);
      return vs.length === 0 ? '<none>' : vs.map(show).join(',');
    }
    return run(c.nodes, object) || '<none>';
  });
}
