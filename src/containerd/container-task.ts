import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeError } from '../errors.ts';
import { releaseContainer } from '../runtime/sandbox/prepare-container.ts';
import { encodeLaunchSpec } from '../runtime/task/launch-spec.ts';
import { shimPath } from '../runtime/task/shim.ts';
import { startTask } from '../runtime/task/start-task.ts';
import { waitTask } from '../runtime/task/wait-task.ts';
import { ExecProcess, type Stdio } from './exec-process.ts';
import type { LinuxResources, OciProcess } from './oci-spec.ts';
import { finished, type ProcState, type ProcStatus, signalName } from './proc-state.ts';
import { nowTimestamp, type Timestamp, timestampOf } from './protos.ts';
import { terminalOfProcess } from './pty.ts';
import type { TaskContext } from './task-context.ts';
import { applyLimits, ociLimits, type PreparedTask, resolveProcess } from './task-prepare.ts';

/**
 * One containerd task: its job, workspace and first process (through the native shim, so the
 * process, its pipes and its exit record do not depend on this server), and its execs.
 * Events are published in containerd's order: create → start → (exec-added → exec-started →
 * exit)* → init exit (after every exec's exit) → delete.
 */
export class ContainerTask {
  pid = 0;
  status: ProcStatus = 'created';
  exitStatus = 0;
  exitedAt: Timestamp | undefined;
  readonly execs = new Map<string, ExecProcess>();
  private readonly exited: Promise<void>;
  private resolveExited: () => void = () => {};
  private deleted = false;

  constructor(
    private readonly ctx: TaskContext,
    readonly prepared: PreparedTask,
    readonly stdio: Stdio,
    readonly terminal: boolean,
  ) {
    this.exited = new Promise((r) => {
      this.resolveExited = r;
    });
  }

  get id(): string {
    return this.prepared.record.id;
  }

  get bundle(): string {
    return this.prepared.record.bundle;
  }

  /** The first process's state, or an exec's (NotFound when there is no such exec). */
  proc(execId: string): ProcState {
    if (execId === '') {
      return {
        pid: this.pid,
        status: this.status,
        exitStatus: this.exitStatus,
        exitedAt: this.exitedAt,
        stdio: this.stdio,
        terminal: this.terminal,
      };
    }
    const e = this.execs.get(execId);
    if (!e) throw new RuntimeError('NotFound', `exec "${execId}" of task "${this.id}": not found`);
    return {
      pid: e.pid,
      status: e.status,
      exitStatus: e.exitStatus,
      exitedAt: e.exitedAt,
      stdio: e.stdio,
      terminal: e.terminal,
    };
  }

  /** Starts the first process; with `terminal` it runs under the shim's pty relay. */
  async start(): Promise<number> {
    if (this.status !== 'created')
      throw new RuntimeError('FailedPrecondition', `task "${this.id}" was already started`);
    let launch = this.prepared.launch;
    if (this.terminal) {
      // The relay (`hostpod-shim exec --tty`) gets the container's stdio, job, mounts and user;
      // the program runs on its pty. State.pid is then the relay's (signals are forwarded).
      const relaySpec = join(this.prepared.dir, 'tty.spec');
      await writeFile(
        relaySpec,
        encodeLaunchSpec({ argv: launch.argv, env: launch.env, cwd: launch.cwd }, { procsFiles: [] }),
        { mode: 0o600 },
      );
      launch = { ...launch, argv: [shimPath(), 'exec', '--tty', relaySpec] };
    }
    const handle = await startTask(launch, { group: this.prepared.group, dir: this.prepared.taskDir });
    this.pid = handle.initPid;
    this.status = 'running';
    this.ctx.events.publish({
      topic: '/tasks/start',
      type: 'TaskStart',
      fields: { container_id: this.id, pid: this.pid },
    });
    void this.watch();
    return this.pid;
  }

  private async watch(): Promise<void> {
    let code = 255;
    let at: Timestamp = nowTimestamp();
    try {
      const rec = await waitTask(this.prepared.taskDir);
      code = rec.exitCode;
      at = timestampOf(rec.finishedAt);
    } catch (err) {
      // Its shim was killed: nothing would empty the job or record the exit any more. The
      // container is reported ended (137), and ended for real: every process of its job killed.
      this.ctx.log(`task ${this.id}: ${(err as Error).message}; killing its job`);
      code = 137;
      await this.prepared.group
        .kill()
        .catch((e: unknown) => this.ctx.log(`task ${this.id}: ${(e as Error).message}`));
    }
    // Exec exits go out before the init's (containerd #9719): the job is being emptied, so they end.
    await Promise.race([
      Promise.all([...this.execs.values()].map((e) => e.done)),
      new Promise((r) => setTimeout(r, 10_000)),
    ]);
    try {
      if ((await this.prepared.group.stats()).oomKillCount > 0)
        this.ctx.events.publish({ topic: '/tasks/oom', type: 'TaskOOM', fields: { container_id: this.id } });
    } catch {}
    this.exitStatus = code;
    this.exitedAt = at;
    this.status = 'stopped';
    this.ctx.events.publish({
      topic: '/tasks/exit',
      type: 'TaskExit',
      fields: { container_id: this.id, id: this.id, pid: this.pid, exit_status: code, exited_at: at },
    });
    this.resolveExited();
  }

  /** Resolves with the exit status once the process has exited (at once if it has). */
  async wait(execId: string): Promise<{ exitStatus: number; exitedAt: Timestamp }> {
    if (execId === '') {
      if (this.status === 'created' && this.deleted)
        throw new RuntimeError('NotFound', `task "${this.id}": deleted`);
      await this.exited;
      return { exitStatus: this.exitStatus, exitedAt: this.exitedAt ?? nowTimestamp() };
    }
    const e = this.execs.get(execId);
    if (!e) throw new RuntimeError('NotFound', `exec "${execId}" of task "${this.id}": not found`);
    await e.done;
    return { exitStatus: e.exitStatus, exitedAt: e.exitedAt ?? nowTimestamp() };
  }

  /**
   * Signals the first process, an exec, or with `all` every process of the job (also after the
   * first one exited: double-forked children included). NotFound when the process has exited.
   */
  async kill(execId: string, signal: number, all: boolean): Promise<void> {
    const sig = signalName(signal);
    if (execId !== '') {
      const e = this.execs.get(execId);
      if (!e) throw new RuntimeError('NotFound', `exec "${execId}" of task "${this.id}": not found`);
      if (e.status !== 'running') throw finished(`exec "${execId}"`);
      try {
        process.kill(e.pid, sig);
      } catch {
        throw finished(`exec "${execId}"`);
      }
      return;
    }
    if (this.status === 'created') {
      // Never started: it ends here, as runc's killed init would.
      this.status = 'stopped';
      this.exitStatus = 128 + signal;
      this.exitedAt = nowTimestamp();
      this.resolveExited();
      return;
    }
    if (all) {
      await this.prepared.group.signalAll(sig);
      return;
    }
    if (this.status === 'stopped') throw finished(`task "${this.id}"`);
    try {
      process.kill(this.pid, sig);
    } catch {
      throw finished(`task "${this.id}"`);
    }
  }

  /** Adds an exec (not started yet). AlreadyExists for a used id; FailedPrecondition once stopped. */
  async addExec(execId: string, proc: OciProcess, stdio: Stdio, terminal: boolean): Promise<void> {
    if (this.execs.has(execId))
      throw new RuntimeError('AlreadyExists', `exec "${execId}" of task "${this.id}": already exists`);
    if (this.status !== 'running' || !this.prepared.view)
      throw new RuntimeError(
        'FailedPrecondition',
        `Cannot exec in task "${this.id}": it is not a running container`,
      );
    const cmd = await resolveProcess(proc, this.prepared.view);
    this.execs.set(execId, new ExecProcess(execId, stdio, terminal, cmd));
    this.ctx.events.publish({
      topic: '/tasks/exec-added',
      type: 'TaskExecAdded',
      fields: { container_id: this.id, exec_id: execId },
    });
  }

  async startExec(execId: string): Promise<number> {
    const e = this.execs.get(execId);
    if (!e) throw new RuntimeError('NotFound', `exec "${execId}" of task "${this.id}": not found`);
    if (e.status !== 'created')
      throw new RuntimeError('FailedPrecondition', `exec "${execId}" was already started`);
    try {
      const pid = await e.start({ dir: this.prepared.taskDir, initPid: this.pid }, (p) =>
        this.ctx.events.publish({
          topic: '/tasks/exit',
          type: 'TaskExit',
          fields: {
            container_id: this.id,
            id: p.id,
            pid: p.pid,
            exit_status: p.exitStatus,
            exited_at: p.exitedAt,
          },
        }),
      );
      this.ctx.events.publish({
        topic: '/tasks/exec-started',
        type: 'TaskExecStarted',
        fields: { container_id: this.id, exec_id: execId, pid },
      });
      return pid;
    } catch (err) {
      e.abandon();
      throw err;
    }
  }

  /** Deletes an exited exec, or the task once its first process has exited (or never started). */
  async delete(execId: string): Promise<ProcState> {
    if (execId !== '') {
      const state = this.proc(execId);
      if (state.status === 'running')
        throw new RuntimeError('FailedPrecondition', `exec "${execId}" is still running`);
      this.execs.delete(execId);
      return state;
    }
    if (this.status === 'running')
      throw new RuntimeError('FailedPrecondition', `task "${this.id}" is still running: kill it first`);
    for (const e of this.execs.values()) e.abandon();
    await this.cleanup();
    this.deleted = true;
    const state = this.proc('');
    this.ctx.events.publish({
      topic: '/tasks/delete',
      type: 'TaskDelete',
      fields: {
        container_id: this.id,
        pid: state.pid,
        exit_status: state.exitStatus,
        exited_at: state.exitedAt ?? nowTimestamp(),
        id: this.id,
      },
    });
    return state;
  }

  /** Removes the job (killing what is left), the workspace and the task's files. */
  async cleanup(): Promise<void> {
    await this.prepared.group.destroy();
    if (this.prepared.sandbox) await releaseContainer(this.ctx.root, this.id);
    await rm(this.prepared.dir, { recursive: true, force: true });
  }

  async pids(): Promise<number[]> {
    return this.prepared.group.pids();
  }

  /** Update: the job's limits (a documented deviation from the reference's "modify not supported"). */
  update(resources: LinuxResources | undefined): void {
    const limits = ociLimits(resources);
    applyLimits(this.prepared.group, limits);
    if (limits.memoryMaxBytes !== undefined) this.prepared.memoryLimit = limits.memoryMaxBytes;
  }

  /** The pty of the process (for ResizePty): its stdin, or its child's under the relay. */
  terminalOf(execId: string): string {
    const pid = execId === '' ? this.pid : this.proc(execId).pid;
    const found = terminalOfProcess(pid);
    if (!found) throw new RuntimeError('NotFound', `process ${pid} of task "${this.id}" has no terminal`);
    return found;
  }
}
