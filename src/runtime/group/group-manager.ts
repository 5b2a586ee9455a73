import { existsSync, mkdirSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { posix } from 'node:path';
import { errnoCode, isRuntimeError, RuntimeError } from '../../errors.ts';
import { Rollback } from '../../lib/rollback.ts';
import { checkGroupId, removeCgroupDirs, writeControl } from './cgroup-fs.ts';
import { type CgroupDirs, CgroupV2Group, HybridCgroupGroup } from './cgroup-group.ts';
import { type CgroupLayout, type Hierarchy, readCgroupLayout, type V1Controller } from './layout.ts';
import { cgroupLimits, type JobLimits } from './limits.ts';
import { NoCgroupManager } from './no-cgroup.ts';
import type { Group, GroupManager } from './types.ts';

export interface GroupManagerOptions {
  /**
   * The cgroup under which jobs are made, the same path in every hierarchy (e.g. `/hostpod`).
   * Default: a `hostpod` child of the cgroup this process runs in, per hierarchy.
   */
  parent?: string;
  /** CPUs of the host, for the CPU limit arithmetic. Default: `os.availableParallelism()`. */
  hostCpus?: number;
  /**
   * The instance (`lib/instance-id.ts`: one per state root) whose jobs this manager makes:
   * job `id` is the cgroup `<instance>-<id>`, and `listOrphans` sees only this instance's jobs,
   * so instances sharing one parent never stop each other's containers. Without it the manager
   * names jobs by their id alone and owns everything under its parent.
   */
  instance?: string;
}

const INSTANCE = /^[a-z0-9]{1,32}$/;

type Role = 'unified' | V1Controller;

/** The v2 controllers jobs need enabled in their parent's `cgroup.subtree_control`. */
const V2_CONTROLLERS = ['memory', 'cpu', 'pids'];

function checkParent(parent: string): void {
  if (!parent.startsWith('/') || parent.split('/').some((c) => c === '..' || c === '.')) {
    throw new RuntimeError(
      'InvalidArgument',
      `Cannot use "${parent}" as the cgroup parent: not an absolute cgroup path`,
      {
        hint: 'Give a path such as /hostpod, relative to the root of each cgroup hierarchy.',
      },
    );
  }
}

/** Makes cgroup jobs (v2, hybrid or plain v1) under one parent cgroup. */
export class CgroupManager implements GroupManager {
  readonly kind: 'v2' | 'hybrid' | 'v1';
  readonly warning = undefined;
  /** The parent directory of the jobs, per hierarchy. */
  readonly parents: Partial<Record<Role, string>> = {};
  readonly instance: string | undefined;
  private readonly hostCpus: number;
  private prepared: Promise<void> | undefined;

  constructor(layout: Exclude<CgroupLayout, { kind: 'none' }>, options: GroupManagerOptions = {}) {
    if (options.parent !== undefined) checkParent(options.parent);
    if (options.instance !== undefined && !INSTANCE.test(options.instance)) {
      throw new RuntimeError('InvalidArgument', `Cannot use "${options.instance}" as an instance id`);
    }
    this.instance = options.instance;
    this.kind = layout.kind;
    this.hostCpus = options.hostCpus ?? availableParallelism();
    const parentIn = (h: Hierarchy): string =>
      posix.join(h.mount, options.parent ?? posix.join(h.own, 'hostpod'));
    if (layout.kind !== 'v1') this.parents.unified = parentIn(layout.unified);
    if (layout.kind !== 'v2') {
      // With cgroup2 beside v1 (hybrid), cgroup.kill replaces the freezer.
      const wanted: V1Controller[] =
        layout.kind === 'hybrid'
          ? ['memory', 'cpu', 'cpuacct', 'pids']
          : ['memory', 'cpu', 'cpuacct', 'pids', 'freezer'];
      for (const c of wanted) {
        const h = layout.controllers[c];
        if (h !== undefined) this.parents[c] = parentIn(h);
      }
    }
  }

  /** The cgroup directory name of job `id`: `<instance>-<id>`, or `id` without an instance. */
  jobName(id: string): string {
    return this.instance === undefined ? id : `${this.instance}-${id}`;
  }

  private dirsOf(name: string): CgroupDirs {
    const dirs: CgroupDirs = {};
    for (const [role, parent] of Object.entries(this.parents) as [Role, string][]) {
      dirs[role] = posix.join(parent, name);
    }
    return dirs;
  }

  private groupOf(id: string, name = this.jobName(id)): CgroupV2Group | HybridCgroupGroup {
    const dirs = this.dirsOf(name);
    return this.kind === 'v2' ? new CgroupV2Group(id, dirs) : new HybridCgroupGroup(id, dirs);
  }

  /**
   * Creates the parent directories once; on v2 enables the controllers down to the parent.
   * Throws `PermissionDenied` / `FailedPrecondition` when the host refuses.
   */
  prepare(): Promise<void> {
    this.prepared ??= (async () => {
      for (const dir of new Set(Object.values(this.parents))) {
        await mkdir(dir, { recursive: true }).catch((err: unknown) => {
          throw new RuntimeError(
            errnoCode(err) === 'EACCES' || errnoCode(err) === 'EPERM'
              ? 'PermissionDenied'
              : 'FailedPrecondition',
            `Cannot create the cgroup parent ${dir}: ${errnoCode(err) ?? String(err)}`,
            { hint: 'Run hostpod as root, or configure a cgroup parent it may write to.', cause: err },
          );
        });
      }
      const unified = this.parents.unified;
      if (this.kind === 'v2' && unified !== undefined) await enableControllers(unified);
    })();
    this.prepared.catch(() => {
      this.prepared = undefined;
    });
    return this.prepared;
  }

  async create(id: string, limits: JobLimits = {}): Promise<Group> {
    checkGroupId(id);
    checkGroupId(this.jobName(id));
    const values = cgroupLimits(limits, this.hostCpus);
    await this.prepare();
    const group = this.groupOf(id);
    const rollback = new Rollback();
    try {
      // Synchronous like writeControl: in-memory cgroupfs, cheaper than thread-pool round trips.
      for (const dir of new Set(Object.values(this.dirsOf(this.jobName(id))))) {
        try {
          mkdirSync(dir);
        } catch (err) {
          if (errnoCode(err) === 'EEXIST') {
            throw new RuntimeError('AlreadyExists', `Cannot create job "${id}": cgroup ${dir} exists`, {
              hint: 'A job with this id is running or was left by a crash; destroy it first.',
            });
          }
          throw new RuntimeError(
            errnoCode(err) === 'EACCES' || errnoCode(err) === 'EPERM'
              ? 'PermissionDenied'
              : 'FailedPrecondition',
            `Cannot create cgroup ${dir}: ${errnoCode(err) ?? String(err)}`,
            { cause: err },
          );
        }
        rollback.add(`cgroup ${dir}`, () => removeCgroupDirs([dir]));
      }
      group.applyLimits(values);
    } catch (err) {
      await rollback.rollback();
      throw err;
    }
    rollback.commit();
    return group;
  }

  /**
   * The job `id`. A job made before jobs carried their instance (named by its id alone) is
   * found under that name when only it exists, so containers started by an older hostpod are
   * re-adopted and stopped after an upgrade.
   */
  open(id: string, _options?: { shimPid?: number; shimStartTime?: string }): Group {
    checkGroupId(id);
    const name = this.jobName(id);
    if (name !== id) {
      const first = Object.values(this.parents)[0];
      if (first !== undefined && !existsSync(posix.join(first, name)) && existsSync(posix.join(first, id))) {
        return this.groupOf(id, id);
      }
    }
    return this.groupOf(id);
  }

  /**
   * Ids of this instance's jobs under the parent that are not in `live`: left by a crash. With
   * an instance, other instances' jobs — and jobs named the old way, whose owner cannot be
   * told — are never listed; without one, every job under the parent is.
   */
  async listOrphans(live: Iterable<string>): Promise<string[]> {
    const keep = new Set(live);
    const found = new Set<string>();
    const prefix = this.instance === undefined ? '' : `${this.instance}-`;
    for (const parent of new Set(Object.values(this.parents))) {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(parent, { withFileTypes: true });
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') continue;
        throw err;
      }
      for (const e of entries) {
        if (!e.isDirectory() || !e.name.startsWith(prefix)) continue;
        const id = e.name.slice(prefix.length);
        if (id !== '' && !keep.has(id)) found.add(id);
      }
    }
    return [...found].sort();
  }
}

/** Writes `+memory +cpu +pids` (those available) into each subtree_control from the root down. */
async function enableControllers(parent: string): Promise<void> {
  const chain: string[] = [];
  for (let dir = parent; ; dir = posix.dirname(dir)) {
    chain.unshift(dir);
    let isRoot = false;
    try {
      await readFile(posix.join(posix.dirname(dir), 'cgroup.controllers'), 'utf8');
    } catch {
      isRoot = true;
    }
    if (isRoot || dir === '/') break;
  }
  for (const dir of chain) {
    let available: string[];
    try {
      available = (await readFile(posix.join(dir, 'cgroup.controllers'), 'utf8')).trim().split(/\s+/);
    } catch {
      continue;
    }
    const want = V2_CONTROLLERS.filter((c) => available.includes(c));
    if (want.length > 0)
      writeControl(posix.join(dir, 'cgroup.subtree_control'), want.map((c) => `+${c}`).join(' '));
  }
}

/**
 * The group backend for `layout` (detected from this process's view of the host when omitted):
 * cgroups when the host has them and lets us create ours (the parent is made here), else the
 * process-tree fallback whose `warning` says why. With `fallback: false` a refused parent
 * throws instead (`PermissionDenied`, `FailedPrecondition`).
 */
export async function createGroupManager(
  options: GroupManagerOptions & { layout?: CgroupLayout; fallback?: boolean } = {},
): Promise<GroupManager> {
  const { layout: given, fallback = true, ...rest } = options;
  const layout = given ?? (await readCgroupLayout());
  if (layout.kind === 'none') return new NoCgroupManager(layout.reason);
  const manager = new CgroupManager(layout, rest);
  try {
    await manager.prepare();
  } catch (err) {
    if (!fallback || !isRuntimeError(err, 'PermissionDenied')) throw err;
    return new NoCgroupManager(`hostpod may not create cgroups here: ${err.message}`);
  }
  return manager;
}
