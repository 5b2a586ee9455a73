/**
 * Runs `hostpod-shim.exe` and `winfixture.exe` under Wine from Linux tests: builds them with
 * mingw-w64 (`make -C native windows`), keeps a Wine prefix of its own under the Windows cache
 * dir (`HOSTPOD_WINDOWS_DIR`, default `.windows/` in the checkout) and one persistent
 * `wineserver` for the run, ended (with what runs in that prefix) by `close()`.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { WindowsShimLauncher } from '../start-task.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
export const WINE64 = '/usr/lib/wine/wine64';
const WINESERVER = '/usr/lib/wine/wineserver64';
const MINGW = 'x86_64-w64-mingw32-gcc';
export const SHIM_EXE = `${ROOT}native/build/hostpod-shim.exe`;
export const FIXTURE_EXE = `${ROOT}native/build/testing/winfixture.exe`;

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(`${d}/${name}`));
}

/** Why the Wine tests cannot run here, or undefined when they can. */
export function wineShimSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'the Wine tests run on Linux';
  if (!existsSync(WINE64)) return `wine64 is not installed (${WINE64}; apt-get install wine64)`;
  if (!onPath(MINGW)) return `${MINGW} is not installed (apt-get install gcc-mingw-w64-x86-64)`;
  return undefined;
}

/** `/tmp/x` as Wine names it: `Z:\tmp\x`. */
export function winePath(path: string): string {
  return `Z:${path.replaceAll('/', '\\')}`;
}

export interface WineShim {
  launcher: WindowsShimLauncher;
  /** Runs `winfixture.exe ARGS` to its end; its exit code. */
  fixture(args: readonly string[]): Promise<number>;
  /** Stops the wineserver of the prefix and every process in it. */
  close(): Promise<void>;
}

/** Builds the .exe files, makes the prefix if missing (≈ 10 s once), starts the wineserver. */
export async function prepareWineShim(): Promise<WineShim> {
  execFileSync('make', ['-s', '-C', `${ROOT}native`, 'windows'], { stdio: 'inherit' });
  const cache = process.env.HOSTPOD_WINDOWS_DIR ?? `${ROOT}.windows`;
  const prefix = `${cache}/shim-test-prefix`;
  mkdirSync(cache, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all' };
  delete env.DISPLAY;
  if (!existsSync(`${prefix}/system.reg`))
    await run(WINE64, ['cmd', '/c', 'exit'], { env, timeout: 120_000 });
  // It forks into the background holding whatever stdio it got: none, or execFile never ends.
  spawn(WINESERVER, ['-p'], { env, stdio: 'ignore', detached: true }).unref();
  return {
    launcher: { command: [WINE64, SHIM_EXE], env, toShimPath: winePath },
    fixture: async (args) => {
      try {
        await run(WINE64, [FIXTURE_EXE, ...args], { env, timeout: 30_000 });
        return 0;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'number') return code;
        throw err;
      }
    },
    close: async () => {
      await run(WINESERVER, ['-k'], { env }).catch(() => {});
      await run(WINESERVER, ['-w'], { env, timeout: 10_000 }).catch(() => {});
    },
  };
}
