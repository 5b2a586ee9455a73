/**
 * Benchmark: `hostpod lint` on a directory of 1,000 pod documents (issue target: well under a
 * second). Prints the median of several runs of the in-process lint and of the CLI end to end,
 * beside `node -e 0` measured in the same run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lintInputs } from '../src/api/lint.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.RUNS ?? 7);

function pod(i: number): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: pod-${i}
  labels: {app: bench}
spec:
  hostNetwork: true
  nodeSelector: {kubernetes.io/os: linux}
  securityContext:
    windowsOptions: {hostProcess: true, runAsUserName: "NT AUTHORITY\\\\SYSTEM"}
  volumes:
  - {name: cfg, configMap: {name: cfg}}
  - {name: host, hostPath: {path: /opt/cni/bin, type: DirectoryOrCreate}}
  containers:
  - name: main
    image: example/agent:1.${i}
    args: ["$env:CONTAINER_SANDBOX_MOUNT_POINT/start.sh", "--id=${i}"]
    env:
    - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
    - {name: MODE, value: fast}
    resources: {limits: {cpu: 500m, memory: 64Mi}, requests: {cpu: 100m}}
    volumeMounts:
    - {name: cfg, mountPath: /etc/agent}
    - {name: host, mountPath: /host/opt/cni/bin}
`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const dir = await mkdtemp(join(tmpdir(), 'hostpod-bench-lint-'));
try {
  // 1,000 documents: 100 files of 10 documents each.
  for (let f = 0; f < 100; f++) {
    const docs = Array.from({ length: 10 }, (_, j) => pod(f * 10 + j)).join('---\n');
    await writeFile(join(dir, `pods-${String(f).padStart(3, '0')}.yaml`), docs);
  }
  const inproc: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const res = await lintInputs([dir], { cwd: dir });
    inproc.push(performance.now() - t0);
    if (res.errorCount !== 0 || res.objects.length !== 1000)
      throw new Error(`unexpected result: ${res.errorCount} errors, ${res.objects.length} objects`);
  }
  const cli: number[] = [];
  const nodeOnly: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    let t0 = performance.now();
    const p = spawnSync(join(ROOT, 'hostpod'), ['lint', dir], { encoding: 'utf8' });
    cli.push(performance.now() - t0);
    if (p.status !== 0) throw new Error(`hostpod lint failed: ${p.stdout}${p.stderr}`);
    t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    nodeOnly.push(performance.now() - t0);
  }
  console.log('lint of 1,000 pod documents (100 files), median of', RUNS, 'runs');
  console.log(`  in-process lintInputs()    ${median(inproc).toFixed(0)} ms`);
  console.log(`  CLI: hostpod lint DIR      ${median(cli).toFixed(0)} ms`);
  console.log(`  baseline: node -e 0        ${median(nodeOnly).toFixed(0)} ms`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
