import { availableParallelism } from 'node:os';
import { posix } from 'node:path';
import { errnoCode, isRuntimeError, RuntimeError } from '../../errors.ts';
import { Rollback } from '../../lib/rollback.ts';
import { type CgroupFs, checkGroupId, hostCgroupFs, removeCgroupDirs } from './cgroup-fs.ts';
import { type CgroupDirs, CgroupV2Group, HybridCgroupGroup } from './cgroup-group.ts';
import { bootedWithSystemd, defaultCgroupParent, legacyParentIn } from './default-parent.ts';
import { type CgroupLayout, type Hierarchy, readCgroupLayout, type V1Controller } from './layout.ts';
import { type CgroupLimits, cgroupLimits, type JobLimits } from './limits.ts';
import { NoCgroupManager } from './no-cgroup.ts';
import type { Group, GroupManager } from './types.ts';
import { enableV2Controllers, type V2Controller, type V2Controllers } from './v2-controllers.ts';

export interface GroupManagerOptions {
  /**
   * The cgroup under which jobs are made, the same path in every hierarchy (e.g. `/hostpod`).
   * Default (`default-parent.ts`): `/hostpod.slice` on a host booted with systemd, else
   * `/hostpod` — outside the cgroup hostpod runs in.
   */
  parent?: string;
  /** Whether the host is booted with systemd (picks the default parent). Default: detected. */
  systemd?: boolean;
  /** CPUs of the host, for the CPU limit arithmetic. Default: `os.availableParallelism()`. */
  hostCpus?: number;
  /**
   * The instance (`lib/instance-id.ts`: one per state root) whose jobs this manager makes:
   * job `id` is the cgroup `<instance>-<id>`, and `listOrphans` sees only this instance's jobs,
   * so instances sharing one parent never stop each other's containers. Without it the manager
   * names jobs by their id alone and owns everything under its parent.
   */
  instance?: string;
  /** The cgroupfs to act on (default the kernel's; tests give a temp dir with the kernel's rules). */
  fs?: CgroupFs;
}

const INSTANCE = /^[a-z0-9]{1,32}$/;

type Role = 'unified' | V1Controller;

/** Which v2 controller each limit needs. */
const NEEDS: [keyof CgroupLimits, V2Controller][] = [
  ['memoryMaxBytes', 'memory'],
  ['cpuQuotaUs', 'cpu'],
  ['cpuWeight', 'cpu'],
  ['pidsMax', 'pids'],
];

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
  /** The parent directory of the jobs, per hierarchy. */
  readonly parents: Partial<Record<Role, string>> = {};
  /**
   * Where older hostpods made jobs by default (`hostpod` under their own cgroup), per
   * hierarchy: searched by `open` and `listOrphans`, never written. Absent where it is the parent.
   */
  readonly legacyParents: Partial<Record<Role, string>> = {};
  readonly instance: string | undefined;
  private readonly hostCpus: number;
  private readonly fs: CgroupFs;
  private readonly mountOfUnified: string | undefined;
  private prepared: Promise<void> | undefined;
  /** On v2, once prepared: the controllers jobs get, and why some are missing. */
  private controllers: V2Controllers | undefined;

  constructor(layout: Exclude<CgroupLayout, { kind: 'none' }>, options: GroupManagerOptions = {}) {
    if (options.parent !== undefined) checkParent(options.parent);
    if (options.instance !== undefined && !INSTANCE.test(options.instance)) {
      throw new RuntimeError('InvalidArgument', `Cannot use "${options.instance}" as an instance id`);
    }
    this.instance = options.instance;
    this.kind = layout.kind;
    this.hostCpus = options.hostCpus ?? availableParallelism();
    this.fs = options.fs ?? hostCgroupFs;
    const parent = options.parent ?? defaultCgroupParent(options.systemd ?? bootedWithSystemd());
    const place = (role: Role, h: Hierarchy) => {
      this.parents[role] = posix.join(h.mount, parent);
      const legacy = legacyParentIn(h);
      if (legacy !== this.parents[role]) this.legacyParents[role] = legacy;
    };
    if (layout.kind !== 'v1') {
      place('unified', layout.unified);
      this.mountOfUnified = layout.unified.mount;
    }
    if (layout.kind !== 'v2') {
      // With cgroup2 beside v1 (hybrid), cgroup.kill replaces the freezer.
      const wanted: V1Controller[] =
        layout.kind === 'hybrid'
          ? ['memory', 'cpu', 'cpuacct', 'pids']
          : ['memory', 'cpu', 'cpuacct', 'pids', 'freezer'];
      for (const c of wanted) {
        const h = layout.controllers[c];
        if (h !== undefined) place(c, h);
      }
    }
  }

  /** Set on v2 when controllers could not be enabled for the parent: limits are then refused. */
  get warning(): string | undefined {
    const c = this.controllers;
    if (c?.refused === undefined) return undefined;
    const missing = ['memory', 'cpu', 'pids'].filter((x) => !c.enabled.includes(x as V2Controller));
    return `cgroup limits (${missing.join(', ')}) are off for jobs under ${this.parents.unified}: ${c.refused}`;
  }

  /** The cgroup directory name of job `id`: `<instance>-<id>`, or `id` without an instance. */
  jobName(id: string): string {
    return this.instance === undefined ? id : `${this.instance}-${id}`;
  }

  private dirsOf(name: string, parents = this.parents): CgroupDirs {
    const dirs: CgroupDirs = {};
    for (const [role, parent] of Object.entries(this.parents) as [Role, string][]) {
      dirs[role] = posix.join(parents[role] ?? parent, name);
    }
    return dirs;
  }

  private groupOf(
    id: string,
    name = this.jobName(id),
    parents = this.parents,
  ): CgroupV2Group | HybridCgroupGroup {
    const dirs = this.dirsOf(name, parents);
    return this.kind === 'v2'
      ? new CgroupV2Group(id, dirs, this.fs)
      : new HybridCgroupGroup(id, dirs, this.fs);
  }

  /**
   * Creates the parent directories once; on v2 enables the controllers down to the parent
   * (`enableV2Controllers`: a cgroup with processes on the way leaves jobs without controllers,
   * which `warning` says). Throws `PermissionDenied` / `FailedPrecondition` when the host refuses.
   */
  prepare(): Promise<void> {
    this.prepared ??= (async () => {
      for (const dir of new Set(Object.values(this.parents))) {
        try {
          this.fs.mkdir(dir, { recursive: true });
        } catch (err) {
          throw new RuntimeError(
            errnoCode(err) === 'EACCES' || errnoCode(err) === 'EPERM'
              ? 'PermissionDenied'
              : 'FailedPrecondition',
            `Cannot create the cgroup parent ${dir}: ${errnoCode(err) ?? String(err)}`,
            { hint: 'Run hostpod as root, or configure a cgroup parent it may write to.', cause: err },
          );
        }
      }
      const unified = this.parents.unified;
      if (this.kind === 'v2' && unified !== undefined && this.mountOfUnified !== undefined) {
        this.controllers = await enableV2Controllers(this.fs, this.mountOfUnified, unified);
      }
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
    this.checkControllers(id, values);
    const group = this.groupOf(id);
    const rollback = new Rollback();
    try {
      for (const dir of new Set(Object.values(this.dirsOf(this.jobName(id))))) {
        try {
          this.fs.mkdir(dir);
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
        rollback.add(`cgroup ${dir}`, () => removeCgroupDirs([dir], 2000, this.fs));
      }
      group.applyLimits(values);
    } catch (err) {
      await rollback.rollback();
      throw err;
    }
    rollback.commit();
    return group;
  }

  /** On v2: refuses (before anything is made) a limit whose controller jobs here do not get. */
  private checkControllers(id: string, values: CgroupLimits): void {
    const c = this.controllers;
    if (c === undefined) return;
    for (const [field, controller] of NEEDS) {
      if (values[field] === undefined || c.enabled.includes(controller)) continue;
      throw new RuntimeError(
        'FailedPrecondition',
        `Cannot limit job "${id}": the cgroup v2 ${controller} controller is not enabled for ${this.parents.unified}${c.refused === undefined ? ' (the host does not offer it)' : `: ${c.refused}`}`,
        {
          hint:
            c.refused === undefined
              ? `Enable the ${controller} controller on this host, or remove the limit.`
              : 'Use a cgroup parent outside any cgroup that holds processes (the default, /hostpod.slice or /hostpod, is), or remove the limit.',
        },
      );
    }
  }

  /**
   * The job `id`. Also found where older hostpods made it, so containers they started are
   * re-adopted and stopped after an upgrade: named by its id alone (before jobs carried their
   * instance), and under the old default parent (`hostpod` under hostpod's own cgroup). The
   * first that exists wins; when none does, the job as `create` would make it.
   */
  open(id: string, _options?: { shimPid?: number; shimStartTime?: string }): Group {
    checkGroupId(id);
    const name = this.jobName(id);
    const names = name === id ? [id] : [name, id];
    const places = [this.parents];
    if (Object.keys(this.legacyParents).length > 0) places.push(this.legacyParents);
    for (const parents of places) {
      for (const n of names) {
        // Made in every hierarchy, so it is there in each (the old parent differs per hierarchy).
        const dirs = Object.values(this.dirsOf(n, parents));
        if (dirs.length > 0 && dirs.every((d) => this.fs.exists(d))) return this.groupOf(id, n, parents);
      }
    }
    return this.groupOf(id);
  }

  /**
   * Ids of this instance's jobs that are not in `live`: left by a crash — under the parent and
   * under the old default parent. With an instance, other instances' jobs — and jobs named the
   * old way, whose owner cannot be told — are never listed; without one, every job under the
   * parent is (the old default parent is then not searched: it is not this manager's).
   */
  async listOrphans(live: Iterable<string>): Promise<string[]> {
    const keep = new Set(live);
    const found = new Set<string>();
    const prefix = this.instance === undefined ? '' : `${this.instance}-`;
    const dirs = new Set(Object.values(this.parents));
    if (this.instance !== undefined) for (const d of Object.values(this.legacyParents)) dirs.add(d);
    for (const parent of dirs) {
      let names: string[];
      try {
        names = this.fs.subdirs(parent);
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') continue;
        throw err;
      }
      for (const n of names) {
        if (!n.startsWith(prefix)) continue;
        const id = n.slice(prefix.length);
        if (id !== '' && !keep.has(id)) found.add(id);
      }
    }
    return [...found].sort();
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
