#!/usr/bin/env node
// Runs every `bench:*` npm script (or those named: `npm run bench -- lint pull`), one after the other.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const all = Object.keys(pkg.scripts).filter((s) => s.startsWith('bench:'));
const wanted = process.argv.slice(2);
const run = wanted.length ? all.filter((s) => wanted.includes(s.slice(6))) : all;
let failed = 0;
for (const s of run) {
  console.log(`\n== npm run ${s}`);
  const r = spawnSync('npm', ['run', '-s', s], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
