/**
 * Every command's `--help` reads well at any terminal width (issue 14): written once as prose and
 * wrapped by commander, so no line is longer than the width and no sentence breaks into a short
 * fragment; each help ends with the command's exit codes (exit-codes.ts).
 */
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import type { Command } from 'commander';
import { COMMANDS } from './commands/index.ts';
import { COMMAND_EXIT_CODES } from './exit-codes.ts';
import type { CliContext } from './io.ts';
import { buildProgram, runCli } from './program.ts';

function context(width: number): CliContext & { text: () => string } {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (c: Buffer) => {
    text += c.toString();
  });
  return {
    stdout,
    stderr: new PassThrough(),
    stdin: Readable.from([]),
    env: { COLUMNS: String(width) },
    cwd: '/',
    exitCode: 0,
    text: () => text,
  };
}

/** Every command path (`apply`, `image save`, …) the CLI has. */
async function commandPaths(): Promise<string[][]> {
  const registers = (await Promise.all(COMMANDS.map(([, load]) => load()))).flat();
  const program = buildProgram(context(80), registers);
  const out: string[][] = [];
  const walk = (cmd: Command, path: string[]) => {
    for (const c of cmd.commands) {
      if (c.name() === 'help') continue;
      out.push([...path, c.name()]);
      walk(c, [...path, c.name()]);
    }
  };
  walk(program, []);
  return out;
}

/** Lines of a paragraph that end early although their sentence goes on in the next line. */
function raggedLines(text: string, width: number): string[] {
  const lines = text.split('\n');
  const bad: string[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    const line = lines[i]!;
    const next = lines[i + 1]!.trim();
    if (line.trim() === '' || next === '') continue;
    const indent = line.length - line.trimStart().length;
    const nextIndent = lines[i + 1]!.length - lines[i + 1]!.trimStart().length;
    // A term and its description (`  --flag  text`) go on under the description, further in;
    // a paragraph's text at the same indentation.
    const hasTerm = /^\s+\S+(?: \S+)*\s{2,}\S/.test(line);
    const sameBlock = hasTerm ? nextIndent > indent : nextIndent === indent;
    const continues = sameBlock && /^[a-z(]/.test(next) && !/[:.]$/.test(line.trim());
    if (continues && line.length < width / 3) bad.push(`${line}⏎${next}`);
  }
  return bad;
}

test('--help of every command fits widths 60 and 120, has no ragged lines and lists its exit codes', async () => {
  const paths = await commandPaths();
  assert.ok(paths.length >= 20, `found ${paths.length} commands`);
  const problems: string[] = [];
  for (const width of [60, 120]) {
    for (const path of [[], ...paths]) {
      const ctx = context(width);
      const code = await runCli([...path, '--help'], ctx);
      const what = `hostpod ${path.join(' ')} --help at width ${width}`;
      assert.equal(code, 0, what);
      const text = ctx.text();
      for (const line of text.split('\n'))
        if (line.length > width) problems.push(`${what}: a line of ${line.length} characters: ${line}`);
      for (const r of raggedLines(text, width)) problems.push(`${what}: ragged: ${r}`);
      assert.match(text, /\nExit codes:\n {2}0 {2}/, `${what}: exit codes`);
      const codes = COMMAND_EXIT_CODES[path.join(' ')];
      if (codes) for (const [c] of codes) assert.match(text, new RegExp(`\\n {2}${c} +\\S`), `${what}: ${c}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('the exit codes of every command that has subcommand-free help are listed in exit-codes.ts', async () => {
  const missing = (await commandPaths()).map((p) => p.join(' ')).filter((p) => !COMMAND_EXIT_CODES[p]);
  assert.deepEqual(missing, [], 'add them to COMMAND_EXIT_CODES');
});
