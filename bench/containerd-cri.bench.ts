/**
 * containerd CRI benchmark (issue 10): hostpod's containerd runtime (`runtime_handler:
 * hostprocess`) beside runc in the same private containerd 1.6, driven by a CRI client as a
 * kubelet drives it, host-network pods, the image cached:
 *   1. RunPodSandbox + CreateContainer + StartContainer until the process runs — medians of
 *      RUNS pods, alternating runtimes, with another pod of the same runtime running (a node's
 *      usual state: hostpod's shim server is up), and hostpod's first pod on an idle node
 *      (the server starts);
 *   2. MANY pods at once → all running;
 *   3. memory per pod beyond the workload with MANY pods running: private and RSS of hostpod's
 *      processes (the shim server shared by all pods, its helper, two native shims and the
 *      sandbox process per pod) vs containerd-shim-runc-v2 + the pause process per pod.
 * Usage: npm run bench:containerd-cri (root; containerd, runc, umoci, skopeo). Env: RUNS (10), MANY (20).
 */
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { type CriClient, criClient } from '../src/containerd/testing/cri-client.ts';
import { kubeletPod } from '../src/containerd/testing/kubelet-pod.ts';
import {
  missingTools,
  pidsMentioning,
  startPrivateContainerd,
} from '../src/containerd/testing/private-containerd.ts';

const RUNS = Number(process.env.RUNS ?? 10);
const MANY = Number(process.env.MANY ?? 20);
type Rt = 'hostprocess' | 'runc';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

function mem(pid: number): { priv: number; rss: number } {
  try {
    const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(t)?.[1] ?? 0);
    return { priv: (kb('Private_Clean') + kb('Private_Dirty')) * 1024, rss: kb('Rss') * 1024 };
  } catch {
    return { priv: 0, rss: 0 };
  }
}

async function main(): Promise<void> {
  const why = missingTools();
  if (why) {
    console.log(`skipped: ${why}`);
    return;
  }
  // containerd-shim-runc-v2 keeps its sockets and state under /run/containerd whatever the
  // containerd: removed at the end when this run made it.
  const sideDirNew = !existsSync('/run/containerd');
  const c = await startPrivateContainerd('bench', { pauseImage: true });
  const cri: CriClient = criClient(c.sock);
  let n = 0;
  const startPod = async (rt: Rt) => {
    const pod = await kubeletPod(c.dir, `b${n++}`, c.cgroupParent);
    // runc 1.1 refuses the hostname containerd 1.6 puts into a host-network sandbox spec
    // ("unable to set hostname without a private UTS namespace"); hostpod ignores it anyway.
    if (rt === 'runc') pod.sandboxConfig.hostname = '';
    const t0 = performance.now();
    const { pod_sandbox_id: sb } = (await cri.RunPodSandbox({
      config: pod.sandboxConfig,
      runtime_handler: rt === 'runc' ? '' : rt,
    })) as { pod_sandbox_id: string };
    const { container_id: id } = (await cri.CreateContainer({
      pod_sandbox_id: sb,
      config: pod.container('w', ['sleep', '3600']),
      sandbox_config: pod.sandboxConfig,
    })) as { container_id: string };
    await cri.StartContainer({ container_id: id });
    return { ms: performance.now() - t0, sb };
  };
  const removePod = async (sb: string) => {
    await cri.StopPodSandbox({ pod_sandbox_id: sb });
    await cri.RemovePodSandbox({ pod_sandbox_id: sb });
  };
  const serverGone = async () => {
    for (let w = 0; w < 50 && c.serverPid(); w++) await new Promise((r) => setTimeout(r, 100));
  };
  /** MANY pods of each runtime at once → all running: time, and memory per pod once running. */
  const manyAtOnce = async () => {
    const ms: Record<Rt, number> = { hostprocess: 0, runc: 0 };
    const perPod: Record<Rt, { priv: number; rss: number }> = {
      hostprocess: { priv: 0, rss: 0 },
      runc: { priv: 0, rss: 0 },
    };
    for (const rt of ['hostprocess', 'runc'] as Rt[]) {
      const t0 = performance.now();
      const pods = await Promise.all(Array.from({ length: MANY }, () => startPod(rt)));
      ms[rt] = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 1000));
      const pids =
        rt === 'hostprocess'
          ? [
              ...pidsMentioning(`${c.hpRoot}/s/`),
              ...pidsMentioning('hostpod-shim').filter((p) =>
                /^hostpod-shim\0(serve|task|pause)/.test(readFileSync(`/proc/${p}/cmdline`, 'utf8')),
              ),
            ]
          : [
              ...pidsMentioning('containerd-shim-runc-v2').filter((p) =>
                readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(c.sock),
              ),
              ...pidsMentioning('sleep\u00002147483647'),
            ];
      const sum = [...new Set(pids)]
        .map(mem)
        .reduce((a, b) => ({ priv: a.priv + b.priv, rss: a.rss + b.rss }), { priv: 0, rss: 0 });
      const count = rt === 'hostprocess' ? MANY : pids.length / 2; // runc: a shim and a pause per pod
      perPod[rt] = { priv: sum.priv / count, rss: sum.rss / count };
      for (const p of pods) await removePod(p.sb);
    }
    return { ms, perPod };
  };
  try {
    // Idle node: no pod of either runtime (hostpod's server starts with the first pods).
    const cold = await manyAtOnce();
    await serverGone();
    const firstPod: number[] = [];
    for (let i = 0; i < Math.min(5, RUNS); i++) {
      await serverGone();
      const { ms, sb } = await startPod('hostprocess');
      firstPod.push(ms);
      await removePod(sb);
    }
    // A node's usual state: pods of both runtimes running.
    const keepers = [await startPod('hostprocess'), await startPod('runc')];
    const times: Record<Rt, number[]> = { hostprocess: [], runc: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const rt of (i % 2 ? ['runc', 'hostprocess'] : ['hostprocess', 'runc']) as Rt[]) {
        const { ms, sb } = await startPod(rt);
        times[rt].push(ms);
        await removePod(sb);
      }
    }
    const warm = await manyAtOnce();
    for (const k of keepers) await removePod(k.sb);
    const MiB = (b: number) => (b / 1024 / 1024).toFixed(2);
    const row = (what: string, a: number, b: number, f = (x: number) => x.toFixed(0)) =>
      console.log(`| ${what} | ${f(a)} | ${f(b)} | ${(a / b).toFixed(2)} |`);
    console.log(
      `\n${new Date().toISOString()}  load ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}  RUNS=${RUNS} MANY=${MANY}\n`,
    );
    console.log(
      '| containerd 1.6 CRI, host-network pod, image cached | hostpod (hostprocess) | runc | hostpod / runc |',
    );
    console.log('|---|---|---|---|');
    row(
      'RunPodSandbox+CreateContainer+StartContainer, median ms (pods running)',
      median(times.hostprocess),
      median(times.runc),
    );
    row(
      'same, first pod on an idle node (hostpod: the shim server starts), median ms',
      median(firstPod),
      median(times.runc),
    );
    row(`${MANY} pods at once → all running, ms (pods running)`, warm.ms.hostprocess, warm.ms.runc);
    row(`${MANY} pods at once on an idle node, ms`, cold.ms.hostprocess, cold.ms.runc);
    row(
      'memory per pod beyond the workload, private MiB',
      cold.perPod.hostprocess.priv,
      cold.perPod.runc.priv,
      MiB,
    );
    row(
      'memory per pod beyond the workload, RSS MiB',
      cold.perPod.hostprocess.rss,
      cold.perPod.runc.rss,
      MiB,
    );
  } finally {
    cri.close();
    await c.stop();
    if (sideDirNew) await rm('/run/containerd', { recursive: true, force: true });
  }
}

await main();
