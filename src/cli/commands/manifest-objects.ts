/**
 * Reads manifests for `apply -f` and `delete -f` and validates them here first, so problems are
 * shown with file:line:col as `hostpod lint` shows them, before anything reaches the daemon.
 */
import { Option } from 'commander';
import { errorBody, type FieldError, type FieldPath, formatPath } from '../../api/field-path.ts';
import {
  DEFAULT_FIELD_VALIDATION,
  type FieldValidation,
  parseFieldValidation,
  unknownFieldMessage,
} from '../../api/field-validation.ts';
import { loadManifests } from '../../api/manifests.ts';
import {
  decodeConfigMap,
  decodeSecret,
  decodeWorkload,
  findObjects,
  isWorkloadKind,
  type ManifestObject,
} from '../../api/objects.ts';
import { RuntimeError } from '../../errors.ts';
import { type CliContext, err } from '../io.ts';

export interface ManifestEntry {
  kind: string;
  name: string;
  namespace: string;
  /** The object as read (sent to the daemon as JSON). */
  raw: Record<string, unknown>;
}

/**
 * Loads `files` (files, directories, `-`) and splits them into objects; `lines` are the
 * problems so far as `FILE:LINE:COL  PATH: MESSAGE` (unreadable input, objects without a kind).
 */
export async function loadObjects(
  files: string[],
  ctx: CliContext,
): Promise<{ objects: ManifestObject[]; lines: string[] }> {
  const loaded = await loadManifests(files, { cwd: ctx.cwd, stdin: ctx.stdin });
  const lines = loaded.problems.map(
    (p) => `${p.position ? `${p.file}:${p.position.line}:${p.position.col}` : p.file}  error: ${p.message}`,
  );
  const { objects, problems } = findObjects(loaded.documents);
  for (const p of problems) {
    const pos = p.doc.locate(p.error.path);
    lines.push(`${p.doc.file}:${pos.line}:${pos.col}  ${formatPath(p.error.path)}: ${errorBody(p.error)}`);
  }
  return { objects, lines };
}

/** A field error of an object as a problem line. */
export function fieldErrorLine(o: ManifestObject, e: FieldError): string {
  const pos = o.doc.locate([...o.objectPath, ...e.path]);
  return `${o.doc.file}:${pos.line}:${pos.col}  ${formatPath(e.path)}: ${errorBody(e)}`;
}

/**
 * Throws the usage error of `hostpod VERB` without `-f` (commander counts the empty default
 * list as given): says that -f is required and shows the usage line. Exit code 2.
 */
export function requireFilenames(files: readonly string[], verb: string): void {
  if (files.length > 0) return;
  throw new RuntimeError(
    'InvalidArgument',
    `${verb}: -f/--filename is required (a manifest file, directory or - for stdin)`,
    {
      hint: `usage: hostpod ${verb} -f FILE [-f FILE…] [options] (hostpod ${verb} --help lists the options)`,
    },
  );
}

/** kubectl's `--validate=strict|warn|ignore` (also `true` = strict, `false` = ignore). */
export function validateOption(): Option {
  return new Option(
    '--validate [mode]',
    'what an unknown field is: strict (an error, the default), warn (a warning) or ignore; true = strict, false = ignore',
  ).argParser((v: string) => parseFieldValidation(v));
}

/** The mode a `--validate` flag gave (a bare `--validate` is strict, as kubectl's). */
export function validateMode(flag: FieldValidation | boolean | undefined): FieldValidation {
  if (flag === undefined || flag === true) return DEFAULT_FIELD_VALIDATION;
  if (flag === false) return 'ignore';
  return flag;
}

/** An unknown field of an object as a problem line (`strict`) or a warning line (`warn`). */
export function unknownFieldLine(o: ManifestObject, path: FieldPath, mode: 'strict' | 'warn'): string {
  const pos = o.doc.locate([...o.objectPath, ...path]);
  return mode === 'strict'
    ? `${o.doc.file}:${pos.line}:${pos.col}  ${formatPath(path)}: ${unknownFieldMessage(path)}`
    : `${o.doc.file}:${pos.line}:${pos.col}  ${formatPath(path)}: warning HP007: unknown field "${formatPath(path)}" (ignored)`;
}

/**
 * Two objects of one kind with the same namespace and name, as problem lines naming both places:
 * `b.yaml:1:1  metadata.name: Pod "default/web" is also defined at a.yaml:3:1`.
 */
export function duplicateLines(objects: readonly ManifestObject[]): string[] {
  // Positions come from the YAML syntax tree, which is built on first use: they are located
  // for duplicates only, so a manifest without one never loads the position parser.
  const where = (o: ManifestObject) => {
    const pos = o.doc.locate([...o.objectPath, 'metadata', 'name']);
    return `${o.doc.file}:${pos.line}:${pos.col}`;
  };
  const seen = new Map<string, ManifestObject>();
  const lines: string[] = [];
  for (const o of objects) {
    if (o.name === undefined || o.name === '') continue;
    const key = `${o.kind}/${o.namespace ?? 'default'}/${o.name}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, o);
    else
      lines.push(
        `${where(o)}  metadata.name: ${o.kind} "${o.namespace ?? 'default'}/${o.name}" is also defined at ${where(first)}; rename one of them`,
      );
  }
  return lines;
}

/**
 * Loads and validates `files` (files, directories, `-`). Prints every problem to stderr as
 * `FILE:LINE:COL  PATH: MESSAGE` and throws `InvalidArgument` when there is any; also when no
 * object was found. With `validate` (apply), unknown fields are errors when it is `strict`, and
 * two objects of one kind and name are an error naming both places.
 */
export async function readManifestObjects(
  files: string[],
  ctx: CliContext,
  verb: string,
  options: { validate?: FieldValidation } = {},
): Promise<ManifestEntry[]> {
  // Only what is applied is checked for unknown fields and names defined twice (not `delete -f`).
  const validate = options.validate ?? 'ignore';
  const { objects, lines } = await loadObjects(files, ctx);
  const entries: ManifestEntry[] = [];
  for (const o of objects) {
    let unknown: FieldPath[] = [];
    let errors: FieldError[] = [];
    if (o.kind === 'ConfigMap') errors = decodeConfigMap(o).errors;
    else if (o.kind === 'Secret') errors = decodeSecret(o).errors;
    else if (isWorkloadKind(o.kind)) ({ errors, unknownFields: unknown } = decodeWorkload(o));
    for (const e of errors) lines.push(fieldErrorLine(o, e));
    if (validate === 'strict') for (const f of unknown) lines.push(unknownFieldLine(o, f, 'strict'));
    entries.push({ kind: o.kind, name: o.name ?? '', namespace: o.namespace ?? 'default', raw: o.raw });
  }
  if (options.validate !== undefined) lines.push(...duplicateLines(objects));
  if (lines.length > 0) {
    for (const l of lines) err(ctx, l);
    throw new RuntimeError(
      'InvalidArgument',
      `the manifests have ${lines.length} ${lines.length === 1 ? 'error' : 'errors'}; nothing was ${verb}`,
      { hint: 'fix them (hostpod lint shows the same errors with warnings)' },
    );
  }
  if (entries.length === 0) {
    throw new RuntimeError('InvalidArgument', 'the manifests hold no object', {
      hint: 'give a file with a Pod, a workload (DaemonSet, Deployment, …), a ConfigMap or a Secret',
    });
  }
  return entries;
}

/** kubectl's resource name of a kind: `pod`, `daemonset.apps`, `job.batch`. */
export function resourceOf(kind: string): string {
  const groups: Record<string, string> = {
    DaemonSet: 'apps',
    Deployment: 'apps',
    ReplicaSet: 'apps',
    StatefulSet: 'apps',
    Job: 'batch',
    CronJob: 'batch',
  };
  const g = groups[kind];
  return g ? `${kind.toLowerCase()}.${g}` : kind.toLowerCase();
}
