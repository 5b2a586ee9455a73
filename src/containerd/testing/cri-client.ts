/**
 * A CRI `runtime.v1` client for the tests and the benchmark (what a kubelet is to containerd):
 * @grpc/grpc-js over containerd's socket with our `cri-api.proto` subset. Calls take and give
 * plain objects with the proto's snake_case field names; int64 as numbers.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as loader from '@grpc/proto-loader';

type Call = (req: object, opts?: { deadlineMs?: number }) => Promise<Record<string, unknown>>;
const METHODS = [
  'Version',
  'RunPodSandbox',
  'StopPodSandbox',
  'RemovePodSandbox',
  'PodSandboxStatus',
  'CreateContainer',
  'StartContainer',
  'StopContainer',
  'RemoveContainer',
  'ListContainers',
  'ContainerStatus',
  'UpdateContainerResources',
  'ReopenContainerLog',
  'ExecSync',
  'Exec',
  'ContainerStats',
  'ImageStatus',
  'PullImage',
] as const;
export type CriClient = { [K in (typeof METHODS)[number]]: Call } & { close(): void };

export function criClient(socket: string): CriClient {
  const def = loader.loadSync(fileURLToPath(new URL('./cri-api.proto', import.meta.url)), {
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    runtime: { v1: Record<string, new (addr: string, creds: grpc.ChannelCredentials) => grpc.Client> };
  };
  const clients = ['RuntimeService', 'ImageService'].map((s) => {
    const Ctor = pkg.runtime.v1[s] as new (addr: string, creds: grpc.ChannelCredentials) => grpc.Client;
    return new Ctor(`unix://${socket}`, grpc.credentials.createInsecure());
  });
  const out: Record<string, unknown> = {
    close: () => {
      for (const c of clients) c.close();
    },
  };
  for (const c of clients) {
    const proto = Object.getPrototypeOf(c) as Record<string, unknown>;
    for (const name of METHODS) {
      if (typeof proto[name] !== 'function') continue;
      out[name] = (req: object, opts: { deadlineMs?: number } = {}) =>
        new Promise((resolve, reject) => {
          const deadline = new Date(Date.now() + (opts.deadlineMs ?? 60_000));
          (
            c as unknown as Record<
              string,
              (r: object, m: grpc.Metadata, o: object, cb: (e: Error | null, v: unknown) => void) => void
            >
          )[name]?.(req, new grpc.Metadata(), { deadline }, (err, value) =>
            err ? reject(err) : resolve(value as Record<string, unknown>),
          );
        });
    }
  }
  return out as CriClient;
}
