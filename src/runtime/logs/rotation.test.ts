/**
 * Log rotation by the real shim (native/shim.c), read back with readLogLines() and LogFollower:
 * real processes in real cgroups.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import type { CgroupManager } from '../group/group-manager.ts';
import type { LaunchSpec } from '../task/launch-spec.ts';
import { startTask } from '../task/start-task.ts';
import { IS_ROOT, tempDir, testGroups } from '../task/testing/fixtures.ts';
import { waitTask } from '../task/wait-task.ts';
import { LogFollower, type LogLine, parseCriRecord, readLogLines } from './cri-log.ts';

let groups: CgroupManager;
let cleanupGroups: () => Promise<void>;
let root: string;
let cleanupDir: () => Promise<void>;
let n = 0;

/** Runs `script` under /bin/sh as a task logging to `<dir>/container.log`; resolves at its exit. */
async function run(
  script: string,
  extra: Partial<LaunchSpec> = {},
  onStarted?: (log: string) => void,
): Promise<{ dir: string; log: string; exitCode: number }> {
  n++;
  const dir = join(root, `r${n}`);
  const log = join(dir, 'container.log');
  const group = await groups.create(`r${n}`);
  try {
    onStarted?.(log);
    await startTask(
      { argv: ['/bin/sh', '-c', script], env: ['PATH=/usr/bin:/bin'], cwd: '/', logPath: log, ...extra },
      { group, dir },
    );
    const exit = await waitTask(dir, { pollMs: 20 });
    return { dir, log, exitCode: exit.exitCode };
  } finally {
    await group.destroy();
  }
}

/** The log files in `dir`, by name, with their sizes and raw records. */
async function logFiles(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const name of (await readdir(dir)).filter((f) => f.startsWith('container.log')).sort())
    out.set(name, await readFile(join(dir, name)));
  return out;
}

/** Asserts `data` is whole CRI records (ends with a newline, every line parses). */
function assertWholeRecords(name: string, data: Buffer): void {
  assert.equal(data.at(-1), 0x0a, `${name} ends with a whole record`);
  let start = 0;
  for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a, start)) {
    assert.ok(parseCriRecord(data.subarray(start, nl)), `${name}: record at byte ${start} parses`);
    start = nl + 1;
  }
}

/** Numbers at the start of each line must run consecutively; returns [first, last]. */
function assertConsecutive(lines: readonly LogLine[]): [number, number] {
  const nums = lines.map((l) => Number.parseInt(l.text.toString('latin1'), 10));
  for (let i = 1; i < nums.length; i++) {
    if (nums[i] !== (nums[i - 1] as number) + 1)
      assert.fail(`line ${i}: ${nums[i]} follows ${nums[i - 1]} (a line lost or repeated)`);
  }
  return [nums[0] as number, nums.at(-1) as number];
}

// Prints COUNT numbered lines of WIDTH bytes (newline included): "00000001 xxxx…". With
// `pauseEvery`, a 20 ms pause after every that many lines (awk flushes its output before
// system()): a writer a JavaScript follower can keep up with on a loaded 2-CPU host.
const numbered = (count: number, width: number, pauseEvery = 0) =>
  `awk 'BEGIN { pad = sprintf("%${width - 10}s", ""); gsub(/ /, "x", pad); for (i = 1; i <= ${count}; i++) { printf "%08d %s\\n", i, pad; ${pauseEvery > 0 ? `if (i % ${pauseEvery} == 0) system("sleep 0.02")` : ''} } }'`;

describe('log rotation by the shim (real processes)', { skip: !IS_ROOT && 'needs root for cgroups' }, () => {
  before(async () => {
    ({ groups, cleanup: cleanupGroups } = await testGroups('logrot'));
    ({ dir: root, cleanup: cleanupDir } = await tempDir('logrot'));
  });
  after(async () => {
    await cleanupGroups();
    await cleanupDir();
  });

  it('startTask() with logRotation rotates at maxBytes, keeps maxFiles files, and never splits a record', async () => {
    const maxBytes = 16 * 1024;
    const { dir, log } = await run(numbered(3000, 100), { logRotation: { maxBytes, maxFiles: 3 } });
    const files = await logFiles(dir);
    assert.deepEqual([...files.keys()], ['container.log', 'container.log.1', 'container.log.2']);
    for (const [name, data] of files) {
      assert.ok(data.length <= maxBytes, `${name} is ${data.length} bytes, at most ${maxBytes}`);
      assert.ok(
        data.length > maxBytes - 200 || name === 'container.log',
        `${name} was filled before rotating`,
      );
      assertWholeRecords(name, data);
    }
    const lines = await readLogLines(log);
    const [first, last] = assertConsecutive(lines);
    assert.equal(last, 3000, 'the newest output is kept');
    assert.ok(first > 2500, `the oldest output is gone (first kept line ${first})`);
  });

  it('startTask() without logRotation keeps one growing file', async () => {
    const { dir } = await run(numbered(500, 100));
    assert.deepEqual([...(await logFiles(dir)).keys()], ['container.log']);
  });

  it('startTask() refuses a rotation the kubelet would refuse (fewer than 2 files, no size), before anything runs', async () => {
    for (const logRotation of [
      { maxBytes: 1024, maxFiles: 1 },
      { maxBytes: 0, maxFiles: 5 },
      { maxBytes: 1.5, maxFiles: 5 },
    ]) {
      await assert.rejects(run('echo never', { logRotation }), (e) => isRuntimeError(e, 'InvalidArgument'));
    }
    assert.deepEqual(await readdir(join(root, `r${n}`)).catch(() => []), []);
  });

  it('LogFollower and readLogLines() join a line longer than 16 KiB, split into P records that the shim puts in separate files', async () => {
    const seen: LogLine[] = [];
    let f: LogFollower | undefined;
    const { dir, log } = await run(
      `awk 'BEGIN { s = "y"; while (length(s) < 40000) s = s s; print "before"; print substr(s, 1, 40000); printf "after" }'`,
      { logRotation: { maxBytes: 8 * 1024, maxFiles: 10 } },
      (path) => {
        f = new LogFollower(path, (l) => seen.push(l), { pollMs: 10 }).start();
      },
    );
    await f?.stop();
    const files = await logFiles(dir);
    const tags = [...files.values()].flatMap((d) =>
      d
        .toString('latin1')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ')[2]),
    );
    assert.deepEqual(tags.sort(), ['F', 'F', 'F', 'P', 'P'], 'before, 16K P, 16K P, 7.7K F, after');
    assert.ok(
      files.size >= 4,
      `a 16 KiB record larger than maxBytes gets a file of its own (${files.size} files)`,
    );
    const expect = ['before', 'y'.repeat(40000), 'after'];
    assert.deepEqual(
      seen.map((l) => l.text.toString()),
      expect,
    );
    assert.deepEqual(
      (await readLogLines(log)).map((l) => l.text.toString()),
      expect,
    );
  });

  it('LogFollower delivers binary output byte for byte across rotations, and a last line without newline', async () => {
    // Every byte value but the newline, 40 times over, one "line" per repeat.
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i).filter((b) => b !== 0x0a));
    const octal = [...bytes].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
    const seen: LogLine[] = [];
    let f: LogFollower | undefined;
    const { log } = await run(
      `i=0; while [ $i -lt 40 ]; do printf '${octal}\\n'; printf '${octal}' >&2; printf '\\n' >&2; i=$((i+1)); done; printf 'tail\\000end'`,
      { logRotation: { maxBytes: 2048, maxFiles: 100 } },
      (path) => {
        f = new LogFollower(path, (l) => seen.push(l), { pollMs: 10 }).start();
      },
    );
    await f?.stop();
    const out = seen.filter((l) => l.stream === 'stdout');
    const err = seen.filter((l) => l.stream === 'stderr');
    assert.equal(out.length, 41);
    assert.equal(err.length, 40);
    for (const l of [...out.slice(0, 40), ...err]) assert.deepEqual(l.text, bytes);
    assert.deepEqual(out[40]?.text, Buffer.from('tail\0end'));
    const again = await readLogLines(log, { stream: 'stdout' });
    assert.deepEqual(
      again.map((l) => l.text),
      out.map((l) => l.text),
    );
  });

  // The shim logs well over 200 MB/s; a follower is JavaScript sharing 2 CPUs with the writer
  // and the shim, and one more than size × (files - 1) bytes behind loses lines by design (see
  // docs/runtime.md). So the writer pauses 20 ms after each MB: bursts at full speed, ~40 MB/s
  // on average, which a follower must keep up with.
  it('a container printing 50 MB with rotation at 10 MB × 3 files keeps the newest output with no line missing or repeated, and a follower sees every line in order', async () => {
    const count = 500_000; // 100-byte lines: 50 MB printed
    const maxBytes = 10 * 1024 * 1024;
    let f: LogFollower | undefined;
    let expected = 1;
    let bad: string | undefined;
    const { dir, log, exitCode } = await run(
      numbered(count, 100, 10_000),
      { logRotation: { maxBytes, maxFiles: 3 } },
      (path) => {
        f = new LogFollower(path, (l) => {
          const got = Number.parseInt(l.text.toString('latin1', 0, 8), 10);
          if (got !== expected && bad === undefined) bad = `expected line ${expected}, got ${got}`;
          expected = got + 1;
        }).start();
      },
    );
    await f?.stop();
    assert.equal(exitCode, 0);
    assert.equal(bad, undefined, 'the follower kept up and saw every line once, in order');
    assert.equal(expected, count + 1, 'the follower saw the last line');
    const files = await logFiles(dir);
    assert.deepEqual([...files.keys()], ['container.log', 'container.log.1', 'container.log.2']);
    let total = 0;
    for (const [name, data] of files) {
      assert.ok(data.length <= maxBytes, `${name}: ${data.length} bytes`);
      assertWholeRecords(name, data);
      total += data.length;
    }
    const lines = await readLogLines(log);
    const [first, last] = assertConsecutive(lines);
    assert.equal(last, count, 'the kept window ends with the last line printed');
    assert.ok(first > 1, 'older output was rotated out');
    assert.ok(
      total > 2 * maxBytes,
      `the window holds the two full rotated files and the current one (${total} bytes)`,
    );
    assert.equal((await stat(log)).size, files.get('container.log')?.length);
  });
});
