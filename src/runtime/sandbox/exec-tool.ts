import { execFile } from 'node:child_process';
import { RuntimeError } from '../../errors.ts';

export interface ToolResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a host tool (mount, umount, cp, getfattr) without a shell; never throws for a non-zero
 * exit. Throws Unavailable when the tool is not installed, the spawn error otherwise.
 */
export function runTool(
  file: string,
  args: readonly string[],
  options: { cwd?: string } = {},
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          reject(
            err.code === 'ENOENT'
              ? new RuntimeError('Unavailable', `Cannot run ${file}: it is not installed`, {
                  hint: `install it (${file === 'getfattr' ? 'Debian package "attr"' : 'Debian packages "mount" and "coreutils"'})`,
                  cause: err,
                })
              : err,
          );
          return;
        }
        resolve({ exitCode: err ? (err.code as number) : 0, stdout, stderr });
      },
    );
  });
}
