/**
 * Task start micro-benchmark: median/p90 of N `startTask` calls of /bin/true — job created with
 * limits (memory, CPU, pids) → shim → the program exec'd — beside a bare `spawn('/bin/true')` in
 * the same run. Also the full cycle (… → exit record → job destroyed), and 100 tasks started at
 * once (time until all run).
 * Usage: npm run bench:task [-- RUNS]   (root, cgroups; default 50 runs after 5 warm-ups)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeCgroupDirs } from '../src/runtime/group/cgroup-fs.ts';
import { createGroupManager } from '../src/runtime/group/group-manager.ts';
import { readCgroupLayout } from '../src/runtime/group/layout.ts';
import { startTask } from '../src/runtime/task/start-task.ts';
import { stopTask } from '../src/runtime/task/stop-task.ts';
import { waitTask } from '../src/runtime/task/wait-task.ts';

const runs = Number(process.argv[2] ?? 50);
const warmup = 5;

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const mid =
    s.length % 2
      ? (s[(s.length - 1) / 2] as number)
      : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
  const p90 = s[Math.ceil(0.9 * s.length) - 1] as number;
  return `median ${mid.toFixed(2)} ms  p90 ${p90.toFixed(2)} ms  min ${(s[0] as number).toFixed(2)} ms  (n=${s.length})`;
}

async function timeSpawn(): Promise<{ started: number; exited: number }> {
  const t0 = performance.now();
  const child = spawn('/bin/true', { stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  const started = performance.now() - t0;
  await new Promise((r) => child.once('exit', r));
  return { started, exited: performance.now() - t0 };
}

const layout = await readCgroupLayout();
const groups = await createGroupManager({ layout, parent: `/hostpod-bench-${process.pid}` });
const work = await mkdtemp(join(tmpdir(), 'hostpod-bench-'));
const limits = { memoryBytes: 256 * 1024 * 1024, cpuLimitMilli: 500, cpuRequestMilli: 250, pidsMax: 1024 };
const spawnStart: number[] = [];
const spawnExit: number[] = [];
const taskStart: number[] = [];
const createOnly: number[] = [];
const startOnly: number[] = [];
let manyMs = 0;
const taskCycle: number[] = [];
try {
  for (let i = 0; i < warmup + runs; i++) {
    const s = await timeSpawn();
    const id = `b${i}`;
    const dir = join(work, id);
    const t0 = performance.now();
    const group = await groups.create(id, limits);
    const t1 = performance.now();
    await startTask(
      { argv: ['/bin/true'], env: ['PATH=/usr/bin:/bin'], cwd: '/', logPath: join(dir, 'log') },
      { group, dir },
    );
    const t2 = performance.now();
    const started = t2 - t0;
    await waitTask(dir, { pollMs: 20 });
    await group.destroy();
    const cycle = performance.now() - t0;
    if (i >= warmup) {
      spawnStart.push(s.started);
      spawnExit.push(s.exited);
      taskStart.push(started);
      createOnly.push(t1 - t0);
      startOnly.push(t2 - t1);
      taskCycle.push(cycle);
    }
  }
  // 100 tasks started at once: time until every one runs.
  const t0 = performance.now();
  const many = await Promise.all(
    Array.from({ length: 100 }, async (_, i) => {
      const group = await groups.create(`m${i}`, limits);
      const dir = join(work, `m${i}`);
      return startTask({ argv: ['/bin/sleep', '600'], env: [], cwd: '/' }, { group, dir });
    }),
  );
  manyMs = performance.now() - t0;
  await Promise.all(many.map((t) => stopTask(t, 1000).then(() => t.group.destroy())));
} finally {
  for (const id of await groups.listOrphans([])) await groups.open(id).destroy();
  await rm(work, { recursive: true, force: true });
  if ('parents' in groups)
    await removeCgroupDirs([...new Set(Object.values(groups.parents as Record<string, string>))]);
}
console.log(`host: ${layout.kind} cgroups; node ${process.version}`);
console.log(`spawn('/bin/true') → spawned          ${stats(spawnStart)}`);
console.log(`spawn('/bin/true') → exited           ${stats(spawnExit)}`);
console.log(`startTask(/bin/true) with job+limits  ${stats(taskStart)}`);
console.log(`  of which groups.create() + limits     ${stats(createOnly)}`);
console.log(`  of which startTask() (shim, exec)     ${stats(startOnly)}`);
console.log(`  … + exit record + job destroyed     ${stats(taskCycle)}`);
console.log(`100 tasks started at once, all running  ${manyMs.toFixed(0)} ms`);
