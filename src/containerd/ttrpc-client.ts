import net from 'node:net';
import { RuntimeError } from '../errors.ts';
import { decode, encode } from './protos.ts';
import { encodeFrame, FrameReader, TYPE_REQUEST, TYPE_RESPONSE } from './ttrpc-frame.ts';

/** A ttrpc status that was not OK: its gRPC code and message. */
export class TtrpcError extends Error {
  constructor(
    readonly grpcCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'TtrpcError';
  }
}

interface Pending {
  resolve: (payload: Buffer) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * A ttrpc client over one unix socket connection: odd stream ids from 1, increasing by 2 (a
 * ttrpc 1.2 server refuses ids that do not increase), concurrent calls matched by id.
 * Used to forward events to containerd and by the tests to speak to the shim as containerd does.
 */
export class TtrpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedError: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const f of reader.push(chunk)) {
        if (f.type !== TYPE_RESPONSE) continue;
        const p = this.pending.get(f.streamId);
        if (!p) continue;
        this.pending.delete(f.streamId);
        clearTimeout(p.timer);
        try {
          const res = decode<{ status: { code: number; message: string } | null; payload: Buffer }>(
            'ttrpc.Response',
            f.payload,
          );
          if (res.status && res.status.code !== 0)
            p.reject(new TtrpcError(res.status.code, res.status.message));
          else p.resolve(res.payload);
        } catch (err) {
          p.reject(err as Error);
        }
      }
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new RuntimeError('Unavailable', 'ttrpc: connection closed')));
  }

  /** Connects to the unix socket `path` (a `unix://` prefix is accepted). */
  static connect(path: string, timeoutMs = 5000): Promise<TtrpcClient> {
    const p = path.replace(/^unix:\/\//, '');
    return new Promise((resolve, reject) => {
      const s = net.connect(p);
      const t = setTimeout(() => {
        s.destroy();
        reject(new RuntimeError('DeadlineExceeded', `ttrpc: cannot connect to ${p} within ${timeoutMs} ms`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(t);
        s.removeAllListeners('error');
        resolve(new TtrpcClient(s));
      });
      s.once('error', (err) => {
        clearTimeout(t);
        reject(new RuntimeError('Unavailable', `ttrpc: cannot connect to ${p}: ${err.message}`));
      });
    });
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  /**
   * Calls `service`/`method` with the request bytes; resolves with the response payload,
   * rejects `TtrpcError` for a status, `RuntimeError` (Unavailable / DeadlineExceeded) when the
   * connection fails or `timeoutMs` passes (sent as the request's timeout_nano too).
   */
  call(
    service: string,
    method: string,
    payload: Uint8Array,
    options: { timeoutMs?: number; metadata?: { key: string; value: string }[] } = {},
  ): Promise<Buffer> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId;
    this.nextId += 2;
    const req = encode('ttrpc.Request', {
      service,
      method,
      payload,
      timeout_nano: (options.timeoutMs ?? 0) * 1e6,
      metadata: options.metadata ?? [],
    });
    return new Promise((resolve, reject) => {
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.pending.delete(id);
              reject(new RuntimeError('DeadlineExceeded', `ttrpc: ${service}/${method} timed out`));
            }, options.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.write(encodeFrame(id, TYPE_REQUEST, req));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private fail(err: Error): void {
    this.closedError ??= err;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(err);
      this.pending.delete(id);
    }
  }
}
