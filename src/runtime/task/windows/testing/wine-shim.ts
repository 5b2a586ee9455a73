/**
 * Runs `hostpod-shim.exe` and `winfixture.exe` under Wine from Linux tests: builds them with
 * mingw-w64 (`make -C native windows`) and starts a `WineSession` (`lib/testing/wine.ts`: a
 * private prefix, one wineserver, stopped with everything in it by `close()`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WineSession, wineSkip } from '../../../../lib/testing/wine.ts';
import type { WindowsShimLauncher } from '../start-task.ts';

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const MINGW = 'x86_64-w64-mingw32-gcc';
export const SHIM_EXE = `${ROOT}native/build/hostpod-shim.exe`;
export const FIXTURE_EXE = `${ROOT}native/build/testing/winfixture.exe`;

/** Why the shim's Wine tests cannot run here (see `wineSkip()`), or false when they can. */
export function wineShimSkip(): string | false {
  const why = wineSkip();
  if (why) return why;
  const onPath = (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(`${d}/${MINGW}`));
  return onPath ? false : `${MINGW} is not installed (apt-get install gcc-mingw-w64-x86-64)`;
}

/** Builds the Windows helper and its test fixture (`make -s -C native windows`). */
export function buildWindowsNative(): void {
  execFileSync('make', ['-s', '-C', `${ROOT}native`, 'windows'], { stdio: 'inherit' });
}

export interface WineShim {
  session: WineSession;
  launcher: WindowsShimLauncher;
  /** Runs `winfixture.exe ARGS` to its end; its exit code. */
  fixture(args: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

/** Builds the .exe files and starts a Wine session whose launcher runs the shim from Linux. */
export async function startWineShim(): Promise<WineShim> {
  buildWindowsNative();
  const session = await WineSession.start();
  return {
    session,
    launcher: {
      command: [session.kit.wine64, SHIM_EXE],
      env: session.env(),
      toShimPath: (p) => session.winPath(p),
    },
    fixture: async (args) => (await session.runExe(FIXTURE_EXE, args, { timeoutMs: 30_000 })).exitCode ?? -1,
    close: () => session.stop(),
  };
}
