/**
 * The Job Object backend through koffi under Windows Node.js in Wine, from the compiled `dist/`
 * (build first: `npm run build`), with `hostpod-shim.exe` putting the first process in the job.
 * Limits and accounting are accepted but not enforced or counted by Wine: not asserted here.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WineSession } from '../../../lib/testing/wine.ts';
import { buildWindowsNative, FIXTURE_EXE, wineShimSkip } from '../../task/windows/testing/wine-shim.ts';

const DIST = resolve(import.meta.dirname, '../../../../dist');
const skip =
  wineShimSkip() ||
  (existsSync(join(DIST, 'runtime', 'group', 'windows', 'job-object-group.js'))
    ? false
    : 'needs dist/: run npm run build');

const PROBE = `
import { pathToFileURL } from 'node:url';
import * as fs from 'node:fs';
const dist = process.argv[2];
const load = (p) => import(pathToFileURL(dist + '\\\\' + p).href);
const { JobObjectGroupManager } = await load('runtime\\\\group\\\\windows\\\\job-object-group.js');
const task = { ...(await load('runtime\\\\task\\\\windows\\\\start-task.js')), ...(await load('runtime\\\\task\\\\windows\\\\shim-alive.js')), ...(await load('runtime\\\\task\\\\windows\\\\adapter.js')), ...(await load('runtime\\\\group\\\\windows\\\\job-object-group.js')) };
const args = JSON.parse(process.argv[3]);
const out = {};
const code = async (fn) => { try { return await fn(); } catch (e) { return e.code + ': ' + e.message; } };
const until = async (f) => { for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 50)); };
const body = new Function('m', 'task', 'args', 'out', 'code', 'until', 'fs', 'return (async () => {' + args.body + '})()');
await body(new JobObjectGroupManager({ instance: 'i1', hostCpus: 2 }), task, args, out, code, until, fs);
console.log(JSON.stringify(out));
`;

describe('JobObjectGroupManager (koffi, Windows Node.js under Wine)', { skip, timeout: 120_000 }, () => {
  let wine: WineSession;
  let probe: string;
  before(async () => {
    buildWindowsNative();
    wine = await WineSession.start();
    probe = wine.hostPath('C:\\probe.mjs');
    writeFileSync(probe, PROBE);
  });
  after(async () => {
    await wine?.stop();
  });

  async function run(body: string): Promise<Record<string, unknown>> {
    const r = await wine.runNode(probe, [
      wine.winPath(DIST),
      JSON.stringify({ body, fixture: wine.winPath(FIXTURE_EXE) }),
    ]);
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }

  test('create() makes the named job the shim joins: pids() lists the first process, open() finds it again, SIGTERM goes to every process, a refused limit leaves no job', async () => {
    const out = await run(`
      // Wine refuses JobObjectCpuRateControlInformation (ERROR_INVALID_PARAMETER): the create
      // fails whole and leaves no job behind, so the name is free again.
      out.cpu = await code(async () => { await m.create('c0', { cpuLimitMilli: 500 }); return 'accepted'; });
      out.again = await code(async () => { const g0 = await m.create('c0'); await g0.destroy(); return 'free'; });
      const g = await m.create('c1', { memoryBytes: 256 * 1024 * 1024 });
      out.name = m.nameOf('c1');
      out.dup = await code(() => m.create('c1'));
      const h = await task.startWindowsTask(
        { jobName: m.nameOf('c1'), application: args.fixture, commandLine: 'winfixture.exe trap 7 C:\\\\mark' },
        { dir: 'C:\\\\tasks\\\\c1' });
      out.joinedBy = h.joinedBy;
      await until(() => fs.existsSync('C:\\\\mark.ready'));
      out.init = h.initPid;
      out.pids = await g.pids();
      out.openPids = await m.open('c1').pids();
      out.stats = await g.stats();
      out.badSignal = await code(() => g.signalAll('SIGUSR1'));
      out.sent = await g.signalAll('SIGTERM');
      // Started by Windows Node (no console), the program has a conhost console of its own, and
      // Wine 8 does not run its handler for CtrlRoutine then (the shim started from a Unix
      // console does: start-task.wine.test.ts). The stop ends it at the grace either way.
      out.rec = await task.stopWindowsTask('C:\\\\tasks\\\\c1', 1500);
      out.mark = fs.existsSync('C:\\\\mark');
      out.empty = await g.waitEmpty(5000);
      await g.destroy();
      await g.destroy();
      out.gone = await m.open('never-made').pids();
      out.badId = await code(() => m.create('../x'));
    `);
    assert.match(
      String(out.cpu),
      /^(accepted|FailedPrecondition: Cannot set the CPU rate of job JobContainer_i1-c0: Win32 error 87)$/,
    );
    if (out.cpu !== 'accepted') assert.equal(out.again, 'free', 'the refused job was closed');
    assert.equal(out.name, 'JobContainer_i1-c1');
    assert.match(String(out.dup), /^AlreadyExists: Cannot create job object JobContainer_i1-c1: it exists/);
    assert.ok((out.pids as number[]).includes(out.init as number), JSON.stringify(out));
    // Wine's conhost.exe joins and leaves the job on its own: compare the first process only.
    assert.ok((out.openPids as number[]).includes(out.init as number), 'open() sees the same job');
    assert.equal((out.stats as { processCount: number }).processCount, (out.pids as number[]).length);
    assert.match(String(out.badSignal), /^InvalidArgument: Cannot send SIGUSR1/);
    assert.ok((out.sent as number) >= 1, 'a CTRL_SHUTDOWN thread per process (conhost comes and goes)');
    const rec = out.rec as { exitCode: number; killed: boolean; initPid: number };
    assert.equal(rec.initPid, out.init);
    if (out.mark) assert.equal(rec.exitCode, 7, 'the handler chose the exit code');
    else assert.deepEqual([rec.exitCode, rec.killed], [1, true], 'terminated at the grace');
    assert.equal(out.empty, true);
    assert.deepEqual(out.gone, []);
    assert.match(String(out.badId), /^InvalidArgument: /);
  });

  test('windowsShimAlive() is true while the shim runs and false once it was killed; waitWindowsTask() then rejects DataLoss', async () => {
    const out = await run(`
      const dir = 'C:\\\\tasks\\\\c3';
      out.before = await task.windowsShimAlive(dir);
      const h = await task.startWindowsTask(
        { jobName: m.nameOf('c3'), application: args.fixture, commandLine: 'winfixture.exe sleep 60' }, { dir });
      out.running = await task.windowsShimAlive(dir);
      const { spawnSync } = await import('node:child_process');
      out.killed = spawnSync(args.fixture, ['kill', String(h.shimPid)]).status;
      await new Promise((r) => setTimeout(r, 300));
      out.after = await task.windowsShimAlive(dir);
      out.wait = await code(() => task.waitWindowsTask(dir, { timeoutMs: 5000, pollMs: 100, shimAlive: () => task.windowsShimAlive(dir) }));
      out.jobGone = await m.open('c3').pids();
    `);
    assert.equal(out.before, false, 'no shim.pid yet');
    assert.equal(out.running, true);
    assert.equal(out.killed, 0);
    assert.equal(out.after, false);
    assert.match(String(out.wait), /^DataLoss: Task in C:\\tasks\\c3 ended without an exit record/);
    assert.deepEqual(out.jobGone, [], 'the job went with its shim (KILL_ON_JOB_CLOSE)');
  });

  test('the platform-shaped functions run a LaunchSpec: createJobObjectGroupManager with the platform adapter startTaskWindows (argv escaped), waitTaskWindows, stopTaskWindows', async () => {
    const out = await run(`
      const mgr = await task.createJobObjectGroupManager({ instance: 'i2', hostCpus: 2 });
      const g = await mgr.create('p1', { memoryBytes: 128 * 1024 * 1024 });
      const env = Object.entries(process.env).map(([k, v]) => k + '=' + v);
      const h = await task.startTaskWindows(
        { argv: [args.fixture, 'print', '2'], env, cwd: 'C:\\\\', logPath: 'C:\\\\p1.log' },
        { group: g, dir: 'C:\\\\tasks\\\\p1' });
      out.sameGroup = h.group === g;
      out.rec = await task.waitTaskWindows('C:\\\\tasks\\\\p1');
      out.log = fs.readFileSync('C:\\\\p1.log', 'utf8').split('\\n').map((l) => l.split(' ').slice(1).join(' '));
      const g2 = await mgr.create('p2');
      await task.startTaskWindows({ argv: [args.fixture, 'ignore', 'C:\\\\p2.ready'], env, cwd: 'C:\\\\' }, { group: g2, dir: 'C:\\\\tasks\\\\p2' });
      await until(() => fs.existsSync('C:\\\\p2.ready'));
      out.stopped = await task.stopTaskWindows({ dir: 'C:\\\\tasks\\\\p2', group: g2 }, 500);
      out.notJob = await code(() => task.startTaskWindows({ argv: [args.fixture], env, cwd: 'C:\\\\' }, { group: { id: 'x' }, dir: 'C:\\\\tasks\\\\p3' }));
      await g.destroy();
      await g2.destroy();
    `);
    assert.equal(out.sameGroup, true);
    assert.equal((out.rec as { exitCode: number }).exitCode, 0);
    // Two pipes, two copying threads: the streams interleave in any order; each is in order.
    const log = out.log as string[];
    assert.deepEqual(
      log.filter((l) => l.startsWith('stdout')),
      ['stdout F line 0', 'stdout F line 1', 'stdout F tail'],
    );
    assert.deepEqual(
      log.filter((l) => !l.startsWith('stdout')),
      ['stderr F err', ''],
    );
    assert.deepEqual(
      [(out.stopped as { exitCode: number }).exitCode, (out.stopped as { killed: boolean }).killed],
      [1, true],
    );
    assert.match(
      String(out.notJob),
      /^Internal: The Windows task starter needs a job made by the Windows job manager/,
    );
  });

  test('kill() terminates a job that ignores CTRL_SHUTDOWN with exit code 1 and leaves it empty', async () => {
    const out = await run(`
      const g = await m.create('c2');
      const h = await task.startWindowsTask(
        { jobName: m.nameOf('c2'), application: args.fixture, commandLine: 'winfixture.exe ignore' },
        { dir: 'C:\\\\tasks\\\\c2' });
      out.before = (await g.pids()).includes(h.initPid);
      const t0 = Date.now();
      await g.kill();
      out.killMs = Date.now() - t0;
      out.after = await g.pids();
      out.rec = await task.waitWindowsTask('C:\\\\tasks\\\\c2', { timeoutMs: 10000 });
      await g.destroy();
    `);
    assert.equal(out.before, true);
    assert.deepEqual(out.after, []);
    assert.equal((out.rec as { exitCode: number }).exitCode, 1);
    assert.ok((out.killMs as number) < 5000, `killed in ${out.killMs} ms`);
  });
});
