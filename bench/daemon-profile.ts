/**
 * Self time by function and by file in the daemon's V8 CPU profile, written by
 * `CPU_PROF=DIR npm run bench:daemon` (the daemon run with `--cpu-prof`), counting only the samples
 * inside the "no polling" rounds (DIR/windows.json, from the apply until all running).
 *
 * Usage: node --import tsx bench/daemon-profile.ts DIR [TOP=40]
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const dir = process.argv[2];
if (!dir) {
  console.error('usage: bench/daemon-profile.ts DIR [TOP]');
  process.exit(2);
}
const top = Number(process.argv[3] ?? 40);
const windows: [number, number][] = JSON.parse(await readFile(join(dir, 'windows.json'), 'utf8'));
const file = (await readdir(dir)).find((n) => n.endsWith('.cpuprofile'));
if (!file) throw new Error(`no .cpuprofile in ${dir}`);
const p: Profile = JSON.parse(await readFile(join(dir, file), 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const short = (url: string) =>
  url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/').replace(/^node:/, 'node:') || '(native)';

const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
/** The nearest frame in hostpod's own code (dist/) at or above a sample: who asked for the work. */
const owner = (id: number): string => {
  for (let n = byId.get(id); n; n = byId.get(parent.get(n.id) ?? -1))
    if (n.callFrame.url.includes('/dist/'))
      return `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  return '(outside dist/)';
};
/** Inclusive time of each dist/ function (counted once per sample even when recursive). */
const inclusive = (id: number, dt: number) => {
  const seen = new Set<string>();
  for (let n = byId.get(id); n; n = byId.get(parent.get(n.id) ?? -1)) {
    if (!n.callFrame.url.includes('/dist/')) continue;
    const k = `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    if (seen.has(k)) continue;
    seen.add(k);
    total.set(k, (total.get(k) ?? 0) + dt);
  }
};
const byOwner = new Map<string, number>();
const total = new Map<string, number>();
const selfFn = new Map<string, number>();
const selfFile = new Map<string, number>();
let t = p.startTime;
let inside = 0;
for (const [i, id] of p.samples.entries()) {
  const dt = p.timeDeltas[i] ?? 0;
  t += dt;
  if (!windows.some(([a, b]) => t >= a && t <= b)) continue;
  const n = byId.get(id);
  if (!n) continue;
  const name = n.callFrame.functionName || '(anonymous)';
  if (name === '(idle)') continue;
  inside += dt;
  const f = short(n.callFrame.url);
  const key = `${name} ${f}:${n.callFrame.lineNumber + 1}`;
  selfFn.set(key, (selfFn.get(key) ?? 0) + dt);
  selfFile.set(f, (selfFile.get(f) ?? 0) + dt);
  const o = owner(id);
  byOwner.set(o, (byOwner.get(o) ?? 0) + dt);
  inclusive(id, dt);
}
const ms = (us: number) => (us / 1000).toFixed(1).padStart(8);
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(v)} ms  ${k}`);
};
console.log(`${windows.length} windows, ${ms(inside)} ms of non-idle samples inside them`);
print('self time by function', selfFn);
print('self time by file', selfFile);
print('self time by the nearest dist/ frame (the code that asked for it)', byOwner);
print('inclusive time of dist/ functions', total);
