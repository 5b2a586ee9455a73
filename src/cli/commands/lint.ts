import { type Command, Option } from 'commander';
import type { FieldValidation } from '../../api/field-validation.ts';
import { type LintResult, lintInputs } from '../../api/lint.ts';
import { formatPodSecurity, POD_SECURITY_LEVELS, type PodSecurityLevel } from '../../api/pod-security.ts';
import { EXIT } from '../exit-codes.ts';
import { type CliContext, out } from '../io.ts';
import { validateMode, validateOption } from './manifest-objects.ts';

/** Renders a lint result as text lines: one per problem, then the summary. */
export function formatLintText(r: LintResult): string[] {
  const lines: string[] = [];
  for (const p of r.inputProblems) {
    const where = p.position ? `${p.file}:${p.position.line}:${p.position.col}` : p.file;
    lines.push(`${where}  error: ${p.message}`);
  }
  const issues = [...r.issues].sort((a, b) =>
    a.file === b.file ? a.line - b.line || a.col - b.col : a.file < b.file ? -1 : 1,
  );
  for (const i of issues) {
    const msg = i.severity === 'warning' ? `warning ${i.code}: ${i.message}` : i.message;
    lines.push(`${i.file}:${i.line}:${i.col}  ${i.path}: ${msg}`);
  }
  let denied = 0;
  for (const o of r.objects) {
    if (o.status === 'skipped')
      lines.push(`${o.file}:${o.line}:1  ${o.kind}/${o.name}: skipped: ${o.note ?? ''}`);
    if (o.podSecurity) {
      if (!o.podSecurity.allowed) denied++;
      lines.push(`${o.file}:${o.line}:1  ${o.kind}/${o.name}: ${formatPodSecurity(o.podSecurity)}`);
    }
  }
  const checked = r.objects.filter((o) => o.status === 'checked').length;
  const skipped = r.objects.length - checked;
  const parts = [
    `${r.errorCount} ${r.errorCount === 1 ? 'error' : 'errors'}`,
    `${r.warningCount} ${r.warningCount === 1 ? 'warning' : 'warnings'}`,
  ];
  if (r.inputProblems.length > 0)
    parts.unshift(
      `${r.inputProblems.length} unreadable ${r.inputProblems.length === 1 ? 'input' : 'inputs'}`,
    );
  if (r.objects.some((o) => o.podSecurity)) parts.push(`${denied} denied by Pod Security`);
  lines.push(
    `${parts.join(', ')} in ${checked} ${checked === 1 ? 'object' : 'objects'}${skipped ? ` (${skipped} skipped)` : ''}`,
  );
  return lines;
}

/** The exit code of a lint run: 2 unusable input, 1 errors (or Pod Security denials), else 0. */
export function lintExitCode(r: LintResult): number {
  if (r.inputProblems.length > 0) return EXIT.usage;
  if (r.errorCount > 0 || r.objects.some((o) => o.podSecurity && !o.podSecurity.allowed)) return EXIT.failure;
  return EXIT.ok;
}

export function registerLint(program: Command, ctx: CliContext): void {
  program
    .command('lint')
    .summary('validate HostProcess manifests exactly as the Kubernetes API server does')
    .description(
      'Validate Pod, DaemonSet, Deployment, ReplicaSet, StatefulSet, Job and CronJob manifests (YAML or JSON; ' +
        "directories are read recursively; - reads stdin) with the API server's HostProcess and pod rules, " +
        "field paths and messages, plus hostpod's warnings for HostProcess pitfalls (docs/lint.md).",
    )
    .argument('<inputs...>', 'files, directories, or - for stdin')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(
      new Option('--pod-security <level>', 'also evaluate the Pod Security Standards at this level').choices([
        ...POD_SECURITY_LEVELS,
      ]),
    )
    .option('--no-allow-privileged', 'lint as an API server started with --allow-privileged=false')
    .addOption(validateOption())
    .action(
      async (
        inputs: string[],
        opts: {
          output: string;
          podSecurity?: PodSecurityLevel;
          allowPrivileged: boolean;
          validate?: FieldValidation | boolean;
        },
      ) => {
        const result = await lintInputs(inputs, {
          cwd: ctx.cwd,
          stdin: ctx.stdin,
          allowPrivileged: opts.allowPrivileged,
          validate: validateMode(opts.validate),
          ...(opts.podSecurity ? { podSecurity: opts.podSecurity } : {}),
        });
        if (opts.output === 'json') out(ctx, JSON.stringify(result, null, 2));
        else for (const line of formatLintText(result)) out(ctx, line);
        ctx.exitCode = lintExitCode(result);
      },
    );
}
