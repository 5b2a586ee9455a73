import { Rollback } from '../../lib/rollback.ts';
import { parseRunAsUserName } from '../spec/account.ts';
import { buildProcessConfig, type ProcessConfig } from '../spec/process-config.ts';
import type { ContainerInput, ImageConfigInput, Layout } from '../spec/types.ts';
import { ANNOTATION_ROOTFS_LOCATION } from '../spec/types.ts';
import {
  accountBaseEnv,
  ephemeralScope,
  type ResolvedAccount,
  removeEphemeralUser,
  resolveAccount,
  type SelfIdentity,
  type ServiceAccountNames,
} from '../users/accounts.ts';
import type { LayerInput } from './copy-layers.ts';
import { makeContainerProbe } from './host-paths.ts';
import {
  type BindMount,
  createSandbox,
  type RootfsMount,
  removeSandbox,
  type Sandbox,
  type WorkspaceMode,
} from './sandbox.ts';

/** The mode of a working dir hostpod makes (hcsshim's MkdirAll(0700)), made as the container's user. */
export const WORKING_DIR_MODE = 0o700;

export interface PrepareContainerOptions {
  /** hostpod's state root. */
  root: string;
  layout: Layout;
  /** The image's unpacked layers, lowest first. */
  layers: readonly LayerInput[];
  mode?: 'auto' | WorkspaceMode;
  /** A ready rootfs (containerd's snapshot) instead of `layers`; see CreateSandboxOptions. */
  rootfsMounts?: readonly RootfsMount[];
  serviceAccounts?: Partial<ServiceAccountNames>;
  /** Ids for service accounts hostpod creates (tests: ids clear of the documented ones). */
  serviceAccountIds?: Partial<{ localService: number; networkService: number }>;
  self?: SelfIdentity;
}

/** Everything needed to launch a container's first process, and to undo it. */
export interface PreparedContainer {
  sandbox: Sandbox;
  account: ResolvedAccount;
  config: ProcessConfig;
  /** The fields of the task's launch spec: argv[0] is the resolved program. */
  launch: {
    argv: string[];
    env: string[];
    cwd: string;
    /** A missing `cwd` is made by the shim, as the container's user, with this mode. */
    createCwdMode: number;
    user: { uid: number; gid: number; groups: number[] };
    mounts?: BindMount[];
  };
  /** Things to log (shadowed host directories, failed back-compat links, copy caveats). */
  warnings: string[];
}

/**
 * Container + image config → a workspace, an account and a resolved process, in that order:
 * runAsUserName is parsed (no side effect) → the sandbox is made → the account resolved (an
 * ephemeral user created if needed) → the process config built against the container's view →
 * a missing working dir created. On failure everything made is undone. Call
 * `releaseContainer()` when the container is removed (its job must be gone).
 * Throws what the steps throw (see createSandbox, resolveAccount, buildProcessConfig).
 */
export async function prepareContainer(
  container: ContainerInput,
  image: ImageConfigInput,
  options: PrepareContainerOptions,
): Promise<PreparedContainer> {
  const spec = parseRunAsUserName(container.runAsUserName, container.annotations);
  const rollback = new Rollback();
  try {
    const scope = ephemeralScope(options.root);
    const account = await resolveAccount(spec, {
      containerId: container.id,
      container: container.name,
      scope,
      ...(options.serviceAccounts ? { serviceAccounts: options.serviceAccounts } : {}),
      ...(options.serviceAccountIds ? { serviceAccountIds: options.serviceAccountIds } : {}),
      ...(options.self ? { self: options.self } : {}),
    });
    if (account.ephemeral) rollback.add('ephemeral user', () => removeEphemeralUser(container.id, { scope }));
    const sandbox = await createSandbox({
      root: options.root,
      id: container.id,
      container: container.name,
      layers: options.layers,
      layout: options.layout,
      rootfsLocation: container.annotations[ANNOTATION_ROOTFS_LOCATION],
      mounts: container.mounts,
      ...(options.mode ? { mode: options.mode } : {}),
      ...(options.rootfsMounts ? { rootfsMounts: options.rootfsMounts } : {}),
      ...(spec.kind === 'inherit' ? {} : { owner: { uid: account.uid, gid: account.gid } }),
    });
    rollback.add('sandbox', () => removeSandbox({ root: options.root, id: container.id }));
    const config = await buildProcessConfig(container, image, {
      layout: options.layout,
      mountPoint: sandbox.mountPoint,
      baseEnv: accountBaseEnv(account),
      probe: makeContainerProbe(sandbox.mappings),
    });
    rollback.commit();
    return {
      sandbox,
      account,
      config,
      launch: {
        argv: [config.executable, ...config.argv.slice(1)],
        env: config.env.map((v) => `${v.name}=${v.value}`),
        cwd: config.cwd,
        createCwdMode: WORKING_DIR_MODE,
        user: { uid: account.uid, gid: account.gid, groups: account.groups },
        ...(sandbox.plan ? { mounts: sandbox.plan.binds } : {}),
      },
      warnings: sandbox.warnings,
    };
  } catch (err) {
    await rollback.rollback();
    throw err;
  }
}

/**
 * Undoes `prepareContainer()` once the container's job is gone: deletes its ephemeral user
 * (if any) and its sandbox. Idempotent. Both are attempted; the first failure is thrown.
 */
export async function releaseContainer(root: string, containerId: string): Promise<void> {
  let first: unknown;
  try {
    await removeEphemeralUser(containerId, { scope: ephemeralScope(root) });
  } catch (err) {
    first = err;
  }
  try {
    await removeSandbox({ root, id: containerId });
  } catch (err) {
    first ??= err;
  }
  if (first !== undefined) throw first;
}
