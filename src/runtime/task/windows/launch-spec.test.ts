import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeWindowsLaunchSpec } from './launch-spec.ts';

const tokens = (b: Buffer) => b.toString('utf8').split('\0').slice(0, -1);

describe('encodeWindowsLaunchSpec()', () => {
  it('encodeWindowsLaunchSpec() writes key/value tokens the shim reads, UTF-8, env in order', () => {
    const b = encodeWindowsLaunchSpec({
      jobName: 'JobContainer_abc',
      application: 'C:\\hpc\\abc\\app.exe',
      commandLine: '"C:\\hpc\\abc\\app.exe" --name "ünïcode x"',
      env: ['PATH=C:\\Windows', 'A=b=c'],
      cwd: 'C:\\hpc\\abc',
      logPath: 'C:\\logs\\0.log',
      shutdownGraceMs: 3000,
      limits: { jobMemoryBytes: 64 * 1024 * 1024, cpuRate: 2500 },
    });
    assert.deepEqual(tokens(b), [
      'job',
      'JobContainer_abc',
      'app',
      'C:\\hpc\\abc\\app.exe',
      'cmdline',
      '"C:\\hpc\\abc\\app.exe" --name "ünïcode x"',
      'cwd',
      'C:\\hpc\\abc',
      'log',
      'C:\\logs\\0.log',
      'env',
      'PATH=C:\\Windows',
      'env',
      'A=b=c',
      'grace',
      '3000',
      'memory',
      '67108864',
      'cpurate',
      '2500',
    ]);
  });

  it('encodeWindowsLaunchSpec() keeps an empty environment apart from an inherited one', () => {
    assert.deepEqual(tokens(encodeWindowsLaunchSpec({ jobName: 'j', commandLine: 'x', env: [] })), [
      'job',
      'j',
      'cmdline',
      'x',
      'env',
      '',
    ]);
    assert.deepEqual(tokens(encodeWindowsLaunchSpec({ jobName: 'j', commandLine: 'x' })), [
      'job',
      'j',
      'cmdline',
      'x',
    ]);
  });

  it('encodeWindowsLaunchSpec() refuses hostile values: NUL bytes, bad names, limits out of range, rate and weight together', () => {
    const base = { jobName: 'j', commandLine: 'x' };
    const bad: [object, RegExp][] = [
      [{ commandLine: 'a\0b' }, /commandLine holds a NUL/],
      [{ commandLine: '' }, /commandLine is empty/],
      [{ jobName: '' }, /jobName is empty/],
      [{ jobName: 'a\\b' }, /not a job object name/],
      [{ jobName: 'x'.repeat(201) }, /not a job object name/],
      [{ env: ['NOEQUALS'] }, /env\[0\] "NOEQUALS" is not NAME=value/],
      [{ env: ['A=\0'] }, /env\[0\] holds a NUL/],
      [{ logPath: 'C:\\a\0' }, /logPath holds a NUL/],
      [{ shutdownGraceMs: -1 }, /shutdownGraceMs is -1/],
      [{ limits: { cpuRate: 10001 } }, /limits.cpuRate is 10001/],
      [{ limits: { cpuRate: 0 } }, /limits.cpuRate is 0/],
      [{ limits: { cpuWeight: 10 } }, /limits.cpuWeight is 10/],
      [{ limits: { jobMemoryBytes: 1.5 } }, /limits.jobMemoryBytes is 1.5/],
      [{ limits: { cpuRate: 100, cpuWeight: 2 } }, /mutually exclusive/],
    ];
    for (const [patch, re] of bad) {
      assert.throws(
        () => encodeWindowsLaunchSpec({ ...base, ...patch }),
        (e: Error & { code?: string }) => {
          assert.equal(e.code, 'InvalidArgument');
          assert.match(e.message, re);
          return true;
        },
      );
    }
    assert.doesNotThrow(() => encodeWindowsLaunchSpec({ ...base, jobName: 'Global\\JobContainer_x' }));
    // cmd.exe's per-drive directories start with "=": a Windows block may hold them.
    assert.doesNotThrow(() => encodeWindowsLaunchSpec({ ...base, env: ['=C:=C:\\'] }));
  });
});
