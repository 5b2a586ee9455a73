/**
 * Log throughput: one container writing to stdout as fast as it can, its shim turning that into
 * the CRI-format log (rotated at the kubelet's 10 MiB × 5, hostpod's default), on ext4
 * (/var/tmp) and on a tmpfs mounted for the run. The writer is native/testing/logwriter (64 KiB
 * write()s of 100-byte lines, of 4 KiB lines, or of bytes without any newline: 16 KiB `P`
 * records). Beside it, in the same run, the ceiling: the same writer piped into `cat > file`
 * (started as a task too, so both writers sit in a job of their own). Reports the median of
 * RUNS runs: MB/s of container output and of log bytes (from the exit record's start and finish
 * times), the shim's CPU time per 100 MB of output (less sensitive to the host's load than MB/s),
 * and its largest VmRSS seen. MB = 10^6 bytes.
 * Usage: npm run bench:logs [-- RUNS [SECONDS]]   (root: cgroups, mount; default 5 runs of 2 s)
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { removeCgroupDirs } from '../src/runtime/group/cgroup-fs.ts';
import { createGroupManager } from '../src/runtime/group/group-manager.ts';
import { readCgroupLayout } from '../src/runtime/group/layout.ts';
import { criTimeNanos } from '../src/runtime/logs/cri-log.ts';
import { DEFAULT_LOG_ROTATION } from '../src/runtime/task/launch-spec.ts';
import { startTask } from '../src/runtime/task/start-task.ts';
import { waitTask } from '../src/runtime/task/wait-task.ts';

const runs = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 2);
const WRITER = fileURLToPath(new URL('../native/build/testing/logwriter', import.meta.url));
const HEADER = '2026-11-27T13:19:23.123456789Z stdout F '.length; // every record's prefix
const PIECE = 16384; // the shim's longest record text

const CASES = [
  { name: '100 B lines', line: 100 },
  { name: '4 KiB lines', line: 4096 },
  { name: 'no newline (P)', line: 0 },
] as const;

/** Log bytes for `out` bytes of output in lines of `line` bytes (0: 16 KiB P pieces). */
const logBytes = (out: number, line: number) =>
  line > 0 ? out + (out / line) * HEADER : out + (out / PIECE) * (HEADER + 1);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const mbs = (bytes: number, sec: number) => bytes / 1e6 / sec;

async function wrote(countFile: string): Promise<number> {
  const m = /wrote (\d+)/.exec(await readFile(countFile, 'utf8'));
  if (!m) throw new Error(`the writer did not report: ${await readFile(countFile, 'utf8')}`);
  return Number(m[1]);
}

const TICKS_PER_S = 100; // USER_HZ on Linux

/** utime + stime of a process, in clock ticks; 0 once it is gone. */
async function cpuTicks(pid: number): Promise<number> {
  const s = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11] ?? 0) + Number(f[12] ?? 0);
}

async function vmRssKiB(pid: number): Promise<number> {
  const s = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0);
}

const layout = await readCgroupLayout();
const groups = await createGroupManager({ layout, parent: `/hostpod-bench-logs-${process.pid}` });
const ext4 = await mkdtemp('/var/tmp/hostpod-bench-logs-');
const tmp = await mkdtemp('/tmp/hostpod-bench-logs-');
const tmpfs = join(tmp, 'mnt');
await mkdir(tmpfs);
await promisify(execFile)('mount', ['-t', 'tmpfs', '-o', 'size=4g,mode=0700', 'tmpfs', tmpfs]);
const load0 = loadavg();
const rows: string[] = [];
let n = 0;
try {
  for (const [fsName, base] of [
    ['ext4', ext4],
    ['tmpfs', tmpfs],
  ] as const) {
    for (const c of CASES) {
      const shimOut: number[] = [];
      const shimLog: number[] = [];
      const catOut: number[] = [];
      const shimCpu: number[] = [];
      let rss = 0;
      for (let i = 0; i < runs; i++) {
        // The shim: startTask → the writer → the CRI log.
        const id = `l${n++}`;
        const dir = join(base, id);
        const count = join(tmp, `${id}.count`);
        const group = await groups.create(id);
        const task = await startTask(
          {
            argv: ['/bin/sh', '-c', `exec ${WRITER} ${seconds} ${c.line} 2>${count}`],
            env: ['PATH=/usr/bin:/bin'],
            cwd: '/',
            logPath: join(dir, 'container.log'),
            logRotation: DEFAULT_LOG_ROTATION,
          },
          { group, dir },
        );
        // The shim's CPU time (utime + stime), read until it is gone: a figure the host's load
        // moves less than MB/s. Its VmRSS too.
        let ticks = 0;
        const sampler = setInterval(() => {
          void cpuTicks(task.shimPid).then((t) => {
            if (t > 0) ticks = t;
          });
          void vmRssKiB(task.shimPid).then((k) => {
            rss = Math.max(rss, k);
          });
        }, 20);
        const exit = await waitTask(dir, { pollMs: 5 });
        clearInterval(sampler);
        await group.destroy();
        const ns = Number((criTimeNanos(exit.finishedAt) ?? 0n) - (criTimeNanos(task.startedAt) ?? 0n));
        const out = await wrote(count);
        shimOut.push(mbs(out, ns / 1e9));
        shimCpu.push(((ticks / TICKS_PER_S) * 1000) / (out / 1e8));
        shimLog.push(mbs(logBytes(out, c.line), ns / 1e9));
        await rm(dir, { recursive: true, force: true });

        // The ceiling: the same writer into `cat > file`, in a job of its own as the container is.
        const file = join(base, `${id}.cat`);
        const catGroup = await groups.create(`${id}c`);
        const cat = await startTask(
          {
            argv: ['/bin/sh', '-c', `${WRITER} ${seconds} ${c.line} 2>${count} | cat > ${file}`],
            env: ['PATH=/usr/bin:/bin'],
            cwd: '/',
          },
          { group: catGroup, dir: join(base, `${id}c`) },
        );
        const catExit = await waitTask(cat.dir, { pollMs: 5 });
        await catGroup.destroy();
        const sec =
          Number((criTimeNanos(catExit.finishedAt) ?? 0n) - (criTimeNanos(cat.startedAt) ?? 0n)) / 1e9;
        catOut.push(mbs(await wrote(count), sec));
        await rm(file, { force: true });
        await rm(cat.dir, { recursive: true, force: true });
        await rm(count, { force: true });
      }
      const row =
        `${fsName.padEnd(6)} ${c.name.padEnd(15)} shim output ${median(shimOut).toFixed(0).padStart(5)} MB/s` +
        `  log ${median(shimLog).toFixed(0).padStart(5)} MB/s   cat ${median(catOut).toFixed(0).padStart(5)} MB/s` +
        `   shim CPU ${median(shimCpu).toFixed(0).padStart(4)} ms/100 MB   VmRSS max ${(rss / 1024).toFixed(2)} MiB` +
        `   (shim output runs: ${shimOut.map((x) => x.toFixed(0)).join(' ')})`;
      rows.push(row);
      console.log(row);
    }
  }
} finally {
  await promisify(execFile)('umount', [tmpfs]).catch((e) => console.error(`umount ${tmpfs}: ${e}`));
  await rm(tmp, { recursive: true, force: true });
  await rm(ext4, { recursive: true, force: true });
  if ('parents' in groups)
    await removeCgroupDirs([...new Set(Object.values(groups.parents as Record<string, string>))]);
}
const load1 = loadavg();
console.log(
  `\n${runs} runs of ${seconds} s each, medians; load average ${load0.map((x) => x.toFixed(2)).join(' ')} before, ` +
    `${load1.map((x) => x.toFixed(2)).join(' ')} after`,
);
