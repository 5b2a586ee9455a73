import type { ExitRecord } from './exit-record.ts';
import type { TaskHandle } from './start-task.ts';
import { waitTask } from './wait-task.ts';

/**
 * Stops the task gracefully: SIGTERM to every process of the job, SIGKILL to the whole job
 * (cgroup.kill, or freeze + kill) once `graceMs` has passed, then the exit record. Idempotent:
 * stopping a task that already ended returns its record. Throws what `waitTask` throws.
 */
export async function stopTask(
  task: Pick<TaskHandle, 'dir' | 'group'>,
  graceMs: number,
): Promise<ExitRecord> {
  const { group, dir } = task;
  await group.signalAll('SIGTERM');
  if (!(await group.waitEmpty(graceMs))) await group.kill();
  return waitTask(dir, { pollMs: 200 });
}
