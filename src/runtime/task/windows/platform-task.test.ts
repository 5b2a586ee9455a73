import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toWindowsLaunchSpec } from './platform-task.ts';

describe('toWindowsLaunchSpec()', () => {
  it('toWindowsLaunchSpec() takes argv[0] as the application and escapes argv into the command line', () => {
    const spec = toWindowsLaunchSpec(
      {
        argv: ['C:\\hpc\\c1\\app.exe', 'a b', 'say "hi"', ''],
        env: ['Path=C:\\Windows'],
        cwd: 'C:\\hpc\\c1',
        logPath: 'C:\\logs\\c1.log',
        shutdownGraceMs: 3000,
      },
      'JobContainer_i-c1',
    );
    assert.deepEqual(spec, {
      jobName: 'JobContainer_i-c1',
      application: 'C:\\hpc\\c1\\app.exe',
      commandLine: 'C:\\hpc\\c1\\app.exe "a b" "say \\"hi\\"" ""',
      env: ['Path=C:\\Windows'],
      cwd: 'C:\\hpc\\c1',
      logPath: 'C:\\logs\\c1.log',
      shutdownGraceMs: 3000,
    });
  });

  it('toWindowsLaunchSpec() refuses what hostpod-shim.exe cannot do, naming it', () => {
    const base = { argv: ['C:\\a.exe'], env: [], cwd: 'C:\\' };
    assert.throws(
      () => toWindowsLaunchSpec({ ...base, user: { uid: 1, gid: 1, groups: [] }, oomScoreAdj: 5 }, 'j'),
      /Cannot launch a Windows task with user, oomScoreAdj: not supported by hostpod-shim.exe/,
    );
    assert.throws(
      () =>
        toWindowsLaunchSpec(
          { ...base, mounts: [{ source: 'C:\\x', destination: 'C:\\y', readOnly: false }] },
          'j',
        ),
      /with mounts/,
    );
    assert.throws(() => toWindowsLaunchSpec({ ...base, argv: [] }, 'j'), /empty argv/);
  });
});
