import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { RuntimeError } from '../errors.ts';
import { decode, encode } from './protos.ts';
import { TtrpcClient, type TtrpcError } from './ttrpc-client.ts';
import { encodeFrame, FrameReader, MAX_PAYLOAD } from './ttrpc-frame.ts';
import { TtrpcServer } from './ttrpc-server.ts';

const dir = await mkdtemp(join(tmpdir(), 'hostpod-ttrpc-'));
after(() => rm(dir, { recursive: true, force: true }));

test('encodeFrame() writes the 10-byte big-endian header of the ttrpc protocol', () => {
  const f = encodeFrame(0x0103, 1, Buffer.from('abc'));
  assert.equal(f.toString('hex'), `00000003${'00000103'}0100616263`);
});

test('FrameReader.push() gives the same frames however the bytes are split', () => {
  const bytes = Buffer.concat([
    encodeFrame(1, 1, Buffer.from('hello')),
    encodeFrame(3, 2, Buffer.alloc(0)),
    encodeFrame(5, 1, Buffer.alloc(70_000, 7)),
  ]);
  for (const size of [1, 3, 10, 11, 4096, bytes.length]) {
    const r = new FrameReader();
    const frames = [];
    for (let i = 0; i < bytes.length; i += size) frames.push(...r.push(bytes.subarray(i, i + size)));
    assert.deepEqual(
      frames.map((f) => [f.streamId, f.type, f.payload.length]),
      [
        [1, 1, 5],
        [3, 2, 0],
        [5, 1, 70_000],
      ],
      `chunks of ${size}`,
    );
    assert.equal(r.pending, 0);
  }
});

test('FrameReader.push() skips a frame over 4 MiB and reads the next one', () => {
  const r = new FrameReader();
  const head = Buffer.alloc(10);
  head.writeUInt32BE(MAX_PAYLOAD + 1, 0);
  head.writeUInt32BE(7, 4);
  head.writeUInt8(1, 8);
  const first = r.push(Buffer.concat([head, Buffer.alloc(1000)]));
  assert.deepEqual(
    first.map((f) => [f.streamId, f.tooLarge]),
    [[7, MAX_PAYLOAD + 1]],
  );
  const rest = Buffer.alloc(MAX_PAYLOAD + 1 - 1000);
  const next = r.push(Buffer.concat([rest, encodeFrame(9, 1, Buffer.from('x'))]));
  assert.deepEqual(
    next.map((f) => [f.streamId, f.payload.toString()]),
    [[9, 'x']],
  );
});

test('encode() of ttrpc.Request uses the protocol field numbers (service=1 method=2 payload=3)', () => {
  const bytes = Buffer.from(
    encode('ttrpc.Request', { service: 'S', method: 'M', payload: Buffer.from([9]) }),
  );
  assert.equal(bytes.toString('hex'), '0a0153' + '12014d' + '1a0109');
  // containerd's Go client writes timeout_nano=4 and metadata=5 the same way.
  const go = Buffer.from('0a01531201' + '4d' + '2005' + '2a060a016b120176', 'hex');
  const req = decode<{ timeout_nano: number; metadata: { key: string; value: string }[] }>(
    'ttrpc.Request',
    go,
  );
  assert.equal(req.timeout_nano, 5);
  assert.deepEqual(req.metadata, [{ key: 'k', value: 'v' }]);
});

async function startServer(name: string): Promise<{ server: TtrpcServer; path: string }> {
  const server = new TtrpcServer();
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  server.register('test.Echo', {
    Echo: async (p) => p,
    Slow: async (p) => {
      await gate;
      return p;
    },
    Release: async () => {
      release();
      return new Uint8Array();
    },
    Missing: async () => {
      throw new RuntimeError('NotFound', 'process already finished');
    },
  });
  const path = join(dir, name);
  await server.listen(path);
  after(() => server.close());
  return { server, path };
}

test('TtrpcServer answers concurrently, by stream id, and maps errors to gRPC codes', async () => {
  const { path } = await startServer('a.sock');
  const c = await TtrpcClient.connect(`unix://${path}`);
  after(() => c.close());
  const slow = c.call('test.Echo', 'Slow', Buffer.from('slow'));
  assert.equal((await c.call('test.Echo', 'Echo', Buffer.from('fast'))).toString(), 'fast');
  await c.call('test.Echo', 'Release', new Uint8Array());
  assert.equal((await slow).toString(), 'slow');
  await assert.rejects(c.call('test.Echo', 'Missing', new Uint8Array()), (e: TtrpcError) => {
    assert.equal(e.grpcCode, 5);
    assert.equal(e.message, 'process already finished');
    return true;
  });
  await assert.rejects(c.call('nope.Svc', 'X', new Uint8Array()), {
    grpcCode: 12,
    message: 'service nope.Svc',
  });
  await assert.rejects(c.call('test.Echo', 'Nope', new Uint8Array()), {
    grpcCode: 12,
    message: 'method Nope',
  });
});

test('TtrpcServer refuses even stream ids and garbage, and keeps the connection', async () => {
  const { path } = await startServer('b.sock');
  const s = net.connect(path);
  after(() => s.destroy());
  await new Promise((r) => s.once('connect', r));
  const reader = new FrameReader();
  const got: { streamId: number; code: number }[] = [];
  s.on('data', (b: Buffer) => {
    for (const f of reader.push(b)) {
      const res = decode<{ status: { code: number } | null }>('ttrpc.Response', f.payload);
      got.push({ streamId: f.streamId, code: res.status?.code ?? 0 });
    }
  });
  const req = encode('ttrpc.Request', { service: 'test.Echo', method: 'Echo', payload: Buffer.from('x') });
  s.write(encodeFrame(2, 1, req));
  s.write(encodeFrame(3, 1, Buffer.from([0xff, 0xff, 0xff])));
  s.write(encodeFrame(5, 1, req));
  for (let i = 0; i < 100 && got.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(
    got.sort((a, b) => a.streamId - b.streamId),
    [
      { streamId: 2, code: 3 },
      { streamId: 3, code: 3 },
      { streamId: 5, code: 0 },
    ],
  );
});

test('TtrpcServer.listen() replaces a stale socket file and refuses a live one', async () => {
  const path = join(dir, 'stale.sock');
  const dead = net.createServer();
  await new Promise<void>((r) => dead.listen(path, r));
  // A server killed -9 leaves its socket file: simulate by closing without unlinking.
  (dead as unknown as { _handle: { close(): void } })._handle.close();
  const { server } = await (async () => {
    const s = new TtrpcServer();
    await s.listen(path);
    return { server: s };
  })();
  after(() => server.close());
  const again = new TtrpcServer();
  await assert.rejects(again.listen(path), { code: 'AlreadyExists' });
});
