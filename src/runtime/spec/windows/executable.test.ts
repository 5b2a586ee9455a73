import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PathKind } from '../types.ts';
import { getApplicationName, launchFor, parsePathExt } from './executable.ts';

/** A fake Windows disk: case-insensitive, as NTFS. */
function disk(files: string[], dirs: string[] = []) {
  const f = new Set(files.map((x) => x.toUpperCase()));
  const d = new Set(dirs.map((x) => x.toUpperCase()));
  const probed: string[] = [];
  const probe = (p: string): PathKind => {
    probed.push(p);
    const k = p.toUpperCase();
    return f.has(k) ? 'file' : d.has(k) ? 'dir' : 'missing';
  };
  return { probe, probed };
}

const base = {
  workDir: 'C:\\hpc\\abc',
  path: 'C:\\Windows\\system32;C:\\Windows;C:\\hpc\\abc\\;C:\\tools',
  systemDir: 'C:\\Windows\\system32',
  winDir: 'C:\\Windows',
};

test('getApplicationName() finds a bare name with .exe in the working dir first, then PATH', async () => {
  const { probe } = disk(['C:\\hpc\\abc\\app.exe', 'C:\\tools\\app.exe', 'C:\\tools\\other.exe']);
  assert.deepEqual(await getApplicationName('app --x', { ...base, probe }), {
    applicationName: 'C:\\hpc\\abc\\app.exe',
    commandLine: 'app --x',
  });
  assert.equal(
    (await getApplicationName('other', { ...base, probe })).applicationName,
    'C:\\tools\\other.exe',
  );
});

test('getApplicationName() with the default extensions does not find .cmd or an extension-less file (hcsshim)', async () => {
  const { probe } = disk(['C:\\hpc\\abc\\run.cmd', 'C:\\hpc\\abc\\agnhost']);
  await assert.rejects(getApplicationName('run', { ...base, probe }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'NotFound');
    assert.equal(
      e.message,
      'failed to get application name from commandline "run": failed to find executable "run"',
    );
    return true;
  });
  await assert.rejects(
    getApplicationName('agnhost', { ...base, probe }),
    /failed to find executable "agnhost"/,
  );
  assert.equal(
    (await getApplicationName('run.cmd a', { ...base, probe })).applicationName,
    'C:\\hpc\\abc\\run.cmd',
  );
});

test('getApplicationName() with PATHEXT tries each extension in order, per directory (cmd.exe rule)', async () => {
  const { probe } = disk([
    'C:\\hpc\\abc\\run.cmd',
    'C:\\hpc\\abc\\run.bat',
    'C:\\tools\\run.exe',
    'C:\\tools\\s.ps1',
  ]);
  const extensions = parsePathExt('.COM;.EXE;.BAT;.CMD; ');
  assert.deepEqual(extensions, ['.com', '.exe', '.bat', '.cmd']);
  assert.equal(
    (await getApplicationName('run', { ...base, probe, extensions })).applicationName,
    'C:\\hpc\\abc\\run.bat',
  );
  const withPs1 = parsePathExt('.EXE;.PS1');
  assert.equal(
    (await getApplicationName('s', { ...base, probe, extensions: withPs1 })).applicationName,
    'C:\\tools\\s.ps1',
  );
});

test('getApplicationName() grows unquoted tokens and rebuilds the command line quoted', async () => {
  const { probe } = disk(['C:\\Program Files\\App\\app.exe']);
  const r = await getApplicationName('C:\\Program Files\\App\\app.exe  --a "b c"', { ...base, probe });
  assert.deepEqual(r, {
    applicationName: 'C:\\Program Files\\App\\app.exe',
    commandLine: '"C:\\Program Files\\App\\app.exe" --a "b c"',
  });
});

test('getApplicationName() searches only inside a leading quote, and refuses an unclosed one', async () => {
  const { probe, probed } = disk(['C:\\x y\\p.exe']);
  const r = await getApplicationName('"C:\\x y\\p.exe" arg', { ...base, probe });
  assert.equal(r.applicationName, 'C:\\x y\\p.exe');
  assert.deepEqual(probed, ['C:\\x y\\p.exe']);
  await assert.rejects(
    getApplicationName('"C:\\x y\\p.exe arg', { ...base, probe }),
    (e: Error & { code?: string }) => {
      return e.code === 'InvalidArgument' && /no ending quotation mark found in command/.test(e.message);
    },
  );
});

test('getApplicationName() reports a directory found first instead of searching on', async () => {
  const { probe } = disk(['C:\\tools\\tool.exe'], ['C:\\hpc\\abc\\tool.exe']);
  await assert.rejects(getApplicationName('tool', { ...base, probe }), (e: Error & { code?: string }) => {
    return (
      e.code === 'FailedPrecondition' &&
      e.message.endsWith('found directory instead of executable "C:\\hpc\\abc\\tool.exe"')
    );
  });
});

test('getApplicationName() searches the system dirs after PATH, and takes relative paths with dirs from each', async () => {
  const { probe, probed } = disk(['C:\\Windows\\System\\old.exe', 'C:\\tools\\sub\\t.exe']);
  assert.equal(
    (await getApplicationName('old', { ...base, path: '', probe })).applicationName,
    'C:\\Windows\\System\\old.exe',
  );
  assert.equal(
    (await getApplicationName('sub\\t', { ...base, probe })).applicationName,
    'C:\\tools\\sub\\t.exe',
  );
  assert.ok(probed.includes('C:\\hpc\\abc\\sub\\t.exe'));
});

test('getApplicationName() refuses hostile names without probing outside the rules', async () => {
  const { probe } = disk(['C:\\hpc\\abc\\a.exe']);
  await assert.rejects(getApplicationName('', { ...base, probe }), /failed to find executable ""/);
  await assert.rejects(getApplicationName('a\0b', { ...base, probe }), /failed to find executable/);
  // `..` cannot climb out of a search directory.
  const { probe: p2, probed } = disk([]);
  await assert.rejects(getApplicationName('..\\..\\evil', { ...base, path: '', probe: p2 }));
  assert.ok(
    probed.every((p) => p.startsWith('C:\\hpc\\abc\\') || p.startsWith('C:\\Windows')),
    probed.join(' '),
  );
});

test('launchFor() runs .cmd/.bat through cmd.exe /c and .ps1 through PowerShell, .exe as is', () => {
  const sys = 'C:\\Windows\\system32';
  assert.deepEqual(launchFor({ applicationName: 'C:\\hpc\\a\\run.cmd', commandLine: 'run "x y"' }, sys), {
    applicationName: 'C:\\Windows\\system32\\cmd.exe',
    commandLine: 'cmd.exe /d /s /c ""C:\\hpc\\a\\run.cmd" "x y""',
  });
  const ps = launchFor({ applicationName: 'C:\\hpc\\a\\s.ps1', commandLine: '"C:\\hpc\\a\\s.ps1"' }, sys);
  assert.equal(ps.applicationName, 'C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\powershell.exe');
  assert.match(ps.commandLine, / -File "C:\\hpc\\a\\s\.ps1"$/);
  const exe = { applicationName: 'C:\\a.exe', commandLine: 'a' };
  assert.equal(launchFor(exe, sys), exe);
});
