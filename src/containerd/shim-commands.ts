import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readCgroupLayout } from '../runtime/group/index.ts';
import type { ContainerTask } from './container-task.ts';
import { EventPublisher } from './events.ts';
import { encode } from './protos.ts';
import type { ShimArgs } from './shim-args.ts';
import { nsRoot, type ShimEnv } from './shim-start.ts';
import { cleanupTask } from './task-cleanup.ts';
import type { TaskContext } from './task-context.ts';
import { taskService } from './task-service.ts';
import { TtrpcServer } from './ttrpc-server.ts';

/**
 * `delete`: undoes task `args.id` whatever state the server is in (killed included): its job's
 * processes are killed through the cgroup, its workspace unmounted, its files removed. Returns
 * the raw `DeleteResponse` bytes containerd reads from stdout.
 */
export async function deleteCommand(args: ShimArgs, env: ShimEnv): Promise<Uint8Array> {
  const r = await cleanupTask(nsRoot(env, args.namespace), await readCgroupLayout(), args.id);
  return encode('containerd.task.v2.DeleteResponse', {
    pid: r.pid,
    exit_status: r.exitStatus,
    exited_at: r.exitedAt,
  });
}

/**
 * `serve`: the long-lived server of one containerd namespace: the Task service for every task
 * on `-socket`. Exits when Shutdown finds no task left (or when another server already
 * answers on the socket). Logs to `<root>/<namespace>/shim.log`.
 */
export async function serveCommand(args: ShimArgs, env: ShimEnv): Promise<{ closed: Promise<void> }> {
  const root = nsRoot(env, args.namespace);
  mkdirSync(root, { recursive: true, mode: 0o711 });
  const logPath = join(root, 'shim.log');
  const log = (line: string) => {
    try {
      appendFileSync(logPath, `${new Date().toISOString()} [${process.pid}] ${line}\n`);
    } catch {}
  };
  const said = new Set<string>();
  const ctx: TaskContext = {
    namespace: args.namespace,
    root,
    cgroups: await readCgroupLayout(),
    layout: env.layout,
    events: new EventPublisher({
      namespace: args.namespace,
      ttrpcAddress: env.ttrpcAddress,
      publishBinary: args.publishBinary || undefined,
      grpcAddress: args.address,
      log,
    }),
    log,
    debug: args.debug || env.debug,
    logOnce: (line) => {
      if (said.has(line)) return;
      said.add(line);
      log(line);
    },
  };
  if (ctx.cgroups.kind === 'none')
    log(`warning: no cgroups (${ctx.cgroups.reason}): tasks cannot be created`);
  const tasks = new Map<string, ContainerTask>();
  const server = new TtrpcServer();
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((r) => {
    resolveClosed = r;
  });
  const stop = async () => {
    if (tasks.size > 0) return;
    log('no task left: exiting');
    await ctx.events.flush();
    ctx.events.close();
    await server.close();
    resolveClosed();
  };
  server.register(
    'containerd.task.v2.Task',
    taskService(ctx, tasks, () => void stop()),
  );
  try {
    await server.listen(args.socket);
  } catch (err) {
    log(`not serving: ${(err as Error).message}`);
    resolveClosed();
    return { closed };
  }
  log(`serving namespace ${args.namespace} on ${args.socket} (containerd ${args.address})`);
  return { closed };
}
