/**
 * The Windows platform (see `platform.ts`): the workspace as a directory copy at `C:\hpc\<id>\`
 * or `C:\C\<id>\` (`sandbox/windows/`), the process config by hcsshim's rules
 * (`spec/windows/`), the accounts, the Job Object backend and `hostpod-shim.exe`. Imported only
 * on Windows.
 */
import { stat } from 'node:fs/promises';
import { createJobObjectGroupManager } from './group/windows/job-object-group.ts';
import type { RuntimePlatform } from './platform.ts';
import { createWindowsSandbox, removeWindowsSandbox } from './sandbox/windows/workspace.ts';
import type { AccountSpec } from './spec/account.ts';
import { selectArgv } from './spec/command.ts';
import { parseImageEnv } from './spec/env.ts';
import type { ProcessConfig, ProcessConfigOptions } from './spec/process-config.ts';
import type { ContainerInput, EnvVar, ImageConfigInput, PathKind } from './spec/types.ts';
import { tokenError } from './spec/windows/account.ts';
import { buildCommandLine, splitCommandLine } from './spec/windows/command-line.ts';
import { buildWindowsEnv, getWindowsEnv } from './spec/windows/env-block.ts';
import { getApplicationName, launchFor } from './spec/windows/executable.ts';
import { replaceWindowsSandboxTokens } from './spec/windows/mount-point.ts';
import { resolveWindowsWorkingDir } from './spec/windows/working-dir.ts';
import {
  openTaskWindows,
  shimIdentityWindows,
  startTaskWindows,
  stopTaskWindows,
  waitTaskWindows,
} from './task/windows/adapter.ts';
import { windowsShimAlive } from './task/windows/shim-alive.ts';
import type { ResolveAccountOptions, ResolvedAccount } from './users/accounts.ts';
import { openAccountToken } from './users/windows/windows-accounts.ts';

const SYSTEM_ROOT = 'C:\\Windows';
const SYSTEM_DIR = `${SYSTEM_ROOT}\\system32`;

/**
 * SYSTEM's default environment as `CreateEnvironmentBlock(SYSTEM token, FALSE)` gives it on a
 * Windows Server node (by construction: Wine has no such account to read it from).
 */
export const SYSTEM_DEFAULT_ENV: readonly EnvVar[] = [
  { name: 'ALLUSERSPROFILE', value: 'C:\\ProgramData' },
  { name: 'APPDATA', value: `${SYSTEM_DIR}\\config\\systemprofile\\AppData\\Roaming` },
  { name: 'CommonProgramFiles', value: 'C:\\Program Files\\Common Files' },
  { name: 'COMPUTERNAME', value: 'localhost' },
  { name: 'ComSpec', value: `${SYSTEM_DIR}\\cmd.exe` },
  { name: 'LOCALAPPDATA', value: `${SYSTEM_DIR}\\config\\systemprofile\\AppData\\Local` },
  { name: 'OS', value: 'Windows_NT' },
  {
    name: 'Path',
    value: `${SYSTEM_DIR};${SYSTEM_ROOT};${SYSTEM_DIR}\\Wbem;${SYSTEM_DIR}\\WindowsPowerShell\\v1.0\\`,
  },
  { name: 'PATHEXT', value: '.COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC' },
  { name: 'ProgramData', value: 'C:\\ProgramData' },
  { name: 'ProgramFiles', value: 'C:\\Program Files' },
  { name: 'SystemDrive', value: 'C:' },
  { name: 'SystemRoot', value: SYSTEM_ROOT },
  { name: 'TEMP', value: `${SYSTEM_ROOT}\\TEMP` },
  { name: 'TMP', value: `${SYSTEM_ROOT}\\TEMP` },
  { name: 'USERNAME', value: 'SYSTEM' },
  { name: 'USERPROFILE', value: `${SYSTEM_DIR}\\config\\systemprofile` },
  { name: 'windir', value: SYSTEM_ROOT },
];

/** The default environment read for each resolved account (from its token). */
const BASE_ENV = new WeakMap<ResolvedAccount, EnvVar[]>();

/** A Windows host path as a `PathKind` (the workspace is a plain directory, so host path = container path). */
async function hostProbe(path: string): Promise<PathKind> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

/**
 * Pod + image config → the process, by hcsshim's rules: argv by the Kubernetes rules with the
 * sandbox tokens replaced, the environment block, the working dir under the workspace, the
 * program found by `getApplicationName` (working dir, PATH, system dirs; `.exe` added, or the
 * `PATHEXT` list), `.cmd`/`.bat` run through cmd.exe. `argv[0]` is the program's full path.
 * Throws what those rules throw (`failed to find executable …`).
 */
export async function buildWindowsProcessConfig(
  container: ContainerInput,
  image: ImageConfigInput,
  options: ProcessConfigOptions,
): Promise<ProcessConfig> {
  const { mountPoint } = options;
  const argv = selectArgv({
    name: container.name,
    command: container.command,
    args: container.args,
    entrypoint: image.Entrypoint,
    cmd: image.Cmd,
  }).map((a) => replaceWindowsSandboxTokens(a, mountPoint).value);
  const env = buildWindowsEnv({
    userDefault: options.baseEnv,
    spec: [...parseImageEnv(image.Env), ...container.env],
    mountPoint,
    systemRoot: SYSTEM_ROOT,
  });
  const cwd = resolveWindowsWorkingDir({
    workingDir: container.workingDir || image.WorkingDir || undefined,
    mountPoint,
    layout: options.layout,
  });
  const found = await getApplicationName(buildCommandLine(argv), {
    workDir: cwd,
    path: getWindowsEnv(env, 'PATH') ?? '',
    systemDir: SYSTEM_DIR,
    winDir: SYSTEM_ROOT,
    probe: hostProbe,
  });
  const launch = launchFor(found, SYSTEM_DIR);
  const args = splitCommandLine(launch.commandLine);
  return {
    executable: launch.applicationName,
    argv: [launch.applicationName, ...args.slice(1)],
    commandLine: launch.commandLine,
    env,
    cwd,
    mountPoint,
  };
}

/**
 * The run-as account. SYSTEM (hostpod's own token, as the reference uses when it runs as SYSTEM)
 * and `microsoft.com/hostprocess-inherit-user` run as hostpod; the service accounts and local
 * groups need `LogonUserW` / `NetUserAdd` (`users/windows/`, by construction), refused with the
 * reference's words until that module is in this build.
 */
async function resolveWindowsAccount(
  spec: AccountSpec,
  options: ResolveAccountOptions,
): Promise<ResolvedAccount> {
  if (spec.kind === 'system' || spec.kind === 'inherit') {
    const account: ResolvedAccount = {
      name: 'NT AUTHORITY\\SYSTEM',
      uid: 0,
      gid: 0,
      groups: [],
      home: `${SYSTEM_DIR}\\config\\systemprofile`,
      shell: `${SYSTEM_DIR}\\cmd.exe`,
      ephemeral: false,
    };
    // The account's default environment from hostpod's own token (CreateEnvironmentBlock).
    const token = openAccountToken({ kind: 'inherit' }, options.containerId);
    try {
      BASE_ENV.set(account, token.environment());
    } finally {
      token.close();
    }
    return account;
  }
  throw tokenError(
    'failed to logon user',
    `the ${spec.kind} account is not supported by this build on Windows`,
  );
}

export const windowsPlatform: RuntimePlatform = {
  os: 'windows',
  podResolvConf: false,
  // Job Objects through koffi (runtime/group/windows/): limits set at create, pids, accounting.
  createGroupManager: async (o) =>
    createJobObjectGroupManager({
      instance: o?.instance ?? 'default',
      ...(o?.hostCpus !== undefined ? { hostCpus: o.hostCpus } : {}),
    }),
  createSandbox: createWindowsSandbox,
  removeSandbox: removeWindowsSandbox,
  buildProcessConfig: buildWindowsProcessConfig,
  resolveAccount: resolveWindowsAccount,
  accountBaseEnv: (account) => [...(BASE_ENV.get(account) ?? SYSTEM_DEFAULT_ENV)],
  removeEphemeralUser: async () => false,
  // No ephemeral users or pod groups are made on this build's Windows platform.
  cleanupEphemeralUsers: async () => ({ removed: [], failed: [] }),
  cleanupPodGroups: async () => ({ removed: [], failed: [] }),
  startTask: startTaskWindows,
  stopTask: stopTaskWindows,
  waitTask: waitTaskWindows,
  shimIdentity: shimIdentityWindows,
  openTask: openTaskWindows,
  shimAlive: windowsShimAlive,
};
