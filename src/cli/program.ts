import { Command, CommanderError, Help } from 'commander';
import { describeError, RuntimeError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { loadCommands, type RegisterCommand } from './commands/index.ts';
import { COMMAND_EXIT_CODES, EXIT, EXIT_CODES_ANY, exitCodeFor } from './exit-codes.ts';
import { type CliContext, err } from './io.ts';

/** Builds the commander program with every command registered against `ctx`. */
export function buildProgram(ctx: CliContext, commands: readonly RegisterCommand[]): Command {
  const program = new Command('hostpod')
    .description(
      'Run Kubernetes HostProcess pods on a Linux host: same pod spec, validation and behaviour as ' +
        'the Windows reference runtime (containerd + hcsshim job containers).',
    )
    .version(VERSION, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show help for a command')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
      getOutHelpWidth: () => helpWidth(ctx, ctx.stdout),
      getErrHelpWidth: () => helpWidth(ctx, ctx.stderr),
    })
    .configureHelp({ formatHelp: formatHelpWithExitCodes, formatItem: formatHelpItem, minWidthToWrap: 20 })
    .exitOverride();
  for (const register of commands) register(program, ctx);
  return program;
}

/**
 * The width help is wrapped to: `$COLUMNS` when set, else the terminal's width, else 80.
 * Descriptions are written as prose (no hard line breaks) and wrapped once, here.
 */
function helpWidth(ctx: CliContext, stream: unknown): number {
  const columns = Number(ctx.env.COLUMNS);
  if (Number.isInteger(columns) && columns >= 40) return columns;
  const tty = (stream as { isTTY?: boolean; columns?: number } | undefined) ?? {};
  return tty.isTTY && typeof tty.columns === 'number' && tty.columns > 0 ? tty.columns : 80;
}

/** The command's path without the program name: `apply`, `image save`. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** commander's help followed by the command's "Exit codes:" (from exit-codes.ts), wrapped alike. */
function formatHelpWithExitCodes(cmd: Command, helper: Help): string {
  const base = Help.prototype.formatHelp.call(helper, cmd, helper).replace(/\n+$/, '');
  const codes = COMMAND_EXIT_CODES[commandPath(cmd)] ?? EXIT_CODES_ANY;
  const termWidth = Math.max(...codes.map(([c]) => String(c).length));
  const items = codes.map(([c, meaning]) => helper.formatItem(String(c), termWidth, meaning, helper));
  return `${base}\n\n${helper.styleTitle('Exit codes:')}\n${items.join('\n')}\n`;
}

/**
 * One option, argument or exit code. When the terms are so wide that the description column
 * would be narrower than 30 characters (a narrow terminal), the description goes under the term.
 */
function formatHelpItem(term: string, termWidth: number, description: string, helper: Help): string {
  const width = helper.helpWidth ?? 80;
  if (description === '' || width - termWidth - 4 >= 30)
    return Help.prototype.formatItem.call(helper, term, termWidth, description, helper);
  const indent = ' '.repeat(6);
  const text = helper.boxWrap(description, width - indent.length);
  return `  ${term}\n${text
    .split('\n')
    .map((l) => indent + l)
    .join('\n')}`;
}

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code. Never throws:
 * user errors are printed as `hostpod: <message>` with a hint; unexpected errors as an
 * internal error (with the stack only when HOSTPOD_DEBUG is set).
 */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  try {
    const program = buildProgram(ctx, await loadCommands(argv));
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      ) {
        return EXIT.ok;
      }
      return EXIT.usage;
    }
    if (e instanceof RuntimeError) {
      err(ctx, `hostpod: ${e.message}`);
      if (e.hint) err(ctx, `hint: ${e.hint}`);
      return exitCodeFor(e.code);
    }
    err(ctx, `hostpod: internal error: ${describeError(e)}`);
    if (ctx.env.HOSTPOD_DEBUG && e instanceof Error && e.stack) err(ctx, e.stack);
    else err(ctx, 'hint: this is a bug in hostpod; run again with HOSTPOD_DEBUG=1 for details and report it');
    return EXIT.internal;
  }
}
