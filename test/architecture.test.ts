/**
 * The layer rules of docs/architecture.md, enforced for every entry of src/: which folder may
 * import which (static `from '…'`, dynamic `import('…')` and `import('…').Type` alike), who may
 * read `process.*`, and that each folder README names only files that exist.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

const ALL = [
  'lib',
  'errors.ts',
  'version.ts',
  'api',
  'oci',
  'image',
  'runtime',
  'state',
  'services',
  'daemon',
  'client',
  'containerd',
  'cli',
];

/** What each entry of src/ may import (docs/architecture.md, "Layers"). Every entry is listed. */
const ALLOWED: Record<string, string[]> = {
  'errors.ts': [],
  'version.ts': [],
  lib: ['errors.ts'],
  api: ['lib', 'errors.ts'],
  oci: ['lib', 'errors.ts'],
  image: ['oci', 'lib', 'errors.ts'],
  runtime: ['lib', 'errors.ts'],
  state: ['lib', 'errors.ts', 'api', 'oci'],
  services: ['lib', 'errors.ts', 'api', 'oci', 'image', 'runtime', 'state'],
  daemon: ['lib', 'errors.ts', 'version.ts', 'api', 'oci', 'image', 'runtime', 'state', 'services'],
  client: ['lib', 'errors.ts', 'api'],
  containerd: ['lib', 'errors.ts', 'version.ts', 'oci', 'api', 'runtime'],
  cli: ALL.filter((e) => e !== 'cli'),
};

/** Within `cli/`, only the command that starts the daemon imports it; the others use the client. */
const CLI_DAEMON_IMPORTERS = new Set(['cli/commands/daemon.ts']);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every relative module a file names: `from '…'`, `import('…')`, `export … from '…'`. */
function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*)'(\.[^']+)'/g)].map((m) => m[1]!);
}

test('every entry of src/ has a rule in docs/architecture.md, and the rules name only entries', () => {
  const entries = readdirSync(SRC).filter((e) => e !== 'README.md');
  assert.deepEqual(
    entries.filter((e) => !(e in ALLOWED)),
    [],
    'entries without a rule',
  );
  for (const [k, v] of Object.entries(ALLOWED))
    for (const t of v) assert.ok(t in ALLOWED, `${k} may import ${t}, which is not an entry`);
  const doc = readFileSync(join(SRC, '..', 'docs', 'architecture.md'), 'utf8');
  for (const e of entries)
    assert.match(doc, new RegExp(`\`src/${e.replace('.', '\\.')}/?\``), `${e} in the doc`);
});

test('source files import only what docs/architecture.md allows (static and dynamic imports)', () => {
  const violations: string[] = [];
  for (const file of files(SRC)) {
    const rel = relative(SRC, file);
    const top = rel.split('/')[0]!;
    const allowed = ALLOWED[top] ?? [];
    // Tests and test helpers of the daemon and the services may reach across (a daemon test
    // drives it through the client; a services test builds images).
    const testCode = rel.endsWith('.test.ts') || rel.includes('/testing/');
    if (testCode && (top === 'daemon' || top === 'services' || top === 'containerd')) continue;
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = relative(SRC, join(file, '..', spec));
      if (target.startsWith('..')) continue;
      const targetTop = target.split('/')[0]!;
      if (targetTop === top) continue;
      if (!allowed.includes(targetTop)) violations.push(`${rel} imports ${target}`);
      if (top === 'cli' && targetTop === 'daemon' && !testCode && !CLI_DAEMON_IMPORTERS.has(rel))
        violations.push(`${rel} imports ${target} (the CLI reaches the daemon through client/)`);
    }
  }
  assert.deepEqual(violations, []);
});

test('only the entry points (cli/main.ts, containerd/main.ts) read process.argv, process.env or call process.exit', () => {
  const offenders: string[] = [];
  for (const file of files(SRC)) {
    const rel = relative(SRC, file);
    if (rel.endsWith('.test.ts') || rel.includes('/testing/')) continue;
    if (rel === 'cli/main.ts' || rel === 'containerd/main.ts') continue;
    const text = readFileSync(file, 'utf8');
    if (/process\.(argv|env|exit\()/.test(text)) offenders.push(rel);
  }
  assert.deepEqual(offenders, []);
});

test('folder READMEs name only files that exist', () => {
  const missing: string[] = [];
  for (const readme of readmesUnder(SRC)) {
    const dir = dirname(readme);
    const text = readFileSync(readme, 'utf8');
    for (const m of text.matchAll(/`([\w./-]+\.(?:ts|c|proto))`/g)) {
      const name = m[1]!;
      if (name.includes('NNNN')) continue; // a pattern, not a file
      const candidates = [
        join(dir, name),
        join(dir, 'testing', name),
        join(SRC, name),
        join(SRC, '..', name),
      ];
      if (!candidates.some((c) => existsSync(c))) missing.push(`${relative(SRC, readme)}: ${name}`);
    }
  }
  assert.deepEqual(missing, []);
});

function readmesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? readmesUnder(join(dir, e.name)) : e.name === 'README.md' ? [join(dir, e.name)] : [],
  );
}
