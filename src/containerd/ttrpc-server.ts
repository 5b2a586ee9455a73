import { chmodSync, mkdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';
import { errnoCode, RuntimeError } from '../errors.ts';
import { GRPC, toStatus } from './grpc-codes.ts';
import { decode, encode } from './protos.ts';
import { encodeFrame, FrameReader, TYPE_REQUEST, TYPE_RESPONSE } from './ttrpc-frame.ts';
import { canConnect } from './unix-socket.ts';

/** What a handler learns about the call besides its payload. */
export interface CallContext {
  service: string;
  method: string;
  metadata: { key: string; value: string }[];
  /** Aborted when the connection closes. */
  signal: AbortSignal;
}

/** A unary method: request bytes in, response bytes out; throws RuntimeError for a status. */
export type Handler = (payload: Buffer, ctx: CallContext) => Promise<Uint8Array>;

interface Request {
  service: string;
  method: string;
  payload: Buffer;
  timeout_nano: number;
  metadata: { key: string; value: string }[];
}

/**
 * A ttrpc server on a unix socket: requests are handled concurrently and answered by stream id
 * (a Wait may block for a task's lifetime while other calls go on). Unknown services/methods
 * get Unimplemented ("service X" / "method X", as ttrpc says it), even stream ids and malformed
 * requests InvalidArgument, a frame over 4 MiB ResourceExhausted.
 */
export class TtrpcServer {
  private readonly services = new Map<string, Map<string, Handler>>();
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  /** Called when a connection closes (containerd closes one per task after Delete). */
  onConnectionClosed: (() => void) | undefined;

  constructor() {
    this.server = net.createServer((s) => this.serve(s));
  }

  register(service: string, methods: Record<string, Handler>): void {
    this.services.set(service, new Map(Object.entries(methods)));
  }

  /**
   * Listens on the filesystem socket `path` (its directory made 0700, the socket 0600). A stale
   * socket file nobody answers on is replaced; a live one gives `AlreadyExists`.
   */
  async listen(path: string): Promise<void> {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const attempt = () =>
      new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        this.server.once('error', onError);
        this.server.listen(path, () => {
          this.server.off('error', onError);
          resolve();
        });
      });
    try {
      await attempt();
    } catch (err) {
      if (errnoCode(err) !== 'EADDRINUSE') throw err;
      if (await canConnect(path)) {
        throw new RuntimeError('AlreadyExists', `Cannot serve on ${path}: another server answers there`);
      }
      unlinkSync(path);
      await attempt();
    }
    chmodSync(path, 0o600);
  }

  get connections(): number {
    return this.sockets.size;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    const reader = new FrameReader();
    const abort = new AbortController();
    const reply = (streamId: number, payload: Uint8Array) => {
      if (!socket.destroyed) socket.write(encodeFrame(streamId, TYPE_RESPONSE, payload));
    };
    const fail = (streamId: number, code: number, message: string) =>
      reply(streamId, encode('ttrpc.Response', { status: { code, message } }));
    socket.on('data', (chunk: Buffer) => {
      let frames: ReturnType<FrameReader['push']>;
      try {
        frames = reader.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const f of frames) {
        if (f.tooLarge !== undefined) {
          fail(
            f.streamId,
            GRPC.ResourceExhausted,
            `message length ${f.tooLarge} exceeds maximum message size of 4194304`,
          );
          continue;
        }
        if (f.type !== TYPE_REQUEST) continue; // data frames belong to ttrpc 1.2 streams: none here
        if (f.streamId % 2 === 0) {
          fail(f.streamId, GRPC.InvalidArgument, 'StreamID cannot be even for new stream');
          continue;
        }
        void this.dispatch(f.streamId, f.payload, abort.signal, reply, fail);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      abort.abort();
      this.sockets.delete(socket);
      this.onConnectionClosed?.();
    });
  }

  private async dispatch(
    streamId: number,
    bytes: Buffer,
    signal: AbortSignal,
    reply: (id: number, payload: Uint8Array) => void,
    fail: (id: number, code: number, message: string) => void,
  ): Promise<void> {
    let req: Request;
    try {
      req = decode<Request>('ttrpc.Request', bytes);
    } catch (err) {
      fail(streamId, GRPC.InvalidArgument, (err as Error).message);
      return;
    }
    const service = this.services.get(req.service);
    if (!service) return fail(streamId, GRPC.Unimplemented, `service ${req.service}`);
    const handler = service.get(req.method);
    if (!handler) return fail(streamId, GRPC.Unimplemented, `method ${req.method}`);
    try {
      const out = await handler(req.payload, {
        service: req.service,
        method: req.method,
        metadata: req.metadata,
        signal,
      });
      reply(streamId, encode('ttrpc.Response', { payload: out }));
    } catch (err) {
      const s = toStatus(err);
      fail(streamId, s.code, s.message);
    }
  }
}
