/**
 * What the runtime needs from the host, chosen once by whichever front door runs pods (`hostpod
 * run`, `hostpod daemon`): the job backend for this host's cgroups, this node as the scheduler
 * sees it, the workspace layout, the owner recorded in each container. One builder, so the front
 * doors cannot drift apart (the node IP the downward API shows, the labels pods are matched to).
 */
import { arch } from 'node:os';
import { instanceId } from '../lib/instance-id.ts';
import type { GroupManager } from '../runtime/group/types.ts';
import { hostPlatform, type RuntimePlatform } from '../runtime/platform.ts';
import type { Layout } from '../runtime/spec/types.ts';
import type { LogRotation } from '../runtime/task/launch-spec.ts';
import type { ServiceAccountNames } from '../runtime/users/accounts.ts';
import type { ContainerStore } from './container-store.ts';
import { hostIp, localNode, type NodeInfo } from './node.ts';
import { type Owner, selfOwner } from './records.ts';
import type { DnsSettings } from './resolv-conf.ts';

export interface RuntimeDeps {
  root: string;
  /** Where each container's one record is kept (`<root>/state.db`). */
  records: ContainerStore;
  layout: Layout;
  groups: GroupManager;
  /** The host backends (job, workspace, account, process rules, task); default Linux's. */
  platform?: RuntimePlatform;
  node: NodeInfo;
  owner: Owner;
  workspaceMode?: 'auto' | 'overlay' | 'copy';
  serviceAccounts?: Partial<ServiceAccountNames>;
  /** After the first process exits: time the rest of the job gets before SIGKILL (default 5 s). */
  shutdownGraceMs?: number;
  /** Size-based rotation of each container's log by its shim (default: the kubelet's 10 MiB × 5 files). */
  logRotation?: LogRotation;
  shim?: string;
  /** Test hook: called at the named steps of a container's start (the daemon's crash tests). */
  onStep?: (step: 'task-started') => void;
  /** The node's DNS settings for pods' resolv.conf (default: the kubelet's, `DEFAULT_DNS_SETTINGS`). */
  dns?: DnsSettings;
}

/** How the host is to be used: the front door's flags and config. */
export interface HostOptions {
  root: string;
  records: ContainerStore;
  /** The pid of this process: the owner recorded in each container it starts. */
  pid: number;
  /** The daemon's containers outlive it: crash cleanup by other hostpod processes leaves them alone. */
  daemon?: boolean;
  layout?: Layout;
  cgroupParent?: string;
  /** Default: the host name, lowercased. */
  nodeName?: string;
  /** Default: the host's first non-loopback IPv4 address (`hostIp()`). */
  nodeIp?: string;
  nodeLabels?: Record<string, string>;
  workspace?: 'auto' | 'overlay' | 'copy';
  logRotation?: LogRotation;
  serviceAccounts?: Partial<ServiceAccountNames>;
  shutdownGraceMs?: number;
  onStep?: (step: 'task-started') => void;
  dns?: DnsSettings;
}

/** Chooses the host backends once and builds the runtime deps. Throws what `createGroupManager` throws. */
export async function hostRuntimeDeps(o: HostOptions): Promise<RuntimeDeps> {
  // Jobs are named for this state root's instance: another hostpod on the host never touches them.
  const platform = await hostPlatform();
  const groups = await platform.createGroupManager({
    ...(o.cgroupParent ? { parent: o.cgroupParent } : {}),
    instance: instanceId(o.root),
  });
  const node = localNode({
    os: platform.os,
    arch: arch(),
    ip: o.nodeIp ?? hostIp(),
    ...(o.nodeName ? { name: o.nodeName } : {}),
    ...(o.nodeLabels ? { extraLabels: o.nodeLabels } : {}),
  });
  const owner = await selfOwner(o.pid);
  return {
    root: o.root,
    records: o.records,
    layout: o.layout ?? 'bind',
    groups,
    platform,
    node,
    owner: o.daemon ? { ...owner, daemon: true } : owner,
    ...(o.workspace ? { workspaceMode: o.workspace } : {}),
    ...(o.logRotation ? { logRotation: o.logRotation } : {}),
    ...(o.serviceAccounts ? { serviceAccounts: o.serviceAccounts } : {}),
    ...(o.shutdownGraceMs !== undefined ? { shutdownGraceMs: o.shutdownGraceMs } : {}),
    ...(o.onStep ? { onStep: o.onStep } : {}),
    ...(o.dns ? { dns: o.dns } : {}),
  };
}
