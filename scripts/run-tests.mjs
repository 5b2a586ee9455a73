#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with Node's built-in test runner and the tsx loader.
// Usage: node scripts/run-tests.mjs [substring ...]  — only files whose path contains a substring.
// Windows tests (`*.wine.test.ts`) run Windows programs under Wine: when one is selected and wine64
// is installed, scripts/prepare-windows.mjs runs first, once (it keeps what it made); without
// wine64 those tests skip themselves, saying why (src/lib/testing/wine.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2);

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const files = [...walk(join(root, 'src'), []), ...walk(join(root, 'test'), [])]
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
if (
  files.some((f) => f.endsWith('.wine.test.ts')) &&
  existsSync(process.env.HOSTPOD_WINE64 || '/usr/lib/wine/wine64')
) {
  const t0 = Date.now();
  const p = spawnSync(process.execPath, [join(root, 'scripts', 'prepare-windows.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (p.status !== 0)
    console.error(
      'run-tests: preparing Windows Node.js under Wine failed; the Wine tests will skip (or fail with HOSTPOD_REQUIRE_WINE=1)',
    );
  else console.error(`run-tests: Windows tools ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
