/**
 * Lifecycle benchmark (issue 5): what restarts and probes cost on this host, through runPod with
 * the test image.
 *   - restart overhead: the time from a container's exit to its next start, minus the back-off
 *     delay (scaled down to 100 ms base, so the overhead is what is measured);
 *   - probe latency per handler (exec through the shim, HTTP GET, TCP connect) against one
 *     running container;
 *   - stop time of a container that exits on SIGTERM, with and without an exec preStop hook.
 * Prints a markdown table with median and p90.
 *
 * Usage: node --import tsx bench/lifecycle.bench.ts   (root)   Env: RUNS (20).
 */
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import type { Handler } from '../src/api/types.ts';
import { type PodEvent, runPod } from '../src/services/pod-runner.ts';
import { runHandler } from '../src/services/probes.ts';
import { hpcPodYaml, makeHarness, podsOf, TEST_IMAGE } from '../src/services/testing/harness.ts';

const RUNS = Number(process.env.RUNS ?? 20);
const h = await makeHarness();
const ctr = (n: string, cmd: string[], extra = '') =>
  `  - name: ${n}\n    image: ${TEST_IMAGE}\n    command: ${JSON.stringify(cmd)}\n${extra}`;
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, p90: s[Math.floor(s.length * 0.9)]! };
};
const rows: [string, number[]][] = [];

try {
  // Restart overhead: a container exiting at once under Always, the back-off pinned at 100 ms.
  {
    const abort = new AbortController();
    const starts: number[] = [];
    const exits: number[] = [];
    const delays: number[] = [];
    const yaml = hpcPodYaml('bench-restart', ctr('c', ['true'])).replace(
      'restartPolicy: Never',
      'restartPolicy: Always',
    );
    await runPod(podsOf(yaml)[0]!, {
      deps: h.deps,
      images: h.images,
      signal: abort.signal,
      timing: { initialMs: 100, maxMs: 100, resetAfterMs: 1e9 },
      onEvent: (e: PodEvent) => {
        if (e.type === 'started') starts.push(performance.now());
        if (e.type === 'exited') exits.push(performance.now());
        if (e.type === 'backoff') {
          delays.push(e.delayMs);
          if (delays.length > RUNS) abort.abort();
        }
      },
    });
    rows.push([
      'restart overhead (exit → next start − back-off)',
      starts.slice(1).map((t, i) => t - exits[i]! - delays[i]!),
    ]);
  }

  // Probe latency against one running container.
  {
    const server = createServer((_req, res) => res.writeHead(200).end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const abort = new AbortController();
    await runPod(podsOf(hpcPodYaml('bench-probe', ctr('c', ['sleep', '600'])))[0]!, {
      deps: h.deps,
      images: h.images,
      signal: abort.signal,
      onEvent: (e) => {
        if (e.type !== 'started') return;
        const target = {
          task: e.container.task,
          exec: e.container.exec,
          container: e.container.name,
          ports: [],
          podIp: '127.0.0.1',
        };
        void (async () => {
          const handlers: [string, Handler][] = [
            ['exec probe (`true` through the shim)', { exec: { command: ['true'] } }],
            ['httpGet probe', { httpGet: { port, scheme: 'HTTP', path: '/' } }],
            ['tcpSocket probe', { tcpSocket: { port } }],
          ];
          for (const [label, handler] of handlers) {
            const times: number[] = [];
            for (let i = 0; i < RUNS; i++) {
              const t0 = performance.now();
              const r = await runHandler(handler, target, 5000);
              if (!r.ok) throw new Error(`${label}: ${r.message}`);
              times.push(performance.now() - t0);
            }
            rows.push([label, times]);
          }
          abort.abort();
        })();
      },
    });
    server.close();
  }

  // Stop time, SIGTERM honoured at once, with and without a preStop exec hook.
  for (const hook of [false, true]) {
    const times: number[] = [];
    for (let i = 0; i < Math.min(RUNS, 10); i++) {
      const abort = new AbortController();
      let t0 = 0;
      const extra = hook ? '    lifecycle:\n      preStop:\n        exec: {command: ["true"]}\n' : '';
      await runPod(podsOf(hpcPodYaml('bench-stop', ctr('c', ['sleep', '600'], extra)))[0]!, {
        deps: h.deps,
        images: h.images,
        signal: abort.signal,
        onEvent: (e) => {
          if (e.type === 'started') {
            t0 = performance.now();
            abort.abort();
          }
          if (e.type === 'exited') times.push(performance.now() - t0);
        },
      });
    }
    rows.push([`stop (SIGTERM → exit recorded)${hook ? ' with an exec preStop' : ''}`, times]);
  }
} finally {
  await h.cleanup();
}

console.log(
  `\n${new Date().toISOString()}  load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}  runs ${RUNS}\n`,
);
console.log('| what | median ms | p90 ms |\n|---|---|---|');
for (const [what, xs] of rows) {
  const s = stats(xs);
  console.log(`| ${what} | ${s.median.toFixed(1)} | ${s.p90.toFixed(1)} |`);
}
