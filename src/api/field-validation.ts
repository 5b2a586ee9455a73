/**
 * kubectl's field validation (`--validate`): what an unknown field in a manifest is.
 * `strict` (the default, as `kubectl apply` since 1.27): an error, nothing is applied;
 * `warn`: a warning, the field is ignored; `ignore`: silently ignored.
 */
import { RuntimeError } from '../errors.ts';
import { type FieldPath, formatPath } from './field-path.ts';

export type FieldValidation = 'strict' | 'warn' | 'ignore';

export const FIELD_VALIDATIONS: readonly FieldValidation[] = ['strict', 'warn', 'ignore'];

export const DEFAULT_FIELD_VALIDATION: FieldValidation = 'strict';

/**
 * Parses kubectl's spelling: `strict`, `warn`, `ignore`, and the older `true` (= strict) and
 * `false` (= ignore). Throws `InvalidArgument` naming `what` (the flag or key) otherwise.
 */
export function parseFieldValidation(text: string, what = '--validate'): FieldValidation {
  const v = text.trim().toLowerCase();
  if (v === 'strict' || v === 'true') return 'strict';
  if (v === 'warn') return 'warn';
  if (v === 'ignore' || v === 'false') return 'ignore';
  throw new RuntimeError('InvalidArgument', `${what} "${text}": expected strict, warn or ignore`, {
    hint: 'strict (the default) refuses unknown fields, warn reports them, ignore drops them silently',
  });
}

/** `unknown field "comand"`: the message for an unknown field (its path goes before it). */
export function unknownFieldMessage(path: FieldPath): string {
  const last = path[path.length - 1];
  return `unknown field "${typeof last === 'string' ? last : formatPath(path)}"`;
}
