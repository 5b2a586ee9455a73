import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../../../errors.ts';
import { loadKernel32 } from '../../group/windows/kernel32.ts';

const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;
const STILL_ACTIVE = 259;

/**
 * True while the shim of the task in `dir` runs: the process named in `shim.pid` (`PID
 * CREATIONTIME`) exists, has not exited, and was created at that FILETIME — so a pid Windows
 * reused since is never taken for it. False when there is no `shim.pid`. Windows only (koffi):
 * the `shimAlive` to give `waitWindowsTask`.
 */
export async function windowsShimAlive(dir: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(join(dir, 'shim.pid'), 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
  const m = /^(\d+) (\d+)\s*$/.exec(text);
  if (!m) return false;
  const k = loadKernel32();
  const h = k.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, false, Number(m[1]));
  if (!h) return false;
  try {
    const code = Buffer.alloc(4);
    if (!k.GetExitCodeProcess(h, code) || code.readUInt32LE(0) !== STILL_ACTIVE) return false;
    const created = Buffer.alloc(8);
    const other = [Buffer.alloc(8), Buffer.alloc(8), Buffer.alloc(8)] as const;
    if (!k.GetProcessTimes(h, created, other[0], other[1], other[2])) return false;
    return created.readBigUInt64LE(0) === BigInt(m[2] as string);
  } finally {
    k.CloseHandle(h);
  }
}
