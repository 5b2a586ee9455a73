import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { type TarEntry, TarParser } from './tar-reader.ts';
import { craftTar, tarHeader } from './testing/tar-builder.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Parses `buf` fed in pieces of `step` bytes; returns entries with their bodies. */
function parse(buf: Buffer, step = 333): { e: TarEntry; body: string }[] {
  const out: { e: TarEntry; body: string }[] = [];
  let parts: Buffer[] = [];
  const p = new TarParser(
    {
      entry: (e) => {
        parts = [];
        out.push({ e, body: '' });
      },
      data: (c) => parts.push(Buffer.from(c)),
      entryEnd: () => {
        out[out.length - 1]!.body = Buffer.concat(parts).toString();
      },
    },
    { maxEntries: 1000, maxEntrySize: 1 << 30, what: 'test archive' },
  );
  for (let i = 0; i < buf.length; i += step) p.write(buf.subarray(i, i + step));
  p.end();
  return out;
}

for (const format of ['gnu', 'pax', 'ustar']) {
  test(`TarParser reads GNU tar's --format=${format} archives, long names included`, () => {
    const d = mkdtempSync(join(tmpdir(), 'hostpod-tar-'));
    dirs.push(d);
    const long = `${'d'.repeat(90)}/${'e'.repeat(80)}`;
    mkdirSync(join(d, 'src', long), { recursive: true });
    writeFileSync(join(d, 'src', long, 'file.txt'), 'deep content');
    writeFileSync(join(d, 'src', 'small'), 'x'.repeat(1000));
    symlinkSync('small', join(d, 'src', 'link'));
    const r = spawnSync(
      'tar',
      ['--format', format, '--sort=name', '--owner=7', '--group=8', '-C', join(d, 'src'), '-cf', '-', '.'],
      { maxBuffer: 1 << 24 },
    );
    if (format === 'ustar') {
      // ustar cannot hold a 171-byte directory name: GNU tar says so and skips it.
      assert.ok(r.stdout.length > 0);
    } else {
      assert.equal(r.status, 0, r.stderr.toString());
    }
    const entries = parse(r.stdout);
    const byName = new Map(entries.map((x) => [x.e.name.replace(/^\.\//, ''), x]));
    assert.equal(byName.get('small')?.body, 'x'.repeat(1000));
    assert.equal(byName.get('small')?.e.uid, 7);
    assert.equal(byName.get('link')?.e.type, 'symlink');
    assert.equal(byName.get('link')?.e.linkname, 'small');
    if (format !== 'ustar') {
      assert.equal(byName.get(`${long}/file.txt`)?.body, 'deep content');
      assert.equal(byName.get(`${long}/`)?.e.type, 'dir');
    }
  });
}

test('TarParser refuses a header with a bad checksum', () => {
  const tar = craftTar([{ name: 'a', body: 'x' }]);
  tar[0] = 'b'.charCodeAt(0);
  assert.throws(
    () => parse(tar),
    (e: unknown) => isRuntimeError(e, 'InvalidArgument') && /checksum/.test(e.message),
  );
});

test('TarParser refuses unknown entry types and sparse files', () => {
  assert.throws(
    () => parse(craftTar([{ name: 'weird', type: 'raw', flag: 'Z' }])),
    (e: unknown) => isRuntimeError(e, 'InvalidArgument') && e.message.includes('"weird"'),
  );
  assert.throws(
    () => parse(craftTar([{ name: 's', body: 'x', pax: { 'GNU.sparse.major': '1' } }])),
    (e: unknown) => isRuntimeError(e, 'NotImplemented') && e.message.includes('sparse'),
  );
});

test('TarParser applies PAX path, size and xattr records and base-256 numbers', () => {
  const h = tarHeader({ name: 'big-uid', body: '' }, 0);
  // uid 2^32 in GNU base-256 form, then fix the checksum.
  h.fill(0, 108, 116);
  h[108] = 0x80;
  h.writeUInt32BE(0, 110);
  h[111] = 1;
  h.write('        ', 148, 'latin1');
  let sum = 0;
  for (const x of h) sum += x;
  h.write(`${sum.toString(8).padStart(6, '0')}\0`, 148, 'latin1');
  const tar = Buffer.concat([
    craftTar(
      [{ name: 'short', body: 'abc', pax: { path: 'a/very/long/pax/name', 'SCHILY.xattr.user.k': 'v' } }],
      {
        noEnd: true,
      },
    ),
    h,
  ]);
  const [a, b] = parse(tar);
  assert.equal(a?.e.name, 'a/very/long/pax/name');
  assert.equal(a?.body, 'abc');
  assert.equal(a?.e.xattrs?.get('user.k')?.toString(), 'v');
  assert.equal(b?.e.uid, 2 ** 32);
});
