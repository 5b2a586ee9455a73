import { readlinkSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeError } from '../errors.ts';
import { Rollback } from '../lib/rollback.ts';
import { CgroupManager, type Group } from '../runtime/group/index.ts';
import { type CgroupLimits, CPU_PERIOD_US, cpuWeightFromShares } from '../runtime/group/limits.ts';
import { makeContainerProbe } from '../runtime/sandbox/host-paths.ts';
import { WORKING_DIR_MODE } from '../runtime/sandbox/prepare-container.ts';
import { createSandbox, type RootfsMount, removeSandbox, type Sandbox } from '../runtime/sandbox/sandbox.ts';
import { parseImageEnv } from '../runtime/spec/env.ts';
import { buildProcessConfig } from '../runtime/spec/process-config.ts';
import { ANNOTATION_ROOTFS_LOCATION, type Layout } from '../runtime/spec/types.ts';
import type { LaunchSpec } from '../runtime/task/launch-spec.ts';
import { shimPath } from '../runtime/task/shim.ts';
import { parseCgroupsPath } from './cgroups-path.ts';
import type { LinuxResources, OciProcess, OciSpec } from './oci-spec.ts';
import { allowedOomScoreAdj } from './oom.ts';
import { mapSpecMounts } from './spec-mounts.ts';
import { ANNOTATION_CONTAINER_TYPE, ANNOTATION_LAYOUT, type TaskContext } from './task-context.ts';

/** What `delete` needs to undo a task, also after a crash: `<root>/tasks/<id>/record.json`. */
export interface TaskRecord {
  id: string;
  bundle: string;
  kind: 'sandbox' | 'container';
  cgroupParent: string;
  groupId: string;
}

/** A created task, ready to start. */
export interface PreparedTask {
  record: TaskRecord;
  /** `<root>/tasks/<id>`. */
  dir: string;
  /** The native shim's task directory. */
  taskDir: string;
  group: Group;
  sandbox: Sandbox | undefined;
  launch: LaunchSpec;
  /** What exec needs to resolve a command as the first process was. */
  view: ProcessView | undefined;
  memoryLimit: number | undefined;
}

export interface ProcessView {
  layout: Layout;
  mountPoint: string;
  sandbox: Sandbox;
  name: string;
  id: string;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function tasksDir(root: string, id: string): string {
  return join(root, 'tasks', id);
}

/** OCI `linux.resources` → the job's cgroup values (Update takes the same). */
export function ociLimits(r: LinuxResources | undefined): CgroupLimits {
  const out: CgroupLimits = {
    cpuPeriodUs: r?.cpu?.period && r.cpu.period > 0 ? r.cpu.period : CPU_PERIOD_US,
  };
  if (r?.memory?.limit !== undefined && r.memory.limit > 0) out.memoryMaxBytes = r.memory.limit;
  if (r?.cpu?.quota !== undefined && r.cpu.quota > 0) out.cpuQuotaUs = r.cpu.quota;
  if (r?.cpu?.shares !== undefined && r.cpu.shares > 0) {
    out.cpuShares = Math.min(262_144, Math.max(2, Math.trunc(r.cpu.shares)));
    out.cpuWeight = cpuWeightFromShares(out.cpuShares);
  }
  if (r?.pids?.limit !== undefined && r.pids.limit > 0) out.pidsMax = Math.trunc(r.pids.limit);
  return out;
}

/** Applies `limits` to a job (the cgroup backends all can). */
export function applyLimits(group: Group, limits: CgroupLimits): void {
  const g = group as Group & { applyLimits?: (l: CgroupLimits) => void };
  if (!g.applyLimits)
    throw new RuntimeError('FailedPrecondition', 'Cannot limit the job: this host has no cgroups');
  g.applyLimits(limits);
}

function nsInode(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Refuses a spec that joins a network namespace other than the host's: the pod is not
 * `hostNetwork: true` (containerd made a netns and ran CNI for it). Other namespaces the spec
 * asks for (pid, ipc, uts, mount, cgroup) are not made: the container is a host process.
 */
export function checkHostNetwork(spec: OciSpec): void {
  const net = spec.linux.namespaces.find((n) => n.type === 'network');
  if (!net) return;
  const own = nsInode('/proc/self/ns/net');
  if (net.path === undefined && spec.annotations[ANNOTATION_CONTAINER_TYPE] !== 'sandbox') return; // ctr without --net-host: the host's anyway
  if (net.path !== undefined && own !== undefined && nsInode(net.path) === own) return;
  throw new RuntimeError(
    'InvalidArgument',
    'spec.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers',
    { hint: 'set hostNetwork: true in the pod spec of a pod with runtimeClassName hostprocess' },
  );
}

/** The process the spec asks for, resolved as `hostpod run` resolves a container's. */
export async function resolveProcess(
  proc: OciProcess,
  view: ProcessView,
): Promise<{ argv: string[]; env: string[]; cwd: string }> {
  const config = await buildProcessConfig(
    {
      name: view.name,
      id: view.id,
      command: proc.args,
      args: [],
      // containerd writes "/" when neither the image nor the pod names one: the reference's
      // default, the workspace, applies then.
      ...(proc.cwd === '/' || proc.cwd === '' ? {} : { workingDir: proc.cwd }),
      env: parseImageEnv(proc.env),
      annotations: {},
      mounts: [],
    },
    {},
    {
      layout: view.layout,
      mountPoint: view.mountPoint,
      baseEnv: [],
      probe: makeContainerProbe(view.sandbox.mappings),
    },
  );
  return {
    argv: [config.executable, ...config.argv.slice(1)],
    env: config.env.map((v) => `${v.name}=${v.value}`),
    cwd: config.cwd,
  };
}

/**
 * CreateTaskRequest + the bundle's spec → a task ready to start: checks everything first
 * (id, network, cgroupsPath, mounts), then writes the record (so `delete` can undo a crash),
 * makes the job under the spec's cgroup parent with its limits, and for a container the
 * workspace (containerd's rootfs mounted at it; bind layout at /hpc by default) with the
 * spec's mounts, and the resolved process. The pod sandbox gets a plain host process
 * (`hostpod-shim pause`). Undoes everything on failure.
 */
export async function prepareTask(
  ctx: TaskContext,
  req: {
    id: string;
    bundle: string;
    rootfs: RootfsMount[];
    stdin: string;
    stdout: string;
    stderr: string;
    terminal: boolean;
  },
  spec: OciSpec,
): Promise<PreparedTask> {
  if (!SAFE_ID.test(req.id))
    throw new RuntimeError('InvalidArgument', `Cannot create task "${req.id}": not a safe id`);
  const kind = spec.annotations[ANNOTATION_CONTAINER_TYPE] === 'sandbox' ? 'sandbox' : 'container';
  checkHostNetwork(spec);
  const place = parseCgroupsPath(spec.linux.cgroupsPath, ctx.namespace, req.id);
  const mapped = kind === 'container' ? mapSpecMounts(spec.mounts) : { volumes: [], skipped: [] };
  const layoutAnn = spec.annotations[ANNOTATION_LAYOUT];
  if (layoutAnn !== undefined && layoutAnn !== 'bind' && layoutAnn !== 'symlink')
    throw new RuntimeError(
      'InvalidArgument',
      `Annotation ${ANNOTATION_LAYOUT}: "${layoutAnn}" is neither bind nor symlink`,
    );
  const layout: Layout = layoutAnn ?? ctx.layout;
  const limits = ociLimits(spec.linux.resources);
  const dir = tasksDir(ctx.root, req.id);
  const record: TaskRecord = {
    id: req.id,
    bundle: req.bundle,
    kind,
    cgroupParent: place.parent,
    groupId: place.id,
  };
  const rollback = new Rollback();
  try {
    await mkdir(join(ctx.root, 'tasks'), { recursive: true, mode: 0o700 });
    try {
      await mkdir(dir, { mode: 0o700 });
    } catch {
      throw new RuntimeError('AlreadyExists', `Cannot create task "${req.id}": ${dir} exists`, {
        hint: 'a task with this id exists or was left behind; `delete` it first',
      });
    }
    rollback.add('task dir', () =>
      import('node:fs/promises').then((f) => f.rm(dir, { recursive: true, force: true })),
    );
    await writeFile(join(dir, 'record.json'), JSON.stringify(record));
    const manager = new CgroupManager(ctx.cgroups as Exclude<typeof ctx.cgroups, { kind: 'none' }>, {
      parent: place.parent,
    });
    const group = await manager.create(place.id);
    rollback.add('job', () => group.destroy());
    applyLimits(group, limits);
    for (const s of mapped.skipped) ctx.logOnce(`spec mount ${s}`);
    const oom =
      spec.process.oomScoreAdj === undefined ? undefined : allowedOomScoreAdj(spec.process.oomScoreAdj);
    if (oom?.clamped)
      ctx.logOnce(
        `oom_score_adj ${spec.process.oomScoreAdj} refused by the host (no CAP_SYS_RESOURCE): using ${oom.value}, the nearest allowed value (as containerd's restrict_oom_score_adj)`,
      );
    const stdio = { stdin: req.stdin, stdout: req.stdout, stderr: req.terminal ? '' : req.stderr };
    const user = {
      uid: spec.process.user.uid,
      gid: spec.process.user.gid,
      groups: spec.process.user.additionalGids,
    };
    const common = {
      user,
      stdio,
      ...(oom ? { oomScoreAdj: oom.value } : {}),
    };
    if (kind === 'sandbox') {
      return {
        record,
        dir,
        taskDir: join(dir, 'task'),
        group,
        sandbox: undefined,
        view: undefined,
        memoryLimit: limits.memoryMaxBytes,
        launch: {
          argv: [shimPath(), 'pause'],
          env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'],
          cwd: '/',
          ...common,
        },
      };
    }
    const sandbox = await createSandbox({
      root: ctx.root,
      id: req.id,
      container: spec.annotations['io.kubernetes.cri.container-name'] ?? req.id,
      layers: [],
      rootfsMounts: req.rootfs,
      layout,
      rootfsLocation: spec.annotations[ANNOTATION_ROOTFS_LOCATION],
      mounts: mapped.volumes,
      ...(user.uid !== 0 ? { owner: { uid: user.uid, gid: user.gid } } : {}),
    });
    rollback.add('sandbox', () => removeSandbox({ root: ctx.root, id: req.id }));
    for (const w of sandbox.warnings) ctx.log(`task ${req.id}: ${w}`);
    const view: ProcessView = {
      layout,
      mountPoint: sandbox.mountPoint,
      sandbox,
      name: spec.annotations['io.kubernetes.cri.container-name'] ?? req.id,
      id: req.id,
    };
    const proc = await resolveProcess(spec.process, view);
    rollback.commit();
    return {
      record,
      dir,
      taskDir: join(dir, 'task'),
      group,
      sandbox,
      view,
      memoryLimit: limits.memoryMaxBytes,
      // A missing working dir is made by the shim as the container's user (docs/security.md).
      launch: {
        ...proc,
        ...common,
        createCwdMode: WORKING_DIR_MODE,
        ...(sandbox.plan ? { mounts: sandbox.plan.binds } : {}),
      },
    };
  } catch (err) {
    await rollback.rollback();
    throw err;
  }
}
