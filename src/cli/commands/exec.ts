import type { Command } from 'commander';
import { isRuntimeError } from '../../errors.ts';
import { spawnExec } from '../../runtime/task/exec-task.ts';
import { execArgv, findRunningContainer, recordTask } from '../../services/exec.ts';
import { requireRoot } from '../foreground.ts';
import type { CliContext } from '../io.ts';
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
      "Run COMMAND in a running container of POD: it joins the container's job (cgroup), user, environment,\n" +
        'working directory and mount namespace. %CONTAINER_SANDBOX_MOUNT_POINT% and\n' +
        '$env:CONTAINER_SANDBOX_MOUNT_POINT in the command are replaced. With -t the command gets a terminal\n' +
        "(which the Windows reference runtime cannot do). The exit code is the command's (128+n for signal n).",
    )
    .argument('<pod>', 'pod name')
    .argument('<command...>', 'the command and its arguments (put -- before it)')
    .option('-c, --container <name>', 'container name (default: the first regular container)')
    .option('-n, --namespace <ns>', 'pod namespace', 'default')
    .option('-i, --interactive', 'keep stdin open (always on; accepted for kubectl habits)')
    .option('-t, --tty', 'allocate a terminal')
    .option(
      '--root <dir>',
      "state root of a hostpod run's pods (default: the daemon's, else $HOSTPOD_ROOT or /var/lib/hostpod)",
    )
    .option(
      '--socket <path>',
      "the daemon's API socket (default $HOSTPOD_SOCKET or /run/hostpod/hostpod.sock)",
    )
    .action(async (pod: string, command: string[], opts: ExecFlags) => {
      requireRoot(ctx, 'hostpod exec');
      // A daemon's pod: the daemon names the container and its root; without a daemon (or with
      // --root), the pods of `hostpod run` under the state root.
      let root = resolveStateRoot(opts.root, ctx);
      let container = opts.container;
      if (opts.root === undefined) {
        const target = await daemonTarget(ctx, opts, pod);
        if (target) {
          root = target.root;
          container = target.container;
        }
      }
      const rec = await findRunningContainer(root, pod, container, opts.namespace);
      const argv = await execArgv(rec, command);
      const task = await recordTask(root, rec);
      // The command gets the signals of the terminal; hostpod just waits for it.
      const off = ctx.onInterrupt?.(() => {});
      try {
        const { result } = await spawnExec(task, { argv, ...(opts.tty ? { tty: true } : {}) });
        ctx.exitCode = (await result).exitCode;
      } finally {
        off?.();
      }
    });
}

/** The daemon's answer for the pod, or undefined when no daemon runs (or it does not know the pod). */
async function daemonTarget(
  ctx: CliContext,
  opts: ExecFlags,
  pod: string,
): Promise<{ root: string; container: string } | undefined> {
  const { DaemonClient, resolveSocket } = await import('../../client/client.ts');
  const client = new DaemonClient({ socketPath: resolveSocket(opts.socket, ctx.env) });
  try {
    const t = await client.execTarget(opts.namespace, pod, opts.container);
    return { root: t.root, container: t.container };
  } catch (e) {
    // No daemon, or not one of its pods: look among the records of `hostpod run`.
    if (isRuntimeError(e, 'Unavailable') || isRuntimeError(e, 'NotFound')) return undefined;
    throw e;
  }
}
