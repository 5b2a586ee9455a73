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
import { linuxPlatform, type RuntimePlatform } from '../runtime/platform.ts';
import { makeContainerProbe } from '../runtime/sandbox/host-paths.ts';
import { WORKING_DIR_MODE } from '../runtime/sandbox/prepare-container.ts';
import { parseRunAsUserName } from '../runtime/spec/account.ts';
import { ANNOTATION_ROOTFS_LOCATION, type VolumeMount } from '../runtime/spec/types.ts';
import type { ExitRecord } from '../runtime/task/exit-record.ts';
import { DEFAULT_LOG_ROTATION } from '../runtime/task/launch-spec.ts';
import type { TaskHandle } from '../runtime/task/start-task.ts';
import { ephemeralScope, type ResolvedAccount } from '../runtime/users/accounts.ts';
import type { CreateContainerInput, ExecInfo } from '../state/containers.ts';
import { type ContainerId, type PodUid, parseContainerId } from '../state/ids.ts';
import { containerInput } from './container-input.ts';
import type { ReadyImage } from './images.ts';
import type { ObjectSet } from './object-set.ts';
import type { RuntimeDeps } from './runtime-deps.ts';

export type { RuntimeDeps } from './runtime-deps.ts';

import {
  type ContainerExit,
  exitFromRecord,
  startErrorExit,
  terminatedState,
  vanishedExit,
} from './container-exit.ts';
import { containerDir, logPath, newContainerId, taskDir } from './records.ts';

export interface RunningContainer {
  id: string;
  name: string;
  type: ContainerType;
  /** What an exec or an exec probe into it needs (as in its record). */
  exec: ExecInfo;
  task: TaskHandle;
  account: ResolvedAccount;
  logPath: string;
  /** Things to tell the user (a shadowed host directory, …). */
  warnings: string[];
  /** The host backends it was started with (default: Linux's). */
  platform?: RuntimePlatform;
}

/** The host backends of `deps` (Linux's when the front door chose none). */
export function platformOf(deps: { platform?: RuntimePlatform | undefined }): RuntimePlatform {
  return deps.platform ?? linuxPlatform;
}

export type { ContainerExit, ExitReason } from './container-exit.ts';

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

export interface StartContainerOptions {
  /** The attempt number of this run (the container's restart count). */
  attempt: number;
  /** The run's id (default: a new one); its record has it even when the start fails. */
  id?: ContainerId;
  /** The pod's host group (its volumes and workspaces are grouped to it), when it has one. */
  podGroup?: number | undefined;
  /** The daemon's pod uid (its record belongs to the pod's row); absent under `hostpod run`. */
  podUid?: PodUid;
  mounts?: VolumeMount[];
  objects?: ObjectSet;
}

/**
 * Creates and starts a container run, recorded first (`deps.records`) so a crash at any point
 * leaves a record naming what to clean up. Resolves once its first process runs in its job.
 * Throws a RuntimeError (the start failed; nothing is left behind on the host, and its record
 * says `StartError` with that message).
 */
export async function startContainer(
  deps: RuntimeDeps,
  pod: Pod,
  container: Container,
  type: ContainerType,
  image: ReadyImage,
  options: StartContainerOptions,
): Promise<RunningContainer> {
  const id = options.id ?? parseContainerId(newContainerId());
  const rb = new Rollback();
  const dir = containerDir(deps.root, id);
  const row: CreateContainerInput = {
    id,
    ...(options.podUid ? { podUid: options.podUid } : {}),
    pod: { name: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? 'default' },
    name: container.name,
    type,
    attempt: options.attempt,
    image: image.reference,
    imageDigest: image.manifestDigest,
    owner: deps.owner,
  };
  let recorded = false;
  try {
    // Pure checks first: the account name and the container's env.
    const annotations = pod.metadata.annotations ?? {};
    const input = containerInput(pod, container, id, deps.node, options.mounts ?? [], options.objects);
    const accountSpec = parseRunAsUserName(input.runAsUserName, annotations);

    deps.records.create(row);
    recorded = true;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    rb.add('container directory', () => rm(dir, { recursive: true, force: true }));

    const platform = platformOf(deps);
    const group = await deps.groups.create(id, jobLimits(container));
    rb.add('job', () => group.destroy());

    const account = await platform.resolveAccount(accountSpec, {
      containerId: id,
      container: container.name,
      scope: ephemeralScope(deps.root),
      ...(deps.serviceAccounts ? { serviceAccounts: deps.serviceAccounts } : {}),
    });
    if (account.ephemeral) {
      rb.add('ephemeral user', () => platform.removeEphemeralUser(id, { scope: ephemeralScope(deps.root) }));
    }

    const sandbox = await platform.createSandbox({
      root: deps.root,
      id,
      container: container.name,
      layers: image.layers,
      layout: deps.layout,
      rootfsLocation: annotations[ANNOTATION_ROOTFS_LOCATION],
      mounts: input.mounts,
      ...(deps.workspaceMode ? { mode: deps.workspaceMode } : {}),
      ...(accountSpec.kind === 'inherit' ? {} : { owner: { uid: account.uid, gid: account.gid } }),
      ...(options.podGroup !== undefined ? { group: options.podGroup } : {}),
    });
    rb.add('workspace', () => platform.removeSandbox({ root: deps.root, id }));

    const pc = await platform.buildProcessConfig(input, image.config.config ?? {}, {
      layout: deps.layout,
      mountPoint: sandbox.mountPoint,
      baseEnv: platform.accountBaseEnv(account),
      probe: makeContainerProbe(sandbox.mappings),
    });
    const env = pc.env.map((e) => `${e.name}=${e.value}`);
    const task = await platform.startTask(
      {
        argv: [pc.executable, ...pc.argv.slice(1)],
        ...(pc.commandLine !== undefined ? { commandLine: pc.commandLine } : {}),
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
                groups:
                  options.podGroup === undefined ? account.groups : [...account.groups, options.podGroup],
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
    deps.onStep?.('task-started');
    const exec: ExecInfo = {
      layout: deps.layout,
      mountPoint: sandbox.mountPoint,
      mappings: sandbox.mappings,
      env,
      cwd: pc.cwd,
      ephemeralUser: account.ephemeral,
    };
    deps.records.update(id, {
      state: { running: { startedAt: task.startedAt } },
      taskDir: task.dir,
      groupId: group.id,
      exec,
    });
    rb.commit();
    return {
      id,
      name: container.name,
      type,
      exec,
      task,
      account,
      logPath: logPath(deps.root, id),
      warnings: sandbox.warnings,
      ...(deps.platform ? { platform: deps.platform } : {}),
    };
  } catch (e) {
    const failures = await rb.rollback();
    const err = isRuntimeError(e) ? e : new RuntimeError('Internal', describeError(e), { cause: e });
    const thrown =
      failures.length > 0
        ? new RuntimeError(
            err.code,
            `${err.message} (and cleaning up failed: ${failures.map((f) => `${f.what}: ${describeError(f.error)}`).join('; ')})`,
            { cause: e, ...(err.hint ? { hint: err.hint } : {}) },
          )
        : err;
    // The run's record says how it ended (a failed check is a run that never started).
    const state = { terminated: terminatedState(startErrorExit(thrown), id) };
    try {
      if (recorded) deps.records.update(id, { state });
      else deps.records.create({ ...row, state });
    } catch {
      // Not recordable (a full disk): the caller still reports the StartError.
    }
    throw thrown;
  }
}

/** Waits for the container's first process to end (the job is emptied by the shim). */
export async function waitContainer(c: RunningContainer, signal?: AbortSignal): Promise<ContainerExit> {
  return exitOf(c, platformOf(c).waitTask(c.task.dir, signal ? { signal } : {}));
}

/**
 * Stops the container: SIGTERM to its whole job, SIGKILL at `graceMs`. Idempotent (a stopped
 * container stays stopped).
 */
export async function stopContainer(c: RunningContainer, graceMs: number): Promise<ContainerExit> {
  return exitOf(c, platformOf(c).stopTask(c.task, graceMs));
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
    return vanishedExit(describeError(e));
  }
  const stats = await c.task.group.stats().catch(() => undefined);
  return exitFromRecord(rec, (stats?.oomKillCount ?? 0) > 0);
}

/** Records the run's end in its record (a store that cannot write now keeps it to retry). */
export function recordExit(deps: Pick<RuntimeDeps, 'records'>, id: string, exit: ContainerExit): void {
  deps.records.update(parseContainerId(id), { state: { terminated: terminatedState(exit, id) } });
}

/**
 * Removes what the container holds on the host: its job (killing anything left), workspace,
 * ephemeral user, and — unless `keepLogs` — its directory with log and record. Idempotent.
 * Returns the problems it met (it goes on after each).
 */
export async function removeContainer(
  deps: Pick<RuntimeDeps, 'root' | 'groups' | 'platform'>,
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
  const platform = platformOf(deps);
  const shim = c.task
    ? undefined
    : await platform.shimIdentity(taskDir(deps.root, c.id)).catch(() => undefined);
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
  await step('workspace', () => platform.removeSandbox({ root: deps.root, id: c.id }));
  await step('ephemeral user', () =>
    platform.removeEphemeralUser(c.id, { scope: ephemeralScope(deps.root) }),
  );
  if (!options.keepLogs)
    await step('directory', () => rm(containerDir(deps.root, c.id), { recursive: true, force: true }));
  else await step('task directory', () => rm(taskDir(deps.root, c.id), { recursive: true, force: true }));
  return problems;
}
