import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cleanupEphemeralUsers, ephemeralScope } from '../users/accounts.ts';
import { parsePasswd } from '../users/etc-files.ts';
import { listSandboxes, removeSandbox } from './sandbox.ts';
import { isMounted, writeTree } from './testing/fs-fixtures.ts';

const CHILD = fileURLToPath(new URL('./testing/crash-child.ts', import.meta.url));
const letters = (k: number) =>
  Array.from({ length: k }, () => String.fromCharCode(97 + randomInt(26))).join('');

test('listSandboxes() + removeSandbox() + cleanupEphemeralUsers() clean up after a SIGKILLed hostpod', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'hostpod-crash-'));
  const root = join(tmp, 'state');
  const loc = join(tmp, 'hpc');
  const group = `hpc-${letters(8)}`;
  const id = `${letters(4)}${Array.from({ length: 60 }, () => randomInt(16).toString(16)).join('')}`;
  const user = id.slice(0, 20);
  execFileSync('groupadd', [group]);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, root, writeTree(join(tmp, 'layer'), { f: 'x' }), id, group, loc],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const workspace = join(root, 'sandboxes', id, 'rootfs');
    // What the dead process left behind.
    assert.deepEqual(await listSandboxes(root), [id], 'the dead process left its sandbox');
    assert.ok(isMounted(workspace));
    assert.ok(existsSync(loc));
    assert.ok(parsePasswd(readFileSync('/etc/passwd', 'utf8')).some((u) => u.name === user));
    // The restart's cleanup: no live containers.
    for (const s of await listSandboxes(root)) await removeSandbox({ root, id: s });
    const { removed, failed } = await cleanupEphemeralUsers([], { scope: ephemeralScope(root) });
    assert.deepEqual(
      removed,
      [user],
      `failed: ${failed.map((f) => `${f.name}: ${String(f.error)}`).join('; ')}`,
    );
    assert.ok(!isMounted(workspace));
    assert.ok(!existsSync(join(root, 'sandboxes', id)));
    assert.ok(!existsSync(loc));
    assert.ok(!parsePasswd(readFileSync('/etc/passwd', 'utf8')).some((u) => u.name === user));
  } finally {
    child.kill('SIGKILL');
    try {
      execFileSync('userdel', [user], { stdio: 'ignore' });
    } catch {}
    execFileSync('groupdel', [group]);
    if (isMounted(join(root, 'sandboxes', id, 'rootfs')))
      execFileSync('umount', ['-l', join(root, 'sandboxes', id, 'rootfs')]);
    rmSync(tmp, { recursive: true, force: true });
  }
});
