/**
 * `hostpod lint`: loads manifests, validates every workload exactly as the API server would,
 * adds hostpod's HostProcess warnings and, when asked, the Pod Security Standards verdict.
 * Returns data; the CLI prints it.
 */
import { errorBody, type FieldPath, formatPath } from './field-path.ts';
import { DEFAULT_FIELD_VALIDATION, type FieldValidation, unknownFieldMessage } from './field-validation.ts';
import {
  type InputProblem,
  type LoadOptions,
  loadManifests,
  type Position,
  type SourceDocument,
} from './manifests.ts';
import {
  decodeConfigMap,
  decodeSecret,
  decodeWorkload,
  findObjects,
  isWorkloadKind,
  type ManifestObject,
} from './objects.ts';
import { evaluatePodSecurity, type PodSecurityLevel, type PodSecurityResult } from './pod-security.ts';
import { workloadWarnings } from './warnings.ts';

export interface LintIssue {
  severity: 'error' | 'warning';
  /** Warning code (`HP001` …) or the field error type (`Invalid`, `Required`, …). */
  code: string;
  file: string;
  line: number;
  col: number;
  /** The object, as `Kind/name` (with `[i]` for the document index when unnamed). */
  object: string;
  /** The Kubernetes field path from the object root. */
  path: string;
  message: string;
}

export interface LintedObject {
  file: string;
  line: number;
  kind: string;
  name: string;
  status: 'checked' | 'skipped';
  /** Why it was skipped (kinds hostpod does not read). */
  note?: string;
  podSecurity?: PodSecurityResult;
}

export interface LintResult {
  issues: LintIssue[];
  objects: LintedObject[];
  /** Input that could not be read or parsed (exit code 2). */
  inputProblems: InputProblem[];
  errorCount: number;
  warningCount: number;
}

export interface LintOptions extends LoadOptions {
  podSecurity?: PodSecurityLevel;
  allowPrivileged?: boolean;
  /** What an unknown field is (kubectl's `--validate`); default strict: an error. */
  validate?: FieldValidation;
}

/** Lints the given inputs. Never throws for bad input. */
export async function lintInputs(inputs: readonly string[], options: LintOptions): Promise<LintResult> {
  const loaded = await loadManifests(inputs, options);
  return lintDocuments(loaded.documents, loaded.problems, options);
}

const SUPPORT_KINDS = ['ConfigMap', 'Secret', 'ServiceAccount', 'Namespace'];

/** Lints already-loaded documents. */
export function lintDocuments(
  documents: readonly SourceDocument[],
  inputProblems: readonly InputProblem[],
  options: Omit<LintOptions, keyof LoadOptions> = {},
): LintResult {
  const issues: LintIssue[] = [];
  const objects: LintedObject[] = [];
  const { objects: found, problems } = findObjects(documents);

  const at = (doc: SourceDocument, objectPath: FieldPath, path: FieldPath): Position =>
    doc.locate([...objectPath, ...path]);
  const label = (o: { kind: string; name: string | undefined; doc: SourceDocument; objectPath: FieldPath }) =>
    `${o.kind}/${o.name ?? `<unnamed #${o.doc.index}${o.objectPath.length > 0 ? formatPath(o.objectPath) : ''}>`}`;

  for (const p of problems) {
    const pos = at(p.doc, [], p.error.path);
    issues.push({
      severity: 'error',
      code: p.error.type,
      file: p.doc.file,
      line: pos.line,
      col: pos.col,
      object: `<document ${p.doc.index}>`,
      path: formatPath(p.error.path),
      message: errorBody(p.error),
    });
  }

  for (const o of found) {
    const entry = {
      file: o.doc.file,
      kind: o.kind,
      name: o.name ?? '',
      status: 'checked',
    } as Omit<LintedObject, 'line'> as LintedObject;
    // Positions cost a second (syntax-tree) parse of the file: the object's line is computed only
    // when something reads it (a printer, JSON output).
    let line: number | undefined;
    Object.defineProperty(entry, 'line', {
      enumerable: true,
      get: () => (line ??= at(o.doc, o.objectPath, []).line),
    });
    objects.push(entry);
    const push = (severity: 'error' | 'warning', code: string, path: FieldPath, message: string) => {
      const p = at(o.doc, o.objectPath, path);
      issues.push({
        severity,
        code,
        file: o.doc.file,
        line: p.line,
        col: p.col,
        object: label(o),
        path: formatPath(path),
        message,
      });
    };
    if (isWorkloadKind(o.kind)) {
      const w = decodeWorkload(
        o,
        options.allowPrivileged === undefined ? {} : { allowPrivileged: options.allowPrivileged },
      );
      for (const e of w.errors) push('error', e.type, e.path, errorBody(e));
      const validate = options.validate ?? DEFAULT_FIELD_VALIDATION;
      if (validate === 'strict')
        for (const f of w.unknownFields) push('error', 'HP007', f, unknownFieldMessage(f));
      for (const wn of workloadWarnings(w.pod, w.specPath, validate === 'warn' ? w.unknownFields : []))
        push('warning', wn.code, wn.path, wn.message);
      if (options.podSecurity) entry.podSecurity = evaluatePodSecurity(w.pod.spec, options.podSecurity);
    } else if (o.kind === 'ConfigMap' || o.kind === 'Secret') {
      const r = o.kind === 'ConfigMap' ? decodeConfigMap(o) : decodeSecret(o);
      for (const e of r.errors) push('error', e.type, e.path, errorBody(e));
    } else if (!SUPPORT_KINDS.includes(o.kind)) {
      entry.status = 'skipped';
      entry.note = skippedNote(o);
    }
  }
  const errorCount = issues.filter((i) => i.severity === 'error').length;
  return {
    issues,
    objects,
    inputProblems: [...inputProblems],
    errorCount,
    warningCount: issues.length - errorCount,
  };
}

function skippedNote(o: ManifestObject): string {
  return `kind ${o.kind} is not a workload hostpod runs nor one it reads for volumes or env`;
}
