/**
 * The composition root of hostpod's foreground mode (`hostpod run`, `hostpod exec`): chooses
 * the host backends once — cgroup layout, workspace layout — and builds the runtime deps.
 */

import { arch, networkInterfaces } from 'node:os';
import { RuntimeError } from '../errors.ts';
import { instanceId } from '../lib/instance-id.ts';
import { createGroupManager } from '../runtime/group/group-manager.ts';
import type { Layout } from '../runtime/spec/types.ts';
import type { LogRotation } from '../runtime/task/launch-spec.ts';
import type { RuntimeDeps } from '../services/container-runner.ts';
import { localNode } from '../services/node.ts';
import { selfOwner } from '../services/records.ts';
import type { CliContext } from './io.ts';

export interface ForegroundOptions {
  root: string;
  layout?: Layout;
  cgroupParent?: string;
  nodeLabels?: Record<string, string>;
  workspace?: 'auto' | 'overlay' | 'copy';
  logRotation?: LogRotation;
}

/** The first non-internal IPv4 address of the host, else 127.0.0.1. */
export function nodeIp(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** Refuses to go on without root, saying why and what to do. */
export function requireRoot(ctx: CliContext, what: string): void {
  if (ctx.uid !== undefined && ctx.uid !== 0) {
    throw new RuntimeError(
      'PermissionDenied',
      `${what} needs root: it creates cgroups, mount namespaces and users for the container`,
      {
        hint: 'run it as root (sudo hostpod …); hostpod lint and the image commands work without root',
      },
    );
  }
}

/** Builds the runtime deps for this host. */
export async function foregroundDeps(ctx: CliContext, options: ForegroundOptions): Promise<RuntimeDeps> {
  const groups = await createGroupManager({
    ...(options.cgroupParent ? { parent: options.cgroupParent } : {}),
    instance: instanceId(options.root),
  });
  return {
    root: options.root,
    layout: options.layout ?? 'bind',
    groups,
    node: localNode({
      arch: arch(),
      ip: nodeIp(),
      ...(options.nodeLabels ? { extraLabels: options.nodeLabels } : {}),
    }),
    owner: await selfOwner(ctx.pid ?? 0),
    ...(options.workspace ? { workspaceMode: options.workspace } : {}),
    ...(options.logRotation ? { logRotation: options.logRotation } : {}),
  };
}
