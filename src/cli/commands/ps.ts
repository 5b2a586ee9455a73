import { type Command, Option } from 'commander';
import type { ContainerView } from '../../api/protocol.ts';
import { errnoCode, isRuntimeError, RuntimeError } from '../../errors.ts';
import { containerView, pickContainer } from '../../services/container-view.ts';
import { openStateDb, type StateDb, stateDbPath } from '../../state/state-db.ts';
import { type CliContext, out } from '../io.ts';
import { daemonIfRunning, rootOption, socketFlag } from './daemon-common.ts';
import { formatTable, openImageStores, resolveStateRoot, timeAgo } from './images-common.ts';

interface SourceFlags {
  root?: string;
  socket?: string;
}

/**
 * Every container run: the daemon's answer when one runs (its state root holds `hostpod run`'s
 * records too when they share it), else the records of the state root (`--root`).
 */
async function listContainers(ctx: CliContext, flags: SourceFlags): Promise<ContainerView[]> {
  const daemon = await daemonIfRunning(flags, ctx);
  if (daemon) return daemon.listContainers();
  const root = resolveStateRoot(flags.root, ctx);
  let db: StateDb;
  try {
    db = openStateDb(stateDbPath(root), { readonly: true });
  } catch (e) {
    if (isRuntimeError(e, 'NotFound')) return [];
    if (errnoCode(e) === 'EACCES' || errnoCode(e) === 'EPERM')
      throw new RuntimeError(
        'PermissionDenied',
        `Cannot read the container records in ${root}: permission denied`,
        {
          hint: "run as root (the state root is root's), or ask the daemon (without --root and $HOSTPOD_ROOT)",
          cause: e,
        },
      );
    throw e;
  }
  try {
    const { images: imageStore } = openImageStores(root);
    return await Promise.all(db.containers.listAll().map((r) => containerView(root, r, { imageStore })));
  } finally {
    db.close();
  }
}

const STATE_WORD: Record<ContainerView['state'], string> = {
  CONTAINER_CREATED: 'Created',
  CONTAINER_RUNNING: 'Running',
  CONTAINER_EXITED: 'Exited',
  CONTAINER_UNKNOWN: 'Unknown',
};

/** The rows of `hostpod ps` as crictl prints them. */
export function formatContainers(views: readonly ContainerView[], now: Date): string[] {
  return formatTable(
    ['CONTAINER', 'IMAGE', 'CREATED', 'STATE', 'NAME', 'ATTEMPT', 'POD ID', 'POD'],
    views.map((v) => [
      v.id.slice(0, 13),
      v.image,
      timeAgo(v.createdAt, now),
      STATE_WORD[v.state],
      v.name,
      String(v.attempt),
      v.podSandboxId ? v.podSandboxId.slice(0, 13) : '-',
      v.pod.namespace === 'default' ? v.pod.name : `${v.pod.namespace}/${v.pod.name}`,
    ]),
  );
}

/** `hostpod inspect`'s JSON: crictl's `status` and `info` of one container. */
export function inspectObject(v: ContainerView): Record<string, unknown> {
  return {
    status: {
      id: v.id,
      metadata: { name: v.name, attempt: v.attempt },
      state: v.state,
      createdAt: v.createdAt,
      startedAt: v.startedAt ?? null,
      finishedAt: v.finishedAt ?? null,
      exitCode: v.exitCode ?? 0,
      image: { image: v.image },
      imageRef: v.imageRef ?? '',
      reason: v.reason ?? '',
      message: v.message ?? '',
      labels: v.labels,
      annotations: v.annotations,
      mounts: v.mounts.map((m) => ({ ...m, readonly: false })),
      logPath: v.logPath,
    },
    info: {
      sandboxID: v.podSandboxId ?? null,
      pod: v.pod,
      type: v.type,
      pid: v.pid ?? 0,
      cgroupPath: v.cgroupPath ?? null,
      workspace: v.workspace ?? null,
      taskDir: v.taskDir,
      owner: v.owner,
    },
  };
}

export function registerPs(program: Command, ctx: CliContext): void {
  program
    .command('ps')
    .summary('list containers (crictl ps)')
    .description(
      'List the running containers — of the daemon when one runs, else of the state root ' +
        "(hostpod run's): id (short), image, created, state (Created, Running, Exited, Unknown: its " +
        'record says running but its shim is gone), name, attempt (the restart count), pod id (the ' +
        "daemon's pod uid, short; - for a pod of hostpod run) and pod. Newest first.",
    )
    .option('-a, --all', 'show every container run, exited ones too')
    .option('-q, --quiet', 'print only the full container ids')
    .option('--pod <name>', "only this pod's containers")
    .option('--name <name>', 'only containers of this name')
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['table', 'json', 'yaml'])
        .default('table'),
    )
    .addOption(rootOption())
    .addOption(socketFlag())
    .action(
      async (
        flags: SourceFlags & { all?: boolean; quiet?: boolean; pod?: string; name?: string; output: string },
      ) => {
        const views = (await listContainers(ctx, flags)).filter(
          (v) =>
            (flags.all || v.state === 'CONTAINER_RUNNING') &&
            (flags.pod === undefined || v.pod.name === flags.pod) &&
            (flags.name === undefined || v.name === flags.name),
        );
        if (flags.quiet) {
          for (const v of views) out(ctx, v.id);
        } else if (flags.output === 'json') {
          out(ctx, JSON.stringify({ containers: views }, null, 2));
        } else if (flags.output === 'yaml') {
          const { stringify } = await import('yaml');
          out(ctx, stringify({ containers: views }).trimEnd());
        } else {
          for (const l of formatContainers(views, new Date())) out(ctx, l);
        }
      },
    );
}

export function registerInspect(program: Command, ctx: CliContext): void {
  program
    .command('inspect')
    .summary('show one container as JSON (crictl inspect)')
    .description(
      "Print a container's status and info as JSON, as crictl inspect does: state, createdAt, " +
        'startedAt, finishedAt, exitCode, reason, image, labels, annotations, mounts, logPath; pid, ' +
        'cgroup path, workspace, task directory and who supervises it. ID is a container id or any ' +
        'unique prefix of one (hostpod ps -a lists them).',
    )
    .argument('<id...>', 'container ids or unique prefixes')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['json', 'yaml']).default('json'))
    .addOption(rootOption())
    .addOption(socketFlag())
    .action(async (ids: string[], flags: SourceFlags & { output: string }) => {
      const views = await listContainers(ctx, flags);
      const picked = ids.map((id) => inspectObject(pickContainer(views, id)));
      const value = picked.length === 1 ? picked[0] : picked;
      if (flags.output === 'yaml') {
        const { stringify } = await import('yaml');
        out(ctx, stringify(value).trimEnd());
      } else {
        out(ctx, JSON.stringify(value, null, 2));
      }
    });
}
