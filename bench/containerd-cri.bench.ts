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
import { readFileSync } from 'node:fs';
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
  try {
    const keepers = [await startPod('hostprocess'), await startPod('runc')];
    const times: Record<Rt, number[]> = { hostprocess: [], runc: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const rt of (i % 2 ? ['runc', 'hostprocess'] : ['hostprocess', 'runc']) as Rt[]) {
        const { ms, sb } = await startPod(rt);
        times[rt].push(ms);
        await removePod(sb);
      }
    }
    for (const k of keepers) await removePod(k.sb);
    const cold: number[] = [];
    for (let i = 0; i < Math.min(5, RUNS); i++) {
      for (let w = 0; w < 50 && c.serverPid(); w++) await new Promise((r) => setTimeout(r, 100));
      const { ms, sb } = await startPod('hostprocess');
      cold.push(ms);
      await removePod(sb);
    }
    const many: Record<Rt, number> = { hostprocess: 0, runc: 0 };
    const perPod: Record<Rt, { priv: number; rss: number }> = {
      hostprocess: { priv: 0, rss: 0 },
      runc: { priv: 0, rss: 0 },
    };
    for (const rt of ['hostprocess', 'runc'] as Rt[]) {
      const t0 = performance.now();
      const pods = await Promise.all(Array.from({ length: MANY }, () => startPod(rt)));
      many[rt] = performance.now() - t0;
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
              ...pidsMentioning(`containerd-shim-runc-v2`).filter((p) =>
                readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(c.sock),
              ),
              ...pidsMentioning('sleep\u00002147483647'),
            ];
      const sum = [...new Set(pids)]
        .map(mem)
        .reduce((a, b) => ({ priv: a.priv + b.priv, rss: a.rss + b.rss }), { priv: 0, rss: 0 });
      perPod[rt] = { priv: sum.priv / MANY, rss: sum.rss / MANY };
      for (const p of pods) await removePod(p.sb);
    }
    const MiB = (b: number) => (b / 1024 / 1024).toFixed(2);
    const h = median(times.hostprocess);
    const r = median(times.runc);
    console.log(
      `\n${new Date().toISOString()}  load ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}  RUNS=${RUNS} MANY=${MANY}\n`,
    );
    console.log(
      '| containerd 1.6 CRI, host-network pod, image cached | hostpod (hostprocess) | runc | hostpod / runc |',
    );
    console.log('|---|---|---|---|');
    console.log(
      `| RunPodSandbox+CreateContainer+StartContainer, median ms (server up) | ${h.toFixed(0)} | ${r.toFixed(0)} | ${(h / r).toFixed(2)} |`,
    );
    console.log(
      `| same, first pod on an idle node (shim server starts), median ms | ${median(cold).toFixed(0)} | – | ${(median(cold) / r).toFixed(2)} |`,
    );
    console.log(
      `| ${MANY} pods at once → all running, ms | ${many.hostprocess.toFixed(0)} | ${many.runc.toFixed(0)} | ${(many.hostprocess / many.runc).toFixed(2)} |`,
    );
    console.log(
      `| memory per pod beyond the workload, private MiB | ${MiB(perPod.hostprocess.priv)} | ${MiB(perPod.runc.priv)} | ${(perPod.hostprocess.priv / perPod.runc.priv).toFixed(2)} |`,
    );
    console.log(
      `| memory per pod beyond the workload, RSS MiB | ${MiB(perPod.hostprocess.rss)} | ${MiB(perPod.runc.rss)} | ${(perPod.hostprocess.rss / perPod.runc.rss).toFixed(2)} |`,
    );
  } finally {
    cri.close();
    await c.stop();
  }
}

await main();
