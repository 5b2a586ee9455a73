/**
 * Benchmark: workspace creation for a 1 MB and a 100 MB image (issue target: the 100 MB one
 * within 1.2× of the 1 MB one). Measures createSandbox() and removeSandbox() in-process, overlay
 * (the default where the host allows it) and the copy fallback, median and p90.
 * Env: RUNS (overlay runs, default 30), COPY_RUNS (default 5), WORK (a directory to work in,
 * default the OS temp dir — say which filesystem when quoting figures).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, removeSandbox } from '../src/runtime/sandbox/sandbox.ts';

const RUNS = Number(process.env.RUNS ?? 30);
const COPY_RUNS = Number(process.env.COPY_RUNS ?? 5);

/** An image of `mb` MB in `layers` layers of 100 KB files (as unpacked layer directories). */
async function makeImage(dir: string, mb: number, layers: number): Promise<string[]> {
  const out: string[] = [];
  const files = Math.round((mb * 1024) / 100);
  const chunk = Buffer.alloc(100 * 1024, 7);
  for (let l = 0; l < layers; l++) {
    const ld = join(dir, `layer${l}`);
    for (let f = l; f < files; f += layers) {
      const sub = join(ld, `d${f % 50}`);
      await mkdir(sub, { recursive: true });
      await writeFile(join(sub, `f${f}.bin`), chunk);
    }
    out.push(ld);
  }
  return out;
}

function stats(xs: number[]): { p50: number; p90: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { p50: at(0.5), p90: at(0.9) };
}

const work = await mkdtemp(join(process.env.WORK ?? tmpdir(), 'hostpod-bench-ws-'));
const root = join(work, 'state');
let seq = 0;
try {
  const images = {
    '1 MB': await makeImage(join(work, 'img1'), 1, 3),
    '100 MB': await makeImage(join(work, 'img100'), 100, 3),
  };
  const rows: string[] = [];
  const medians: Record<string, number> = {};
  for (const mode of ['overlay', 'copy'] as const) {
    const runs = mode === 'overlay' ? RUNS : COPY_RUNS;
    const create: Record<string, number[]> = {};
    const remove: Record<string, number[]> = {};
    // Sizes interleaved, so that both see the same machine load.
    for (let i = 0; i < runs + 1; i++) {
      for (const [label, layers] of Object.entries(images)) {
        const id = `bench${++seq}`;
        const t0 = performance.now();
        await createSandbox({
          root,
          id,
          layers,
          layout: 'bind',
          mounts: [],
          mode,
          rootfsLocation: join(work, 'hpc'),
        });
        const t1 = performance.now();
        await removeSandbox({ root, id });
        const t2 = performance.now();
        if (i === 0) continue; // warm-up
        create[label] = [...(create[label] ?? []), t1 - t0];
        remove[label] = [...(remove[label] ?? []), t2 - t1];
      }
    }
    for (const label of Object.keys(images)) {
      const c = stats(create[label]!);
      const r = stats(remove[label]!);
      medians[`${mode} ${label}`] = c.p50;
      rows.push(
        `| ${mode} | ${label} | ${runs} | ${c.p50.toFixed(2)} | ${c.p90.toFixed(2)} | ${r.p50.toFixed(2)} | ${r.p90.toFixed(2)} |`,
      );
    }
  }
  const spawnTrue: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await new Promise((resolve, reject) =>
      execFile('/bin/true', (err) => (err ? reject(err) : resolve(undefined))),
    );
    spawnTrue.push(performance.now() - t0);
  }
  console.log(`workspace creation, ${process.env.WORK ? `in ${process.env.WORK}` : `in ${tmpdir()}`} (ms)\n`);
  console.log('| mode | image | runs | create p50 | create p90 | remove p50 | remove p90 |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  const st = stats(spawnTrue);
  console.log(
    `\nbaseline in the same run: Node execFile('/bin/true') p50 ${st.p50.toFixed(2)} p90 ${st.p90.toFixed(2)}`,
  );
  const ratio = medians['overlay 100 MB']! / medians['overlay 1 MB']!;
  console.log(`\noverlay: 100 MB / 1 MB create p50 ratio = ${ratio.toFixed(2)} (target ≤ 1.2)`);
} finally {
  await rm(work, { recursive: true, force: true });
}
