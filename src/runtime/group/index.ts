/** The job of a container: cgroup backends behind one interface (see README.md). */
export { CgroupV2Group, HybridCgroupGroup } from './cgroup-group.ts';
export { CgroupManager, createGroupManager, type GroupManagerOptions } from './group-manager.ts';
export { type CgroupLayout, detectCgroupLayout, type Hierarchy, readCgroupLayout } from './layout.ts';
export {
  type CgroupLimits,
  cgroupLimits,
  type JobLimits,
  validateWindowsCpu,
  type WindowsCpuResources,
} from './limits.ts';
export { NoCgroupGroup, NoCgroupManager } from './no-cgroup.ts';
export type { Group, GroupKind, GroupManager, GroupStats } from './types.ts';
