import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

function ttyOf(pid: number): string | undefined {
  try {
    const t = readlinkSync(`/proc/${pid}/fd/0`);
    return t.startsWith('/dev/pts/') ? t : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The terminal (`/dev/pts/N`) a process reads from — its own stdin, or, for the native shim's
 * pty relay (whose stdin is containerd's FIFO), its child's. Undefined when there is none.
 * ResizePty sets the window size on it.
 */
export function terminalOfProcess(pid: number): string | undefined {
  const own = ttyOf(pid);
  if (own) return own;
  try {
    for (const t of readdirSync(`/proc/${pid}/task`))
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean)) {
        const found = ttyOf(Number(c));
        if (found) return found;
      }
  } catch {
    // The process is gone.
  }
  return undefined;
}
