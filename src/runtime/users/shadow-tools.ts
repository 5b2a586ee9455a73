import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { RuntimeError } from '../../errors.ts';

export interface ToolResult {
  exitCode: number;
  stderr: string;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs useradd/userdel/groupadd (Debian's passwd package), one at a time within this process,
 * retrying a few times while another process holds the /etc/passwd lock. Never throws for a
 * non-zero exit (the caller reads the code); throws Unavailable when the tool is missing.
 */
export function runShadowTool(
  tool: 'useradd' | 'userdel' | 'groupadd' | 'groupdel',
  args: readonly string[],
) {
  const run = queue.then(() => runWithRetry(tool, args));
  queue = run.catch(() => {});
  return run;
}

async function runWithRetry(tool: string, args: readonly string[]): Promise<ToolResult> {
  for (let attempt = 0; ; attempt++) {
    const r = await once(tool, args);
    const locked = r.exitCode !== 0 && /cannot lock|try again later/i.test(r.stderr);
    if (!locked || attempt >= 20) return r;
    await new Promise((resolve) => setTimeout(resolve, 25 * (attempt + 1)));
  }
}

function once(tool: string, args: readonly string[]): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const file = existsSync(`/usr/sbin/${tool}`) ? `/usr/sbin/${tool}` : tool;
    execFile(file, args, { encoding: 'utf8' }, (err, _stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(
          new RuntimeError('Unavailable', `Cannot run ${tool}: ${err.message}`, {
            hint: 'install Debian\'s "passwd" package (useradd, userdel, groupadd)',
            cause: err,
          }),
        );
        return;
      }
      resolve({ exitCode: err ? (err.code as number) : 0, stderr: stderr.trim() });
    });
  });
}
