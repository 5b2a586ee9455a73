/**
 * Benchmark: pull + unpack of a ~100 MB image of 5,000 files from a local docker-registry,
 * beside the peers measured in the same run (issue 3):
 *   - hostpod pull + unpack, in a child process running the compiled code (wall time including
 *     Node start-up, the in-process time, the child's peak RSS): pullAndUnpack (layers unpacked
 *     while they download, in the thread it picks by default, and in a worker thread), and
 *     pullImage followed by ensureUnpacked;
 *   - skopeo copy to an OCI layout + umoci unpack;
 *   - the physical baseline: skopeo copy + GNU tar -xzf of the layer;
 *   - and each part alone (skopeo copy, tar -xzf, hostpod unpack from the store).
 * Every run writes into fresh directories on the same filesystem, and the previous run's output
 * is deleted (untimed) before the next run, for every tool alike.
 *
 * Environment: RUNS (default 5), FILES (default 5000), BENCH_DIR (default /dev/shm when it
 * exists: the tools' own cost; set BENCH_DIR=/var/tmp for the disk), MEMORY=1 also measures
 * peak RSS for a 4x larger layer (memory flat as the layer grows).
 * Needs root, umoci, skopeo, docker-registry, GNU tar. Prints a Markdown table.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRegistry } from '../src/image/testing/registry.ts';
import { writeBarChart } from './svg-chart.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.RUNS ?? 5);
const FILES = Number(process.env.FILES ?? 5000);
const BASE = process.env.BENCH_DIR ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function sh(cmd: string, args: string[], opts: { cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function fsType(dir: string): string {
  const t = statfsSync(dir).type;
  const names: Record<number, string> = {
    16914836: 'tmpfs',
    61267: 'ext4',
    1481003842: 'xfs',
    2435016766: 'btrfs',
  };
  return names[t] ?? `0x${t.toString(16)}`;
}

/** The same data as ../shared/bench/peers.sh: N files of 4..36 KiB of xorshift32 noise in 50 dirs. */
function generate(root: string, n: number): number {
  let s = 0x9e3779b9 >>> 0;
  let total = 0;
  const rnd = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  for (let i = 0; i < n; i++) {
    const d = join(root, `d${String(i % 50).padStart(2, '0')}`);
    if (i < 50) mkdirSync(d, { recursive: true });
    const size = 4096 + (rnd() % 32769);
    const words = new Uint32Array(Math.ceil(size / 4));
    for (let k = 0; k < words.length; k++) words[k] = rnd();
    writeFileSync(join(d, `f${String(i).padStart(5, '0')}.bin`), Buffer.from(words.buffer, 0, size));
    total += size;
  }
  return total;
}

function buildImage(work: string, layout: string, tag: string, files: number): number {
  const bundle = join(work, `bundle-${tag}`);
  if (!existsSync(join(layout, 'index.json'))) sh('umoci', ['init', '--layout', layout]);
  sh('umoci', ['new', '--image', `${layout}:${tag}`]);
  sh('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
  const bytes = generate(join(bundle, 'rootfs', 'data'), files);
  sh('umoci', ['repack', '--image', `${layout}:${tag}`, bundle]);
  sh('umoci', ['config', '--image', `${layout}:${tag}`, '--config.cmd', '/bin/sh']);
  rmSync(bundle, { recursive: true, force: true });
  return bytes;
}

/** The (only) layer blob of `layout:tag`. */
function layerBlob(layout: string, tag: string): string {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const m = index.manifests.find((d) => d.annotations?.['org.opencontainers.image.ref.name'] === tag)!;
  const manifest = JSON.parse(readFileSync(join(layout, 'blobs/sha256', m.digest.slice(7)), 'utf8')) as {
    layers: { digest: string }[];
  };
  return join(layout, 'blobs/sha256', manifest.layers.at(-1)!.digest.slice(7));
}

interface ChildReport {
  pullMs: number;
  unpackMs: number;
  totalMs: number;
  maxRssKiB: number;
}

/**
 * bench/pull-child.ts compiled once with esbuild (what `npm run build` would give: plain JS, no
 * TypeScript loader at start-up); packages stay external and resolve from the repo.
 */
const CHILD = join(ROOT, 'node_modules', '.cache', 'hostpod-bench', 'pull-child.mjs');
sh(join(ROOT, 'node_modules', '.bin', 'esbuild'), [
  join(ROOT, 'bench', 'pull-child.ts'),
  '--bundle',
  '--platform=node',
  '--format=esm',
  '--target=node20',
  '--packages=external',
  '--log-level=warning',
  `--outfile=${CHILD}`,
]);
// The unpack worker's entry, next to the bundle (where apply-worker.ts looks for it).
sh(join(ROOT, 'node_modules', '.bin', 'esbuild'), [
  join(ROOT, 'src', 'image', 'unpack', 'apply-worker-main.ts'),
  '--bundle',
  '--platform=node',
  '--format=esm',
  '--target=node20',
  '--packages=external',
  '--log-level=warning',
  `--outfile=${join(CHILD, '..', 'apply-worker-main.js')}`,
]);

/** Runs the compiled pull-child in a fresh Node process: wall time and its own report. */
function hostpodChild(args: string[]): Promise<{ wallMs: number; report: ChildReport }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c = spawn(process.execPath, [CHILD, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    c.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    c.on('error', reject);
    c.on('close', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) reject(new Error(`pull-child exited with ${code}`));
      else resolve({ wallMs, report: JSON.parse(out) as ChildReport });
    });
  });
}

function timeCmd(cmd: string, args: string[]): number {
  const t0 = performance.now();
  sh(cmd, args);
  return performance.now() - t0;
}

const work = await mkdtemp(join(BASE, 'hostpod-bench-pull-'));
const registry = await startRegistry();
const rows: { name: string; runs: number[]; note?: string }[] = [];
const row = (name: string, note?: string) => {
  const r = { name, runs: [] as number[], ...(note ? { note } : {}) };
  rows.push(r);
  return r.runs;
};
try {
  const fs = fsType(work);
  process.stderr.write(`[bench:pull] work dir ${work} (${fs}); building the image (${FILES} files)…\n`);
  const layout = join(work, 'layout');
  const bytes = buildImage(work, layout, 'big', FILES);
  const blob = layerBlob(layout, 'big');
  await registry.push(layout, 'big', 'bench/big:latest');
  const ref = `${registry.host}/bench/big:latest`;
  process.stderr.write(
    `[bench:pull] ${(bytes / 1e6).toFixed(1)} MB in ${FILES} files; layer ${(Number(sh('stat', ['-c', '%s', blob])) / 1e6).toFixed(1)} MB gzip; registry ${registry.host}\n`,
  );

  const hpWall = row('hostpod pull + unpack, overlapped (new process, wall)');
  const hpIn = row('hostpod pull + unpack, overlapped (in-process part)');
  const hpTail = row('  of which after the pull ended (last layer finishing)');
  const hpWorkerWall = row('hostpod pull + unpack, overlapped in a worker thread (new process, wall)');
  const hpSeqWall = row('hostpod pull, then unpack (new process, wall)');
  const hpPull = row('  of which pull (registry → content store)');
  const hpUnpack = row('  of which unpack (overlay layer cache)');
  const skUmoci = row('skopeo copy + umoci unpack');
  const skTar = row('skopeo copy + tar -xzf (physical baseline)');
  const skopeo = row('skopeo copy alone');
  const tar = row('tar -xzf of the layer alone');
  const rss: number[] = [];
  const rssWorker: number[] = [];
  const out = join(work, 'out');
  for (let i = 0; i < RUNS + 1; i++) {
    const warm = i === 0;
    // hostpod
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const h = await hostpodChild([ref, join(out, 'state'), 'overlap']);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const hw = await hostpodChild([ref, join(out, 'state'), 'overlap-worker']);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const hs = await hostpodChild([ref, join(out, 'state'), 'sequential']);
    // skopeo + umoci
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const t0 = performance.now();
    const sk = timeCmd('skopeo', [
      'copy',
      '-q',
      '--src-tls-verify=false',
      `docker://${ref}`,
      `oci:${join(out, 'oci')}:big`,
    ]);
    const um = timeCmd('umoci', ['unpack', '--image', `${join(out, 'oci')}:big`, join(out, 'bundle')]);
    const skUm = performance.now() - t0;
    // skopeo + tar
    rmSync(out, { recursive: true, force: true });
    mkdirSync(join(out, 'tarx'), { recursive: true });
    const t1 = performance.now();
    timeCmd('skopeo', [
      'copy',
      '-q',
      '--src-tls-verify=false',
      `docker://${ref}`,
      `oci:${join(out, 'oci')}:big`,
    ]);
    const tx = timeCmd('tar', ['-xzf', layerBlob(join(out, 'oci'), 'big'), '-C', join(out, 'tarx')]);
    const skTx = performance.now() - t1;
    void um;
    if (warm) continue;
    hpWall.push(h.wallMs);
    hpIn.push(h.report.totalMs);
    hpTail.push(h.report.unpackMs);
    hpWorkerWall.push(hw.wallMs);
    hpSeqWall.push(hs.wallMs);
    hpPull.push(hs.report.pullMs);
    hpUnpack.push(hs.report.unpackMs);
    rss.push(h.report.maxRssKiB, hs.report.maxRssKiB);
    rssWorker.push(hw.report.maxRssKiB);
    skUmoci.push(skUm);
    skTar.push(skTx);
    skopeo.push(sk);
    tar.push(tx);
    process.stderr.write(
      `[bench:pull] run ${i}: hostpod ${h.wallMs.toFixed(0)} ms (worker ${hw.wallMs.toFixed(0)} ms, sequential ${hs.wallMs.toFixed(0)} ms), skopeo+umoci ${skUm.toFixed(0)} ms, skopeo+tar ${skTx.toFixed(0)} ms\n`,
    );
  }
  rmSync(out, { recursive: true, force: true });
  const nodeStart = row('node -e 0 (Node start-up, for reference)');
  for (let i = 0; i < RUNS; i++) nodeStart.push(timeCmd(process.execPath, ['-e', '0']));

  let memNote = '';
  if (process.env.MEMORY === '1') {
    const big = buildImage(work, layout, 'huge', FILES * 4);
    await registry.push(layout, 'huge', 'bench/huge:latest');
    mkdirSync(out, { recursive: true });
    const h = await hostpodChild([`${registry.host}/bench/huge:latest`, join(out, 'state')]);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const hs = await hostpodChild([`${registry.host}/bench/huge:latest`, join(out, 'state'), 'sequential']);
    rmSync(out, { recursive: true, force: true });
    memNote = `; peak RSS for a ${(big / 1e6).toFixed(0)} MB layer: overlapped ${(h.report.maxRssKiB / 1024).toFixed(0)} MiB, pull then unpack ${(hs.report.maxRssKiB / 1024).toFixed(0)} MiB`;
  }

  const base = median(skTar.length ? skTar : [1]);
  console.log(
    `\nPull and unpack: ${(bytes / 1e6).toFixed(0)} MB in ${FILES} files, one gzip layer, local docker-registry`,
  );
  console.log(`on ${fs} (${BASE}); median of ${RUNS} runs after 1 warm-up; ${new Date().toISOString()}\n`);
  console.log('| what | median ms | min ms | max ms | vs baseline |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows) {
    if (r.runs.length === 0) continue;
    const ratio =
      r.name.startsWith('  ') || r.name.includes('alone') || r.name.startsWith('node')
        ? ''
        : `${(median(r.runs) / base).toFixed(2)}x`;
    console.log(
      `| ${r.name.trim()} | ${median(r.runs).toFixed(0)} | ${Math.min(...r.runs).toFixed(0)} | ${Math.max(...r.runs).toFixed(0)} | ${ratio} |`,
    );
  }
  console.log(
    `\nhostpod child peak RSS: median ${(median(rss) / 1024).toFixed(0)} MiB (with the worker thread ${(median(rssWorker) / 1024).toFixed(0)} MiB)${memNote}`,
  );
  console.log(
    `load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  );
  if (process.env.NO_CHART !== '1')
    await writeBarChart(fileURLToPath(new URL('../docs/charts/pull-time.svg', import.meta.url)), {
      title: `Pull + unpack ${(bytes / 1e6).toFixed(0)} MB (${FILES} files), median ms (lower is better)`,
      unit: 'ms',
      note: `${RUNS} runs each on ${fs}, same machine, same run`,
      bars: rows
        .filter((r) => r.runs.length > 0 && !r.name.startsWith('  '))
        .map((r) => ({
          label: r.name.trim().slice(0, 60),
          value: median(r.runs),
          ours: /hostpod/.test(r.name),
        })),
    });
} finally {
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
}
