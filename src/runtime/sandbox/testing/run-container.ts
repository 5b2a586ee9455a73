import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NoCgroupManager } from '../../group/no-cgroup.ts';
import type { ProcessConfig } from '../../spec/process-config.ts';
import type { ContainerInput, ImageConfigInput, Layout } from '../../spec/types.ts';
import { startTask } from '../../task/start-task.ts';
import { waitTask } from '../../task/wait-task.ts';
import type { ServiceAccountNames } from '../../users/accounts.ts';
import { prepareContainer, releaseContainer } from '../prepare-container.ts';
import type { Sandbox, WorkspaceMode } from '../sandbox.ts';

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
 * Runs a container the way the services layer will: prepareContainer() → the shim, waits for it
 * to end, then releaseContainer().
 */
export async function runContainer(options: {
  root: string;
  container: ContainerInput;
  image: ImageConfigInput;
  layers: string[];
  layout: Layout;
  mode?: 'auto' | WorkspaceMode;
  serviceAccounts?: Partial<ServiceAccountNames>;
  serviceAccountIds?: Partial<{ localService: number; networkService: number }>;
}): Promise<RunResult> {
  const { container, root } = options;
  const prepared = await prepareContainer(container, options.image, {
    root,
    layout: options.layout,
    layers: options.layers,
    ...(options.mode ? { mode: options.mode } : {}),
    ...(options.serviceAccounts ? { serviceAccounts: options.serviceAccounts } : {}),
    ...(options.serviceAccountIds ? { serviceAccountIds: options.serviceAccountIds } : {}),
  });
  try {
    const dir = join(root, 'tasks', container.id);
    const group = await new NoCgroupManager('test').create(container.id);
    await startTask({ ...prepared.launch, logPath: join(dir, 'log') }, { group, dir });
    const exit = await waitTask(dir);
    const lines = readFileSync(join(dir, 'log'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.replace(/^\S+ (stdout|stderr) [FP] /, ''));
    return {
      exitCode: exit.exitCode,
      lines,
      config: prepared.config,
      sandbox: prepared.sandbox,
      accountName: prepared.account.name,
    };
  } finally {
    await releaseContainer(root, container.id);
  }
}
