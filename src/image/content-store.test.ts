import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isRuntimeError } from '../errors.ts';
import { DigestMismatchError, digestHex, sha256Of } from '../oci/digest.ts';
import { LocalContentStore } from './content-store.ts';

let dir: string;
let n = 0;
const fresh = () => new LocalContentStore(join(dir, `store-${n++}`));

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hostpod-cs-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function* chunks(...parts: (string | Uint8Array)[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield typeof p === 'string' ? Buffer.from(p) : p;
}

test('ingest() commits a read-only blob whose bytes match its digest', async () => {
  const cs = fresh();
  const d = sha256Of('hello world');
  const info = await cs.ingest({ digest: d, size: 11 }, chunks('hello ', 'world'));
  assert.deepEqual(info, { digest: d, size: 11 });
  assert.equal(cs.path(d), join(cs.root, 'blobs', 'sha256', digestHex(d)));
  assert.equal(await readFile(cs.path(d), 'utf8'), 'hello world');
  assert.equal((await stat(cs.path(d))).mode & 0o777, 0o444);
  assert.deepEqual(await cs.info(d), { digest: d, size: 11 });
  assert.equal((await cs.readBytes(d)).toString(), 'hello world');
  assert.deepEqual(await readdir(join(cs.root, 'ingest')), []);
});

test('ingest() refuses wrong bytes, short and long bodies: nothing becomes visible', async () => {
  const cs = fresh();
  const d = sha256Of('right');
  await assert.rejects(cs.ingest({ digest: d, size: 5 }, chunks('wrong')), (e) => {
    assert.ok(e instanceof DigestMismatchError);
    assert.equal(e.code, 'DataLoss');
    assert.equal(e.actual, sha256Of('wrong'));
    assert.match(e.message, new RegExp(`${d}: content has digest ${sha256Of('wrong')}`));
    return true;
  });
  await assert.rejects(cs.ingest({ digest: d, size: 5 }, chunks('rig')), /size is 3 bytes, expected 5/);
  let pulled = 0;
  async function* endless() {
    for (;;) {
      pulled++;
      yield Buffer.alloc(1024, 1);
    }
  }
  await assert.rejects(cs.ingest({ digest: d, size: 5 }, endless()), /or more, expected 5/);
  assert.equal(pulled, 1, 'stops reading as soon as the size is exceeded');
  assert.equal(await cs.info(d), undefined);
  assert.deepEqual(await readdir(join(cs.root, 'ingest')), []);
  assert.deepEqual(await readdir(join(cs.root, 'blobs', 'sha256')), []);
});

test('ingest() of a blob already present reads nothing', async () => {
  const cs = fresh();
  const { digest } = await cs.writeBlob('same');
  const untouched: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]() {
      throw new Error('source was read');
    },
  };
  assert.deepEqual(await cs.ingest({ digest, size: 4 }, untouched), { digest, size: 4 });
});

test('ingest() run concurrently for one blob writes it once; the others wait and reuse it', async () => {
  const cs = fresh();
  const data = Buffer.alloc(256 * 1024, 7);
  const d = sha256Of(data);
  let reads = 0;
  async function* src() {
    reads++;
    for (let i = 0; i < data.length; i += 65536) yield data.subarray(i, i + 65536);
  }
  const results = await Promise.all(
    [1, 2, 3, 4].map(() => cs.ingest({ digest: d, size: data.length }, src())),
  );
  for (const r of results) assert.deepEqual(r, { digest: d, size: data.length });
  assert.equal(reads, 1);
  assert.deepEqual(await readFile(cs.path(d)), data);
});

test('openWriter() resumes a partial ingest left by a killed process (stale lock broken)', async () => {
  const cs = fresh();
  const data = Buffer.from('0123456789abcdefghij');
  const d = sha256Of(data);
  const base = join(cs.root, 'ingest', `sha256-${digestHex(d)}`);
  await mkdir(join(cs.root, 'ingest'), { recursive: true });
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  await writeFile(`${base}.lock`, `${dead}\n`);
  await writeFile(`${base}.partial`, data.subarray(0, 8));
  assert.equal(await cs.partialSize(d), 8);
  const w = await cs.openWriter({ digest: d, size: data.length });
  assert.ok(w);
  assert.equal(w.offset, 8);
  await w.write(data.subarray(8));
  assert.deepEqual(await w.commit(), { digest: d, size: 20 });
  assert.deepEqual(await readFile(cs.path(d)), data);
  assert.deepEqual(await readdir(join(cs.root, 'ingest')), []);
});

test('openWriter() discards a corrupted partial at commit and leaves nothing visible', async () => {
  const cs = fresh();
  const data = Buffer.from('the real content');
  const d = sha256Of(data);
  await mkdir(join(cs.root, 'ingest'), { recursive: true });
  await writeFile(join(cs.root, 'ingest', `sha256-${digestHex(d)}.partial`), 'XXX');
  const w = (await cs.openWriter({ digest: d, size: data.length }))!;
  await w.write(data.subarray(3));
  await assert.rejects(w.commit(), DigestMismatchError);
  assert.equal(await cs.info(d), undefined);
  assert.equal(await cs.partialSize(d), 0);
});

test('openWriter() waits for another live process holding the blob, then takes over when it dies', async () => {
  const cs = fresh();
  const d = sha256Of('contended');
  await mkdir(join(cs.root, 'ingest'), { recursive: true });
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    await writeFile(join(cs.root, 'ingest', `sha256-${digestHex(d)}.lock`), `${holder.pid}\n`);
    const ac = new AbortController();
    await assert.rejects(cs.openWriter({ digest: d }, { signal: ac.signal, onWait: () => ac.abort() }));
    let waited = false;
    const exited = new Promise((r) => holder.once('exit', r));
    const w = await cs.openWriter(
      { digest: d },
      {
        onWait: () => {
          waited = true;
          holder.kill('SIGKILL');
        },
      },
    );
    await exited;
    assert.ok(waited);
    assert.ok(w);
    await w.write(Buffer.from('contended'));
    await w.commit();
    assert.equal(await readFile(cs.path(d), 'utf8'), 'contended');
  } finally {
    holder.kill('SIGKILL');
  }
});

test('readBytes() detects a corrupted blob and bounds its size; list() and delete() see blobs', async () => {
  const cs = fresh();
  const a = await cs.writeBlob('aaaa');
  const b = await cs.writeBlob('bbbb');
  await assert.rejects(cs.readBytes(a.digest, 3), (e) => isRuntimeError(e, 'ResourceExhausted'));
  await rm(cs.path(b.digest));
  await writeFile(cs.path(b.digest), 'evil');
  await assert.rejects(
    cs.readBytes(b.digest),
    (e) => isRuntimeError(e, 'DataLoss') && /corrupted/.test(e.message),
  );
  const listed: string[] = [];
  for await (const d of cs.list()) listed.push(d);
  assert.deepEqual(listed.sort(), [a.digest, b.digest].sort());
  await cs.delete(a.digest);
  await cs.delete(a.digest);
  assert.equal(await cs.info(a.digest), undefined);
  await assert.rejects(cs.readBytes(a.digest), (e) => isRuntimeError(e, 'NotFound'));
});

test('ingest() stops when its signal is aborted and leaves no blob', async () => {
  const cs = fresh();
  const ac = new AbortController();
  const d = sha256Of('abcdef');
  async function* src() {
    yield Buffer.from('abc');
    ac.abort(new Error('stop'));
    yield Buffer.from('def');
  }
  await assert.rejects(cs.ingest({ digest: d }, src(), { signal: ac.signal }), /stop/);
  assert.equal(await cs.info(d), undefined);
});

test('openWriter() gathers small chunks into large writes, yet a closed or stalled ingest keeps every byte for a resume', async () => {
  const cs = fresh();
  const blob = Buffer.alloc(3 * 1024 * 1024 + 12345);
  for (let i = 0; i < blob.length; i++) blob[i] = (i * 7919) % 251;
  const d = sha256Of(blob);
  const partial = join(cs.root, 'ingest', `sha256-${digestHex(d)}.partial`);
  const w = (await cs.openWriter({ digest: d, size: blob.length }))!;
  // 16 KiB pieces, as a network body arrives: the first MiB reaches the disk as one write.
  for (let off = 0; off < 1024 * 1024 + 5000; off += 16384) {
    await w.write(blob.subarray(off, Math.min(off + 16384, 1024 * 1024 + 5000)));
  }
  assert.equal(w.offset, 1024 * 1024 + 5000);
  // A stalled download: what waits in memory is written out within moments, not lost to a kill.
  let onDisk = 0;
  for (let i = 0; i < 100 && onDisk < w.offset; i++) {
    await new Promise((r) => setTimeout(r, 10));
    onDisk = (await stat(partial)).size;
  }
  assert.equal(onDisk, 1024 * 1024 + 5000);
  await w.write(blob.subarray(1024 * 1024 + 5000, 2 * 1024 * 1024));
  await w.close();
  assert.equal((await stat(partial)).size, 2 * 1024 * 1024, 'close() keeps the whole prefix');
  const again = (await cs.openWriter({ digest: d, size: blob.length }))!;
  assert.equal(again.offset, 2 * 1024 * 1024);
  await again.write(blob.subarray(2 * 1024 * 1024));
  await again.commit();
  assert.deepEqual(await readFile(cs.path(d)), blob);
});
