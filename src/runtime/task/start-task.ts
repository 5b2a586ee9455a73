import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, RuntimeError } from '../../errors.ts';
import { parseIdentity } from '../../lib/process-identity.ts';
import type { Group, GroupManager } from '../group/types.ts';
import { encodeLaunchSpec, type LaunchSpec } from './launch-spec.ts';
import { parseShimError, shimPath } from './shim.ts';
import { shimServer } from './shim-server.ts';

/** A running task: its shim, its first process, its job and its state directory. */
export interface TaskHandle {
  /** The task's directory: `spec`, `shim.pid`, `init.pid`, and `exit` once it ended. */
  dir: string;
  shimPid: number;
  initPid: number;
  /** When the first process exec'd (RFC 3339, UTC, nanoseconds). */
  startedAt: string;
  group: Group;
}

export interface StartTaskOptions {
  /** The job every process of the task joins (made by `GroupManager.create`). */
  group: Group;
  /** The task's directory (created if missing); must be private to hostpod. */
  dir: string;
  /** Overrides where the shim binary is. */
  shim?: string;
  /**
   * `server` (default): fork the shim from a long-lived `hostpod-shim serve`; `spawn`: spawn
   * `hostpod-shim start` from Node (slower by one spawn; no helper process).
   */
  launch?: 'server' | 'spawn';
}

function spawnStart(
  shim: string,
  dir: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(shim, ['start', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      err += s;
    });
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
}

/**
 * Starts the task's first process through the shim: it joins the job, gets the mount plan and
 * the user, then execs. The shim outlives the caller and writes `<dir>/exit` at the end.
 * Resolves once the program runs. Throws `TaskStartError` (a RuntimeError: `NotFound` for a
 * missing program, `PermissionDenied`, `FailedPrecondition`) naming the failed step,
 * `InvalidArgument` for a bad spec, `FailedPrecondition` when the shim is not built.
 */
export async function startTask(spec: LaunchSpec, options: StartTaskOptions): Promise<TaskHandle> {
  const { group, dir } = options;
  const data = encodeLaunchSpec(spec, { procsFiles: group.procsFiles, killFile: group.killFile });
  const shim = shimPath(options.shim);
  // Synchronous on purpose: two metadata writes that land in the page cache (no fsync). Through
  // the thread pool they cost 14-20 ms on a loaded 2-CPU host, directly 0.4-1 ms.
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, 'spec'), data, { mode: 0o600 });
  } catch (err) {
    throw new RuntimeError(
      'FailedPrecondition',
      `Cannot write the task spec in ${dir}: ${errnoCode(err) ?? String(err)}`,
      {
        cause: err,
      },
    );
  }
  const what = `process "${spec.argv[0]}"`;
  const { code, stdout, stderr } =
    options.launch === 'spawn'
      ? await spawnStart(shim, dir)
      : { code: 0, stdout: await shimServer(shim).start(dir), stderr: '' };
  const line = stdout.trim();
  const m = /^ok (\d+) (\d+) (\S+)$/.exec(line);
  if (code === 0 && m) {
    const shimPid = Number(m[1]);
    group.adopt(shimPid);
    return { dir, shimPid, initPid: Number(m[2]), startedAt: m[3] as string, group };
  }
  throw (
    parseShimError(line, what) ??
    new RuntimeError(
      'Internal',
      `Cannot start ${what}: the shim failed: ${(stderr || line || `exit ${code}`).trim()}`,
    )
  );
}

/**
 * A handle for a task started earlier, possibly by another hostpod process: reads `shim.pid`
 * and `init.pid` from `dir` and opens the job `groupId`. Throws `NotFound` if the task
 * never started there.
 */
export async function openTask(dir: string, groups: GroupManager, groupId: string): Promise<TaskHandle> {
  const read = async (name: string): Promise<string> => {
    try {
      return await readFile(join(dir, name), 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') {
        throw new RuntimeError('NotFound', `Cannot open the task in ${dir}: no ${name}`, {
          hint: 'The task was never started there.',
        });
      }
      throw err;
    }
  };
  const [shim, init] = await Promise.all([read('shim.pid'), read('init.pid')]);
  // init.pid holds "PID STARTED_AT"; shim.pid "PID STARTTIME" (older shims: the pid alone).
  const [initPid, startedAt = ''] = init.trim().split(' ');
  const id = parseIdentity(shim);
  const shimPid = id?.pid ?? Number.parseInt(shim, 10);
  const group = groups.open(groupId, { shimPid, ...(id ? { shimStartTime: id.startTime } : {}) });
  return { dir, shimPid, initPid: Number(initPid), startedAt, group };
}
