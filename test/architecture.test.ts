import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** What each top-level folder of src/ may import (docs/architecture.md). */
const ALLOWED: Record<string, string[]> = {
  lib: ['errors.ts'],
  api: ['lib', 'errors.ts'],
  oci: ['lib', 'errors.ts'],
  image: ['oci', 'lib', 'errors.ts'],
  runtime: ['lib', 'errors.ts'],
  state: ['lib', 'errors.ts', 'api', 'oci'],
  services: ['lib', 'errors.ts', 'api', 'oci', 'image', 'runtime', 'state'],
  daemon: ['lib', 'errors.ts', 'api', 'oci', 'image', 'runtime', 'state', 'services'],
  client: ['lib', 'errors.ts', 'api'],
  containerd: ['lib', 'errors.ts', 'oci', 'api', 'runtime'],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('source folders import only what docs/architecture.md allows', () => {
  const violations: string[] = [];
  for (const file of files(SRC)) {
    const rel = relative(SRC, file);
    const top = rel.split('/')[0]!;
    const allowed = ALLOWED[top];
    if (!allowed) continue;
    // The daemon's and services' tests may reach across (a daemon test drives it through the client).
    if ((top === 'daemon' || top === 'services') && (rel.endsWith('.test.ts') || rel.includes('/testing/')))
      continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/from\s+'(\.[^']+)'/g)) {
      const target = relative(SRC, join(file, '..', m[1]!));
      if (target.startsWith('..')) continue;
      const targetTop = target.split('/')[0]!;
      if (targetTop === top) continue;
      if (!allowed.includes(targetTop)) violations.push(`${rel} imports ${target}`);
    }
  }
  assert.deepEqual(violations, []);
});

test('only cli/main.ts, daemon/main.ts and containerd/main.ts read process.argv, process.env or call process.exit', () => {
  const offenders: string[] = [];
  for (const file of files(SRC)) {
    const rel = relative(SRC, file);
    if (
      rel.endsWith('.test.ts') ||
      rel.includes('/testing/') ||
      rel === 'cli/main.ts' ||
      rel === 'daemon/main.ts' ||
      rel === 'containerd/main.ts'
    )
      continue;
    const text = readFileSync(file, 'utf8');
    if (/process\.(argv|env|exit\()/.test(text)) offenders.push(rel);
  }
  assert.deepEqual(offenders, []);
});
