import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { decodeLaunchSpec, encodeLaunchSpec, type LaunchSpec } from './launch-spec.ts';
import { shimPath } from './shim.ts';

const spec: LaunchSpec = {
  argv: ['/bin/sh', '-c', 'echo "a b"', ''],
  env: ['A=1', 'EMPTY=', 'WEIRD=x=y\nz'],
  cwd: '/tmp',
  user: { uid: 1000, gid: 100, groups: [4, 27] },
  mounts: [{ source: '/etc', destination: '/hpc/etc', readOnly: true }],
  logPath: '/var/log/x.log',
  shutdownGraceMs: 2500,
};

describe('launch spec', () => {
  it('decodeLaunchSpec() reads back what encodeLaunchSpec() wrote, with the job files', () => {
    const data = encodeLaunchSpec(spec, {
      procsFiles: ['/cg/a/cgroup.procs', '/cg/b/cgroup.procs'],
      killFile: '/cg/a/cgroup.kill',
    });
    const d = decodeLaunchSpec(data);
    assert.deepEqual(d.spec, { argv: spec.argv, env: spec.env, cwd: '/tmp', user: spec.user });
    assert.deepEqual(d.procsFiles, ['/cg/a/cgroup.procs', '/cg/b/cgroup.procs']);
    assert.equal(d.killFile, '/cg/a/cgroup.kill');
    assert.equal(d.privateMounts, true);
  });

  it('encodeLaunchSpec() refuses relative paths, NUL bytes, env without "=", bad ids', () => {
    const bad: Partial<LaunchSpec>[] = [
      { argv: [] },
      { argv: ['bin/sh'] },
      { cwd: 'tmp' },
      { env: ['NOEQUALS'] },
      { env: ['A=\0'] },
      { argv: ['/bin/sh', 'a\0b'] },
      { user: { uid: -1, gid: 0, groups: [] } },
      { user: { uid: 1.5, gid: 0, groups: [] } },
      { mounts: [{ source: 'etc', destination: '/x', readOnly: false }] },
    ];
    for (const b of bad) {
      assert.throws(
        () => encodeLaunchSpec({ ...spec, ...b }, { procsFiles: [] }),
        (e: unknown) => isRuntimeError(e, 'InvalidArgument'),
        JSON.stringify(b),
      );
    }
  });

  it('encodeLaunchSpec() writes logmax/logfiles for a rotation of the log, and refuses a bad one', () => {
    const tokens = (s: LaunchSpec) => encodeLaunchSpec(s, { procsFiles: [] }).toString().split('\0');
    const t = tokens({ ...spec, logRotation: { maxBytes: 10485760, maxFiles: 5 } });
    assert.deepEqual(t.slice(t.indexOf('logmax'), t.indexOf('logmax') + 4), [
      'logmax',
      '10485760',
      'logfiles',
      '5',
    ]);
    assert.equal(tokens(spec).includes('logmax'), false);
    const { logPath: _, ...noLog } = spec;
    assert.equal(tokens({ ...noLog, logRotation: { maxBytes: 1, maxFiles: 2 } }).includes('logmax'), false);
    for (const logRotation of [
      { maxBytes: 0, maxFiles: 5 },
      { maxBytes: 1024, maxFiles: 1 },
      { maxBytes: 1024, maxFiles: 1001 },
      { maxBytes: Number.NaN, maxFiles: 5 },
    ]) {
      assert.throws(
        () => encodeLaunchSpec({ ...spec, logRotation }, { procsFiles: [] }),
        (e: unknown) => isRuntimeError(e, 'InvalidArgument'),
        JSON.stringify(logRotation),
      );
    }
  });

  it('decodeLaunchSpec() refuses a truncated spec with DataLoss', () => {
    assert.throws(
      () => decodeLaunchSpec(Buffer.from('arg\0/bin/sh')),
      (e: unknown) => isRuntimeError(e, 'DataLoss'),
    );
    assert.throws(
      () => decodeLaunchSpec(Buffer.from('bind\0ro\0/a\0')),
      (e: unknown) => isRuntimeError(e, 'DataLoss'),
    );
  });

  it('hostpod-shim start refuses a malformed spec (exit 125) and starts nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hostpod-badspec-'));
    try {
      const cases: [string, RegExp][] = [
        ['arg\0/bin/true', /not NUL-terminated/],
        ['arg\0/bin/true\0frobnicate\0x\0', /unknown key "frobnicate"/],
        ['arg\0/bin/true\0bind\0ro\0/a\0', /bind needs 3 value/],
        ['arg\0/bin/true\0uid\0-4\0', /bad number for uid/],
        ['uid\x000\0', /no arg/],
        ['', /not NUL-terminated/],
      ];
      for (const [text, message] of cases) {
        writeFileSync(join(dir, 'spec'), text);
        const r = spawnSync(shimPath(), ['start', dir], { encoding: 'utf8' });
        assert.equal(r.status, 125, text);
        assert.match(r.stderr, message);
        assert.deepEqual(readdirSync(dir), ['spec'], 'no pid or exit file');
      }
      const usage = spawnSync(shimPath(), ['frob'], { encoding: 'utf8' });
      assert.equal(usage.status, 125);
      assert.match(usage.stderr, /usage: hostpod-shim start DIR/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('encodeLaunchSpec() propagation, stdio and oom_score_adj', () => {
  const base: LaunchSpec = { argv: ['/bin/true'], env: [], cwd: '/' };
  it('writes a propagation token after its bind, the given stdio and the oom_score_adj', () => {
    const data = encodeLaunchSpec(
      {
        ...base,
        mounts: [
          { source: '/a', destination: '/b', readOnly: false, propagation: 'shared' },
          { source: '/c', destination: '/d', readOnly: true },
        ],
        stdio: { stdin: '', stdout: '/run/x/out', stderr: '/run/x/err' },
        oomScoreAdj: -998,
      },
      { procsFiles: [] },
    );
    const t = data.toString().split('\0');
    assert.deepEqual(t.slice(t.indexOf('bind'), t.indexOf('bind') + 10), [
      'bind',
      'rw',
      '/a',
      '/b',
      'propagation',
      'shared',
      'bind',
      'ro',
      '/c',
      '/d',
    ]);
    assert.deepEqual(t.slice(t.indexOf('stdout'), t.indexOf('stdout') + 6), [
      'stdout',
      '/run/x/out',
      'stderr',
      '/run/x/err',
      'oomscoreadj',
      '-998',
    ]);
    assert.ok(!t.includes('stdin'), 'an empty stdin is /dev/null: no token');
    // What an exec reuses still decodes.
    assert.deepEqual(decodeLaunchSpec(data).spec.argv, ['/bin/true']);
  });
  it('refuses an unknown propagation and an oom_score_adj out of range', () => {
    const bad = (s: Partial<LaunchSpec>) =>
      assert.throws(
        () => encodeLaunchSpec({ ...base, ...s } as LaunchSpec, { procsFiles: [] }),
        (e: unknown) => isRuntimeError(e, 'InvalidArgument'),
      );
    bad({ mounts: [{ source: '/a', destination: '/b', readOnly: false, propagation: 'rshared' as never }] });
    bad({ oomScoreAdj: 1001 });
    bad({ oomScoreAdj: 1.5 });
  });
  it('the shim refuses a propagation token that follows no bind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hostpod-spec-'));
    try {
      writeFileSync(join(dir, 'spec'), 'arg\0/bin/true\0propagation\0shared\0');
      const r = spawnSync(shimPath(), ['start', dir], { encoding: 'utf8' });
      assert.match(r.stdout, /^error spec 22/);
      assert.match(r.stderr, /propagation "shared" needs private\|slave\|shared after a bind/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
