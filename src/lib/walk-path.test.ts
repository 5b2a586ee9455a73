import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRuntimeError } from '../errors.ts';
import { type LinkKind, MAX_SYMLINKS, type PathWalker, rootedFsWalker, walkPath } from './walk-path.ts';

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

test('walkPath() resolves links reached again by climbing out of missing components', async () => {
  const w = walker({
    '/root/a': 'dir',
    '/root/a/b': { link: '/etc' },
    '/root/etc': 'dir',
    '/root/f': 'file',
  });
  // A lexical shortcut would give /a/b/new and let mkdir follow b out of the view.
  assert.deepEqual(await walkPath('/a/missing/../b/new', w), { path: '/etc/new', kind: 'missing' });
  assert.deepEqual(await walkPath('/a/x/y/../../b', w), { path: '/etc', kind: 'dir' });
  assert.deepEqual(await walkPath('/f/../a/b', w), { path: '/etc', kind: 'dir' });
  assert.deepEqual(await walkPath('/a/x/y', w), { path: '/a/x/y', kind: 'missing' });
});

test('walkPath() stops a symlink loop', async () => {
  const w = walker({ '/root/a': { link: '/b' }, '/root/b': { link: 'a' } });
  await assert.rejects(
    walkPath('/a/x', w),
    (e) => isRuntimeError(e, 'InvalidArgument') && /symbolic links/.test(e.message),
  );
});

test('walkPath() never leaves the view, whatever the links (property)', async () => {
  const fc = await import('fast-check');
  const segment = fc.constantFrom('a', 'b', '..', '.', '', 'c');
  const linkTarget = fc
    .tuple(fc.boolean(), fc.array(segment, { maxLength: 6 }))
    .map(([abs, parts]) => `${abs ? '/' : ''}${parts.join('/')}`);
  const tree = fc.dictionary(
    fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 3 }).map((p) => `/${p.join('/')}`),
    fc.oneof(
      fc.constant<LinkKind>('dir'),
      fc.constant<LinkKind>('file'),
      linkTarget.map((link) => ({ link })),
    ),
  );
  await fc.assert(
    fc.asyncProperty(tree, fc.array(segment, { maxLength: 8 }), async (entries, parts) => {
      const byHost: Record<string, LinkKind | { link: string }> = {};
      for (const [p, v] of Object.entries(entries)) byHost[`/root${p}`] = v;
      const w = walker(byHost);
      try {
        const r = await walkPath(`/${parts.join('/')}`, w);
        assert.ok(r.path.startsWith('/'));
        assert.ok(!r.path.split('/').includes('..'), r.path);
        assert.ok(w.toHost(r.path).startsWith('/root'), r.path);
      } catch (e) {
        assert.ok(isRuntimeError(e, 'InvalidArgument'), String(e));
      }
    }),
    { numRuns: 500 },
  );
});

test('walkPath() follows exactly MAX_SYMLINKS (40) links, as the kernel does, and refuses the 41st', async () => {
  const chain = (n: number) => {
    const entries: Record<string, LinkKind | { link: string }> = { '/root/end': 'dir' };
    for (let i = 0; i < n; i++) entries[`/root/l${i}`] = { link: i === n - 1 ? '/end' : `l${i + 1}` };
    return walker(entries);
  };
  assert.equal(MAX_SYMLINKS, 40);
  assert.deepEqual(await walkPath('/l0/x', chain(40)), { path: '/end/x', kind: 'missing' });
  await assert.rejects(walkPath('/l0/x', chain(41)), (e) => isRuntimeError(e, 'InvalidArgument'));
});

test('rootedFsWalker() keeps every link of a real tree inside its root', async () => {
  const { mkdtemp, mkdir, rm, symlink, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const base = await mkdtemp(join(tmpdir(), 'hostpod-walk-'));
  try {
    const root = join(base, 'root');
    await mkdir(join(root, 'etc'), { recursive: true });
    await writeFile(join(root, 'etc', 'passwd'), 'inside');
    await symlink('/etc', join(root, 'abs'));
    await symlink('../../../../etc', join(root, 'up'));
    const w = rootedFsWalker(root);
    for (const p of ['/abs/passwd', '/up/passwd', '/../abs/../up/passwd']) {
      const r = await walkPath(p, w);
      assert.deepEqual(r, { path: '/etc/passwd', kind: 'file' }, p);
      assert.equal(w.toHost(r.path), join(root, 'etc', 'passwd'));
    }
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
