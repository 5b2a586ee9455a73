/** Launching and controlling a container's processes through the native shim (see README.md). */
export {
  type ExecOptions,
  type ExecProcess,
  type ExecResult,
  execCommand,
  execInTask,
  spawnExec,
  writeExecSpec,
} from './exec-task.ts';
export { type ExitRecord, readExit } from './exit-record.ts';
export { decodeLaunchSpec, encodeLaunchSpec, type LaunchSpec, type MountPropagation } from './launch-spec.ts';
export { type LogStatus, parseLogStatus, readLogStatus } from './log-status.ts';
export { DEFAULT_SHIM_PATH, shimPath, TaskStartError } from './shim.ts';
export { openTask, type StartTaskOptions, startTask, type TaskHandle } from './start-task.ts';
export { stopTask } from './stop-task.ts';
export { shimAlive, shimIdentity, type WaitTaskOptions, waitTask } from './wait-task.ts';
