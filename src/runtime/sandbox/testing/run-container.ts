import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NoCgroupManager } from '../../group/no-cgroup.ts';
import { parseRunAsUserName } from '../../spec/account.ts';
import { buildProcessConfig, type ProcessConfig } from '../../spec/process-config.ts';
import type { ContainerInput, ImageConfigInput, Layout } from '../../spec/types.ts';
import { startTask } from '../../task/start-task.ts';
import { waitTask } from '../../task/wait-task.ts';
import {
  accountBaseEnv,
  removeEphemeralUser,
  resolveAccount,
  type ServiceAccountNames,
} from '../../users/accounts.ts';
import { makeContainerProbe } from '../host-paths.ts';
import { createSandbox, removeSandbox, type Sandbox } from '../sandbox.ts';
import { ensureWorkingDir } from '../working-dir.ts';

/**
 * A one-layer image made of the host's busybox-static: `bin/busybox`, `bin/uname` → busybox,
 * and `bin/hello.sh`. Returns the unpacked layer directory.
 */
export function busyboxLayer(dir: string): string {
  mkdirSync(join(dir, 'bin'), { recursive: true, mode: 0o755 });
  copyFileSync('/bin/busybox', join(dir, 'bin/busybox'));
  symlinkSync('busybox', join(dir, 'bin/uname'));
  writeFileSync(join(dir, 'bin/hello.sh'), '#!/bin/sh\necho "hello from $0"\n', { mode: 0o755 });
  return dir;
}

export interface RunResult {
  exitCode: number | undefined;
  /** The log's text lines (stdout and stderr). */
  lines: string[];
  config: ProcessConfig;
  sandbox: Sandbox;
  accountName: string;
}

/**
 * Runs a container the way the services layer will: sandbox → account → process config →
 * working dir → the shim, waits for it to end, then removes the sandbox and any ephemeral user.
 */
export async function runContainer(options: {
  root: string;
  container: ContainerInput;
  image: ImageConfigInput;
  layers: string[];
  layout: Layout;
  serviceAccounts?: Partial<ServiceAccountNames>;
  /** Called while the sandbox exists, after the container ended. */
  inspect?: (sandbox: Sandbox) => void | Promise<void>;
}): Promise<RunResult> {
  const { container, root } = options;
  const spec = parseRunAsUserName(container.runAsUserName, container.annotations);
  const sandbox = await createSandbox({
    root,
    id: container.id,
    container: container.name,
    layers: options.layers,
    layout: options.layout,
    rootfsLocation: container.annotations['microsoft.com/hostprocess-rootfs-location'],
    mounts: container.mounts,
  });
  try {
    const account = await resolveAccount(spec, {
      containerId: container.id,
      container: container.name,
      ...(options.serviceAccounts ? { serviceAccounts: options.serviceAccounts } : {}),
    });
    try {
      const config = await buildProcessConfig(container, options.image, {
        layout: options.layout,
        mountPoint: sandbox.mountPoint,
        baseEnv: accountBaseEnv(account),
        probe: makeContainerProbe(sandbox.mappings),
      });
      await ensureWorkingDir(sandbox, config.cwd, { uid: account.uid, gid: account.gid });
      const dir = join(root, 'tasks', container.id);
      const group = await new NoCgroupManager('test').create(container.id);
      await startTask(
        {
          argv: [config.executable, ...config.argv.slice(1)],
          env: config.env.map((v) => `${v.name}=${v.value}`),
          cwd: config.cwd,
          user: { uid: account.uid, gid: account.gid, groups: account.groups },
          ...(sandbox.plan ? { mounts: sandbox.plan.binds } : {}),
          logPath: join(dir, 'log'),
        },
        { group, dir },
      );
      const exit = await waitTask(dir);
      await options.inspect?.(sandbox);
      const lines = readFileSync(join(dir, 'log'), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.replace(/^\S+ (stdout|stderr) [FP] /, ''));
      return { exitCode: exit.exitCode, lines, config, sandbox, accountName: account.name };
    } finally {
      if (account.ephemeral) await removeEphemeralUser(container.id);
    }
  } finally {
    await removeSandbox({ root, id: container.id });
  }
}
