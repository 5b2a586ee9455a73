import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { loadManifests, MANIFEST_LIMITS, parseManifestText } from './manifests.ts';

test('parseManifestText() reads multi-document YAML and locates nested fields', () => {
  const text =
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n---\nkind: Pod\nspec:\n  containers:\n  - name: x\n    image: y\n';
  const r = parseManifestText(text, 'f.yaml');
  assert.equal(r.problems.length, 0);
  assert.equal(r.documents.length, 2);
  assert.deepEqual(r.documents[1]!.locate(['spec', 'containers', 0, 'image']), { line: 10, col: 5 });
  // A path that does not exist points at its deepest existing parent.
  assert.deepEqual(r.documents[1]!.locate(['spec', 'containers', 0, 'securityContext', 'x']), {
    line: 9,
    col: 5,
  });
  assert.deepEqual(r.documents[0]!.locate(['metadata', 'name']), { line: 4, col: 3 });
});

test('parseManifestText() reads YAML the way kubectl does: yes is true, 0644 is octal, dates stay strings', () => {
  const r = parseManifestText('a: yes\nb: 0644\nc: 2001-12-14\nd: "yes"\ne: 1:20\n', 'f.yaml');
  assert.deepEqual(r.documents[0]!.value, { a: true, b: 420, c: '2001-12-14', d: 'yes', e: '1:20' });
});

test('parseManifestText() reads JSON', () => {
  const r = parseManifestText('{"kind":"Pod","spec":{"containers":[{"name":"a"}]}}', 'p.json');
  assert.deepEqual(r.documents[0]!.value, { kind: 'Pod', spec: { containers: [{ name: 'a' }] } });
});

test('parseManifestText() reports malformed YAML with its position, never throws', () => {
  const r = parseManifestText('kind: Pod\nspec:\n  containers: [\n', 'bad.yaml');
  assert.equal(r.documents.length, 0);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]!.message, /^invalid YAML: /);
  assert.ok(r.problems[0]!.position);
  const dup = parseManifestText('a: 1\na: 2\n', 'dup.yaml');
  assert.match(dup.problems[0]!.message, /unique|duplicate/i);
});

test('parseManifestText() refuses an alias bomb', () => {
  let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i < 12; i++)
    text += `a${i}: &a${i} [${Array(10)
      .fill(`*a${i - 1}`)
      .join(', ')}]\n`;
  const t0 = Date.now();
  const r = parseManifestText(text, 'bomb.yaml');
  assert.equal(r.documents.length, 0);
  assert.match(r.problems[0]!.message, /alias/);
  assert.ok(Date.now() - t0 < 5000, 'took too long: the bomb was expanded');
});

test('parseManifestText() refuses nesting deeper than the limit, including hostile depths', () => {
  const deep = `${'['.repeat(MANIFEST_LIMITS.maxDepth + 5)}${']'.repeat(MANIFEST_LIMITS.maxDepth + 5)}`;
  const r = parseManifestText(deep, 'deep.yaml');
  assert.equal(r.documents.length, 0);
  assert.match(r.problems[0]!.message, /nest/);
  const hostile = `${'['.repeat(100000)}${']'.repeat(100000)}`;
  const r2 = parseManifestText(hostile, 'hostile.yaml');
  assert.equal(r2.documents.length, 0);
  assert.equal(r2.problems.length, 1);
});

test('loadManifests() reads directories recursively in order, stdin, and reports unreadable inputs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hostpod-man-'));
  try {
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'b.yaml'), 'kind: B\n');
    await writeFile(join(dir, 'a.yml'), 'kind: A\n');
    await writeFile(join(dir, 'sub', 'c.json'), '{"kind":"C"}');
    await writeFile(join(dir, 'notes.txt'), 'kind: ignored\n');
    await writeFile(join(dir, 'bin.yaml'), Buffer.from([0x6b, 0, 0x3a]));
    const r = await loadManifests([dir, '-', join(dir, 'missing.yaml')], {
      cwd: dir,
      stdin: Readable.from(['kind: D\n']),
    });
    assert.deepEqual(
      r.documents.map((d) => [d.file, (d.value as { kind: string }).kind]),
      [
        ['a.yml', 'A'],
        ['b.yaml', 'B'],
        ['sub/c.json', 'C'],
        ['<stdin>', 'D'],
      ],
    );
    assert.deepEqual(
      r.problems.map((p) => [p.file, p.message]),
      [
        ['bin.yaml', 'not a text file (contains NUL bytes)'],
        ['missing.yaml', 'no such file or directory'],
      ],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loadManifests() refuses a file over the size limit without reading it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hostpod-man-'));
  try {
    const big = join(dir, 'big.yaml');
    const fh = await import('node:fs/promises').then((m) => m.open(big, 'w'));
    await fh.truncate(MANIFEST_LIMITS.maxFileBytes + 1);
    await fh.close();
    const r = await loadManifests([big], { cwd: dir });
    assert.equal(r.documents.length, 0);
    assert.match(r.problems[0]!.message, /limit/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
