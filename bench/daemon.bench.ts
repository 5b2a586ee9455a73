/**
 * Daemon benchmark (issue 6, "Performance"): a real `hostpod daemon` (compiled, on a fresh state
 * root with the test image, see bench/daemon-process.ts) and, beside it, a private containerd.
 *
 *   1. N pods (`sleep 600`, HostProcess, host network) applied at once — one apply request of N
 *      Pod objects, and N concurrent requests of one — time from the request until `listPods`
 *      (polled every 20 ms) shows all Running; median of ROUNDS, every pod deleted (force)
 *      between rounds.
 *   2. The daemon's VmRSS / VmHWM idle and with N pods running; each container's `hostpod-shim`
 *      (VmRSS, Pss, Private_Dirty — the binary's pages are shared, Private_Dirty is what one more
 *      costs) and the `hostpod-shim serve` process.
 *   3. `listPods()` latency at N pods: 500 calls, one client, one after the other — p50/p90/p99;
 *      the CLI `hostpod get pods` end to end (process start included), median of 10, beside
 *      `node -e 0`.
 *   4. containerd: N `ctr run -d` at once (busybox `sleep 600`, runc, host network), containerd's
 *      memory and each `containerd-shim-runc-v2`'s, `ctr tasks ls` latency (bench/daemon-containerd.ts).
 * Log throughput is `npm run bench:logs` (bench/log-throughput.bench.ts), not repeated here.
 *
 * Usage: npm run bench:daemon   (root: cgroups, mounts)
 *      First, ROUNDS of one apply of N where `listPods` is polled only every QUIET_POLL_MS (250):
 *      the daemon's CPU per pod start without the cost of the 20 ms polling (one `listPods` of
 *      100 pods costs the daemon ≈ 7 ms).
 * Env: PODS (100), ROUNDS (3), CALLS (500), CLI_RUNS (10), SKIP_CONTAINERD=1, QUIET_POLL_MS (250),
 *      ONLY_START=1 (the "no polling" rounds only), DAEMON_MAIN=path/to/dist/cli/main.js (a build to
 *      measure instead of compiling this tree, e.g. another checkout's, to compare old and new).
 * Prints progress on stderr and a markdown table on stdout. Everything started is stopped and
 * removed, also on failure or Ctrl-C.
 */
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { PodView } from '../src/api/protocol.ts';
import { hpcPodObject } from '../src/daemon/testing/daemon-harness.ts';
import { type ContainerdFigures, measureContainerd } from './daemon-containerd.ts';
import { cpuSplitOf, type Mem, median, memOf, mib, percentile, processes, spread } from './daemon-proc.ts';
import { type BenchDaemon, compile, deleteAll, REPO, startDaemon } from './daemon-process.ts';
import { writeBarChart } from './svg-chart.ts';

const PODS = Number(process.env.PODS ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const CALLS = Number(process.env.CALLS ?? 500);
const CLI_RUNS = Number(process.env.CLI_RUNS ?? 10);
/** How often the "no polling" rounds ask `listPods` whether all are running. */
const QUIET_POLL_MS = Number(process.env.QUIET_POLL_MS ?? 250);
/** Only the "no polling" rounds (part 1), for comparing builds. */
const ONLY_START = process.env.ONLY_START === '1';
/** A directory for the daemon's V8 CPU profile (written when it stops; read by bench/daemon-profile.ts). */
const CPU_PROF = process.env.CPU_PROF;
/** The "no polling" rounds, from the apply until all running, on the monotonic clock in µs (as in the profile). */
const windows: [number, number][] = [];
const micros = () => Number(process.hrtime.bigint() / 1000n);
const log = (s: string) =>
  process.stderr.write(`[daemon.bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const loads: [part: string, load: string][] = [];
const part = (name: string) => {
  loads.push([name, load()]);
  log(`${name} (load ${load()})`);
};

const pod = (name: string) => hpcPodObject(name, ['sleep', '600']);

const running = (p: PodView) =>
  p.phase === 'Running' && p.status?.containerStatuses.every((c) => 'running' in c.state) === true;

/**
 * ms from `apply()` until `listPods` (polled every `pollMs`) shows all `names` Running; also when
 * the apply answered, the daemon's CPU ms meanwhile and how many times it was polled.
 */
async function timeUntilRunning(
  d: BenchDaemon,
  names: string[],
  apply: () => Promise<unknown>,
  pollMs = 20,
): Promise<Round> {
  const split0 = await cpuSplitOf(d.pid());
  const cpu0 = split0.user + split0.system;
  const m0 = micros();
  const t0 = performance.now();
  let answered = Number.NaN;
  const applied = apply().then(() => {
    answered = performance.now() - t0;
  });
  for (let polls = 1; ; polls++) {
    if (pollMs > 20) await new Promise((r) => setTimeout(r, pollMs));
    const pods = await d.client.listPods();
    const mine = pods.filter((p) => names.includes(p.name));
    if (mine.length === names.length && mine.every(running)) {
      const all = performance.now() - t0;
      await applied;
      if (pollMs > 20) windows.push([m0, micros()]);
      const split = await cpuSplitOf(d.pid());
      return {
        all,
        answered,
        cpu: split.user + split.system - cpu0,
        user: split.user - split0.user,
        polls,
      };
    }
    if (performance.now() - t0 > 180_000) throw new Error(`${names.length} pods not running after 180 s`);
    const failed = mine.find((p) => p.phase === 'Failed');
    if (failed) throw new Error(`pod ${failed.name} failed: ${JSON.stringify(failed.status)}`);
    if (pollMs <= 20) await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** The daemon's V8 heap (total, used) and external memory in KiB, from its own metrics. */
interface Heap {
  total: number;
  used: number;
  external: number;
}

async function heapOf(d: BenchDaemon): Promise<Heap | undefined> {
  if (!d.metricsAddress) return undefined;
  const text = await (await fetch(`http://${d.metricsAddress}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 1024;
  return {
    total: value('nodejs_heap_size_total_bytes'),
    used: value('nodejs_heap_size_used_bytes'),
    external: value('nodejs_external_memory_bytes'),
  };
}

/** One round of part 1: ms until all running, until the apply answered; the daemon's CPU ms. */
interface Round {
  all: number;
  answered: number;
  cpu: number;
  /** … of which in user mode (the rest is the kernel's work for it). */
  user: number;
  /** `listPods` calls made while waiting (each costs the daemon CPU too). */
  polls: number;
}

interface Figures {
  startedAt: string;
  commit: string;
  oneRequest: Round[];
  concurrent: Round[];
  quiet: Round[];
  idle?: Mem | undefined;
  busy?: Mem | undefined;
  idleHeap?: Heap | undefined;
  busyHeap?: Heap | undefined;
  settled?: Mem | undefined;
  settledHeap?: Heap | undefined;
  peakHwm?: number | undefined;
  shims: Mem[];
  shimServer?: Mem | undefined;
  listPods: number[];
  cli: number[];
  cliNote?: string;
  nodeE0: number[];
  containerd?: ContainerdFigures;
  containerdNote?: string;
}

async function daemonParts(main: string, f: Figures): Promise<void> {
  const d = await startDaemon(main, CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : []);
  const stop = async () => {
    await d.cleanup().catch((e) => log(`daemon cleanup: ${e}`));
  };
  const onSignal = (sig: NodeJS.Signals) =>
    void stop().then(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    log(`daemon pid ${d.pid()}, root ${d.root}`);
    part('2a. daemon idle');
    await new Promise((r) => setTimeout(r, 2000));
    f.idle = await memOf(d.pid());
    f.idleHeap = await heapOf(d);
    log(`idle: VmRSS ${mib(f.idle?.rss ?? 0)} MiB, VmHWM ${mib(f.idle?.hwm ?? 0)} MiB`);

    part(`1. ${PODS} pods applied at once`);
    const names = Array.from({ length: PODS }, (_, i) => `p${i}`);
    const rounds: ['quiet' | 'one' | 'many', number][] = [];
    for (let r = 0; r < ROUNDS; r++) rounds.push(['quiet', r]);
    if (!ONLY_START) for (let r = 0; r < ROUNDS; r++) rounds.push(['one', r]);
    if (!ONLY_START) for (let r = 0; r < ROUNDS; r++) rounds.push(['many', r]);
    for (const [i, [how, r]] of rounds.entries()) {
      const t = await timeUntilRunning(
        d,
        names,
        () =>
          how === 'many'
            ? Promise.all(names.map((n) => d.client.apply({ objects: [pod(n)] })))
            : d.client.apply({ objects: names.map(pod) }),
        how === 'quiet' ? QUIET_POLL_MS : 20,
      );
      ({ quiet: f.quiet, one: f.oneRequest, many: f.concurrent })[how].push(t);
      const what = {
        quiet: `one request, polled every ${QUIET_POLL_MS} ms`,
        one: 'one request',
        many: `${PODS} requests`,
      };
      log(
        `${what[how]} round ${r + 1}: all running after ` +
          `${t.all.toFixed(0)} ms (apply answered after ${t.answered.toFixed(0)} ms, daemon CPU ` +
          `${t.cpu.toFixed(0)} ms = ${(t.cpu / PODS).toFixed(2)} ms/pod, user ${t.user} / system ${t.cpu - t.user} ms, ` +
          `${t.polls} polls), load ${load()}`,
      );
      if (i < rounds.length - 1 || ONLY_START) {
        const t0 = performance.now();
        await deleteAll(d.client);
        log(`deleted ${PODS} pods (force) in ${(performance.now() - t0).toFixed(0)} ms`);
      }
    }
    if (ONLY_START) return;

    part(`2b. memory with ${PODS} pods running`);
    await new Promise((r) => setTimeout(r, 1000));
    f.busy = await memOf(d.pid());
    f.busyHeap = await heapOf(d);
    const pods = await d.client.listPods();
    for (const p of pods) {
      const id = p.status?.containerStatuses[0]?.containerID;
      if (!id) continue;
      const pid = Number.parseInt(
        await readFile(join(d.root, 'containers', id, 'task', 'shim.pid'), 'utf8').catch(() => '0'),
        10,
      );
      const m = pid > 0 ? await memOf(pid) : undefined;
      if (m) f.shims.push(m);
    }
    const server = (await processes()).find(
      (p) => p.ppid === d.pid() && p.comm === 'hostpod-shim' && p.cmdline.includes('serve'),
    );
    if (server) f.shimServer = await memOf(server.pid);
    log(
      `busy: VmRSS ${mib(f.busy?.rss ?? 0)} MiB, VmHWM ${mib(f.busy?.hwm ?? 0)} MiB; ${f.shims.length} shims ` +
        `RSS median/max ${spread(f.shims, 'rss')} MiB, Private_Dirty ${spread(f.shims, 'privateDirty')} MiB`,
    );

    // Is the growth live data or garbage not yet collected? V8's memory reducer runs a full GC
    // once the allocation rate stays low; nothing polls the daemon meanwhile.
    await new Promise((r) => setTimeout(r, 30_000));
    f.settled = await memOf(d.pid());
    f.settledHeap = await heapOf(d);
    log(`30 s later: VmRSS ${mib(f.settled?.rss ?? 0)} MiB, heap used ${mib(f.settledHeap?.used ?? 0)} MiB`);

    part(`3. listPods() latency at ${PODS} pods`);
    for (let i = 0; i < 20; i++) await d.client.listPods(); // warm-up
    for (let i = 0; i < CALLS; i++) {
      const t = performance.now();
      const list = await d.client.listPods();
      f.listPods.push(performance.now() - t);
      if (list.length !== PODS) throw new Error(`listPods returned ${list.length} pods, not ${PODS}`);
    }
    log(
      `listPods: p50 ${percentile(f.listPods, 50).toFixed(2)} p90 ${percentile(f.listPods, 90).toFixed(2)} ` +
        `p99 ${percentile(f.listPods, 99).toFixed(2)} ms`,
    );
    const probe = spawnSync(process.execPath, [main, 'get', 'pods', '--socket', d.socket], {
      encoding: 'utf8',
      cwd: REPO,
    });
    const rowsOut = probe.stdout.trim().split('\n').length - 1;
    if (probe.status !== 0 || rowsOut !== PODS) {
      f.cliNote = `hostpod get pods is not usable here (exit ${probe.status}, ${rowsOut} rows): ${probe.stderr.trim().split('\n')[0] ?? ''}`;
      log(f.cliNote);
    }
    for (let i = 0; i < CLI_RUNS; i++) {
      if (!f.cliNote) {
        const t = performance.now();
        const r = spawnSync(process.execPath, [main, 'get', 'pods', '--socket', d.socket], {
          stdio: 'ignore',
        });
        if (r.status === 0) f.cli.push(performance.now() - t);
      }
      const t = performance.now();
      spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' });
      f.nodeE0.push(performance.now() - t);
    }
    log(
      `hostpod get pods: median ${median(f.cli).toFixed(0)} ms; node -e 0 ${median(f.nodeE0).toFixed(0)} ms`,
    );
    f.peakHwm = (await memOf(d.pid()))?.hwm;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    const t0 = performance.now();
    await stop();
    log(`daemon stopped, pods deleted, root removed (${(performance.now() - t0).toFixed(0)} ms)`);
  }
}

function report(f: Figures): string {
  const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '-');
  const ms2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');
  const runsOf = (xs: { all: number }[]) => xs.map((x) => ms(x.all)).join(', ');
  const lines = [
    `${f.startedAt}, commit ${f.commit}, ${PODS} pods, ${ROUNDS} rounds. Load average before each part:`,
    ...loads.map(([p, l]) => `- ${p}: ${l}`),
    `- end: ${load()}`,
    '',
    '| what | hostpod daemon | containerd 1.6 + ctr |',
    '|---|---:|---:|',
  ];
  const c = f.containerd;
  const row = (what: string, ours: string, theirs = '') => lines.push(`| ${what} | ${ours} | ${theirs} |`);
  row(
    `${PODS} started at once → all running, median ms (rounds)`,
    `${ms(median(f.oneRequest.map((x) => x.all)))} (${runsOf(f.oneRequest)}) — one apply of ${PODS}`,
    c ? `${ms(median(c.startAll))} (${c.startAll.map(ms).join(', ')}) — ${PODS} \`ctr run -d\` at once` : '-',
  );
  row(
    `… as ${PODS} concurrent apply requests, median ms (rounds)`,
    `${ms(median(f.concurrent.map((x) => x.all)))} (${runsOf(f.concurrent)})`,
  );
  if (c)
    row(
      `… started one after the other → all running, ms (1 round)`,
      '',
      `${ms(c.startSequential)} — ${PODS} \`ctr run -d\` in a row`,
    );
  row(
    "… the daemon's CPU time per round (user + system), median ms: one request / concurrent",
    `${ms(median(f.oneRequest.map((x) => x.cpu)))} / ${ms(median(f.concurrent.map((x) => x.cpu)))}`,
  );
  const quietCpu = f.quiet.map((x) => x.cpu / PODS);
  row(
    `daemon CPU per pod start (no polling), ms: median (rounds); listPods every ${QUIET_POLL_MS} ms`,
    `${ms2(median(quietCpu))} (${quietCpu.map(ms2).join(', ')}); ${f.quiet.map((x) => x.polls).join(', ')} polls, ` +
      `all running after ${runsOf(f.quiet)} ms`,
  );
  row(
    '… the apply request(s) answered after, median ms',
    `${ms(median(f.oneRequest.map((x) => x.answered)))} / ${ms(median(f.concurrent.map((x) => x.answered)))}`,
  );
  const daemonMem = (m: Mem | undefined) =>
    m ? `${mib(m.rss)} / ${mib(m.hwm)} / ${mib(m.anon)} / ${mib(m.pss)}` : '-';
  row('daemon idle: VmRSS / VmHWM / anonymous / Pss MiB', daemonMem(f.idle));
  row(
    `daemon with ${PODS} running: VmRSS / VmHWM / anonymous / Pss MiB`,
    daemonMem(f.busy),
    daemonMem(c?.containerd),
  );
  const heap = (h: Heap | undefined) => (h ? `${mib(h.total)} / ${mib(h.used)} / ${mib(h.external)}` : '-');
  row('… of which V8 heap total / used / external MiB, idle', heap(f.idleHeap));
  row(`… of which V8 heap total / used / external MiB, ${PODS} running`, heap(f.busyHeap));
  row(
    `daemon with ${PODS} running, 30 s later (nothing polling): VmRSS / anonymous MiB; heap total / used / external`,
    f.settled ? `${mib(f.settled.rss)} / ${mib(f.settled.anon)}; ${heap(f.settledHeap)}` : '-',
  );
  row('daemon peak VmHWM after all parts, MiB', f.peakHwm ? mib(f.peakHwm) : '-');
  row(
    'per-container helper: VmRSS MiB, median / max',
    `${spread(f.shims, 'rss')} (hostpod-shim, n=${f.shims.length})`,
    c ? `${spread(c.shims, 'rss')} (containerd-shim-runc-v2, n=${c.shims.length})` : '-',
  );
  row('… its Pss MiB, median / max', spread(f.shims, 'pss'), c ? spread(c.shims, 'pss') : '-');
  row(
    '… its Private_Dirty MiB, median / max',
    spread(f.shims, 'privateDirty'),
    c ? spread(c.shims, 'privateDirty') : '-',
  );
  row(
    '`hostpod-shim serve`: VmRSS / Private_Dirty MiB',
    f.shimServer ? `${mib(f.shimServer.rss)} / ${mib(f.shimServer.privateDirty)}` : '-',
  );
  row(
    `\`listPods()\` at ${PODS} pods, one client, ${f.listPods.length} calls: p50 / p90 / p99 ms`,
    `${ms2(percentile(f.listPods, 50))} / ${ms2(percentile(f.listPods, 90))} / ${ms2(percentile(f.listPods, 99))}`,
  );
  row(
    `CLI end to end, median of ${CLI_RUNS} ms`,
    f.cliNote ? `- (${f.cliNote})` : `${ms(median(f.cli))} (\`hostpod get pods\`)`,
    c ? `${ms(median(c.tasksLs))} (\`ctr tasks ls\`, n=${c.tasksLs.length})` : '-',
  );
  row('`node -e 0`, median ms (interleaved with the CLI runs)', ms(median(f.nodeE0)));
  if (c)
    row(
      `remove all ${PODS}, median ms`,
      '',
      `${ms(median(c.removeAll))} (\`ctr tasks delete -f\` + \`ctr containers delete\`)`,
    );
  if (c) lines.push('', `containerd: ${c.version}`);
  if (f.containerdNote) lines.push('', `containerd: ${f.containerdNote}`);
  return lines.join('\n');
}

if (process.getuid?.() !== 0) {
  console.error('daemon.bench: must run as root (cgroups, mounts)');
  process.exit(2);
}
const f: Figures = {
  startedAt: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).stdout.trim(),
  oneRequest: [],
  concurrent: [],
  quiet: [],
  shims: [],
  listPods: [],
  cli: [],
  nodeE0: [],
};
log(`compiling the daemon (load ${load()})`);
const built = process.env.DAEMON_MAIN
  ? { main: process.env.DAEMON_MAIN, remove: async () => {} }
  : await compile();
try {
  await daemonParts(built.main, f);
} finally {
  await built.remove();
}
if (CPU_PROF) await writeFile(join(CPU_PROF, 'windows.json'), JSON.stringify(windows));
if (process.env.SKIP_CONTAINERD !== '1') {
  part(`4. containerd: ${PODS} ctr run -d at once`);
  try {
    let interrupted = false;
    const onSignal = () => {
      interrupted = true;
      process.exitCode = 130;
      log('interrupted: cleaning up containerd');
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      f.containerd = await measureContainerd(PODS, ROUNDS, log, () => interrupted);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  } catch (e) {
    f.containerdNote = `not measured: ${e instanceof Error ? e.message : String(e)}`;
    log(f.containerdNote);
  }
}
console.log(report(f));
if (process.env.NO_CHART !== '1' && !ONLY_START) {
  const c = f.containerd;
  const charts = join(REPO, 'docs/charts');
  await writeBarChart(join(charts, 'daemon-100-pods.svg'), {
    title: `${PODS} pods started at once → all running, median ms (lower is better)`,
    unit: 'ms',
    note: `${ROUNDS} rounds, same machine, same run (${f.startedAt})`,
    bars: [
      {
        label: `hostpod daemon, one apply of ${PODS}`,
        value: median(f.oneRequest.map((x) => x.all)),
        ours: true,
      },
      {
        label: `hostpod daemon, ${PODS} concurrent applies`,
        value: median(f.concurrent.map((x) => x.all)),
        ours: true,
      },
      ...(c ? [{ label: `containerd 1.6 + ${PODS} ctr run -d at once`, value: median(c.startAll) }] : []),
    ],
  });
  const mibOf = (xs: Mem[], k: 'rss' | 'privateDirty') => median(xs.map((m) => m[k])) / 1024; // KiB → MiB
  await writeBarChart(join(charts, 'memory-per-container.svg'), {
    title: 'Memory per running container beyond the workload, median MiB (lower is better)',
    unit: 'MiB',
    note: `${f.shims.length} containers; private memory is what each one adds`,
    bars: [
      { label: 'hostpod-shim: private (Private_Dirty)', value: mibOf(f.shims, 'privateDirty'), ours: true },
      { label: 'hostpod-shim: VmRSS', value: mibOf(f.shims, 'rss'), ours: true },
      ...(c
        ? [
            { label: 'containerd-shim-runc-v2: private', value: mibOf(c.shims, 'privateDirty') },
            { label: 'containerd-shim-runc-v2: VmRSS', value: mibOf(c.shims, 'rss') },
          ]
        : []),
    ],
  });
}
