/**
 * The composition root of hostpod's foreground mode (`hostpod run`, `hostpod exec`): chooses
 * the host backends once — cgroup layout, workspace layout — and builds the runtime deps.
 */
import { RuntimeError } from '../errors.ts';
import type { Layout } from '../runtime/spec/types.ts';
import type { LogRotation } from '../runtime/task/launch-spec.ts';
import type { ContainerStore } from '../services/container-store.ts';
import type { DnsSettings } from '../services/resolv-conf.ts';
import { hostRuntimeDeps, type RuntimeDeps } from '../services/runtime-deps.ts';
import type { CliContext } from './io.ts';

export interface ForegroundOptions {
  root: string;
  records: ContainerStore;
  layout?: Layout;
  cgroupParent?: string;
  nodeLabels?: Record<string, string>;
  workspace?: 'auto' | 'overlay' | 'copy';
  logRotation?: LogRotation;
  dns?: DnsSettings;
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
export function foregroundDeps(ctx: CliContext, options: ForegroundOptions): Promise<RuntimeDeps> {
  return hostRuntimeDeps({ ...options, pid: ctx.pid ?? 0 });
}
