/**
 * Every write of the daemon to its state database, and who is told of it. Each write is
 * committed before it is reported (watchers are called after the commit). What a full disk or an
 * I/O error refuses does not stop the pods: container changes, pod statuses and events are held
 * back in order and written by the next write or `flush()` (the periodic check), and `problem`
 * says so until they are. A container is never *created* unrecorded: `create` throws instead.
 *
 * Pod statuses and events are written in batches: `setStatus` and `addEvent` queue them and one
 * transaction at the end of the event loop's turn (`setImmediate`) writes all that came meanwhile —
 * when 100 pods start at once, a few commits instead of one per status and per event. Container
 * changes are written at once (with the statuses queued before them), and `flush()` writes what is
 * queued.
 *
 * It is the daemon's `ContainerStore`, so the services record container runs through it.
 */
import type { PodStatus } from '../api/pod-status-types.ts';
import { describeError, isRuntimeError } from '../errors.ts';
import type { ContainerStore } from '../services/container-store.ts';
import { storedStatus } from '../services/stored-status.ts';
import type { CreateContainerInput, UpdateContainerInput } from '../state/containers.ts';
import type { EventRecord } from '../state/events.ts';
import type { ContainerId, PodUid } from '../state/ids.ts';
import type { StateDb } from '../state/state-db.ts';
import type { AgentLogger, AgentMetrics, CrashPoint } from './agent-types.ts';

/** Held-back events are bounded: beyond this many the oldest are dropped (and counted). */
const MAX_HELD_EVENTS = 1000;

interface HeldEvent {
  uid: PodUid | undefined;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  at: string;
}

export interface StateWriterOptions {
  log: AgentLogger;
  metrics?: AgentMetrics;
  /** Test hook: called at the named points (the daemon SIGKILLs itself there). */
  crashPoint?: (point: CrashPoint) => void;
}

const isDiskError = (e: unknown) =>
  isRuntimeError(e, 'ResourceExhausted') || isRuntimeError(e, 'Unavailable');

export class StateWriter implements ContainerStore {
  readonly db: StateDb;
  readonly #o: StateWriterOptions;
  /** Container changes not written yet, in order. */
  #heldChanges: { id: ContainerId; change: UpdateContainerInput }[] = [];
  /** The newest status of each pod not written yet. */
  readonly #heldStatus = new Map<PodUid, PodStatus>();
  #heldEvents: HeldEvent[] = [];
  #problem: string | undefined;
  readonly #podWatchers = new Set<(uid: PodUid, deleted?: unknown) => void>();
  readonly #eventWatchers = new Set<(e: EventRecord) => void>();
  /** A batch write is scheduled for the end of this turn of the event loop. */
  #scheduled: NodeJS.Immediate | undefined;

  constructor(db: StateDb, options: StateWriterOptions) {
    this.db = db;
    this.#o = options;
  }

  /** Why writes are held back now, or undefined when everything is written. */
  get problem(): string | undefined {
    return this.#problem;
  }

  /** How many writes wait for the disk. */
  get held(): number {
    return this.#heldChanges.length + this.#heldStatus.size + this.#heldEvents.length;
  }

  // ---- containers (ContainerStore) -------------------------------------------------------------

  create(input: CreateContainerInput): void {
    this.db.containers.create(input);
  }

  update(id: ContainerId, change: UpdateContainerInput): void {
    this.#heldChanges.push({ id, change });
    // The statuses queued before the change are written with it: their watchers are told.
    const pods = [...this.#heldStatus.keys()];
    if (this.#writeHeld()) for (const uid of pods) this.notifyPod(uid);
  }

  remove(id: ContainerId): void {
    this.#guard('remove a container record', () => this.db.containers.remove(id));
  }

  pruneAttempts(
    pod: { uid: string } | { namespace: string; name: string; ownerPid: number },
    container: { type: string; name: string },
    keepFrom: number,
  ): string[] {
    return (
      this.#guard('prune old runs', () => this.db.containers.pruneAttempts(pod, container, keepFrom)) ?? []
    );
  }

  // ---- pods ----------------------------------------------------------------------------------

  /**
   * Stores a pod's status — what its container records do not hold (`storedStatus`) — after the
   * container changes before it, then tells the pod's watchers.
   */
  setStatus(uid: PodUid, status: PodStatus): void {
    this.#heldStatus.set(uid, status);
    this.#schedule();
  }

  /** Forgets what is held back for a pod (it was replaced or deleted). */
  forgetPod(uid: PodUid): void {
    this.#heldStatus.delete(uid);
    this.#heldEvents = this.#heldEvents.filter((e) => e.uid !== uid);
  }

  /** Calls `fn` after each committed change of a pod (`deleted`: the pod's last view). */
  watchPods(fn: (uid: PodUid, deleted?: unknown) => void): () => void {
    this.#podWatchers.add(fn);
    return () => this.#podWatchers.delete(fn);
  }

  notifyPod(uid: PodUid, deleted?: unknown): void {
    for (const fn of this.#podWatchers) fn(uid, deleted);
  }

  // ---- events --------------------------------------------------------------------------------

  /** Records an event (of a pod, or of the node when `uid` is undefined); held back on a full disk. */
  addEvent(uid: PodUid | undefined, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.#heldEvents.push({
      uid,
      type,
      reason,
      message: message.slice(0, 1000),
      at: new Date().toISOString(),
    });
    if (this.#heldEvents.length > MAX_HELD_EVENTS) this.#heldEvents.shift();
    this.#schedule();
  }

  watchEvents(fn: (e: EventRecord) => void): () => void {
    this.#eventWatchers.add(fn);
    return () => this.#eventWatchers.delete(fn);
  }

  // ---- retry ---------------------------------------------------------------------------------

  /** Writes the queued statuses and events once this turn of the event loop is over. */
  #schedule(): void {
    this.#scheduled ??= setImmediate(() => {
      this.#scheduled = undefined;
      this.flush();
    });
  }

  /**
   * Writes what is queued or held back (the periodic check, the daemon's stop). Returns true when
   * nothing is left.
   */
  flush(): boolean {
    clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const pods = [...this.#heldStatus.keys()];
    const ok = this.#writeHeld();
    if (ok) for (const uid of pods) this.notifyPod(uid);
    this.#writeEvents();
    return this.held === 0;
  }

  /**
   * Writes the held container changes, then the held statuses, in one transition: the statuses
   * never get ahead of the records they show. Returns false when the disk refused it all.
   */
  #writeHeld(): boolean {
    if (this.#heldChanges.length === 0 && this.#heldStatus.size === 0) return true;
    const changes = this.#heldChanges;
    const statuses = [...this.#heldStatus];
    try {
      this.db.transition(() => {
        for (const { id, change } of changes) {
          // Each in its own savepoint: a change that can never be written (a bug, a row gone
          // with its pod) is dropped alone; a disk error fails the whole.
          try {
            this.db.transition(() => this.db.containers.update(id, change));
          } catch (e) {
            if (isDiskError(e)) throw e;
            if (!isRuntimeError(e, 'NotFound'))
              this.#o.log.error({ id, err: describeError(e) }, 'a container change was dropped');
          }
        }
        this.#o.crashPoint?.('status-transition');
        for (const [uid, status] of statuses)
          if (this.db.pods.has(uid)) this.db.pods.setStatus(uid, storedStatus(status));
      });
    } catch (e) {
      this.#failed(e);
      return false;
    }
    this.#heldChanges = this.#heldChanges.slice(changes.length);
    for (const [uid, status] of statuses)
      if (this.#heldStatus.get(uid) === status) this.#heldStatus.delete(uid);
    this.#cleared();
    return true;
  }

  /**
   * Writes the held events in one transaction (each in its own savepoint: one that can never be
   * written is dropped alone), then tells the watchers. A disk error keeps them all held.
   */
  #writeEvents(): void {
    const batch = this.#heldEvents;
    if (batch.length === 0) {
      this.#cleared();
      return;
    }
    const written: EventRecord[] = [];
    try {
      this.db.transition(() => {
        for (const e of batch) {
          // The pod was deleted meanwhile: its event goes with it.
          if (e.uid && !this.db.pods.has(e.uid)) continue;
          try {
            written.push(
              this.db.transition(() =>
                this.db.events.add({
                  ...(e.uid ? { podUid: e.uid } : {}),
                  type: e.type,
                  reason: e.reason,
                  message: e.message,
                  at: e.at,
                }),
              ),
            );
          } catch (err) {
            if (isDiskError(err)) throw err;
            this.#o.log.error({ err: describeError(err), reason: e.reason }, 'an event was dropped');
          }
        }
      });
    } catch (err) {
      this.#failed(err);
      return;
    }
    this.#heldEvents = this.#heldEvents.slice(batch.length);
    for (const rec of written) for (const fn of this.#eventWatchers) fn(rec);
    this.#cleared();
  }

  #guard<T>(what: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      this.#o.log.error({ err: describeError(e) }, `cannot ${what}`);
      if (isDiskError(e)) this.#failed(e);
      return undefined;
    }
  }

  #failed(e: unknown): void {
    this.#o.metrics?.stateWriteFailed?.();
    if (this.#problem === undefined)
      this.#o.log.error({ err: describeError(e) }, 'cannot write the state database (held back, retried)');
    this.#problem = `cannot write the state database: ${describeError(e)}`;
  }

  #cleared(): void {
    if (this.held === 0) this.#problem = undefined;
  }
}
