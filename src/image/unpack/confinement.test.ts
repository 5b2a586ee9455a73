import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { isRuntimeError } from '../../errors.ts';
import { applyLayer } from './apply-layer.ts';
import { type CraftEntry, chunked, craftTar } from './testing/tar-builder.ts';
import { describeTree } from './testing/tree.ts';

const base = mkdtempSync(join(tmpdir(), 'hostpod-confine-'));
after(() => rmSync(base, { recursive: true, force: true }));

// Path pieces a hostile layer would combine: climbing, absolute, the sandbox's own path.
const outside = join(base, 'outside');
const piece = fc.constantFrom(
  'a',
  'b',
  'c',
  '..',
  '.',
  '',
  'outside',
  '.wh.a',
  '.wh.b',
  '.wh..wh..opq',
  base.slice(1),
);
const path = fc.array(piece, { minLength: 1, maxLength: 5 }).map((p) => p.join('/'));
const linkTarget = fc.oneof(
  path,
  path.map((p) => `/${p}`),
  fc.constantFrom(outside, `${outside}/sentinel`, '/', '../../..', base),
);
const entry: fc.Arbitrary<CraftEntry> = fc.oneof(
  fc.record({ name: path, body: fc.constantFrom('', 'pwned') }),
  fc.record({ name: path, type: fc.constant('dir' as const) }),
  fc.record({ name: path, type: fc.constant('symlink' as const), linkname: linkTarget }),
  fc.record({ name: path, type: fc.constant('hardlink' as const), linkname: linkTarget }),
);
const layers = fc.array(fc.array(entry, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 3 });

let n = 0;
async function applyAll(ls: CraftEntry[][], mode: 'apply' | 'overlay'): Promise<void> {
  const root = join(base, `run-${n++}`);
  mkdirSync(root);
  const lowers: { dir: string; opaque: Set<string> }[] = [];
  for (let i = 0; i < ls.length; i++) {
    const target = mode === 'apply' ? root : join(root, `l${i}`);
    mkdirSync(target, { recursive: true });
    try {
      const r = await applyLayer(chunked(craftTar(ls[i]!), 333), { target, mode, lowers: [...lowers] });
      lowers.unshift({ dir: target, opaque: new Set(r.opaque) });
    } catch (e) {
      assert.ok(isRuntimeError(e), `not a RuntimeError: ${String(e)}`);
      assert.notEqual(e.code, 'Internal', e.message);
      return;
    }
  }
}

// endOnFailure: a run that escapes corrupts the sandbox for the runs after it, so shrinking
// would report a misleading input; the first failing input is the one to read.
test('applyLayer() never touches anything outside the target, whatever the entries (property)', async () => {
  mkdirSync(join(outside, 'a'), { recursive: true });
  writeFileSync(join(outside, 'sentinel'), 'keep');
  writeFileSync(join(outside, 'a', 'b'), 'keep');
  const around = () =>
    describeTree(base, { exclude: ['outside'], mtime: true }).filter((l) => !l.startsWith('run-'));
  const outsideBefore = describeTree(outside, { mtime: true });
  const before = around();
  await fc.assert(
    fc.asyncProperty(layers, fc.constantFrom('apply' as const, 'overlay' as const), async (ls, mode) => {
      await applyAll(ls, mode);
      assert.deepEqual(describeTree(outside, { mtime: true }), outsideBefore);
      assert.deepEqual(around(), before);
    }),
    {
      numRuns: Number(process.env.HOSTPOD_FC_RUNS ?? 100),
      endOnFailure: true,
      seed: Number(process.env.HOSTPOD_FC_SEED ?? 20261127),
    },
  );
});
