import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const UNIT = fileURLToPath(new URL('../../contrib/hostpod.service', import.meta.url));
const ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

describe('contrib/hostpod.service', () => {
  it('the unit is Type=notify for the daemon only, and keeps pods through a restart (KillMode=process)', async () => {
    const text = await readFile(UNIT, 'utf8');
    const settings = new Map(
      text
        .split('\n')
        .filter((l) => /^[A-Za-z]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
    );
    assert.equal(settings.get('Type'), 'notify');
    assert.equal(settings.get('NotifyAccess'), 'main');
    assert.equal(settings.get('KillMode'), 'process');
    assert.match(settings.get('ExecStart') ?? '', /hostpod daemon /);
  });

  it('systemd-analyze verify accepts it', {
    skip: !ANALYZE && 'systemd-analyze is not installed',
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hostpod-unit-'));
    try {
      // The binary is not installed here: verify checks ExecStart's program exists.
      const text = (await readFile(UNIT, 'utf8')).replaceAll('/usr/local/bin/hostpod', '/bin/true');
      await writeFile(join(dir, 'hostpod.service'), text);
      const out = execFileSync(ANALYZE as string, ['verify', join(dir, 'hostpod.service')], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      assert.equal(out.trim(), '');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
