/**
 * The shim's log on a full disk: a real 256 KiB tmpfs as the task and log directory, a real
 * container writing numbered lines past the full point, space freed again by deleting a filler.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { CgroupManager } from '../group/group-manager.ts';
import { parseCriRecord, readLogLines } from '../logs/cri-log.ts';
import { type LogStatus, readLogStatus } from './log-status.ts';
import { startTask } from './start-task.ts';
import { stopTask } from './stop-task.ts';
import { alive, eventually, IS_ROOT, shSpec, tempDir, testGroups } from './testing/fixtures.ts';
import { waitTask } from './wait-task.ts';

const run = promisify(execFile);

/** Unmounts, waiting (up to 5 s) for a shim that has written its exit record to close its files. */
async function unmount(mnt: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await run('umount', [mnt]);
      return;
    } catch (e) {
      if (i >= 50 || !/busy/.test(String((e as { stderr?: unknown }).stderr))) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
const WIDTH = 100; // bytes per printed line, newline included
const MARKER = /^hostpod: (\d+) bytes \((\d+) records?\) of output were lost: (.+)$/;

/**
 * Prints numbered lines in bursts of 20 until STOP exists, COUNT holding the last number printed;
 * with GO, only once GO exists.
 */
const writer = (stop: string, count: string, go?: string) =>
  (go ? `while [ ! -e ${go} ]; do sleep 0.01; done; ` : '') +
  `i=0; while [ ! -e ${stop} ]; do j=0; while [ $j -lt 20 ]; do j=$((j+1)); i=$((i+1)); ` +
  `printf '%08d %s\\n' $i ${'x'.repeat(WIDTH - 10)}; echo $i > ${count}; done; sleep 0.01; done`;

interface Checked {
  numbers: number;
  markers: { bytes: number; records: number; reason: string }[];
  last: number;
}

/**
 * Every record of the log parses as CRI (nothing half-written); the numbers increase, and each
 * gap in them is exactly what the marker records just before the next number report.
 */
function checkLog(data: Buffer): Checked {
  assert.equal(data.length === 0 || data.at(-1) === 0x0a, true, 'the log ends with a whole record');
  const out: Checked = { numbers: 0, markers: [], last: 0 };
  let pendingRecords = 0;
  let pendingBytes = 0;
  let start = 0;
  for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a, start)) {
    const r = parseCriRecord(data.subarray(start, nl));
    assert.ok(
      r,
      `record at byte ${start} parses as CRI: ${JSON.stringify(data.subarray(start, nl).toString())}`,
    );
    start = nl + 1;
    const text = r.text.toString('latin1');
    if (r.stream === 'stderr') {
      const m = MARKER.exec(text);
      assert.ok(m, `stderr holds only markers: ${text}`);
      const marker = { bytes: Number(m[1]), records: Number(m[2]), reason: m[3] as string };
      out.markers.push(marker);
      pendingRecords += marker.records;
      pendingBytes += marker.bytes;
      continue;
    }
    assert.equal(r.partial, false);
    assert.equal(r.text.length, WIDTH - 1, `a whole line: ${text}`);
    const num = Number.parseInt(text, 10);
    assert.equal(
      num - out.last - 1,
      pendingRecords,
      `lines ${out.last + 1}..${num - 1} missing, the markers before ${num} report ${pendingRecords}`,
    );
    assert.equal(pendingBytes, pendingRecords * WIDTH, 'the bytes reported are the lines lost');
    pendingRecords = 0;
    pendingBytes = 0;
    out.last = num;
    out.numbers++;
  }
  return out;
}

describe('the log on a full disk (real tmpfs, real processes)', {
  skip: !IS_ROOT && 'needs root for mount and cgroups',
}, () => {
  let groups: CgroupManager;
  let cleanupGroups: () => Promise<void>;
  let root: string;
  let cleanupDir: () => Promise<void>;
  before(async () => {
    ({ groups, cleanup: cleanupGroups } = await testGroups('diskfull'));
    ({ dir: root, cleanup: cleanupDir } = await tempDir('diskfull'));
  });
  after(async () => {
    await cleanupGroups();
    await cleanupDir();
  });

  it('startTask() on a full disk: the container keeps running, whole records are dropped and counted in log-status, and after space returns a marker reports exactly the gap', async () => {
    const mnt = join(root, 'mnt');
    const stop = join(root, 'stop'); // outside the tmpfs, as is the counter
    const count = join(root, 'count');
    await mkdir(mnt);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', mnt]);
    const group = await groups.create('df1');
    const dir = join(mnt, 'task');
    let started = false;
    try {
      // Leaves about 80 KiB for the log: full after ~550 lines.
      await writeFile(join(mnt, 'filler'), Buffer.alloc(160 * 1024, 0x66));
      const task = await startTask(
        { ...shSpec(dir, writer(stop, count)), logPath: join(dir, 'container.log') },
        { group, dir },
      );
      started = true;
      const printed = async () => Number.parseInt(await readFile(count, 'utf8').catch(() => '0'), 10) || 0;

      const failing = await eventually(readLogStatus.bind(null, dir), (s) => s?.failing === true, 15_000);
      assert.equal(failing?.failing, true, `log-status says failing: ${JSON.stringify(failing)}`);
      assert.equal(failing?.error, 'ENOSPC');
      assert.match(failing?.since ?? '', /^\d{4}-\d\d-\d\dT/);
      // The container goes on printing while its output is dropped, and the drops are counted.
      const before = await printed();
      const dropped = failing?.droppedRecords ?? 0;
      const later = await eventually(
        async () => ({ n: await printed(), s: await readLogStatus(dir) }),
        (v) => v.n >= before + 100 && (v.s?.droppedRecords ?? 0) >= dropped + 50,
        15_000,
      );
      assert.ok(later.n >= before + 100, `the program kept printing (${before} → ${later.n})`);
      assert.ok(await alive(task.initPid), 'the program runs');
      const s = later.s as LogStatus;
      assert.equal(s.failing, true);
      assert.equal(s.droppedBytes, s.droppedRecords * WIDTH, 'whole lines are dropped, counted in bytes');
      // Nothing half-written in the file meanwhile.
      const duringFull = checkLog(await readFile(join(dir, 'container.log')));
      assert.ok(duringFull.numbers > 300, `lines logged before the disk filled: ${duringFull.numbers}`);

      // Space returns: the next write starts with the marker, then output goes on.
      await rm(join(mnt, 'filler'));
      const resumed = await eventually(
        async () => checkLog(await readFile(join(dir, 'container.log'))),
        (c) => c.markers.length > 0 && c.last > later.n + 20,
        15_000,
      );
      assert.ok(resumed.markers.length > 0, 'a marker record was logged');
      assert.ok(
        resumed.last > later.n,
        `lines printed after the space returned are logged (${resumed.last})`,
      );
      await writeFile(stop, '');
      const exit = await waitTask(dir, { pollMs: 20 });
      assert.equal(exit.exitCode, 0, 'the program ran to its normal end');

      const last = await printed();
      const final = checkLog(await readFile(join(dir, 'container.log')));
      const status = (await readLogStatus(dir)) as LogStatus;
      const reported = final.markers.reduce((n, m) => n + m.records, 0);
      const trailing = last - final.last; // dropped after the last marker, if the disk filled again
      assert.equal(
        final.numbers + reported + trailing,
        last,
        'every line printed is logged or reported lost',
      );
      assert.equal(status.droppedRecords, reported + trailing, 'log-status counts every record dropped');
      assert.equal(status.droppedBytes, status.droppedRecords * WIDTH);
      assert.ok(reported >= s.droppedRecords, 'the markers report at least what was dropped while full');
      for (const m of final.markers) assert.equal(m.reason, 'No space left on device');
      assert.equal(status.failing, trailing > 0);
    } finally {
      if (started) await stopTask({ dir, group }, 0).catch(() => {});
      await group.destroy().catch(() => {});
      await unmount(mnt);
    }
  });

  it('startTask() with logRotation when the next log file cannot be made (no inode left): the current file grows past the size, nothing is lost, rotation resumes once it can', async () => {
    const mnt = join(root, 'mnt2');
    const stop = join(root, 'stop2');
    const count = join(root, 'count2');
    const go = join(root, 'go2');
    await mkdir(mnt);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=4m,nr_inodes=64,mode=0700', 'tmpfs', mnt]);
    const group = await groups.create('df2');
    const dir = join(mnt, 'task');
    const log = join(dir, 'container.log');
    const maxBytes = 8 * 1024;
    let started = false;
    try {
      await startTask(
        { ...shSpec(dir, writer(stop, count, go)), logPath: log, logRotation: { maxBytes, maxFiles: 3 } },
        { group, dir },
      );
      started = true;
      // Every inode left taken by empty files: the shim cannot make the next log file.
      const fillers: string[] = [];
      for (let i = 0; ; i++) {
        const f = join(mnt, `filler${i}`);
        try {
          await writeFile(f, '');
        } catch {
          break;
        }
        fillers.push(f);
        assert.ok(i < 64, 'the inodes run out');
      }
      await writeFile(go, '');
      const size = async () => (await stat(log)).size;
      const grown = await eventually(size, (n) => n > 3 * maxBytes, 15_000);
      assert.ok(grown > 3 * maxBytes, `the current file grows past the size (${grown} bytes)`);
      const names = async () => (await readdir(dir)).filter((f) => f.includes('container.log')).sort();
      assert.deepEqual(await names(), ['container.log'], 'no rotation happened, no temporary file is left');
      assert.deepEqual(await readLogStatus(dir), { failing: false, droppedBytes: 0, droppedRecords: 0 });

      // An inode again: within the retry interval (1 s) the log rotates.
      await rm(fillers.pop() as string);
      const rotated = await eventually(names, (n) => n.includes('container.log.1'), 5000);
      assert.deepEqual(rotated, ['container.log', 'container.log.1']);
      await writeFile(stop, '');
      await waitTask(dir, { pollMs: 20 });

      const printed = Number.parseInt(await readFile(count, 'utf8'), 10);
      // Whole records in both files; oldest first, they hold every number with no gap.
      const files = await Promise.all([`${log}.1`, log].map((f) => readFile(f)));
      assert.equal(checkLog(Buffer.concat(files)).markers.length, 0, 'nothing was lost');
      const nums = (await readLogLines(log)).map((l) => Number.parseInt(l.text.toString('latin1'), 10));
      assert.deepEqual(
        nums,
        Array.from({ length: printed }, (_, i) => i + 1),
        'every line printed is in the log, in order, across the rotation',
      );
      assert.deepEqual(await readLogStatus(dir), { failing: false, droppedBytes: 0, droppedRecords: 0 });
    } finally {
      if (started) await stopTask({ dir, group }, 0).catch(() => {});
      await group.destroy().catch(() => {});
      await unmount(mnt);
    }
  });
});
