import { spawn } from 'node:child_process';
import { encode, nowTimestamp } from './protos.ts';
import { TtrpcClient } from './ttrpc-client.ts';

/** An event: its topic (`/tasks/exit`) and message (`TaskExit`, in package containerd.events). */
export interface TaskEvent {
  topic: string;
  type: string;
  fields: object;
}

/**
 * Publishes task events to containerd, in the order they were published: through its ttrpc
 * Events service at `ttrpcAddress` (`TTRPC_ADDRESS`, what the Go shim library does), else by
 * running `<publish-binary> --address A publish --topic T --namespace N` with the event's
 * Any on stdin. The Any's type_url is the bare `containerd.events.<Message>` (containerd 1.6
 * resolves only exact names). A failed event is retried (reconnecting) up to 5 times, 1 s, 2 s …
 * apart, then dropped with a log line: containerd's CRI learns of exits through Wait, not events.
 */
export class EventPublisher {
  private queue: Promise<void> = Promise.resolve();
  private client: TtrpcClient | undefined;

  constructor(
    private readonly options: {
      namespace: string;
      ttrpcAddress: string | undefined;
      publishBinary: string | undefined;
      grpcAddress: string;
      log: (line: string) => void;
    },
  ) {}

  publish(event: TaskEvent): void {
    const any = {
      type_url: `containerd.events.${event.type}`,
      value: encode(`containerd.events.${event.type}`, event.fields),
    };
    this.queue = this.queue.then(() => this.send(event.topic, any));
  }

  /** Resolves once everything published so far was sent (or dropped). */
  flush(): Promise<void> {
    return this.queue;
  }

  close(): void {
    this.client?.close();
  }

  private async send(topic: string, any: { type_url: string; value: Uint8Array }): Promise<void> {
    for (let attempt = 0; attempt < 6; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, attempt * 1000));
      try {
        if (this.options.ttrpcAddress) await this.forward(topic, any);
        else await this.runBinary(topic, any);
        return;
      } catch (err) {
        this.client?.close();
        this.client = undefined;
        if (attempt === 5) this.options.log(`event ${topic} dropped: ${(err as Error).message}`);
      }
    }
  }

  private async forward(topic: string, any: { type_url: string; value: Uint8Array }): Promise<void> {
    if (!this.client || this.client.closed)
      this.client = await TtrpcClient.connect(this.options.ttrpcAddress as string);
    const req = encode('containerd.services.events.ttrpc.v1.ForwardRequest', {
      envelope: { timestamp: nowTimestamp(), namespace: this.options.namespace, topic, event: any },
    });
    await this.client.call('containerd.services.events.ttrpc.v1.Events', 'Forward', req, { timeoutMs: 5000 });
  }

  private runBinary(topic: string, any: { type_url: string; value: Uint8Array }): Promise<void> {
    const bin = this.options.publishBinary;
    if (!bin) return Promise.reject(new Error('neither TTRPC_ADDRESS nor -publish-binary is set'));
    return new Promise((resolve, reject) => {
      const args = [
        '--address',
        this.options.grpcAddress,
        'publish',
        '--topic',
        topic,
        '--namespace',
        this.options.namespace,
      ];
      const child = spawn(bin, args, { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (b: Buffer) => {
        err += b.toString();
      });
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`${bin} publish: exit ${code}: ${err.trim()}`)),
      );
      child.stdin.end(Buffer.from(encode('google.protobuf.Any', any)));
    });
  }
}
