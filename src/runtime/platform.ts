/**
 * The runtime's host backends, chosen once from the OS (`lib/host-os.ts`): the job (cgroups /
 * Job Objects), the workspace (overlay or copy under the state root / a copy at `C:\hpc\<id>\`),
 * the account, the process config rules and the per-container helper (the C shim /
 * `hostpod-shim.exe`). `services/` call these through `RuntimeDeps.platform` and never ask which
 * OS they run on; the front doors get it from `hostPlatform()`.
 *
 * The Windows platform (`platform.win32.ts`) is imported only on Windows: it loads koffi.
 */
import { type HostOs, hostOs } from '../lib/host-os.ts';
import { createGroupManager } from './group/group-manager.ts';
import { createSandbox, removeSandbox } from './sandbox/sandbox.ts';
import { buildProcessConfig } from './spec/process-config.ts';
import { openTask, startTask } from './task/start-task.ts';
import { stopTask } from './task/stop-task.ts';
import { shimAlive, shimIdentity, waitTask } from './task/wait-task.ts';
import {
  accountBaseEnv,
  cleanupEphemeralUsers,
  removeEphemeralUser,
  resolveAccount,
} from './users/accounts.ts';
import { cleanupPodGroups } from './users/pod-groups.ts';

/** One host's backends; each member has the contract of the Linux function of the same name. */
export interface RuntimePlatform {
  readonly os: HostOs;
  /** Pods get their own resolv.conf (Linux); Windows pods use the host's DNS as it is. */
  readonly podResolvConf: boolean;
  /** The job backend (`group/`). */
  createGroupManager: typeof createGroupManager;
  /** The container's workspace and its volumes (`sandbox/`). */
  createSandbox: typeof createSandbox;
  removeSandbox: typeof removeSandbox;
  /** Pod + image config → the process to start (`spec/`). */
  buildProcessConfig: typeof buildProcessConfig;
  /** The run-as account (`users/`). */
  resolveAccount: typeof resolveAccount;
  accountBaseEnv: typeof accountBaseEnv;
  removeEphemeralUser: typeof removeEphemeralUser;
  /** Crash cleanup: ephemeral users and pod groups no live container accounts for. */
  cleanupEphemeralUsers: typeof cleanupEphemeralUsers;
  cleanupPodGroups: typeof cleanupPodGroups;
  /** The per-container helper holding the job, the log and the exit record (`task/`). */
  startTask: typeof startTask;
  stopTask: typeof stopTask;
  waitTask: typeof waitTask;
  shimIdentity: typeof shimIdentity;
  /** A task started earlier (a restarted daemon re-adopts it), and whether its helper still runs. */
  openTask: typeof openTask;
  shimAlive: typeof shimAlive;
}

/** Linux: cgroups, overlay/copy workspaces, passwd accounts, the C shim. */
export const linuxPlatform: RuntimePlatform = {
  os: 'linux',
  podResolvConf: true,
  createGroupManager,
  createSandbox,
  removeSandbox,
  buildProcessConfig,
  resolveAccount,
  accountBaseEnv,
  removeEphemeralUser,
  cleanupEphemeralUsers,
  cleanupPodGroups,
  startTask,
  stopTask,
  waitTask,
  shimIdentity,
  openTask,
  shimAlive,
};

/** This host's platform (or `os`'s): Linux's, or Windows' loaded on first use. */
export async function hostPlatform(os: HostOs = hostOs()): Promise<RuntimePlatform> {
  if (os === 'windows') return (await import('./platform.win32.ts')).windowsPlatform;
  return linuxPlatform;
}
