import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { WineSession, wineSkip } from './wine.ts';

const skip = wineSkip();

describe('WineSession (the Windows test harness)', { skip }, () => {
  let wine: WineSession;
  before(async () => {
    wine = await WineSession.start();
  });
  after(async () => {
    await wine?.stop();
  });

  test('runNode() runs a script under Windows Node.js 22 with koffi and node:sqlite, output in files', async () => {
    const dir = wine.hostPath('C:\\t1');
    mkdirSync(dir, { recursive: true });
    const script = `${dir}/probe.cjs`;
    writeFileSync(
      script,
      [
        "const koffi = require('koffi');",
        "const k32 = koffi.load('kernel32.dll');",
        "const pid = k32.func('uint32 __stdcall GetCurrentProcessId()')();",
        "const { DatabaseSync } = require('node:sqlite');",
        "const db = new DatabaseSync(':memory:');",
        "const one = db.prepare('select 1 as x').get().x;",
        'console.log(JSON.stringify({ platform: process.platform, version: process.version, pid, one, cwd: process.cwd(), argv: process.argv.slice(2), env: process.env.HOSTPOD_PROBE }));',
        "console.error('to stderr');",
        'process.exitCode = 7;',
      ].join('\n'),
    );
    const r = await wine.runNode(script, ['a b', 'c'], { cwd: dir, env: { HOSTPOD_PROBE: 'yes' } });
    assert.equal(r.exitCode, 7, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(out.platform, 'win32');
    assert.match(String(out.version), /^v22\./);
    assert.equal(typeof out.pid, 'number');
    assert.equal(out.one, 1);
    assert.equal(out.cwd, 'C:\\t1');
    assert.deepEqual(out.argv, ['a b', 'c']);
    assert.equal(out.env, 'yes');
    assert.match(r.stderr, /to stderr/);
  });

  test('winPath()/hostPath() map the session drive C: and Z:', () => {
    assert.equal(wine.winPath(`${wine.driveC}/hpc/x`), 'C:\\hpc\\x');
    assert.equal(wine.winPath('/work/a'), 'Z:\\work\\a');
    assert.equal(wine.hostPath('C:\\hpc\\x'), `${wine.driveC}/hpc/x`);
    assert.equal(wine.hostPath('z:\\work\\a'), '/work/a');
  });

  test('stop() ends the Windows processes still running in the session', async () => {
    const dir = wine.hostPath('C:\\t2');
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/hang.cjs`, 'setInterval(() => {}, 1000);');
    const other = await WineSession.start();
    const p = other.spawnNode(`${dir}/hang.cjs`, [], { timeoutMs: 120_000 });
    // hang.cjs lives in the first session's C:, reached from the other session by its Z: path.
    await new Promise((r) => setTimeout(r, 1500));
    const t0 = Date.now();
    await other.stop();
    const r = await p.exited;
    assert.equal(r.timedOut, false);
    assert.ok(Date.now() - t0 < 10_000, 'stop() took more than 10 s');
  });
});
