/**
 * Reads manifests for `apply -f` and `delete -f` and validates them here first, so problems are
 * shown with file:line:col as `hostpod lint` shows them, before anything reaches the daemon.
 */
import { errorBody, type FieldError, formatPath } from '../../api/field-path.ts';
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
 * Loads and validates `files` (files, directories, `-`). Prints every problem to stderr as
 * `FILE:LINE:COL  PATH: MESSAGE` and throws `InvalidArgument` when there is any; also when no
 * object was found.
 */
export async function readManifestObjects(
  files: string[],
  ctx: CliContext,
  verb: string,
): Promise<ManifestEntry[]> {
  const { objects, lines } = await loadObjects(files, ctx);
  const entries: ManifestEntry[] = [];
  for (const o of objects) {
    const errors =
      o.kind === 'ConfigMap'
        ? decodeConfigMap(o).errors
        : o.kind === 'Secret'
          ? decodeSecret(o).errors
          : isWorkloadKind(o.kind)
            ? decodeWorkload(o).errors
            : [];
    for (const e of errors) lines.push(fieldErrorLine(o, e));
    entries.push({ kind: o.kind, name: o.name ?? '', namespace: o.namespace ?? 'default', raw: o.raw });
  }
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
