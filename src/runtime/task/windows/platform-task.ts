/**
 * The Windows task functions with the Linux signatures (`startTask`, `stopTask`, `waitTask` of
 * `../`), for `RuntimePlatform`: a `LaunchSpec` (argv, env, cwd, log, grace) becomes a
 * `WindowsLaunchSpec` for `hostpod-shim.exe`, the job being the `JobObjectGroup` made by
 * `JobObjectGroupManager.create` (which set the limits; the shim opens it by name).
 */
import { RuntimeError } from '../../../errors.ts';
import { JobObjectGroup } from '../../group/windows/job-object-group.ts';
import { buildCommandLine } from '../../spec/windows/command-line.ts';
import type { ExitRecord } from '../exit-record.ts';
import type { LaunchSpec } from '../launch-spec.ts';
import type { StartTaskOptions, TaskHandle } from '../start-task.ts';
import type { WaitTaskOptions } from '../wait-task.ts';
import type { WindowsLaunchSpec } from './launch-spec.ts';
import { windowsShimAlive } from './shim-alive.ts';
import { startWindowsTask, stopWindowsTask, waitWindowsTask } from './start-task.ts';

/**
 * The shim's spec for `spec` in job `jobName`: `argv[0]` is the application (already resolved
 * by hcsshim's rules), the command line is argv escaped as Go's EscapeArg does.
 * Throws `InvalidArgument` for features the Windows shim does not have (mounts, a user other
 * than hostpod's, given stdio, an oom score).
 */
export function toWindowsLaunchSpec(spec: LaunchSpec, jobName: string): WindowsLaunchSpec {
  const unsupported = (
    [
      ['mounts', spec.mounts !== undefined && spec.mounts.length > 0],
      ['user', spec.user !== undefined],
      ['stdio', spec.stdio !== undefined],
      ['oomScoreAdj', spec.oomScoreAdj !== undefined],
      ['logRotation', spec.logRotation !== undefined],
    ] as const
  ).filter(([, set]) => set);
  if (unsupported.length > 0)
    throw new RuntimeError(
      'InvalidArgument',
      `Cannot launch a Windows task with ${unsupported.map(([k]) => k).join(', ')}: not supported by hostpod-shim.exe`,
      {
        hint: 'Windows containers get volumes as links in the workspace and run as the token hostpod holds.',
      },
    );
  const application = spec.argv[0];
  if (application === undefined)
    throw new RuntimeError('InvalidArgument', 'Cannot launch a Windows task: empty argv');
  return {
    jobName,
    application,
    commandLine: buildCommandLine(spec.argv),
    env: spec.env,
    cwd: spec.cwd,
    ...(spec.logPath !== undefined ? { logPath: spec.logPath } : {}),
    ...(spec.shutdownGraceMs !== undefined ? { shutdownGraceMs: spec.shutdownGraceMs } : {}),
  };
}

function jobOf(group: unknown): JobObjectGroup {
  if (!(group instanceof JobObjectGroup))
    throw new RuntimeError('InvalidArgument', 'Cannot start a Windows task outside a Job Object group', {
      hint: 'Make the group with the Windows platform (JobObjectGroupManager).',
    });
  return group;
}

/** `startTask` for Windows: see `startWindowsTask` for the errors. */
export async function startTaskOnWindows(spec: LaunchSpec, options: StartTaskOptions): Promise<TaskHandle> {
  const group = jobOf(options.group);
  const h = await startWindowsTask(toWindowsLaunchSpec(spec, group.name), { dir: options.dir });
  return { dir: h.dir, shimPid: h.shimPid, initPid: h.initPid, startedAt: h.startedAt, group };
}

/** `waitTask` for Windows: `DataLoss` when the shim is gone without an exit record. */
export function waitTaskOnWindows(dir: string, options: WaitTaskOptions = {}): Promise<ExitRecord> {
  return waitWindowsTask(dir, {
    ...(options.signal ? { signal: options.signal } : {}),
    pollMs: options.pollMs ?? 250,
    shimAlive: () => windowsShimAlive(dir),
  });
}

/** `stopTask` for Windows: the shim's graceful stop (CTRL_SHUTDOWN, TerminateJobObject at the grace). */
export function stopTaskOnWindows(
  task: Pick<TaskHandle, 'dir' | 'group'>,
  graceMs: number,
): Promise<ExitRecord> {
  return stopWindowsTask(task.dir, graceMs, { shimAlive: () => windowsShimAlive(task.dir) });
}
