/**
 * Reads manifest files (multi-document YAML, JSON), directories and stdin into documents that
 * remember where every node came from, and finds the objects inside them (Pods, the pod
 * templates of workloads, Lists, ConfigMaps, Secrets, ServiceAccounts, Namespaces).
 *
 * YAML is read the way kubectl reads it (go-yaml v2 semantics: `yes`/`on` are booleans and
 * `0644` is octal), with guards against alias bombs, huge files and deep nesting.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, join, relative, resolve } from 'node:path';
import jsyaml from 'js-yaml';
import type * as YamlLib from 'yaml';
import type { Document, LineCounter, Node, Tags } from 'yaml';
import { RuntimeError } from '../errors.ts';
import type { FieldPath } from './field-path.ts';
import { KUBECTL_SCHEMA } from './yaml-schema.ts';

/** Limits on input size, documented in docs/lint.md. */
export const MANIFEST_LIMITS = {
  /** Largest file (or stdin) read. */
  maxFileBytes: 32 * 1024 * 1024,
  /** Most nodes in one document once YAML aliases are expanded ("billion laughs" bombs). */
  maxNodes: 1_000_000,
  /** Deepest nesting of maps and lists after aliases (a second guard: js-yaml itself stops at 100 levels, "nesting exceeded maxDepth (100)"). */
  maxDepth: 200,
  /** Most files read from directories. */
  maxFiles: 10000,
} as const;

// The `yaml` library builds the syntax tree positions come from; it is loaded only when a
// position is needed (most lint runs of valid manifests never need one).
const requireCjs = createRequire(import.meta.url);
let yamlLib: typeof YamlLib | undefined;
function yaml(): typeof YamlLib {
  yamlLib ??= requireCjs('yaml') as typeof YamlLib;
  return yamlLib;
}

const YAML_OPTIONS = {
  version: '1.1' as const,
  // go-yaml v2 keeps times and sexagesimal numbers as strings; so do we.
  customTags: (tags: Tags): Tags =>
    tags.filter(
      (t) => typeof t === 'string' || (t.format !== 'TIME' && t.tag !== 'tag:yaml.org,2002:timestamp'),
    ),
  uniqueKeys: true,
};

/** A line/column position, both 1-based. */
export interface Position {
  line: number;
  col: number;
}

/** One YAML/JSON document of an input, with its parsed value and a position finder. */
export interface SourceDocument {
  /** The file name as the user gave it (relative to cwd when inside it), or `<stdin>`. */
  file: string;
  /** 0-based index of the document in its file. */
  index: number;
  value: unknown;
  /** Position of the deepest existing node along `path`. */
  locate(path: FieldPath): Position;
}

/** Input that could not be used at all: unreadable, not YAML, too large. Exit code 2. */
export interface InputProblem {
  file: string;
  position?: Position;
  message: string;
}

export interface LoadResult {
  documents: SourceDocument[];
  problems: InputProblem[];
}

export interface LoadOptions {
  cwd: string;
  /** Read when an input is `-`. */
  stdin?: NodeJS.ReadableStream;
}

/**
 * Loads every input: files, directories (recursively: `*.yaml`, `*.yml`, `*.json`, sorted) and
 * `-` for stdin. Never throws for bad input; each problem is returned with its file.
 */
export async function loadManifests(inputs: readonly string[], options: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { documents: [], problems: [] };
  for (const input of inputs) {
    if (input === '-') {
      if (!options.stdin) {
        result.problems.push({ file: '<stdin>', message: 'no standard input available' });
        continue;
      }
      const text = await readStream(options.stdin, MANIFEST_LIMITS.maxFileBytes).catch((e: unknown) => e);
      if (typeof text !== 'string') {
        result.problems.push({ file: '<stdin>', message: problemText(text) });
        continue;
      }
      parseText(text, '<stdin>', result);
      continue;
    }
    const abs = resolve(options.cwd, input);
    const shown = displayName(abs, options.cwd, input);
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(abs);
    } catch (e) {
      result.problems.push({ file: shown, message: problemText(e) });
      continue;
    }
    if (st.isDirectory()) {
      const files: string[] = [];
      await collect(abs, files, result, options.cwd);
      if (files.length === 0)
        result.problems.push({ file: shown, message: 'directory holds no *.yaml, *.yml or *.json file' });
      for (const f of files) await loadFile(f, displayName(f, options.cwd, f), result);
    } else {
      await loadFile(abs, shown, result);
    }
  }
  return result;
}

/** Parses manifest text (for tests and for `apply` bodies). */
export function parseManifestText(text: string, file: string): LoadResult {
  const result: LoadResult = { documents: [], problems: [] };
  parseText(text, file, result);
  return result;
}

function displayName(abs: string, cwd: string, given: string): string {
  const rel = relative(cwd, abs);
  return rel && !rel.startsWith('..') ? rel : given;
}

function problemText(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (e instanceof RuntimeError) return e.message;
  return e instanceof Error ? e.message : String(e);
}

async function collect(dir: string, out: string[], result: LoadResult, cwd: string): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    result.problems.push({ file: displayName(dir, cwd, dir), message: problemText(e) });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (out.length >= MANIFEST_LIMITS.maxFiles) {
      result.problems.push({
        file: displayName(dir, cwd, dir),
        message: `more than ${MANIFEST_LIMITS.maxFiles} manifest files`,
      });
      return;
    }
    const p = join(dir, e.name);
    if (e.isDirectory()) await collect(p, out, result, cwd);
    else if (e.isFile() && ['.yaml', '.yml', '.json'].includes(extname(e.name).toLowerCase())) out.push(p);
  }
}

async function loadFile(abs: string, shown: string, result: LoadResult): Promise<void> {
  let text: string;
  try {
    const st = await stat(abs);
    if (st.size > MANIFEST_LIMITS.maxFileBytes) {
      result.problems.push({
        file: shown,
        message: `file is ${st.size} bytes, more than the ${MANIFEST_LIMITS.maxFileBytes}-byte limit`,
      });
      return;
    }
    text = await readFile(abs, 'utf8');
  } catch (e) {
    result.problems.push({ file: shown, message: problemText(e) });
    return;
  }
  parseText(text, shown, result);
}

async function readStream(stream: NodeJS.ReadableStream, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    size += b.length;
    if (size > limit) throw new RuntimeError('InvalidArgument', `input is more than the ${limit}-byte limit`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseText(text: string, file: string, result: LoadResult): void {
  if (text.includes('\u0000')) {
    result.problems.push({ file, message: 'not a text file (contains NUL bytes)' });
    return;
  }
  // Values come from js-yaml (fast); positions, needed only to report a problem, from a
  // syntax tree built by `yaml` on first use. Both split documents the same way.
  let values: unknown[];
  try {
    values = jsyaml.loadAll(text, undefined, { schema: KUBECTL_SCHEMA, json: false });
  } catch (e) {
    if (e instanceof jsyaml.YAMLException) {
      result.problems.push({
        file,
        position: { line: e.mark.line + 1, col: e.mark.column + 1 },
        message: `invalid YAML: ${e.reason}`,
      });
      return;
    }
    result.problems.push({ file, message: deepOrOther(e, 'cannot parse YAML') });
    return;
  }
  let tree: { docs: Document.Parsed[]; lines: LineCounter } | undefined;
  const syntaxTree = () => {
    if (!tree) {
      const Y = yaml();
      const lines = new Y.LineCounter();
      tree = {
        docs: Y.parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter: lines }) as Document.Parsed[],
        lines,
      };
    }
    return tree;
  };
  values.forEach((value, index) => {
    if (value === null || value === undefined) return; // an empty document (e.g. a trailing `---`)
    try {
      checkSize(value, MANIFEST_LIMITS.maxDepth, MANIFEST_LIMITS.maxNodes);
    } catch (e) {
      const t = syntaxTree();
      const start = t.docs[index]?.contents?.range?.[0] ?? 0;
      const pos = t.lines.linePos(start);
      result.problems.push({
        file,
        position: { line: pos.line, col: pos.col },
        message: deepOrOther(e, 'cannot read document'),
      });
      return;
    }
    result.documents.push({
      file,
      index,
      value,
      locate: (path) => {
        const t = syntaxTree();
        const doc = t.docs[index];
        const p = t.lines.linePos(doc ? locateOffset(doc, path) : 0);
        return { line: p.line, col: p.col };
      },
    });
  });
}

function deepOrOther(e: unknown, what: string): string {
  if (e instanceof RangeError) return `${what}: nesting is too deep`;
  if (e instanceof RuntimeError) return e.message;
  return `${what}: ${e instanceof Error ? e.message : String(e)}`;
}

/**
 * Bounds depth and node count. Aliases make shared subtrees, which a walk visits once per
 * reference: the count bounds what an alias bomb would expand to. Iterative, so a hostile depth
 * cannot overflow the stack here.
 */
function checkSize(value: unknown, maxDepth: number, maxNodes: number): void {
  const stack: [unknown, number][] = [[value, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > maxDepth)
      throw new RuntimeError('InvalidArgument', `document is nested more than ${maxDepth} levels deep`);
    const children = Array.isArray(v) ? v : Object.values(v);
    nodes += children.length;
    if (nodes > maxNodes) {
      throw new RuntimeError(
        'InvalidArgument',
        `document expands to more than ${maxNodes} nodes (through YAML aliases, it may be an alias bomb)`,
      );
    }
    for (const child of children) stack.push([child, d + 1]);
  }
}

function locateOffset(doc: Document.Parsed, path: FieldPath): number {
  const { isAlias, isMap, isScalar, isSeq } = yaml();
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
      if (!pair) break;
      if (isScalar(pair.key) && pair.key.range) offset = pair.key.range[0];
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (!item) break;
      node = item;
      const r = (item as Node).range;
      if (r) offset = r[0];
    } else break;
  }
  return offset;
}
