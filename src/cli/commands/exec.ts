import type { Command } from 'commander';
import type { ExecTarget } from '../../api/protocol.ts';
import { isRuntimeError, RuntimeError } from '../../errors.ts';
import { spawnExec } from '../../runtime/task/exec-task.ts';
import { execArgv, findRunningContainer, recordTask } from '../../services/exec.ts';
import { type ContainerRecord, listRecords } from '../../services/records.ts';
import { requireRoot } from '../foreground.ts';
import type { CliContext } from '../io.ts';
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
      "Run COMMAND in a running container of POD: it joins the container's job (cgroup), user, environment,\n" +
        'working directory and mount namespace. %CONTAINER_SANDBOX_MOUNT_POINT% and\n' +
        '$env:CONTAINER_SANDBOX_MOUNT_POINT in the command are replaced. With -t the command gets a terminal\n' +
        '(which the Windows reference runtime cannot do); without -t it never gets yours: a terminal on\n' +
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
      // A daemon's pod: the daemon names the container and its root; without a daemon (or with
      // --root), the pods of `hostpod run` under the state root.
      const target = await daemonTarget(ctx, opts, pod);
      const root = target?.root ?? resolveStateRoot(opts.root, ctx);
      const rec = target
        ? await recordById(target.root, target.containerId)
        : await findRunningContainer(root, pod, opts.container, opts.namespace);
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
    if (isRuntimeError(e, 'NotFound')) return undefined;
    throw e;
  }
}

/** The record of the container the daemon named. */
async function recordById(root: string, id: string): Promise<ContainerRecord> {
  const rec = (await listRecords(root)).records.find((r) => r.id === id);
  if (!rec)
    throw new RuntimeError('NotFound', `the daemon's container ${id} has no record under ${root}`, {
      hint: 'it may have just ended; run the command again',
    });
  return rec;
}
