/**
 * Push values, pull them with `for await`: the bridge between callback producers (a watcher, a
 * log follower) and consumers that iterate. A queue ends when its producer calls `end()` (with an
 * error to make the consumer's loop throw it), when the consumer leaves its loop (`return()`), or
 * when the `signal` aborts; `onEnd` runs once whichever comes first, to unsubscribe.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  readonly #items: T[] = [];
  /** Producers waiting for their value to be taken (`pushAndWait`), in order. */
  readonly #taken: (() => void)[] = [];
  #waiting: ((r: IteratorResult<T>) => void) | undefined;
  #failWaiting: ((e: unknown) => void) | undefined;
  #ended = false;
  #error: { e: unknown } | undefined;
  readonly #onEnd: (() => void) | undefined;

  constructor(options: { signal?: AbortSignal; onEnd?: () => void } = {}) {
    this.#onEnd = options.onEnd;
    const signal = options.signal;
    if (signal?.aborted) this.end();
    else signal?.addEventListener('abort', () => this.end(), { once: true });
  }

  /** True once ended: pushed values are then dropped. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Adds a value for the consumer (dropped once the queue ended). */
  push(value: T): void {
    if (this.#ended) return;
    if (this.#waiting) {
      const w = this.#waiting;
      this.#waiting = undefined;
      this.#failWaiting = undefined;
      w({ value, done: false });
      return;
    }
    this.#items.push(value);
  }

  /** Adds a value and resolves once the consumer took it (or the queue ended): back-pressure. */
  pushAndWait(value: T): Promise<void> {
    if (this.#ended) return Promise.resolve();
    const taken = new Promise<void>((resolve) => this.#taken.push(resolve));
    if (this.#waiting) {
      this.push(value);
      this.#taken.shift()?.();
      return Promise.resolve();
    }
    this.#items.push(value);
    return taken;
  }

  /** Ends the queue: the consumer gets what was pushed, then the end (or `error`). */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    if (error !== undefined) this.#error = { e: error };
    for (const t of this.#taken.splice(0)) t();
    if (this.#waiting && this.#items.length === 0) {
      const w = this.#waiting;
      const f = this.#failWaiting;
      this.#waiting = undefined;
      this.#failWaiting = undefined;
      if (this.#error) f?.(this.#error.e);
      else w({ value: undefined, done: true });
    }
    this.#onEnd?.();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#items.length > 0) {
      const value = this.#items.shift() as T;
      this.#taken.shift()?.();
      return Promise.resolve({ value, done: false });
    }
    if (this.#ended) {
      if (this.#error) {
        const e = this.#error.e;
        this.#error = undefined;
        return Promise.reject(e);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.#waiting = resolve;
      this.#failWaiting = reject;
    });
  }

  /** The consumer left its loop: the queue ends and the producer is told (`onEnd`). */
  return(): Promise<IteratorResult<T>> {
    this.#items.length = 0;
    this.#error = undefined;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

/**
 * The chunks a callback producer writes, as an async iterable with back-pressure: `write`
 * resolves once the consumer took the chunk. The producer's `signal` aborts when the consumer
 * leaves its loop or `signal` aborts; its rejection ends the iteration with that error.
 */
export function produced<T>(
  produce: (write: (value: T) => Promise<void>, signal: AbortSignal) => Promise<void>,
  signal?: AbortSignal,
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const stop = new AbortController();
      const both = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
      const q = new AsyncQueue<T>({ signal: both, onEnd: () => stop.abort() });
      produce((v) => q.pushAndWait(v), both).then(
        () => q.end(),
        (e: unknown) => q.end(both.aborted ? undefined : e),
      );
      return q;
    },
  };
}
