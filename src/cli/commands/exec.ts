import type { Command } from 'commander';
import type { ExecTarget } from '../../api/protocol.ts';
import { isRuntimeError, RuntimeError } from '../../errors.ts';
import { spawnExec } from '../../runtime/task/exec-task.ts';
import {
  ExecCommandError,
  execStartFailure,
  findRunningContainer,
  resolveExecCommand,
  targetTask,
} from '../../services/exec.ts';
import { openStateDb, type StateDb, stateDbPath } from '../../state/state-db.ts';
import { EXIT } from '../exit-codes.ts';
import { requireRoot } from '../foreground.ts';
import { type CliContext, err } from '../io.ts';
import { daemonIfRunning, rootOption, socketFlag } from './daemon-common.ts';
import { resolveStateRoot } from './images-common.ts';

interface ExecFlags {
  container?: string;
  namespace: string;
  interactive?: boolean;
  tty?: boolean;
  root?: string;
  socket?: string;
}

export function registerExec(program: Command, ctx: CliContext): void {
  program
    .command('exec')
    .summary('run a command in a running container')
    .description(
      "Run COMMAND in a running container of POD: it joins the container's job (cgroup), user, environment, " +
        'working directory and mount namespace. %CONTAINER_SANDBOX_MOUNT_POINT% and ' +
        '$env:CONTAINER_SANDBOX_MOUNT_POINT in the command are replaced. With -t the command gets a terminal ' +
        '(which the Windows reference runtime cannot do); without -t it never gets yours: a terminal on ' +
        "stdin/stdout/stderr is relayed through pipes. The exit code is the command's (128+n for signal n).",
    )
    .argument('<pod>', 'pod name')
    .argument('<command...>', 'the command and its arguments (put -- before it)')
    .option('-c, --container <name>', 'container name (default: the first regular container)')
    .option('-n, --namespace <ns>', 'pod namespace', 'default')
    .option('-i, --interactive', 'keep stdin open (always on; accepted for kubectl habits)')
    .option('-t, --tty', 'allocate a terminal')
    .addOption(rootOption("state root of a hostpod run's pods"))
    .addOption(socketFlag())
    .action(async (pod: string, command: string[], opts: ExecFlags) => {
      requireRoot(ctx, 'hostpod exec');
      // A daemon's pod: the daemon answers where it runs; without a daemon (or with --root), the
      // pods of `hostpod run` are looked up in the state root's records.
      const target =
        (await daemonTarget(ctx, opts, pod)) ??
        (await localTarget(ctx, resolveStateRoot(opts.root, ctx), pod, opts));
      // The command gets the signals of the terminal; hostpod just waits for it.
      const off = ctx.onInterrupt?.(() => {});
      try {
        const argv = await resolveExecCommand(target, command);
        const task = await targetTask(target);
        const { result } = await spawnExec(task, { argv, ...(opts.tty ? { tty: true } : {}) });
        ctx.exitCode = await result.then(
          (r) => r.exitCode,
          (e: unknown) => {
            throw execStartFailure(e, argv[0] ?? '', target.container) ?? e;
          },
        );
      } catch (e) {
        if (!(e instanceof ExecCommandError)) throw e;
        // 126/127, as docker, podman and kubectl report a command that cannot run.
        err(ctx, `hostpod: ${e.message}`);
        if (e.hint) err(ctx, `hint: ${e.hint}`);
        ctx.exitCode = e.exitCode === 127 ? EXIT.commandNotFound : EXIT.cannotExecute;
      } finally {
        off?.();
      }
    });
}

/** The running container of a `hostpod run` pod under `root`. */
async function localTarget(
  ctx: CliContext,
  root: string,
  pod: string,
  { container, namespace }: ExecFlags,
): Promise<ExecTarget> {
  let db: StateDb;
  try {
    db = openStateDb(stateDbPath(root), { readonly: true });
  } catch (e) {
    if (!isRuntimeError(e, 'NotFound')) throw e;
    throw new RuntimeError('NotFound', `Pod "${pod}" not found in namespace "${namespace}"`, {
      hint: `no pod ran under the state root ${root}; start it with hostpod run (or name its --root)`,
    });
  }
  try {
    const { ownerGone, ...target } = await findRunningContainer(db, root, pod, container, namespace);
    if (ownerGone !== undefined)
      err(
        ctx,
        `hostpod: warning: the hostpod run (pid ${ownerGone}) of pod "${pod}" is gone; its container "${target.container}" still runs (the next hostpod run under ${root} stops it)`,
      );
    return target;
  } finally {
    db.close();
  }
}

/**
 * The daemon's container for the pod: none when a state root is named (`--root`,
 * `$HOSTPOD_ROOT`) or no daemon runs (an explicit `--socket` must answer), or when the daemon does
 * not know the pod (then the records of `hostpod run` are looked at).
 */
async function daemonTarget(ctx: CliContext, opts: ExecFlags, pod: string): Promise<ExecTarget | undefined> {
  const client = await daemonIfRunning(opts, ctx);
  if (!client) return undefined;
  try {
    return await client.execTarget(opts.namespace, pod, opts.container);
  } catch (e) {
    if (!isRuntimeError(e, 'NotFound')) throw e;
    // The daemon's pod without that container: its answer stands ("container X not found in
    // pod Y"); a pod the daemon does not know may be one of `hostpod run`.
    const known = await client.getPod(opts.namespace, pod).then(
      () => true,
      (g: unknown) => (isRuntimeError(g, 'NotFound') ? false : Promise.reject(g)),
    );
    if (known) throw e;
    return undefined;
  }
}
