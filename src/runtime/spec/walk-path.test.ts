import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { type LinkKind, type PathWalker, walkPath } from './walk-path.ts';

/** A view rooted at "/root" on a fake host. */
function walker(entries: Record<string, LinkKind | { link: string }>): PathWalker {
  const get = (h: string) => entries[h];
  return {
    toHost: (p) => `/root${p === '/' ? '' : p}`,
    lstatKind: async (h) => {
      const e = get(h);
      return e === undefined ? 'missing' : typeof e === 'string' ? e : 'symlink';
    },
    readlink: async (h) => {
      const e = get(h);
      if (e === undefined || typeof e === 'string') throw new Error('not a link');
      return e.link;
    },
  };
}

test('walkPath() follows absolute and relative links inside the view and never climbs above it', async () => {
  const w = walker({
    '/root/var': 'dir',
    '/root/var/run': { link: '/run' },
    '/root/run': 'dir',
    '/root/up': { link: '../../../../etc' },
    '/root/etc': 'dir',
    '/root/etc/passwd': 'file',
  });
  assert.deepEqual(await walkPath('/var/run/secrets/token', w), {
    path: '/run/secrets/token',
    kind: 'missing',
  });
  assert.deepEqual(await walkPath('/var/run', w), { path: '/run', kind: 'dir' });
  assert.deepEqual(await walkPath('/up/passwd', w), { path: '/etc/passwd', kind: 'file' });
  assert.deepEqual(await walkPath('/../../etc/./passwd', w), { path: '/etc/passwd', kind: 'file' });
  assert.deepEqual(await walkPath('/etc/passwd/x', w), { path: '/etc/passwd/x', kind: 'missing' });
});

test('walkPath() stops a symlink loop', async () => {
  const w = walker({ '/root/a': { link: '/b' }, '/root/b': { link: 'a' } });
  await assert.rejects(
    walkPath('/a/x', w),
    (e) => isRuntimeError(e, 'InvalidArgument') && /symbolic links/.test(e.message),
  );
});
