import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { applyLayer } from '../apply-layer.ts';
import { type CraftEntry, chunked, craftTar } from '../testing/tar-builder.ts';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'hostpod-winlayer-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function apply(target: string, entries: CraftEntry[], base = true) {
  return applyLayer(chunked(craftTar(entries), 700), {
    target,
    mode: 'apply',
    format: 'windows',
    base,
    what: 'layer L',
  });
}

/** A base layer as hcsshim's exporter writes it: Files/ and Hives/, MSWINDOWS.* records. */
const BASE: CraftEntry[] = [
  { name: 'Files', type: 'dir', pax: { 'MSWINDOWS.fileattr': '16' } },
  { name: 'Files/Windows', type: 'dir', pax: { 'MSWINDOWS.fileattr': '16', 'MSWINDOWS.rawsd': 'AQAEgA==' } },
  { name: 'Files/Windows/System32', type: 'dir' },
  {
    name: 'Files/Windows/System32/cmd.exe',
    body: 'MZ-cmd',
    pax: { 'MSWINDOWS.fileattr': '32', 'LIBARCHIVE.creationtime': '1600000000.5' },
  },
  { name: 'Files/Windows/System32/cmd.exe:Zone.Identifier', body: '[ZoneTransfer]' },
  { name: 'Files/License.txt', body: 'terms', mtime: 1_500_000_000, pax: { 'MSWINDOWS.fileattr': '33' } },
  { name: 'Files/Windows/System32/cmd2.exe', type: 'hardlink', linkname: 'Files/Windows/System32/cmd.exe' },
  {
    name: 'Files/Users',
    type: 'symlink',
    linkname: 'C:\\Users',
    pax: { 'MSWINDOWS.mountpoint': '1', 'MSWINDOWS.fileattr': '16' },
  },
  { name: 'Hives', type: 'dir' },
  { name: 'Hives/SYSTEM_Delta', body: 'regf' },
  { name: 'UtilityVM/Files/x', body: 'uvm' },
];

test('applyLayer(format windows) writes Files/ without its prefix and skips hives, UtilityVM and streams with notes', async (t) => {
  const dir = tmp(t);
  const r = await apply(dir, BASE);
  assert.deepEqual(readdirSync(dir).sort(), ['License.txt', 'Users', 'Windows']);
  assert.equal(readFileSync(join(dir, 'Windows/System32/cmd.exe'), 'utf8'), 'MZ-cmd');
  assert.deepEqual(readdirSync(join(dir, 'Windows/System32')).sort(), ['cmd.exe', 'cmd2.exe']);
  assert.equal(
    statSync(join(dir, 'Windows/System32/cmd2.exe')).ino,
    statSync(join(dir, 'Windows/System32/cmd.exe')).ino,
  );
  assert.equal(readlinkSync(join(dir, 'Users')), 'C:\\Users');
  // The read-only attribute (33 = READONLY|ARCHIVE) becomes a read-only file, and mtimes are kept.
  assert.equal(statSync(join(dir, 'License.txt')).mode & 0o222, 0);
  assert.equal(statSync(join(dir, 'License.txt')).mtimeMs, 1_500_000_000_000);
  const notes = r.notes.join('\n');
  assert.match(notes, /skipped 1 registry hive entries/);
  assert.match(notes, /skipped 1 UtilityVM/);
  assert.match(notes, /skipped 1 alternate data streams/);
  assert.match(notes, /security descriptors of 1 entries not applied/);
  assert.equal(r.files, 3);
});

test('applyLayer(format windows) matches names case-insensitively across layers, keeping the first spelling', async (t) => {
  const dir = tmp(t);
  await apply(dir, BASE);
  await apply(
    dir,
    [
      { name: 'Files/WINDOWS/system32/CMD.EXE', body: 'MZ-new' },
      { name: 'Files/windows/System32/new.dll', body: 'dll' },
      { name: 'Files/license.TXT', body: 'new terms' },
    ],
    false,
  );
  assert.deepEqual(readdirSync(dir).sort(), ['License.txt', 'Users', 'Windows']);
  assert.deepEqual(readdirSync(join(dir, 'Windows/System32')).sort(), ['cmd.exe', 'cmd2.exe', 'new.dll']);
  assert.equal(readFileSync(join(dir, 'Windows/System32/cmd.exe'), 'utf8'), 'MZ-new');
  assert.equal(readFileSync(join(dir, 'License.txt'), 'utf8'), 'new terms');
});

test('applyLayer(format windows) applies tombstones in any case, and refuses them in a base layer', async (t) => {
  const dir = tmp(t);
  await apply(dir, BASE);
  const r = await apply(
    dir,
    [
      { name: 'Files/windows/system32/.wh.CMD2.exe' },
      { name: 'Files/.wh.license.txt' },
      { name: 'Files/nothere/.wh.x' },
    ],
    false,
  );
  assert.equal(r.whiteouts, 3);
  assert.deepEqual(readdirSync(join(dir, 'Windows/System32')), ['cmd.exe']);
  assert.ok(!readdirSync(dir).includes('License.txt'));
  const fresh = tmp(t);
  await assert.rejects(apply(fresh, [{ name: 'Files/.wh.x' }], true), /base layer cannot have tombstones/);
});

test('applyLayer(format windows) refuses names Windows would not keep, naming the entry', async (t) => {
  const cases: [string, RegExp][] = [
    ['Files/../escape.txt', /"\.\." is not allowed/],
    ['Files/C:/Windows/x', /a drive letter is not allowed/],
    ['Files/dir:stream/x', /alternate data stream/],
    ['Files/dir/NUL', /reserved device name/],
    ['Files/dir/con.txt', /reserved device name/],
    ['Files/trailing.', /cannot end with a space or a dot/],
    ['Files/a|b', /not allowed in a Windows file name/],
    [`Files/${'x'.repeat(256)}`, /longer than 255/],
  ];
  for (const [name, why] of cases) {
    const dir = tmp(t);
    await assert.rejects(
      apply(dir, [{ name: 'short', pax: { path: name }, body: 'x' }]),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'InvalidArgument', name);
        assert.match(e.message, why, name);
        assert.ok(e.message.includes('Cannot unpack layer L: entry'), e.message);
        return true;
      },
    );
    assert.deepEqual(readdirSync(dir), [], `nothing written for ${name}`);
  }
});

test('applyLayer(format windows) never writes through a symlink or junction from the layer', async (t) => {
  const dir = tmp(t);
  const outside = tmp(t);
  await assert.rejects(
    apply(dir, [
      { name: 'Files/link', type: 'symlink', linkname: outside, pax: { 'MSWINDOWS.fileattr': '16' } },
      { name: 'Files/LINK/evil.txt', body: 'pwned' },
    ]),
    /is a symlink or junction/,
  );
  assert.deepEqual(readdirSync(outside), []);
});

test('applyLayer(format windows) refuses hard links outside Files/ or to missing or non-file targets', async (t) => {
  for (const [linkname, why] of [
    ['Hives/SYSTEM_Delta', /invalid hard link in layer/],
    ['Files/missing.exe', /failed to find link target/],
    ['Files/../../etc/passwd', /invalid hard link target/],
    ['Files/Windows', /not a regular file/],
  ] as const) {
    const dir = tmp(t);
    await assert.rejects(
      apply(dir, [
        { name: 'Files/Windows', type: 'dir' },
        { name: 'Files/x.exe', type: 'hardlink', linkname },
      ]),
      why,
      linkname,
    );
  }
});

test('applyLayer(format windows) replaces a file by a directory and a read-only file by a new one', async (t) => {
  const dir = tmp(t);
  await apply(dir, [{ name: 'Files/a', body: 'file', pax: { 'MSWINDOWS.fileattr': '1' } }]);
  await apply(dir, [{ name: 'Files/A', body: 'again' }], false);
  assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'again');
  await apply(
    dir,
    [
      { name: 'Files/a', type: 'dir' },
      { name: 'Files/a/b', body: 'in dir' },
    ],
    false,
  );
  assert.ok(lstatSync(join(dir, 'a')).isDirectory());
});

test('applyLayer(format windows, overlay) keeps tombstones as .wh. markers and links to lower layers', async (t) => {
  const lower = tmp(t);
  await applyLayer(chunked(craftTar(BASE)), {
    target: lower,
    mode: 'overlay',
    format: 'windows',
    base: true,
  });
  const upper = tmp(t);
  const r = await applyLayer(
    chunked(
      craftTar([
        { name: 'Files/.wh.License.txt' },
        { name: 'Files/Windows/System32/.wh.cmd2.exe' },
        { name: 'Files/new.txt', body: 'own' },
        { name: 'Files/.wh.new.txt' },
        { name: 'Files/again.txt', body: 'x' },
        { name: 'Files/.wh.again.txt' },
        { name: 'Files/again.txt', body: 'back' },
        { name: 'Files/Windows/.wh..wh..opq' },
        { name: 'Files/link.exe', type: 'hardlink', linkname: 'Files/WINDOWS/system32/CMD.exe' },
      ]),
    ),
    { target: upper, mode: 'overlay', format: 'windows', lowers: [{ dir: lower, opaque: new Set() }] },
  );
  assert.deepEqual(readdirSync(upper).sort(), [
    '.wh.License.txt',
    '.wh.new.txt',
    'Windows',
    'again.txt',
    'link.exe',
  ]);
  assert.deepEqual(readdirSync(join(upper, 'Windows')), ['System32']);
  assert.deepEqual(readdirSync(join(upper, 'Windows/System32')), ['.wh.cmd2.exe']);
  assert.equal(statSync(join(upper, '.wh.License.txt')).size, 0);
  assert.equal(readFileSync(join(upper, 'again.txt'), 'utf8'), 'back');
  assert.equal(readFileSync(join(upper, 'link.exe'), 'utf8'), 'MZ-cmd');
  assert.match(r.notes.join('\n'), /tombstone of "\.wh\.\.opq"/);
  // The lower layer is untouched.
  assert.ok(readdirSync(lower).includes('License.txt'));
});

test('applyLayer(format windows) reads a layer written by Python tarfile with MSWINDOWS PAX records', async (t) => {
  const dir = tmp(t);
  const work = tmp(t);
  const tarPath = join(work, 'layer.tar');
  const script = `
import tarfile, io, sys
with tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT) as tf:
    def add(name, data=None, kind=tarfile.REGTYPE, pax=None, link=''):
        ti = tarfile.TarInfo(name); ti.type = kind; ti.linkname = link; ti.mtime = 1600000000
        ti.pax_headers = pax or {}
        if data is not None: ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data) if data is not None else None)
    add('Files', kind=tarfile.DIRTYPE, pax={'MSWINDOWS.fileattr': '16'})
    add('Files/Program Files', kind=tarfile.DIRTYPE, pax={'MSWINDOWS.fileattr': '16'})
    add('Files/Program Files/app.exe', b'MZ\\x90\\x00', pax={'MSWINDOWS.fileattr': '32', 'MSWINDOWS.rawsd': 'AQAEgA=='})
    add('Files/Program Files/r\u00e9sum\u00e9.txt', b'utf8 name')
    add('Hives', kind=tarfile.DIRTYPE)
    add('Hives/DefaultUser_Delta', b'regf')
`;
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'mk.py'), script);
  try {
    execFileSync('python3', [join(work, 'mk.py'), tarPath]);
  } catch {
    t.skip('python3 is not installed: cannot make a layer with another tool');
    return;
  }
  const r = await applyLayer(chunked(readFileSync(tarPath)), {
    target: dir,
    mode: 'apply',
    format: 'windows',
    base: true,
  });
  assert.deepEqual(readdirSync(join(dir, 'Program Files')).sort(), ['app.exe', 'résumé.txt']);
  assert.deepEqual([...readFileSync(join(dir, 'Program Files/app.exe'))], [0x4d, 0x5a, 0x90, 0x00]);
  assert.match(r.notes.join('\n'), /registry hive/);
});
