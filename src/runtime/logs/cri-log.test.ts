import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import {
  criTimeNanos,
  LogFollower,
  type LogLine,
  parseCriRecord,
  readLogLines,
  readLogs,
} from './cri-log.ts';

let dir: string;
let n = 0;
const fresh = () => join(dir, `c${++n}`, 'container.log');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hostpod-crilog-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const rec = (text: string, opts: { stream?: string; tag?: 'F' | 'P'; sec?: number } = {}) =>
  `2026-11-27T10:00:${String(opts.sec ?? 0).padStart(2, '0')}.000000001Z ${opts.stream ?? 'stdout'} ${opts.tag ?? 'F'} ${text}\n`;

/** The shim's rotation: path.(files-2) → path.(files-1), …, path → path.1. */
async function rotate(path: string, files: number): Promise<void> {
  for (let k = files - 1; k >= 1; k--) {
    await rename(k === 1 ? path : `${path}.${k - 1}`, `${path}.${k}`).catch(() => {});
  }
}

async function mkLog(path: string): Promise<void> {
  await rm(join(path, '..'), { recursive: true, force: true });
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(path, '..'), { recursive: true });
}

const texts = (lines: LogLine[]) => lines.map((l) => l.text.toString('latin1'));

async function until(ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('CRI log records', () => {
  it('parseCriRecord() reads stream, tag and text, and rejects what is not CRI format', () => {
    const r = parseCriRecord(Buffer.from('2026-11-27T10:00:00.5Z stderr P a b '));
    assert.deepEqual(
      { ...r, text: r?.text.toString() },
      { time: '2026-11-27T10:00:00.5Z', stream: 'stderr', partial: true, text: 'a b ' },
    );
    assert.equal(parseCriRecord(Buffer.from('2026-11-27T10:00:00Z stdout F'))?.text.length, 0);
    for (const bad of ['', 'x', 't stdin F x', 't stdout X x', ' stdout F x']) {
      assert.equal(parseCriRecord(Buffer.from(bad)), undefined, bad);
    }
  });

  it('criTimeNanos() keeps nanoseconds and honours offsets; refuses other text', () => {
    assert.equal(criTimeNanos('1970-01-01T00:00:01.000000002Z'), 1_000_000_002n);
    assert.equal(criTimeNanos('1970-01-01T01:00:00.5+01:00'), 500_000_000n);
    assert.equal(criTimeNanos('1970-01-01T00:00:00Z'), 0n);
    assert.equal(criTimeNanos('yesterday'), undefined);
    assert.equal(criTimeNanos('1970-01-01T00:00:00.1234567891Z'), undefined);
  });
});

describe('readLogs()', () => {
  it('readLogLines() reads rotated files oldest first, then the current one, joining a line split across files', async () => {
    const path = fresh();
    await mkLog(path);
    await writeFile(`${path}.2`, rec('one') + rec('two'));
    await writeFile(`${path}.1`, rec('three') + rec('fo', { tag: 'P' }));
    await writeFile(path, rec('ur') + rec('five', { stream: 'stderr' }));
    // Not part of the log: other names in the directory.
    await writeFile(`${path}.old`, rec('no'));
    await writeFile(`${path}.01`, rec('no'));
    await writeFile(join(path, '..', 'other.log'), rec('no'));
    const lines = await readLogLines(path);
    assert.deepEqual(texts(lines), ['one', 'two', 'three', 'four', 'five']);
    assert.equal(lines[4]?.stream, 'stderr');
  });

  it('readLogLines() goes by number, not by name order (.10 is older than .9)', async () => {
    const path = fresh();
    await mkLog(path);
    for (let k = 11; k >= 1; k--) await writeFile(`${path}.${k}`, rec(`r${12 - k}`));
    await writeFile(path, rec('now'));
    assert.deepEqual(texts(await readLogLines(path)), [
      ...Array.from({ length: 11 }, (_, i) => `r${i + 1}`),
      'now',
    ]);
  });

  it('readLogLines() with tail, since and stream keeps only those lines', async () => {
    const path = fresh();
    await mkLog(path);
    await writeFile(`${path}.1`, rec('a', { sec: 1 }) + rec('b', { sec: 2, stream: 'stderr' }));
    await writeFile(path, rec('c', { sec: 3 }) + rec('d', { sec: 4 }));
    assert.deepEqual(texts(await readLogLines(path, { tail: 3 })), ['b', 'c', 'd']);
    assert.deepEqual(texts(await readLogLines(path, { tail: 0 })), []);
    assert.deepEqual(texts(await readLogLines(path, { tail: 99 })), ['a', 'b', 'c', 'd']);
    // since is inclusive; the record's nanoseconds count (…:02.000000001 is after …:02.000).
    assert.deepEqual(texts(await readLogLines(path, { since: new Date('2026-11-27T10:00:02Z') })), [
      'b',
      'c',
      'd',
    ]);
    assert.deepEqual(texts(await readLogLines(path, { since: new Date('2026-11-27T10:00:03.001Z') })), ['d']);
    assert.deepEqual(texts(await readLogLines(path, { stream: 'stderr' })), ['b']);
    assert.deepEqual(texts(await readLogLines(path, { stream: 'stdout', tail: 2 })), ['c', 'd']);
  });

  it('readLogs() prints text lines, with timestamps when asked; bytes kept as written', async () => {
    const path = fresh();
    await mkLog(path);
    const binary = Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x0d, 0x80]);
    await writeFile(path, Buffer.concat([Buffer.from(rec('x').slice(0, -2)), binary, Buffer.from('\n')]));
    await appendFile(path, rec('y'));
    assert.deepEqual(await readLogs(path), Buffer.concat([binary, Buffer.from('\ny\n')]));
    assert.equal(
      (await readLogs(path, { timestamps: true, tail: 1 })).toString(),
      '2026-11-27T10:00:00.000000001Z y\n',
    );
  });

  it('readLogLines() gives a last line still without its F record, and skips lines that are not CRI records', async () => {
    const path = fresh();
    await mkLog(path);
    await writeFile(
      path,
      `garbage line\n${rec('whole')}${rec('half', { tag: 'P' })}2026-11-27T10:00:00Z stdout F cut`,
    );
    assert.deepEqual(texts(await readLogLines(path)), ['whole', 'half']);
  });

  it('readLogLines() of a log that does not exist is empty; a bad tail or since is InvalidArgument', async () => {
    assert.deepEqual(await readLogLines(join(dir, 'none', 'container.log')), []);
    await assert.rejects(readLogLines(fresh(), { tail: -1 }), (e) => isRuntimeError(e, 'InvalidArgument'));
    await assert.rejects(readLogLines(fresh(), { since: new Date('x') }), (e) =>
      isRuntimeError(e, 'InvalidArgument'),
    );
  });
});

describe('LogFollower', () => {
  it('LogFollower calls onCaughtUp once, after the lines already in the log (rotated files included) and before new ones', async () => {
    const path = fresh();
    await mkLog(path);
    await writeFile(`${path}.1`, rec('1') + rec('2'));
    await writeFile(path, rec('3'));
    const events: string[] = [];
    const f = new LogFollower(path, (l) => events.push(l.text.toString()), {
      pollMs: 5,
      onCaughtUp: () => events.push('caught up'),
    }).start();
    await until(() => events.includes('caught up'));
    await appendFile(path, rec('4'));
    await until(() => events.includes('4'));
    await f.stop();
    assert.deepEqual(events, ['1', '2', '3', 'caught up', '4']);
    // No log yet: caught up at once.
    const empty = fresh();
    await mkLog(empty);
    let called = 0;
    const g = new LogFollower(empty, () => {}, { pollMs: 5, onCaughtUp: () => called++ }).start();
    await until(() => called === 1);
    await new Promise((r) => setTimeout(r, 30));
    await g.stop();
    assert.equal(called, 1);
  });

  it('LogFollower follows a log renamed away twice between two reads, without losing or repeating a line', async () => {
    const path = fresh();
    await mkLog(path);
    const seen: string[] = [];
    await writeFile(path, rec('1'));
    const f = new LogFollower(path, (l) => seen.push(l.text.toString()), { pollMs: 10_000 }).start();
    await until(() => seen.length === 1);
    // Two rotations before the follower looks again; the file it holds is now .2.
    await appendFile(path, rec('2'));
    await rotate(path, 4);
    await writeFile(path, rec('3') + rec('4a', { tag: 'P' }));
    await rotate(path, 4);
    await writeFile(path, `${rec('b')}${rec('5')}`);
    await f.stop();
    assert.deepEqual(seen, ['1', '2', '3', '4ab', '5']);
  });

  it('LogFollower whose file was deleted (pushed out of the window) goes on with the oldest file left', async () => {
    const path = fresh();
    await mkLog(path);
    const seen: string[] = [];
    await writeFile(path, rec('1'));
    const f = new LogFollower(path, (l) => seen.push(l.text.toString()), { pollMs: 10_000 }).start();
    await until(() => seen.length === 1);
    await appendFile(path, rec('2'));
    await rotate(path, 2); // held file → .1
    await writeFile(path, rec('3'));
    await rotate(path, 2); // held file deleted (replaced by 3's file)
    await writeFile(path, rec('4'));
    await f.stop();
    assert.deepEqual(seen, ['1', '2', '3', '4'], 'its own file is read to the end before it goes');
  });

  it('LogFollower waits while the new file is not there yet (between the rename and the open)', async () => {
    const path = fresh();
    await mkLog(path);
    const seen: string[] = [];
    await writeFile(path, rec('1'));
    const f = new LogFollower(path, (l) => seen.push(l.text.toString()), { pollMs: 5 }).start();
    await until(() => seen.length === 1);
    await appendFile(path, rec('2'));
    await rename(path, `${path}.1`);
    await until(() => seen.length === 2);
    await new Promise((r) => setTimeout(r, 30)); // a few polls with no current file
    await writeFile(path, rec('3'));
    await until(() => seen.length === 3);
    await f.stop();
    assert.deepEqual(seen, ['1', '2', '3']);
  });

  it('LogFollower started after the log rotated reads the rotated files first', async () => {
    const path = fresh();
    await mkLog(path);
    await writeFile(`${path}.2`, rec('1'));
    await writeFile(`${path}.1`, rec('2'));
    await writeFile(path, rec('3'));
    const seen: string[] = [];
    const f = new LogFollower(path, (l) => seen.push(l.text.toString()), { pollMs: 5 }).start();
    await until(() => seen.length === 3);
    await appendFile(path, rec('4'));
    await f.stop();
    assert.deepEqual(seen, ['1', '2', '3', '4']);
  });

  it('LogFollower waits for a log that does not exist yet and reads it from its start', async () => {
    const path = fresh();
    await mkLog(path);
    const seen: string[] = [];
    const f = new LogFollower(path, (l) => seen.push(l.text.toString()), { pollMs: 5 }).start();
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(path, rec('a') + rec('b'));
    await until(() => seen.length === 2);
    await unlink(path);
    await f.stop();
    assert.deepEqual(seen, ['a', 'b']);
  });
});
