/**
 * The protobuf messages hostpod exchanges with containerd, read from our own `.proto` files
 * (`proto/`, upstream names and field numbers) by protobufjs at first use.
 */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { RuntimeError } from '../errors.ts';

const FILES = [
  'ttrpc.proto',
  'task.proto',
  'events.proto',
  'events-service.proto',
  'metrics.proto',
  'metrics-v2.proto',
  'runtimeoptions.proto',
];

let root: protobuf.Root | undefined;

function load(): protobuf.Root {
  if (root) return root;
  const dir = fileURLToPath(new URL('./proto/', import.meta.url));
  const r = new protobuf.Root();
  // google/protobuf/* come with protobufjs; ours sit side by side in proto/.
  r.resolvePath = (_origin, target) =>
    target.startsWith('google/protobuf/') ? target : dir + target.replace(/^.*\//, '');
  r.loadSync(
    FILES.map((f) => dir + f),
    { keepCase: true },
  );
  r.resolveAll();
  root = r;
  return r;
}

const types = new Map<string, protobuf.Type>();

function type(name: string): protobuf.Type {
  let t = types.get(name);
  if (!t) {
    t = load().lookupType(name);
    types.set(name, t);
  }
  return t;
}

/** Encodes `value` as message `name` (a fully qualified protobuf name). */
export function encode(name: string, value: object): Uint8Array {
  const t = type(name);
  return t.encode(t.fromObject(value as Record<string, unknown>)).finish();
}

/**
 * Decodes message `name` into a plain object: snake_case fields, defaults filled, 64-bit
 * integers as numbers, enums as numbers, bytes as Buffers. Throws `InvalidArgument` when
 * the bytes are not such a message.
 */
export function decode<T>(name: string, bytes: Uint8Array): T {
  const t = type(name);
  try {
    return t.toObject(t.decode(bytes), { longs: Number, enums: Number, bytes: Buffer, defaults: true }) as T;
  } catch (err) {
    throw new RuntimeError('InvalidArgument', `Cannot decode ${name}: ${(err as Error).message}`);
  }
}

/** `google.protobuf.Timestamp` as protobufjs takes and gives it. */
export interface Timestamp {
  seconds: number;
  nanos: number;
}

/** `google.protobuf.Any`. */
export interface Any {
  type_url: string;
  value: Buffer;
}

/** A Timestamp for an RFC 3339 time with up to nanoseconds (the shim's exit record format). */
export function timestampOf(rfc3339: string | undefined): Timestamp {
  if (!rfc3339) return nowTimestamp();
  const m = /^(.*?)(?:\.(\d{1,9}))?Z$/.exec(rfc3339);
  const ms = Date.parse(m ? `${m[1]}Z` : rfc3339);
  if (Number.isNaN(ms)) return nowTimestamp();
  return { seconds: Math.floor(ms / 1000), nanos: m?.[2] ? Number(m[2].padEnd(9, '0')) : 0 };
}

export function nowTimestamp(): Timestamp {
  const ms = Date.now();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}
