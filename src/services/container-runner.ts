/**
 * One container's life on this host: create (job, account, workspace, process config) →
 * start (the task through the shim) → wait → stop → remove. Every step that acquires something
 * registers its undo first, so a failed start leaves no cgroup, mount, workspace, user or
 * directory behind.
 */
import { mkdir, rm } from 'node:fs/promises';
import { integerValue, milliValue } from '../api/quantity.ts';
import type { Container, Pod } from '../api/types.ts';
import type { ContainerType } from '../api/visit-containers.ts';
import { describeError, isRuntimeError, RuntimeError } from '../errors.ts';
import { Rollback } from '../lib/rollback.ts';
import type { JobLimits } from '../runtime/group/limits.ts';
import type { GroupManager } from '../runtime/group/types.ts';
import { makeContainerProbe } from '../runtime/sandbox/host-paths.ts';
import { WORKING_DIR_MODE } from '../runtime/sandbox/prepare-container.ts';
import { createSandbox, removeSandbox } from '../runtime/sandbox/sandbox.ts';
import { parseRunAsUserName } from '../runtime/spec/account.ts';
import { buildProcessConfig } from '../runtime/spec/process-config.ts';
import { ANNOTATION_ROOTFS_LOCATION, type Layout, type VolumeMount } from '../runtime/spec/types.ts';
import type { ExitRecord } from '../runtime/task/exit-record.ts';
import { DEFAULT_LOG_ROTATION, type LogRotation } from '../runtime/task/launch-spec.ts';
import { startTask, type TaskHandle } from '../runtime/task/start-task.ts';
import { stopTask } from '../runtime/task/stop-task.ts';
import { shimIdentity, waitTask } from '../runtime/task/wait-task.ts';
import {
  accountBaseEnv,
  ephemeralScope,
  type ResolvedAccount,
  removeEphemeralUser,
  resolveAccount,
  type ServiceAccountNames,
} from '../runtime/users/accounts.ts';
import { containerInput } from './container-input.ts';
import type { ReadyImage } from './images.ts';
import type { NodeInfo } from './node.ts';
import type { ObjectSet } from './object-set.ts';
import {
  type ContainerRecord,
  containerDir,
  logPath,
  newContainerId,
  type Owner,
  taskDir,
  writeRecord,
} from './records.ts';

/** What the runtime needs from the host, chosen once (the CLI's foreground mode or the daemon). */
export interface RuntimeDeps {
  root: string;
  layout: Layout;
  groups: GroupManager;
  node: NodeInfo;
  owner: Owner;
  workspaceMode?: 'auto' | 'overlay' | 'copy';
  serviceAccounts?: Partial<ServiceAccountNames>;
  /** After the first process exits: time the rest of the job gets before SIGKILL (default 5 s). */
  shutdownGraceMs?: number;
  /** Size-based rotation of each container's log by its shim (default: the kubelet's 10 MiB × 5 files). */
  logRotation?: LogRotation;
  shim?: string;
}

export interface RunningContainer {
  id: string;
  name: string;
  type: ContainerType;
  record: ContainerRecord;
  task: TaskHandle;
  account: ResolvedAccount;
  logPath: string;
  /** Things to tell the user (a shadowed host directory, …). */
  warnings: string[];
}

export type ExitReason = 'Completed' | 'Error' | 'OOMKilled' | 'StartError' | 'Unknown';

export interface ContainerExit {
  exitCode: number;
  reason: ExitReason;
  message?: string;
  signal?: string;
  startedAt?: string;
  finishedAt: string;
}

/** The job limits of a container from its `resources`. */
export function jobLimits(container: Container): JobLimits {
  const lim = container.resources?.limits ?? {};
  const req = container.resources?.requests ?? {};
  const out: JobLimits = {};
  if (lim.memory) out.memoryBytes = Number(integerValue(lim.memory));
  if (lim.cpu) out.cpuLimitMilli = Number(milliValue(lim.cpu));
  if (req.cpu) out.cpuRequestMilli = Number(milliValue(req.cpu));
  return out;
}

/**
 * Creates and starts a container. Resolves once its first process runs in its job. Throws a
 * RuntimeError (the start failed; nothing is left behind) — its message is what the pod status
 * shows with reason `StartError`.
 */
export async function startContainer(
  deps: RuntimeDeps,
  pod: Pod,
  container: Container,
  type: ContainerType,
  image: ReadyImage,
  extra: { mounts?: VolumeMount[]; objects?: ObjectSet; podGroup?: number | undefined } = {},
): Promise<RunningContainer> {
  const id = newContainerId();
  const rb = new Rollback();
  const dir = containerDir(deps.root, id);
  const record: ContainerRecord = {
    version: 1,
    id,
    pod: { name: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? 'default' },
    name: container.name,
    type,
    image: image.reference,
    owner: deps.owner,
    status: 'creating',
    createdAt: new Date().toISOString(),
    layout: deps.layout,
  };
  try {
    // Pure checks first: the account name and the container's env.
    const annotations = pod.metadata.annotations ?? {};
    const input = containerInput(pod, container, id, deps.node, extra.mounts ?? [], extra.objects);
    const accountSpec = parseRunAsUserName(input.runAsUserName, annotations);

    await mkdir(dir, { recursive: true, mode: 0o700 });
    rb.add('container directory', () => rm(dir, { recursive: true, force: true }));
    await writeRecord(deps.root, record);

    const group = await deps.groups.create(id, jobLimits(container));
    rb.add('job', () => group.destroy());

    const account = await resolveAccount(accountSpec, {
      containerId: id,
      container: container.name,
      scope: ephemeralScope(deps.root),
      ...(deps.serviceAccounts ? { serviceAccounts: deps.serviceAccounts } : {}),
    });
    if (account.ephemeral) {
      rb.add('ephemeral user', () => removeEphemeralUser(id, { scope: ephemeralScope(deps.root) }));
    }

    const sandbox = await createSandbox({
      root: deps.root,
      id,
      container: container.name,
      layers: image.layers,
      layout: deps.layout,
      rootfsLocation: annotations[ANNOTATION_ROOTFS_LOCATION],
      mounts: input.mounts,
      ...(deps.workspaceMode ? { mode: deps.workspaceMode } : {}),
      ...(accountSpec.kind === 'inherit' ? {} : { owner: { uid: account.uid, gid: account.gid } }),
      ...(extra.podGroup !== undefined ? { group: extra.podGroup } : {}),
    });
    rb.add('workspace', () => removeSandbox({ root: deps.root, id }));

    const pc = await buildProcessConfig(input, image.config.config ?? {}, {
      layout: deps.layout,
      mountPoint: sandbox.mountPoint,
      baseEnv: accountBaseEnv(account),
      probe: makeContainerProbe(sandbox.mappings),
    });
    const env = pc.env.map((e) => `${e.name}=${e.value}`);
    const task = await startTask(
      {
        argv: [pc.executable, ...pc.argv.slice(1)],
        env,
        cwd: pc.cwd,
        createCwdMode: WORKING_DIR_MODE,
        ...(accountSpec.kind === 'inherit'
          ? {}
          : {
              user: {
                uid: account.uid,
                gid: account.gid,
                // The pod's group: its volumes and workspaces are grouped to it.
                groups: extra.podGroup === undefined ? account.groups : [...account.groups, extra.podGroup],
              },
            }),
        ...(sandbox.plan ? { mounts: sandbox.plan.binds } : {}),
        logPath: logPath(deps.root, id),
        shutdownGraceMs: deps.shutdownGraceMs ?? 5000,
        logRotation: deps.logRotation ?? DEFAULT_LOG_ROTATION,
      },
      { group, dir: taskDir(deps.root, id), ...(deps.shim ? { shim: deps.shim } : {}) },
    );
    rb.add('task', () => group.kill());
    Object.assign(record, {
      status: 'running',
      mountPoint: sandbox.mountPoint,
      mappings: sandbox.mappings,
      env,
      cwd: pc.cwd,
      ephemeralUser: account.ephemeral,
      startedAt: task.startedAt,
    } satisfies Partial<ContainerRecord>);
    await writeRecord(deps.root, record);
    rb.commit();
    return {
      id,
      name: container.name,
      type,
      record,
      task,
      account,
      logPath: logPath(deps.root, id),
      warnings: sandbox.warnings,
    };
  } catch (e) {
    const failures = await rb.rollback();
    const err = isRuntimeError(e) ? e : new RuntimeError('Internal', describeError(e), { cause: e });
    if (failures.length > 0) {
      throw new RuntimeError(
        err.code,
        `${err.message} (and cleaning up failed: ${failures.map((f) => `${f.what}: ${describeError(f.error)}`).join('; ')})`,
        { cause: e, ...(err.hint ? { hint: err.hint } : {}) },
      );
    }
    throw err;
  }
}

function exitFrom(rec: ExitRecord, oom: boolean): ContainerExit {
  const reason: ExitReason =
    oom && rec.exitCode !== 0 ? 'OOMKilled' : rec.exitCode === 0 ? 'Completed' : 'Error';
  return {
    exitCode: rec.exitCode,
    reason,
    ...(rec.signal ? { signal: rec.signal } : {}),
    startedAt: rec.startedAt,
    finishedAt: rec.finishedAt,
  };
}

/** Waits for the container's first process to end (the job is emptied by the shim). */
export async function waitContainer(c: RunningContainer, signal?: AbortSignal): Promise<ContainerExit> {
  return exitOf(c, waitTask(c.task.dir, signal ? { signal } : {}));
}

/**
 * Stops the container: SIGTERM to its whole job, SIGKILL at `graceMs`. Idempotent (a stopped
 * container stays stopped).
 */
export async function stopContainer(c: RunningContainer, graceMs: number): Promise<ContainerExit> {
  return exitOf(c, stopTask(c.task, graceMs));
}

/**
 * The container's exit from its task's exit record: `OOMKilled` when the job's OOM killer
 * fired, `Unknown` when the shim vanished without a record (it was killed).
 */
async function exitOf(c: RunningContainer, record: Promise<ExitRecord>): Promise<ContainerExit> {
  let rec: ExitRecord;
  try {
    rec = await record;
  } catch (e) {
    if (!isRuntimeError(e, 'DataLoss')) throw e;
    return {
      exitCode: 137,
      reason: 'Unknown',
      message: describeError(e),
      finishedAt: new Date().toISOString(),
    };
  }
  const stats = await c.task.group.stats().catch(() => undefined);
  return exitFrom(rec, (stats?.oomKillCount ?? 0) > 0);
}

/** Records the exit in the container record. */
export async function recordExit(root: string, c: RunningContainer, exit: ContainerExit): Promise<void> {
  c.record.status = 'exited';
  c.record.exit = {
    exitCode: exit.exitCode,
    reason: exit.reason,
    finishedAt: exit.finishedAt,
    ...(exit.message ? { message: exit.message } : {}),
  };
  await writeRecord(root, c.record);
}

/**
 * Removes what the container holds on the host: its job (killing anything left), workspace,
 * ephemeral user, and — unless `keepLogs` — its directory with log and record. Idempotent.
 * Returns the problems it met (it goes on after each).
 */
export async function removeContainer(
  deps: Pick<RuntimeDeps, 'root' | 'groups'>,
  c: { id: string; task?: Pick<TaskHandle, 'group'>; shimPid?: number },
  options: { keepLogs?: boolean } = {},
): Promise<string[]> {
  const problems: string[] = [];
  const step = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (e) {
      problems.push(`${what}: ${describeError(e)}`);
    }
  };
  // The shim by pid and start time (its shim.pid), so the process-tree backend never takes a
  // reused pid for it.
  const shim = c.task ? undefined : await shimIdentity(taskDir(deps.root, c.id)).catch(() => undefined);
  const group =
    c.task?.group ??
    deps.groups.open(
      c.id,
      shim
        ? { shimPid: shim.pid, shimStartTime: shim.startTime }
        : c.shimPid === undefined
          ? {}
          : { shimPid: c.shimPid },
    );
  await step('job', () => group.destroy());
  await step('workspace', () => removeSandbox({ root: deps.root, id: c.id }));
  await step('ephemeral user', () => removeEphemeralUser(c.id, { scope: ephemeralScope(deps.root) }));
  if (!options.keepLogs)
    await step('directory', () => rm(containerDir(deps.root, c.id), { recursive: true, force: true }));
  else await step('task directory', () => rm(taskDir(deps.root, c.id), { recursive: true, force: true }));
  return problems;
}
