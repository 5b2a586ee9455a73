import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseCriRecord } from '../../logs/cri-log.ts';
import { startWindowsTask, stopWindowsTask, waitWindowsTask } from './start-task.ts';
import { FIXTURE_EXE, startWineShim, type WineShim, wineShimSkip } from './testing/wine-shim.ts';

const skip = wineShimSkip();

describe('hostpod-shim.exe under Wine', { skip, timeout: 180_000 }, () => {
  let wine: WineShim;
  let root: string;
  let n = 0;
  let fixture = '';
  let winePath: (p: string) => string = (p) => p;
  /** A fresh task directory and a job name of its own. */
  const task = () => {
    n += 1;
    return { dir: join(root, `t${n}`), jobName: `hostpod-test-${process.pid}-${n}` };
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'hostpod-winjob-'));
    wine = await startWineShim();
    winePath = (p) => wine.session.winPath(p);
    fixture = winePath(FIXTURE_EXE);
  });
  after(async () => {
    await wine?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('startWindowsTask() passes the exit code through into the exit record', async () => {
    const { dir, jobName } = task();
    const h = await startWindowsTask(
      { jobName, application: fixture, commandLine: 'winfixture.exe exit 42' },
      { dir, launcher: wine.launcher },
    );
    assert.ok(h.initPid > 0 && h.shimPid > 0 && h.initPid !== h.shimPid);
    assert.match(h.startedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    assert.ok(['joblist', 'assign', 'late-assign'].includes(h.joinedBy), h.joinedBy);
    const rec = await waitWindowsTask(dir, { timeoutMs: 20_000 });
    assert.equal(rec.exitCode, 42);
    assert.equal(rec.killed, false);
    assert.equal(rec.oomKilled, false);
    assert.equal(rec.initPid, h.initPid);
    assert.equal(rec.shimPid, h.shimPid);
    assert.equal(rec.startedAt, h.startedAt);
    assert.ok(rec.finishedAt >= rec.startedAt);
  });

  it('startWindowsTask() writes stdout and stderr to the log in CRI format, CRLF as a line end, long lines as 16 KiB P records', async () => {
    const { dir, jobName } = task();
    const log = join(dir, 'log');
    await startWindowsTask(
      { jobName, application: fixture, commandLine: 'winfixture.exe print 3', logPath: winePath(log) },
      { dir, launcher: wine.launcher },
    );
    await waitWindowsTask(dir, { timeoutMs: 20_000 });
    const records = (await readFile(log)).toString('latin1').split('\n');
    assert.equal(records.pop(), '', 'the file ends with a newline');
    const parsed = records.map((r) => parseCriRecord(Buffer.from(r, 'latin1')));
    assert.ok(
      parsed.every((r) => r !== undefined && /\.\d{9}Z$/.test(r.time)),
      records.join('\n'),
    );
    const out = parsed
      .filter((r) => r?.stream === 'stdout')
      .map((r) => `${r?.partial ? 'P' : 'F'} ${r?.text}`);
    assert.deepEqual(out, ['F line 0', 'F line 1', 'F line 2', 'F tail']);
    assert.deepEqual(
      parsed.filter((r) => r?.stream === 'stderr').map((r) => r?.text.toString()),
      ['err'],
    );

    const long = task();
    const longLog = join(long.dir, 'log');
    await startWindowsTask(
      {
        jobName: long.jobName,
        application: fixture,
        commandLine: 'winfixture.exe long 40000',
        logPath: winePath(longLog),
      },
      { dir: long.dir, launcher: wine.launcher },
    );
    await waitWindowsTask(long.dir, { timeoutMs: 20_000 });
    const pieces = (await readFile(longLog, 'latin1'))
      .trimEnd()
      .split('\n')
      .map((r) => parseCriRecord(Buffer.from(r, 'latin1')));
    assert.deepEqual(
      pieces.map((r) => `${r?.partial ? 'P' : 'F'}${r?.text.length}`),
      ['P16384', 'P16384', 'F7232'],
    );
  });

  it('startWindowsTask() kills the rest of the job (a grandchild ignoring CTRL_SHUTDOWN) after the grace once the first process exits, with its exit code kept', async () => {
    const { dir, jobName } = task();
    const t0 = Date.now();
    await startWindowsTask(
      { jobName, application: fixture, commandLine: 'winfixture.exe spawn-exit', shutdownGraceMs: 1500 },
      { dir, launcher: wine.launcher },
    );
    const rec = await waitWindowsTask(dir, { timeoutMs: 20_000 });
    assert.equal(rec.exitCode, 3, 'the first process exit code, not the terminated rest');
    assert.equal(rec.killed, true);
    assert.ok(Date.now() - t0 >= 1500, 'the grace was waited for');
  });

  it('startWindowsTask() ends a grandchild with the job when the shim is killed (KILL_ON_JOB_CLOSE)', async () => {
    const { dir, jobName } = task();
    const pidFile = join(dir, 'grandchild');
    const h = await startWindowsTask(
      { jobName, application: fixture, commandLine: `winfixture.exe spawn ${winePath(pidFile)}` },
      { dir, launcher: wine.launcher },
    );
    for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
    const grandchild = (await readFile(pidFile, 'utf8')).trim();
    assert.equal(await wine.fixture(['alive', grandchild]), 0, 'the grandchild runs');
    assert.equal(await wine.fixture(['alive', String(h.initPid)]), 0, 'the first process runs');
    assert.equal(await wine.fixture(['kill', String(h.shimPid)]), 0, 'the shim was killed');
    let gone = false;
    for (let i = 0; i < 50 && !gone; i++) {
      gone =
        (await wine.fixture(['alive', grandchild])) === 1 &&
        (await wine.fixture(['alive', String(h.initPid)])) === 1;
      if (!gone) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(gone, 'the first process and the grandchild ended with the job');
    await assert.rejects(
      waitWindowsTask(dir, { timeoutMs: 3000, shimAlive: async () => false }),
      /ended without an exit record/,
    );
  });

  it('stopWindowsTask() stops gracefully: CTRL_SHUTDOWN reaches the handler, whose exit code is kept, before the grace', async () => {
    const { dir, jobName } = task();
    const mark = join(dir, 'shutdown-seen');
    await startWindowsTask(
      { jobName, application: fixture, commandLine: `winfixture.exe trap 7 ${winePath(mark)}` },
      { dir, launcher: wine.launcher },
    );
    for (let i = 0; i < 100 && !existsSync(`${mark}.ready`); i++) await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    const rec = await stopWindowsTask(dir, 5000);
    assert.equal(rec.exitCode, 7);
    assert.equal(rec.killed, false);
    assert.ok(existsSync(mark), 'the handler ran');
    assert.ok(Date.now() - t0 < 5000, `stopped in ${Date.now() - t0} ms, before the grace`);
    assert.deepEqual(await stopWindowsTask(dir, 5000), rec, 'idempotent');
  });

  it('stopWindowsTask() terminates a job that ignores CTRL_SHUTDOWN at the grace, exit code 1 as the reference reports', async () => {
    const { dir, jobName } = task();
    const ready = join(dir, 'handler-ready');
    await startWindowsTask(
      { jobName, application: fixture, commandLine: `winfixture.exe ignore ${winePath(ready)}` },
      { dir, launcher: wine.launcher },
    );
    for (let i = 0; i < 100 && !existsSync(ready); i++) await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    const rec = await stopWindowsTask(dir, 1000);
    assert.equal(rec.exitCode, 1);
    assert.equal(rec.killed, true);
    assert.ok(Date.now() - t0 >= 1000);
  });

  it('startWindowsTask() refuses a missing program with NotFound and a job name a live container holds', async () => {
    const missing = task();
    await assert.rejects(
      startWindowsTask(
        { jobName: missing.jobName, application: winePath(join(root, 'nope.exe')), commandLine: 'nope.exe' },
        { dir: missing.dir, launcher: wine.launcher },
      ),
      (err: Error & { code?: string }) =>
        err.code === 'NotFound' && /creating the process failed: ERROR_FILE_NOT_FOUND/.test(err.message),
    );
    const first = task();
    await startWindowsTask(
      { jobName: first.jobName, application: fixture, commandLine: 'winfixture.exe sleep 60' },
      { dir: first.dir, launcher: wine.launcher },
    );
    const second = task();
    await assert.rejects(
      startWindowsTask(
        { jobName: first.jobName, application: fixture, commandLine: 'winfixture.exe exit 0' },
        { dir: second.dir, launcher: wine.launcher },
      ),
      /creating the job object failed: ERROR_ALREADY_EXISTS/,
    );
    const rec = await stopWindowsTask(first.dir, 2000);
    assert.equal(rec.killed, false, 'the sleeper ended on CTRL_SHUTDOWN (default handler)');
  });
});
