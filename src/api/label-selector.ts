/**
 * Label selectors as kubectl takes them with `-l/--selector`: equality-based (`a=b`, `a==b`,
 * `a!=b`) and set-based (`a in (x,y)`, `a notin (x)`, `a`, `!a`) requirements joined by commas,
 * all of which must hold (k8s.io/apimachinery/pkg/labels). Pure: parse once, match many.
 */
import { RuntimeError } from '../errors.ts';
import { labelValueErrors, qualifiedNameErrors } from './names.ts';

export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!' };

export interface LabelSelector {
  requirements: Requirement[];
}

function bad(text: string, why: string): RuntimeError {
  return new RuntimeError('InvalidArgument', `invalid label selector "${text}": ${why}`, {
    hint: 'write requirements joined by commas: a=b, a!=b, a in (x,y), a notin (x), a, !a',
  });
}

/** Splits on commas outside parentheses. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function checkKey(selector: string, key: string): string {
  if (key === '') throw bad(selector, 'a requirement has no key');
  const errs = qualifiedNameErrors(key);
  if (errs.length > 0) throw bad(selector, `key "${key}": ${errs[0]}`);
  return key;
}

function checkValue(selector: string, value: string): string {
  const errs = labelValueErrors(value);
  if (errs.length > 0) throw bad(selector, `value "${value}": ${errs[0]}`);
  return value;
}

/** Parses a selector; the empty selector matches everything. Throws `InvalidArgument` naming the problem. */
export function parseLabelSelector(text: string): LabelSelector {
  const requirements: Requirement[] = [];
  if (text.trim() === '') return { requirements };
  let depth = 0;
  for (const c of text) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (depth < 0 || depth > 1) throw bad(text, 'parentheses do not match');
  }
  if (depth !== 0) throw bad(text, 'parentheses do not match');
  for (const raw of splitTop(text)) {
    const part = raw.trim();
    if (part === '') throw bad(text, 'an empty requirement (two commas, or a comma at an end)');
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (set) {
      const values = set[3]!.split(',').map((v) => checkValue(text, v.trim()));
      if (values.length === 1 && values[0] === '' && set[3]!.trim() === '')
        throw bad(text, `"${set[1]} ${set[2]}" needs at least one value`);
      requirements.push({ key: checkKey(text, set[1]!), op: set[2] as 'in' | 'notin', values });
      continue;
    }
    const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (eq) {
      const value = checkValue(text, eq[3]!.trim());
      requirements.push({
        key: checkKey(text, eq[1]!),
        op: eq[2] === '!=' ? 'notin' : 'in',
        values: [value],
      });
      continue;
    }
    if (part.startsWith('!')) {
      requirements.push({ key: checkKey(text, part.slice(1).trim()), op: '!' });
      continue;
    }
    if (/[\s()=]/.test(part)) throw bad(text, `cannot read requirement "${part}"`);
    requirements.push({ key: checkKey(text, part), op: 'exists' });
  }
  return { requirements };
}

/** True when `labels` meet every requirement (`notin`/`!=` also hold when the key is absent, as in Kubernetes). */
export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  return selector.requirements.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case '!':
        return !has;
      case 'in':
        return has && r.values.includes(labels[r.key]!);
      case 'notin':
        return !has || !r.values.includes(labels[r.key]!);
      default:
        return false;
    }
  });
}
