import { spawn } from 'node:child_process';
import { RuntimeError } from '../errors.ts';
import type { RootfsMount } from '../runtime/sandbox/sandbox.ts';
import { shimPath } from '../runtime/task/shim.ts';
import { ContainerTask } from './container-task.ts';
import { parseProcess, parseResources, readBundleSpec } from './oci-spec.ts';
import type { ProcState } from './proc-state.ts';
import { type Any, decode, encode, nowTimestamp } from './protos.ts';
import { taskMetrics } from './stats.ts';
import type { TaskContext } from './task-context.ts';
import { prepareTask } from './task-prepare.ts';
import type { Handler } from './ttrpc-server.ts';

const P = 'containerd.task.v2.';
const STATUS = { created: 1, running: 2, stopped: 3 } as const;
const PROCESS_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Process';
const RESOURCES_URL = 'types.containerd.io/opencontainers/runtime-spec/1/LinuxResources';

interface IdReq {
  id: string;
  exec_id: string;
}

function json(any: Any | null, url: string, what: string): unknown {
  if (!any) throw new RuntimeError('InvalidArgument', `${what} is missing`);
  if (any.type_url !== url)
    throw new RuntimeError('InvalidArgument', `${what} has type ${any.type_url}, not ${url}`);
  try {
    return JSON.parse(any.value.toString('utf8'));
  } catch (err) {
    throw new RuntimeError('InvalidArgument', `${what} is not JSON: ${(err as Error).message}`);
  }
}

/**
 * The `containerd.task.v2.Task` service over the tasks of one containerd namespace. Each method
 * decodes its request, acts on a `ContainerTask`, encodes its response. Pause, Resume and
 * Checkpoint answer Unimplemented (a job of host processes is not frozen or checkpointed).
 * `onIdle` runs when Shutdown finds no task left.
 */
export function taskService(
  ctx: TaskContext,
  tasks: Map<string, ContainerTask>,
  onIdle: () => void,
): Record<string, Handler> {
  const get = (id: string): ContainerTask => {
    const t = tasks.get(id);
    if (!t) throw new RuntimeError('NotFound', `task "${id}": not found`);
    return t;
  };
  const unary =
    <Req>(reqType: string, resType: string, fn: (req: Req) => Promise<object>): Handler =>
    async (payload) => {
      const req = decode<Req>(P + reqType, payload);
      const t0 = performance.now();
      try {
        const out = encode(resType, await fn(req));
        if (ctx.debug)
          ctx.log(
            `${reqType} ${JSON.stringify(req).slice(0, 200)}: ${(performance.now() - t0).toFixed(1)} ms`,
          );
        return out;
      } catch (err) {
        ctx.log(
          `${reqType.replace(/(Task|Process)?Request$/, '')} ${JSON.stringify(req).slice(0, 300)}: ${(err as Error).message}`,
        );
        throw err;
      }
    };
  const empty = 'google.protobuf.Empty';
  const stateOf = (t: ContainerTask, execId: string, s: ProcState) => ({
    id: t.id,
    bundle: t.bundle,
    pid: s.pid,
    status: STATUS[s.status],
    stdin: s.stdio.stdin,
    stdout: s.stdio.stdout,
    stderr: s.stdio.stderr,
    terminal: s.terminal,
    exit_status: s.exitStatus,
    ...(s.exitedAt ? { exited_at: s.exitedAt } : {}),
    exec_id: execId,
  });
  const unimplemented = (what: string) => async () => {
    throw new RuntimeError('NotImplemented', `${what} is not supported for host process containers`);
  };
  return {
    Create: unary<{
      id: string;
      bundle: string;
      rootfs: RootfsMount[];
      terminal: boolean;
      stdin: string;
      stdout: string;
      stderr: string;
      checkpoint: string;
    }>('CreateTaskRequest', `${P}CreateTaskResponse`, async (req) => {
      if (tasks.has(req.id)) throw new RuntimeError('AlreadyExists', `task "${req.id}": already exists`);
      if (req.checkpoint) throw new RuntimeError('NotImplemented', 'restoring a checkpoint is not supported');
      const spec = await readBundleSpec(req.bundle);
      const prepared = await prepareTask(ctx, req, spec);
      const stdio = { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr };
      tasks.set(req.id, new ContainerTask(ctx, prepared, stdio, req.terminal));
      ctx.events.publish({
        topic: '/tasks/create',
        type: 'TaskCreate',
        fields: {
          container_id: req.id,
          bundle: req.bundle,
          rootfs: req.rootfs,
          io: { ...stdio, terminal: req.terminal },
          pid: 0,
        },
      });
      return { pid: 0 };
    }),
    Start: unary<IdReq>('StartRequest', `${P}StartResponse`, async (req) => {
      const t = get(req.id);
      return { pid: req.exec_id ? await t.startExec(req.exec_id) : await t.start() };
    }),
    State: unary<IdReq>('StateRequest', `${P}StateResponse`, async (req) => {
      const t = get(req.id);
      return stateOf(t, req.exec_id, t.proc(req.exec_id));
    }),
    Wait: unary<IdReq>('WaitRequest', `${P}WaitResponse`, async (req) => {
      const r = await get(req.id).wait(req.exec_id);
      return { exit_status: r.exitStatus, exited_at: r.exitedAt };
    }),
    Kill: unary<IdReq & { signal: number; all: boolean }>('KillRequest', empty, async (req) => {
      await get(req.id).kill(req.exec_id, req.signal, req.all);
      return {};
    }),
    Delete: unary<IdReq>('DeleteRequest', `${P}DeleteResponse`, async (req) => {
      const t = get(req.id);
      const s = await t.delete(req.exec_id);
      if (!req.exec_id) tasks.delete(req.id);
      return { pid: s.pid, exit_status: s.exitStatus, exited_at: s.exitedAt ?? nowTimestamp() };
    }),
    Exec: unary<
      IdReq & { terminal: boolean; stdin: string; stdout: string; stderr: string; spec: Any | null }
    >('ExecProcessRequest', empty, async (req) => {
      const proc = parseProcess(json(req.spec, PROCESS_URL, 'Exec spec'), 'exec process');
      await get(req.id).addExec(
        req.exec_id,
        proc,
        { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr },
        req.terminal,
      );
      return {};
    }),
    ResizePty: unary<IdReq & { width: number; height: number }>('ResizePtyRequest', empty, async (req) => {
      const pts = get(req.id).terminalOf(req.exec_id);
      await new Promise<void>((resolve, reject) => {
        const c = spawn(shimPath(), ['resize', pts, String(req.height), String(req.width)], {
          stdio: 'ignore',
        });
        c.on('error', reject);
        c.on('close', (code) =>
          code === 0 ? resolve() : reject(new RuntimeError('Internal', `Cannot resize ${pts}: exit ${code}`)),
        );
      });
      return {};
    }),
    // The process holds containerd's stdin FIFO itself: it sees EOF when the client closes its end.
    CloseIO: unary<IdReq>('CloseIORequest', empty, async (req) => {
      get(req.id).proc(req.exec_id);
      return {};
    }),
    Pids: unary<{ id: string }>('PidsRequest', `${P}PidsResponse`, async (req) => ({
      processes: (await get(req.id).pids()).map((pid) => ({ pid })),
    })),
    Stats: unary<{ id: string }>('StatsRequest', `${P}StatsResponse`, async (req) => {
      const t = get(req.id);
      return {
        stats: await taskMetrics(t.prepared.group, ctx.cgroups.kind === 'v2', t.prepared.memoryLimit),
      };
    }),
    Update: unary<{ id: string; resources: Any | null }>('UpdateTaskRequest', empty, async (req) => {
      get(req.id).update(parseResources(json(req.resources, RESOURCES_URL, 'Update resources'), 'resources'));
      return {};
    }),
    Connect: unary<{ id: string }>('ConnectRequest', `${P}ConnectResponse`, async (req) => ({
      shim_pid: process.pid,
      task_pid: get(req.id).pid,
      version: '2',
    })),
    Shutdown: unary<{ id: string }>('ShutdownRequest', empty, async () => {
      if (tasks.size === 0) setImmediate(onIdle);
      return {};
    }),
    Pause: unimplemented('Pause'),
    Resume: unimplemented('Resume'),
    Checkpoint: unimplemented('Checkpoint'),
  };
}
