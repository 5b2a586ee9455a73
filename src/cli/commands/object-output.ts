/**
 * `-o` of get-like commands: kubectl's table (`wide`), `json`, `yaml`, `name`,
 * `jsonpath=TEMPLATE` and `custom-columns=SPEC`. Objects are printed with
 * stable key order (keys sorted at every level, as `kubectl get -o yaml` prints them; at the top
 * that is apiVersion, kind, metadata, spec, status); several objects, or a list asked for, as a
 * `List` with `items`.
 */
import { RuntimeError } from '../../errors.ts';
import { customColumnRow, parseCustomColumns, parseTemplate, renderJsonPath } from './jsonpath-template.ts';
import { formatColumns } from './table.ts';

export type OutputFormat =
  | { kind: 'table' | 'wide' | 'json' | 'yaml' | 'name' }
  | { kind: 'jsonpath'; template: string }
  | { kind: 'custom-columns'; spec: string };

const SIMPLE = ['wide', 'json', 'yaml', 'name'] as const;

/** Reads `-o`; a template is checked here, before anything is asked of the daemon. Throws `InvalidArgument`. */
export function parseOutput(value: string | undefined): OutputFormat {
  if (value === undefined) return { kind: 'table' };
  if ((SIMPLE as readonly string[]).includes(value)) return { kind: value as (typeof SIMPLE)[number] };
  const eq = value.indexOf('=');
  const name = eq < 0 ? value : value.slice(0, eq);
  const arg = eq < 0 ? '' : value.slice(eq + 1);
  if (name === 'jsonpath') {
    if (arg === '')
      throw new RuntimeError('InvalidArgument', '-o jsonpath needs a template', {
        hint: "-o jsonpath='{.items[*].metadata.name}'",
      });
    parseTemplate(arg);
    return { kind: 'jsonpath', template: arg };
  }
  if (name === 'custom-columns') {
    parseCustomColumns(arg);
    return { kind: 'custom-columns', spec: arg };
  }
  throw new RuntimeError(
    'InvalidArgument',
    `unable to match a printer suitable for the output format "${value}"`,
    {
      hint: 'allowed formats are: custom-columns, json, jsonpath, name, wide, yaml',
    },
  );
}

/** `v` with the keys of every object sorted (arrays keep their order). */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  );
}

export function kubeList(items: readonly Record<string, unknown>[]): Record<string, unknown> {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

/**
 * Renders objects in a machine format (`json`, `yaml`, `jsonpath`, `custom-columns`, `name`).
 * `single`: one object was named, so it is printed alone, not as a List. `names` are the
 * `TYPE.GROUP/NAME` of each object for `-o name`.
 */
export async function renderObjects(
  objects: readonly Record<string, unknown>[],
  names: readonly string[],
  format: OutputFormat,
  single: boolean,
): Promise<string[]> {
  const value = sortKeys(single && objects.length === 1 ? objects[0] : kubeList(objects));
  switch (format.kind) {
    case 'name':
      return [...names];
    case 'json':
      return [JSON.stringify(value, null, 4)];
    case 'yaml': {
      const { stringify } = await import('yaml');
      return [stringify(value).trimEnd()];
    }
    case 'jsonpath':
      return [renderJsonPath(format.template, value)];
    case 'custom-columns': {
      const cols = parseCustomColumns(format.spec);
      return formatColumns(
        cols.map((c) => c.header),
        objects.map((o) => customColumnRow(cols, sortKeys(o))),
      );
    }
    default:
      throw new RuntimeError('Internal', `renderObjects() does not print tables (${format.kind})`);
  }
}
