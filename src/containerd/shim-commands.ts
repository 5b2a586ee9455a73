import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError } from '../errors.ts';
import { readCgroupLayout } from '../runtime/group/index.ts';
import type { Layout } from '../runtime/spec/types.ts';
import type { ContainerTask } from './container-task.ts';
import { EventPublisher } from './events.ts';
import { encode } from './protos.ts';
import type { ShimArgs } from './shim-args.ts';
import { cleanupTask } from './task-cleanup.ts';
import type { TaskContext } from './task-context.ts';
import { taskService } from './task-service.ts';
import { canConnect, TtrpcServer } from './ttrpc-server.ts';

/** Settings from the environment containerd gives its shims (main.ts reads them). */
export interface ShimEnv {
  /** HOSTPOD_CONTAINERD_ROOT: state and sockets (default /run/hostpod/containerd). */
  root: string;
  /** HOSTPOD_CONTAINERD_LAYOUT: bind (default) or symlink. */
  layout: Layout;
  /** TTRPC_ADDRESS: containerd's ttrpc socket for events. */
  ttrpcAddress: string | undefined;
  /** HOSTPOD_CONTAINERD_DEBUG=1: log every call, as -debug does. */
  debug: boolean;
}

/** The one server socket of a containerd (its -address) and namespace. */
export function serverSocket(env: ShimEnv, args: Pick<ShimArgs, 'address' | 'namespace'>): string {
  const h = createHash('sha256')
    .update(`hostpod-v1\0${args.address}\0${args.namespace}`)
    .digest('hex')
    .slice(0, 24);
  return join(env.root, 's', `${h}.sock`);
}

function nsRoot(env: ShimEnv, namespace: string): string {
  return join(env.root, namespace);
}

/** Writes `<bundle>/address` as runc does (temp + rename); containerd reads it after a restart. */
function writeAddress(bundle: string, address: string): void {
  const tmp = join(bundle, '.address');
  writeFileSync(tmp, address, { mode: 0o600 });
  renameSync(tmp, join(bundle, 'address'));
}

/**
 * `start`: makes sure the namespace's server runs (spawning it detached, stdio on /dev/null so
 * containerd's CombinedOutput returns) and answers its address. Returns the text to print
 * (`unix:///…`, which containerd 1.6 and 1.7 both parse) after writing `<cwd>/address`.
 */
export async function startCommand(
  args: ShimArgs,
  env: ShimEnv,
  self: { node: string; script: string; cwd: string },
): Promise<string> {
  const socket = serverSocket(env, args);
  const address = `unix://${socket}`;
  if (!(await canConnect(socket))) {
    mkdirSync(join(env.root, 's'), { recursive: true, mode: 0o700 });
    const child = spawn(
      self.node,
      [
        self.script,
        '-namespace',
        args.namespace,
        '-address',
        args.address,
        '-publish-binary',
        args.publishBinary,
        'serve',
        '-socket',
        socket,
      ],
      { detached: true, stdio: 'ignore', cwd: '/' },
    );
    child.unref();
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    for (let i = 0; ; i++) {
      if (await canConnect(socket, 500)) break;
      if ((exited && !(await canConnect(socket))) || i > 500)
        throw new RuntimeError(
          'Unavailable',
          `the hostpod shim server did not come up on ${socket}; see ${join(nsRoot(env, args.namespace), 'shim.log')}`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  writeAddress(self.cwd, address);
  return address;
}

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
