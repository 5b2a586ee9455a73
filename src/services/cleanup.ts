/**
 * Crash cleanup: containers whose managing hostpod process is gone (a `hostpod run` killed with
 * SIGKILL) are stopped and removed — job, workspace, ephemeral user — and recorded as exited
 * with reason `Unknown`; jobs, workspaces and ephemeral users that no record accounts for are
 * removed too. Everything is scoped to this state root: only this instance's jobs (the group
 * manager's `instance`), sandboxes, pod directories and users (`ephemeralScope`) are looked at,
 * so a crashed `hostpod run` never harms a daemon or another root on the same host.
 */

import { readdir } from 'node:fs/promises';
import { describeError } from '../errors.ts';
import type { GroupManager } from '../runtime/group/types.ts';
import type { RuntimePlatform } from '../runtime/platform.ts';
import { safeRemove } from '../runtime/sandbox/safe-fs.ts';
import { listSandboxes, trashDir } from '../runtime/sandbox/sandbox.ts';
import { ephemeralScope } from '../runtime/users/accounts.ts';
import type { ContainerRepository } from '../state/containers.ts';
import { terminatedState, vanishedExit } from './container-exit.ts';
import { platformOf, removeContainer } from './container-runner.ts';
import { ownerAlive } from './records.ts';
import { livePodGroups, removeStalePodVolumes } from './volumes.ts';

export interface CleanupReport {
  /** Containers of a dead owner that were stopped and removed. */
  containers: string[];
  /** Jobs, workspaces and users no record accounted for. */
  orphans: string[];
  problems: string[];
}

/**
 * Cleans up after crashed owners, from the records in the state database (`containers`: each
 * run's owner). The daemon's containers are left alone: it reconciles them itself. Never throws
 * for one container's failure; reports it.
 */
export async function cleanupStale(deps: {
  root: string;
  groups: GroupManager;
  containers: ContainerRepository;
  platform?: RuntimePlatform;
}): Promise<CleanupReport> {
  const platform = platformOf(deps);
  const report: CleanupReport = { containers: [], orphans: [], problems: [] };
  const live = new Set<string>();
  for (const rec of deps.containers.listUnfinished()) {
    if (rec.owner.daemon || (await ownerAlive(rec.owner))) {
      live.add(rec.id);
      continue;
    }
    const problems = await removeContainer(deps, { id: rec.id }, { keepLogs: true });
    for (const p of problems) report.problems.push(`container ${rec.id} (${rec.pod.name}/${rec.name}): ${p}`);
    const exit = vanishedExit(
      `the hostpod process ${rec.owner.pid} that ran it ended without stopping it; stopped by cleanup`,
      rec.startedAt,
    );
    try {
      deps.containers.update(rec.id, { state: { terminated: terminatedState(exit, rec.id) } });
    } catch (e) {
      report.problems.push(`container ${rec.id}: recording its end: ${describeError(e)}`);
    }
    report.containers.push(rec.id);
  }
  const step = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      report.orphans.push(what);
    } catch (e) {
      report.problems.push(`${what}: ${describeError(e)}`);
    }
  };
  for (const id of await deps.groups.listOrphans(live))
    await step(`job ${id}`, () => deps.groups.open(id).destroy());
  for (const id of await listSandboxes(deps.root)) {
    if (!live.has(id)) await step(`workspace ${id}`, () => platform.removeSandbox({ root: deps.root, id }));
  }
  // Trees a crashed removal had moved aside (removeTreeSafely) but not finished deleting.
  try {
    for (const name of await readdir(trashDir(deps.root)).catch(() => [] as string[]))
      await step(`removed tree ${name}`, () => safeRemove(trashDir(deps.root), name));
  } catch (e) {
    report.problems.push(`trash: ${describeError(e)}`);
  }
  // Pod volume directories (and their tmpfs mounts) whose owner process is gone.
  try {
    const vols = await removeStalePodVolumes(deps.root);
    for (const v of vols.removed) report.orphans.push(`pod volumes ${v}`);
    report.problems.push(...vols.problems);
  } catch (e) {
    report.problems.push(`pod volumes: ${describeError(e)}`);
  }
  // Pod groups of this instance whose pod directory is gone.
  try {
    const groups = await platform.cleanupPodGroups(ephemeralScope(deps.root), await livePodGroups(deps.root));
    for (const name of groups.removed) report.orphans.push(`group ${name}`);
    for (const f of groups.failed) report.problems.push(`group ${f.name}: ${describeError(f.error)}`);
  } catch (e) {
    report.problems.push(`pod groups: ${describeError(e)}`);
  }
  try {
    const users = await platform.cleanupEphemeralUsers(live, { scope: ephemeralScope(deps.root) });
    for (const name of users.removed) report.orphans.push(`user ${name}`);
    for (const f of users.failed) report.problems.push(`user ${f.name}: ${describeError(f.error)}`);
  } catch (e) {
    report.problems.push(`ephemeral users: ${describeError(e)}`);
  }
  return report;
}
