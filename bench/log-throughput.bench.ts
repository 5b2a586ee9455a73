/**
 * Log throughput: one container writing to stdout as fast as it can, its shim turning that into
 * the CRI-format log (rotated at the kubelet's 10 MiB × 5, hostpod's default), on ext4
 * (/var/tmp) and on a tmpfs mounted for the run. The writer is native/testing/logwriter: 64 KiB
 * write()s of 100-byte lines, of 4 KiB lines, or of bytes without any newline (16 KiB `P`
 * records), for SECONDS seconds by its own clock; it reports the bytes the pipe took in a file, so
 * bytes / SECONDS is the rate its reader sustained (a pipe holds only 64 KiB more).
 *
 * Peers in the same run, same writer:
 * - `cat > file` (the ceiling: a raw copy), the pipeline started as a task too, so each writer
 *   sits in a job of its own;
 * - containerd 1.6's shim (containerd-shim-runc-v2) through `ctr run --rootfs … --log-uri
 *   file://…` against a private containerd (as ../shared/bench/peers.sh starts one): a raw copy
 *   of the output into the file — the CRI format is made by containerd's CRI plugin, not by the
 *   shim, and is out of reach of `ctr`. Needs `containerd`, `ctr`, runc and `cc -static`;
 *   skipped with a note otherwise, or with HOSTPOD_BENCH_CTR=0.
 *
 * Reports medians of RUNS runs: MB/s of container output and of log bytes, the shim's CPU time
 * per 100 MB of output (utime + stime; less sensitive to the host's load than MB/s), and its
 * largest VmRSS seen. MB = 10^6 bytes.
 * Usage: npm run bench:logs [-- RUNS [SECONDS]]   (root: cgroups, mount; default 5 runs of 2 s)
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { removeCgroupDirs } from '../src/runtime/group/cgroup-fs.ts';
import { createGroupManager } from '../src/runtime/group/group-manager.ts';
import { readCgroupLayout } from '../src/runtime/group/layout.ts';
import { DEFAULT_LOG_ROTATION } from '../src/runtime/task/launch-spec.ts';
import { startTask } from '../src/runtime/task/start-task.ts';
import { waitTask } from '../src/runtime/task/wait-task.ts';
import { writeContainerdConfig } from './containerd-config.ts';

const run = promisify(execFile);
const runs = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 2);
const SOURCE = fileURLToPath(new URL('../native/testing/logwriter.c', import.meta.url));
const WRITER = fileURLToPath(new URL('../native/build/testing/logwriter', import.meta.url));
const HEADER = '2026-11-27T13:19:23.123456789Z stdout F '.length; // every record's prefix
const PIECE = 16384; // the shim's longest record text
const TICKS_PER_S = 100; // USER_HZ

const CASES = [
  { name: '100 B lines', line: 100 },
  { name: '4 KiB lines', line: 4096 },
  { name: 'no newline (P)', line: 0 },
] as const;

/** Log bytes for `out` bytes of output in lines of `line` bytes (0: 16 KiB P pieces). */
const logBytes = (out: number, line: number) =>
  line > 0 ? out + (out / line) * HEADER : out + (out / PIECE) * (HEADER + 1);

const median = (xs: number[]) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const mbs = (bytes: number) => bytes / 1e6 / seconds;
const fmt = (x: number) => (Number.isNaN(x) ? '    -' : x.toFixed(0).padStart(5));

/** The writer's "wrote N" report. */
async function wrote(file: string): Promise<number> {
  const text = await readFile(file, 'latin1');
  const m = /wrote (\d+)\s*$/.exec(text);
  if (!m) throw new Error(`the writer did not report in ${file}: ${JSON.stringify(text.slice(-80))}`);
  return Number(m[1]);
}

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

/** A private containerd for the ctr peer, or why there is none. */
async function startContainerd(
  work: string,
): Promise<{ ctr: string[]; rootfs: string; stop: () => Promise<void> } | string> {
  if (process.env.HOSTPOD_BENCH_CTR === '0') return 'skipped (HOSTPOD_BENCH_CTR=0)';
  const rootfs = join(work, 'rootfs');
  await mkdir(rootfs, { recursive: true });
  try {
    await run('cc', ['-O2', '-static', '-o', join(rootfs, 'logwriter'), SOURCE]);
  } catch (e) {
    return `skipped: cannot build a static logwriter (${String(e).split('\n')[0]})`;
  }
  const { config, sock } = await writeContainerdConfig(work);
  let daemon: ChildProcess;
  try {
    daemon = spawn('containerd', ['--config', config], { stdio: 'ignore' });
    await new Promise((resolve, reject) => {
      daemon.once('spawn', resolve);
      daemon.once('error', reject);
    });
  } catch (e) {
    return `skipped: cannot start containerd (${String(e)})`;
  }
  const ctr = ['ctr', '-a', sock];
  const stop = async () => {
    daemon.kill('SIGTERM');
    if (daemon.exitCode === null) await new Promise((r) => daemon.once('exit', r));
  };
  for (let i = 0; i < 100; i++) {
    try {
      await run(ctr[0] as string, [...ctr.slice(1), 'version'], { timeout: 5000 });
      return { ctr, rootfs, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await stop();
  return 'skipped: containerd did not come up in 10 s';
}

const layout = await readCgroupLayout();
const parent = `/hostpod-bench-logs-${process.pid}`;
const groups = await createGroupManager({ layout, parent });
const ext4 = await mkdtemp('/var/tmp/hostpod-bench-logs-');
const tmp = await mkdtemp('/tmp/hostpod-bench-logs-');
const tmpfs = join(tmp, 'mnt');
await mkdir(tmpfs);
await run('mount', ['-t', 'tmpfs', '-o', 'size=4g,mode=0700', 'tmpfs', tmpfs]);
const containerd = await startContainerd(join(tmp, 'containerd'));
if (typeof containerd === 'string') console.log(`containerd peer: ${containerd}`);
const load0 = loadavg();
let n = 0;
try {
  console.log(
    'fs     case            shim: output   log MB/s   CPU ms/100 MB   VmRSS   | cat MB/s | containerd shim (raw) MB/s',
  );
  for (const [fsName, base] of [
    ['ext4', ext4],
    ['tmpfs', tmpfs],
  ] as const) {
    for (const c of CASES) {
      const shimOut: number[] = [];
      const shimCpu: number[] = [];
      const catOut: number[] = [];
      const ctrOut: number[] = [];
      let rss = 0;
      for (let i = 0; i < runs; i++) {
        // hostpod's shim: startTask → the writer → the CRI log.
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
        let ticks = 0; // read until the shim is gone
        const sampler = setInterval(() => {
          void cpuTicks(task.shimPid).then((t) => {
            if (t > 0) ticks = t;
          });
          void vmRssKiB(task.shimPid).then((k) => {
            rss = Math.max(rss, k);
          });
        }, 20);
        await waitTask(dir, { pollMs: 5 });
        clearInterval(sampler);
        await group.destroy();
        const out = await wrote(count);
        shimOut.push(mbs(out));
        shimCpu.push(((ticks / TICKS_PER_S) * 1000) / (out / 1e8));
        await rm(dir, { recursive: true, force: true });

        // The ceiling: `cat > file`.
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
        await waitTask(cat.dir, { pollMs: 5 });
        await catGroup.destroy();
        catOut.push(mbs(await wrote(count)));
        await rm(file, { force: true });
        await rm(cat.dir, { recursive: true, force: true });
        await rm(count, { force: true });

        // containerd's shim, copying the raw output into a file (stderr's "wrote N" last).
        if (typeof containerd !== 'string') {
          const log = join(base, `${id}.ctr`);
          const [bin, ...args] = containerd.ctr;
          await run(
            bin as string,
            [
              ...args,
              'run',
              '--rm',
              '--rootfs',
              '--log-uri',
              `file://${log}`,
              '--mount',
              `type=bind,src=${tmp},dst=/report,options=rbind:rw`,
              '--cgroup',
              `${parent}/ctr-${id}`,
              containerd.rootfs,
              `ctr-${id}`,
              '/logwriter',
              String(seconds),
              String(c.line),
              `/report/${id}.count`,
            ],
            { timeout: (seconds + 60) * 1000 },
          );
          ctrOut.push(mbs(await wrote(count)));
          await rm(count, { force: true });
          await rm(log, { force: true });
        }
      }
      const out = median(shimOut);
      console.log(
        `${fsName.padEnd(6)} ${c.name.padEnd(15)} ${fmt(out)}       ${fmt(mbs(logBytes(out * 1e6 * seconds, c.line)))}      ` +
          `${fmt(median(shimCpu))}       ${(rss / 1024).toFixed(2)} MiB | ${fmt(median(catOut))}    | ${fmt(median(ctrOut))}` +
          `      (shim runs: ${shimOut.map((x) => x.toFixed(0)).join(' ')})`,
      );
    }
  }
} finally {
  if (typeof containerd !== 'string') {
    await containerd.stop();
    // Its shims and runc also keep state under /run/containerd whatever the config says; that
    // is left alone (another containerd may be using it).
  }
  await run('umount', [tmpfs]).catch((e) => console.error(`umount ${tmpfs}: ${e}`));
  await rm(tmp, { recursive: true, force: true });
  await rm(ext4, { recursive: true, force: true });
  if ('parents' in groups)
    await removeCgroupDirs([...new Set(Object.values(groups.parents as Record<string, string>))]);
  // runc made the parent in every v1 hierarchy, hostpod's manager uses only some.
  for (const h of await readdir('/sys/fs/cgroup').catch(() => [] as string[]))
    await rmdir(join('/sys/fs/cgroup', h, parent)).catch(() => {});
}
const load1 = loadavg();
console.log(
  `\n${runs} runs of ${seconds} s each, medians; load average ${load0.map((x) => x.toFixed(2)).join(' ')} before, ` +
    `${load1.map((x) => x.toFixed(2)).join(' ')} after`,
);
