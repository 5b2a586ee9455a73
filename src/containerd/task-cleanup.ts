import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../errors.ts';
import { type CgroupLayout, CgroupManager } from '../runtime/group/index.ts';
import { releaseContainer } from '../runtime/sandbox/prepare-container.ts';
import { readExit } from '../runtime/task/exit-record.ts';
import { nowTimestamp, type Timestamp, timestampOf } from './protos.ts';
import { type TaskRecord, tasksDir } from './task-prepare.ts';

/**
 * What the `delete` subcommand does for one task id, whether the server is alive or was killed:
 * the job is destroyed (every process left in it killed, double-forked ones included, through
 * the cgroup), the workspace unmounted and removed, the task's files deleted. Idempotent;
 * never touches other tasks. Returns the exit to report: the shim's exit record when there is
 * one, else 137 now (as runc does).
 */
export async function cleanupTask(
  root: string,
  cgroups: CgroupLayout,
  id: string,
): Promise<{ pid: number; exitStatus: number; exitedAt: Timestamp; found: boolean }> {
  const dir = tasksDir(root, id);
  let record: TaskRecord;
  try {
    record = JSON.parse(await readFile(join(dir, 'record.json'), 'utf8')) as TaskRecord;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || err instanceof SyntaxError) {
      await rm(dir, { recursive: true, force: true });
      return { pid: 0, exitStatus: 137, exitedAt: nowTimestamp(), found: false };
    }
    throw err;
  }
  const exit = await readExit(join(dir, 'task')).catch(() => undefined);
  let pid = exit?.initPid ?? 0;
  if (!exit) {
    try {
      pid = Number((await readFile(join(dir, 'task', 'init.pid'), 'utf8')).split(' ')[0]) || 0;
    } catch {}
  }
  if (cgroups.kind !== 'none') {
    const manager = new CgroupManager(cgroups, { parent: record.cgroupParent });
    await manager.open(record.groupId).destroy();
  }
  if (record.kind === 'container') await releaseContainer(root, id);
  await rm(dir, { recursive: true, force: true });
  return exit
    ? { pid, exitStatus: exit.exitCode, exitedAt: timestampOf(exit.finishedAt), found: true }
    : { pid, exitStatus: 137, exitedAt: nowTimestamp(), found: true };
}
