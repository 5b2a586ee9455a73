import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, createReadStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { applyLayer } from './apply-layer.ts';
import { chunked, craftTar } from './testing/tar-builder.ts';
import { xattrDecision } from './xattr-policy.ts';

const IS_ROOT = process.getuid?.() === 0;
const HAS_SETCAP = spawnSync('setcap', ['-h']).error === undefined;

const base = mkdtempSync(join(tmpdir(), 'hostpod-xattr-'));
after(() => rmSync(base, { recursive: true, force: true }));

let n = 0;
function target(): string {
  const t = join(base, `t${n++}`);
  mkdirSync(t);
  return t;
}

/** The xattr names on `path` (getfattr of the `attr` package: not our code). */
function xattrNames(path: string): string[] {
  const r = spawnSync('getfattr', ['-h', '-d', '-m', '-', '--absolute-names', path], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l.includes('='))
    .map((l) => l.slice(0, l.indexOf('=')))
    .sort();
}

test('xattrDecision() keeps capabilities, ACLs and user data; skips overlay, trusted and LSM labels', () => {
  for (const name of [
    'security.capability',
    'user.note',
    'system.posix_acl_access',
    'system.posix_acl_default',
  ]) {
    assert.deepEqual(xattrDecision(name), { apply: true }, name);
  }
  for (const name of [
    'trusted.overlay.opaque',
    'trusted.overlay.redirect',
    'user.overlay.origin',
    'trusted.glusterfs.volume-id',
    'trusted.x',
    'security.selinux',
    'security.SMACK64',
    'security.ima',
    'security.evm',
    'security.apparmor',
  ]) {
    assert.equal(xattrDecision(name).apply, false, name);
  }
});

test('applyLayer() applies a PAX layer by the xattr policy, SCHILY and LIBARCHIVE records alike', {
  skip: !IS_ROOT && 'setting security.* and trusted.* needs root',
}, async () => {
  const t = target();
  // A v2 capability record: cap_dac_read_search (bit 2) permitted + effective.
  const cap = Buffer.from('0100000204000000000000000000000000000000', 'hex');
  const r = await applyLayer(
    chunked(
      craftTar([
        {
          name: 'schily',
          body: 'x',
          pax: {
            'SCHILY.xattr.user.note': 'hello',
            'SCHILY.xattr.trusted.x': 'planted',
            'SCHILY.xattr.security.selinux': 'system_u:object_r:shadow_t:s0',
            'SCHILY.xattr.trusted.overlay.redirect': '/etc',
          },
        },
        {
          name: 'libarchive',
          body: 'y',
          pax: {
            'LIBARCHIVE.xattr.security.capability': cap.toString('base64'),
            'LIBARCHIVE.xattr.user.two': Buffer.from('2').toString('base64'),
            'LIBARCHIVE.xattr.trusted.y': Buffer.from('planted').toString('base64'),
          },
        },
        { name: 'more', body: 'z', pax: { 'SCHILY.xattr.trusted.x': 'again' } },
      ]),
      300,
    ),
    { target: t, mode: 'apply' },
  );
  assert.deepEqual(xattrNames(join(t, 'schily')), ['user.note']);
  assert.deepEqual(xattrNames(join(t, 'libarchive')), ['security.capability', 'user.two']);
  assert.deepEqual(xattrNames(join(t, 'more')), []);
  const caps = spawnSync('getcap', [join(t, 'libarchive')], { encoding: 'utf8' });
  assert.match(caps.stdout, /cap_dac_read_search[=+]ep/);
  // One note per skipped name, counting its entries.
  assert.ok(
    r.notes.includes(
      'ignored xattr trusted.x on 2 entries (the first "schily"): the trusted namespace belongs to host services, not images',
    ),
    r.notes.join('\n'),
  );
  for (const name of ['trusted.y', 'security.selinux', 'trusted.overlay.redirect']) {
    assert.ok(
      r.notes.some((l) => l.startsWith(`ignored xattr ${name} on "`)),
      `${name}: ${r.notes.join('\n')}`,
    );
  }
});

test('applyLayer() keeps the file capability GNU tar --xattrs archived from a setcap binary', {
  skip: (!IS_ROOT && 'setcap needs root') || (!HAS_SETCAP && 'setcap (libcap2-bin) is not installed'),
}, async () => {
  const src = join(base, 'src');
  mkdirSync(src);
  copyFileSync('/bin/cat', join(src, 'cat'));
  const set = spawnSync('setcap', ['cap_dac_read_search+ep', join(src, 'cat')], { encoding: 'utf8' });
  assert.equal(set.status, 0, set.stderr);
  spawnSync('setfattr', ['-n', 'trusted.planted', '-v', '1', join(src, 'cat')]);
  const tar = join(base, 'cap.tar');
  const made = spawnSync('tar', ['--xattrs', '--xattrs-include=*', '-C', src, '-cf', tar, 'cat'], {
    encoding: 'utf8',
  });
  assert.equal(made.status, 0, made.stderr);
  const t = target();
  const r = await applyLayer(createReadStream(tar), { target: t, mode: 'overlay' });
  const caps = spawnSync('getcap', [join(t, 'cat')], { encoding: 'utf8' });
  assert.match(caps.stdout, /cap_dac_read_search[=+]ep/, 'the layer cache keeps content as it is');
  assert.ok(!xattrNames(join(t, 'cat')).includes('trusted.planted'));
  assert.ok(
    r.notes.some((l) => l.startsWith('ignored xattr trusted.planted')),
    r.notes.join('\n'),
  );
});
