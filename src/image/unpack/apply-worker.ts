/**
 * `applyLayer` in a worker thread, so a layer can be unpacked while the main thread keeps a
 * pull going (the applier's file writes are synchronous and would otherwise stall the pull).
 * The same file is the worker's entry point and the main thread's client.
 */
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import { RuntimeError } from '../../errors.ts';
import { type Digest, DigestMismatchError } from '../../oci/digest.ts';
import type { UnpackMode } from './applier.ts';
import { type ApplyLayerResult, applyLayer, type UnpackLimits } from './apply-layer.ts';
import {
  FOLLOW_DONE,
  FOLLOW_RESTARTED,
  FOLLOW_STOPPED,
  type FollowedBlob,
  FollowLost,
  followBlob,
} from './follow-blob.ts';

export { FOLLOW_DONE, FOLLOW_RESTARTED, FOLLOW_STOPPED, FollowLost };

/**
 * Where the worker reads the layer: a committed blob, or a blob being downloaded (followed, see
 * `follow-blob.ts`).
 */
export type WorkerSource = { kind: 'blob'; blob: string } | ({ kind: 'follow' } & FollowedBlob);

export interface WorkerApplyOptions {
  target: string;
  mode: UnpackMode;
  lowers: { dir: string; opaque: string[] }[];
  keepSetuid: boolean;
  limits: Partial<UnpackLimits>;
  expectedDiffId?: Digest;
  what: string;
}

export type Reply =
  | { ok: true; result: ApplyLayerResult }
  | {
      ok: false;
      lost?: boolean;
      code?: string;
      message: string;
      hint?: string;
      mismatch?: { expected: Digest; actual?: Digest; actualSize: number };
    };

/** The worker side: runs one job (see apply-worker-main.ts). */
export async function work(src: WorkerSource, o: WorkerApplyOptions): Promise<Reply> {
  try {
    const source =
      src.kind === 'blob' ? createReadStream(src.blob, { highWaterMark: 1 << 20 }) : followBlob(src);
    const result = await applyLayer(source, {
      target: o.target,
      mode: o.mode,
      lowers: o.lowers.map((l) => ({ dir: l.dir, opaque: new Set(l.opaque) })),
      keepSetuid: o.keepSetuid,
      limits: o.limits,
      what: o.what,
      ...(o.expectedDiffId ? { expectedDiffId: o.expectedDiffId } : {}),
    });
    return { ok: true, result };
  } catch (e) {
    if (e instanceof FollowLost) return { ok: false, lost: true, message: e.message };
    if (e instanceof DigestMismatchError) {
      return {
        ok: false,
        code: e.code,
        message: e.message,
        mismatch: {
          expected: e.expected,
          ...(e.actual ? { actual: e.actual } : {}),
          actualSize: e.actualSize,
        },
      };
    }
    if (e instanceof RuntimeError) {
      return { ok: false, code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
    }
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

/** node:worker_threads, loaded when the first worker starts (≈ 12 ms of start-up otherwise). */
function workerThreads(): typeof import('node:worker_threads') {
  return createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
}

/**
 * Starts the worker: `apply-worker-main.js` next to this file; from TypeScript sources (tests,
 * benchmarks under tsx), a small bootstrap that registers tsx in the worker first.
 */
function startWorker(): Worker {
  const { Worker } = workerThreads();
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(`./apply-worker-main.${ts ? 'ts' : 'js'}`, import.meta.url);
  if (!ts) return new Worker(entry);
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(
    `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`,
    { eval: true },
  );
}

function toError(r: Exclude<Reply, { ok: true }>, what: string): Error {
  if (r.lost) return new FollowLost(r.message);
  if (r.mismatch) return new DigestMismatchError(`${what} (uncompressed content, diffID)`, r.mismatch);
  if (r.code)
    return new RuntimeError(r.code as RuntimeError['code'], r.message, r.hint ? { hint: r.hint } : {});
  return new RuntimeError('Internal', r.message);
}

/**
 * A worker thread that unpacks layers, one job at a time (`apply` calls are queued). `apply`
 * rejects with what applyLayer would throw (RuntimeError / DigestMismatchError), FollowLost when
 * a followed download could not be followed, or a plain Error when the worker could not run
 * (the caller may then unpack in its own thread). `close()` ends the thread.
 */
export class UnpackWorker {
  #w: Worker | undefined;
  #next = 1;
  #pending = new Map<
    number,
    { resolve: (r: ApplyLayerResult) => void; reject: (e: Error) => void; what: string }
  >();
  #dead: Error | undefined;

  #start(): Worker {
    if (this.#w) return this.#w;
    const w = startWorker();
    const fail = (e: Error) => {
      this.#dead = e;
      for (const p of this.#pending.values()) p.reject(e);
      this.#pending.clear();
    };
    w.on('message', (m: { id: number; reply: Reply }) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (m.reply.ok) p.resolve(m.reply.result);
      else p.reject(toError(m.reply, p.what));
    });
    w.once('error', fail);
    w.once('exit', (code) => fail(new Error(`the unpack worker exited with code ${code}`)));
    w.unref();
    this.#w = w;
    return w;
  }

  apply(source: WorkerSource, opts: WorkerApplyOptions): Promise<ApplyLayerResult> {
    if (this.#dead) return Promise.reject(this.#dead);
    const w = this.#start();
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, what: opts.what });
      w.ref();
      w.postMessage({ id, source, opts });
    }).finally(() => {
      if (this.#pending.size === 0) this.#w?.unref();
    }) as Promise<ApplyLayerResult>;
  }

  async close(): Promise<void> {
    const w = this.#w;
    this.#w = undefined;
    this.#dead ??= new Error('the unpack worker was closed');
    if (w) await w.terminate();
  }
}

/** Runs `applyLayer` on `source` in a worker thread of its own (see UnpackWorker). */
export async function applyLayerInWorker(
  source: WorkerSource,
  opts: WorkerApplyOptions,
): Promise<ApplyLayerResult> {
  const w = new UnpackWorker();
  try {
    return await w.apply(source, opts);
  } finally {
    await w.close();
  }
}
