import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCommandLine, escapeArg, splitCommandLine } from './command-line.ts';

test('escapeArg() matches Go syscall.EscapeArg', () => {
  const cases: [string, string][] = [
    ['', '""'],
    ['plain', 'plain'],
    ['C:\\Windows\\x.exe', 'C:\\Windows\\x.exe'],
    ['a b', '"a b"'],
    ['tab\there', '"tab\there"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['a\\"b', 'a\\\\\\"b'],
    ['C:\\Program Files\\', '"C:\\Program Files\\\\"'],
    ['x&y|z^%PATH%', 'x&y|z^%PATH%'],
    ['"', '\\"'],
  ];
  for (const [input, want] of cases) assert.equal(escapeArg(input), want, JSON.stringify(input));
});

test('buildCommandLine() joins escaped args, or takes a raw command line verbatim', () => {
  assert.equal(buildCommandLine(['cmd.exe', '/c', 'echo hello world']), 'cmd.exe /c "echo hello world"');
  assert.equal(buildCommandLine(['a'], 'raw "x y"  z'), 'raw "x y"  z');
  assert.equal(buildCommandLine(['a', ''], ''), 'a ""');
});

test('splitCommandLine() reads back every escapeArg() output unchanged (CommandLineToArgvW rules)', () => {
  const argvs = [
    ['prog', 'a b', '', 'q"uote', 'trail\\', 'C:\\Program Files\\', '\\\\srv\\share', 'x\\\\"y', ' lead'],
    ['%CONTAINER_SANDBOX_MOUNT_POINT%\\bin\\app.exe', '--flag=a b', '\t'],
  ];
  for (const argv of argvs) assert.deepEqual(splitCommandLine(buildCommandLine(argv)), argv);
  assert.deepEqual(splitCommandLine('a "b""c" d'), ['a', 'b"c', 'd']);
  assert.deepEqual(splitCommandLine('  a\\\\b  '), ['a\\\\b']);
});
