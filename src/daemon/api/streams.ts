/**
 * Long answers: NDJSON watch streams (`watch=1`) and text log streams. Both end when the client
 * goes away, when the server closes (with an `Unavailable` error), or on a backend error (as an
 * error line for NDJSON, as the `Hostpod-Error` trailer for text). A client that does not read
 * is cut off once `maxBufferedBytes` are waiting for it.
 */
import type { ServerResponse } from 'node:http';
import type { ApiError } from '../../api/protocol.ts';
import { RuntimeError } from '../../errors.ts';
import { toApiError } from './errors.ts';

/** Every open stream of a server, ended together when it closes. */
export class StreamSet {
  private readonly ends = new Set<() => void>();

  /** Registers a stream's end function; returns the unregister. */
  add(end: () => void): () => void {
    this.ends.add(end);
    return () => this.ends.delete(end);
  }

  get size(): number {
    return this.ends.size;
  }

  endAll(): void {
    for (const end of [...this.ends]) end();
    this.ends.clear();
  }
}

const SHUTDOWN: ApiError = {
  code: 'Unavailable',
  message: 'the hostpod daemon is shutting down',
  hint: 'run the command again once the daemon is back',
};

export interface StreamOptions {
  streams: StreamSet;
  maxBufferedBytes: number;
  onInternalError: (e: unknown) => void;
}

/**
 * Starts an NDJSON answer on `res` and returns its writer. `onEnd` runs once when the stream ends
 * for any reason (unsubscribe there).
 */
export function startNdjson(
  res: ServerResponse,
  options: StreamOptions,
  onEnd: () => void,
): { send(value: unknown): void; fail(e: unknown): void; end(): void; readonly ended: boolean } {
  let ended = false;
  const finish = (error?: ApiError) => {
    if (ended) return;
    ended = true;
    unregister();
    onEnd();
    if (!res.destroyed && !res.writableEnded) {
      if (error) res.write(`${JSON.stringify({ error })}\n`);
      res.end();
    }
  };
  const unregister = options.streams.add(() => finish(SHUTDOWN));
  res.on('close', () => finish());
  res.writeHead(200, {
    'Content-Type': 'application/x-ndjson',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.flushHeaders();
  return {
    get ended() {
      return ended;
    },
    end() {
      finish();
    },
    send(value: unknown) {
      if (ended) return;
      let line: string;
      try {
        line = `${JSON.stringify(value)}\n`;
      } catch (e) {
        options.onInternalError(e);
        finish(toApiError(e).body);
        return;
      }
      res.write(line);
      if (res.writableLength > options.maxBufferedBytes) {
        finish({
          code: 'ResourceExhausted',
          message: 'the watch was ended: the client does not read fast enough',
        });
        res.destroy();
      }
    },
    fail(e: unknown) {
      const { body, internal } = toApiError(e);
      if (internal) options.onInternalError(e);
      finish(body);
    },
  };
}

/**
 * Streams what `open` yields as NDJSON until it ends, the client goes away or the server closes.
 * A failure before the first value (no such pod) is an ordinary error answer (rethrown for the
 * caller's `sendError`); a later one is an error line.
 */
export async function streamNdjson(
  res: ServerResponse,
  options: StreamOptions,
  open: (signal: AbortSignal) => AsyncIterable<unknown>,
): Promise<void> {
  const ac = new AbortController();
  const it = open(ac.signal)[Symbol.asyncIterator]();
  // An in-process backend refuses a watch (bad filter) with an already rejected first value.
  let first: Promise<IteratorResult<unknown>> | undefined = it.next();
  const early = await Promise.race([
    first.then(
      () => undefined,
      (e: unknown) => ({ e }),
    ),
    new Promise<undefined>((r) => setImmediate(() => r(undefined))),
  ]);
  if (early) {
    ac.abort();
    throw early.e;
  }
  const w = startNdjson(res, options, () => {
    ac.abort();
    void it.return?.();
  });
  try {
    for (;;) {
      const r = await (first ?? it.next());
      first = undefined;
      if (r.done || w.ended) break;
      w.send(r.value);
    }
    w.end();
  } catch (e) {
    w.fail(e);
  }
}

/** Header values are latin1: JSON with every non-ASCII character escaped. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Streams the chunks `open` yields as text to `res` (awaiting the client: back-pressure). The headers go out with the first
 * chunk, so an error before it is an ordinary error answer (`sendError` by the caller: this
 * rethrows it); an error after it becomes the `Hostpod-Error` trailer.
 */
export async function streamText(
  res: ServerResponse,
  options: StreamOptions,
  open: (signal: AbortSignal) => AsyncIterable<Buffer>,
): Promise<void> {
  const ac = new AbortController();
  let shutdown = false;
  const unregister = options.streams.add(() => {
    shutdown = true;
    ac.abort();
  });
  const onClose = () => ac.abort();
  res.on('close', onClose);
  const start = () => {
    if (res.headersSent) return;
    res.writeHead(200, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      Trailer: 'Hostpod-Error',
    });
  };
  const write = async (chunk: Buffer): Promise<void> => {
    if (ac.signal.aborted || res.destroyed) throw new RuntimeError('Canceled', 'the log stream was closed');
    start();
    if (res.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done).off('close', done);
        resolve();
      };
      res.on('drain', done).on('close', done);
    });
  };
  try {
    for await (const chunk of open(ac.signal)) await write(chunk);
    if (shutdown) throw new RuntimeError('Unavailable', SHUTDOWN.message, { hint: SHUTDOWN.hint ?? '' });
    start();
    res.end();
  } catch (e) {
    const error = shutdown
      ? new RuntimeError('Unavailable', SHUTDOWN.message, { hint: SHUTDOWN.hint ?? '' })
      : e;
    if (!res.headersSent) throw error;
    if (ac.signal.aborted && !shutdown) {
      res.destroy(); // the client went away
      return;
    }
    const { body, internal } = toApiError(error);
    if (internal) options.onInternalError(error);
    if (!res.destroyed) {
      res.addTrailers({ 'Hostpod-Error': asciiJson(body) });
      res.end();
    }
  } finally {
    unregister();
    res.off('close', onClose);
  }
}
