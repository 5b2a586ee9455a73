import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { createLocalUser, type LocalUser } from '../../lib/testing/local-user.ts';
import type { ContainerInput } from '../spec/types.ts';
import { shimPath } from '../task/shim.ts';
import { createSandbox, removeSandbox } from './sandbox.ts';
import { mountAt } from './testing/fs-fixtures.ts';
import { runContainer } from './testing/run-container.ts';
import { checkWorkspaceMount } from './workspace-mount.ts';

const IS_ROOT = process.getuid?.() === 0;
const HAVE_SHIM = existsSync(shimPath());
const HAVE_SETCAP = spawnSync('setcap', ['-h'], { stdio: 'ignore' }).error === undefined;
const CANARY = 'root-only canary 7f3a';
const newId = () =>
  `${Array.from({ length: 4 }, () => String.fromCharCode(97 + randomInt(26))).join('')}${Array.from({ length: 60 }, () => randomInt(16).toString(16)).join('')}`;

test('checkWorkspaceMount() refuses a workspace that is not a nosuid,nodev mount', {
  skip: !IS_ROOT && 'needs root to mount',
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostpod-wsmount-'));
  try {
    await assert.rejects(checkWorkspaceMount(dir), /is not a mount point/);
    execFileSync('mount', ['--bind', dir, dir]);
    await assert.rejects(checkWorkspaceMount(dir), /is mounted without nosuid,nodev/);
    execFileSync('mount', ['-o', 'remount,bind,nosuid,nodev', dir]);
    await checkWorkspaceMount(dir);
  } finally {
    spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * The attack: an image layer holding a copy of cat with `cap_dac_read_search+ep` and one that is
 * setuid root; a container running as Local Service runs both on a root-only canary. In every
 * workspace mode and layout, neither may read it.
 */
describe('a workspace gives no privilege from image content', {
  skip:
    (!IS_ROOT && 'needs root') ||
    (!HAVE_SHIM && 'the shim is not built (npm run build:native)') ||
    (!HAVE_SETCAP && 'setcap (libcap2-bin) is not installed'),
}, () => {
  let tmp = '';
  let root = '';
  let layer = '';
  let canary = '';
  let user: LocalUser;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'hostpod-nosuid-'));
    chmodSync(tmp, 0o755); // unprivileged users must reach the workspace (symlink layout) and the layer
    root = join(tmp, 'state');
    layer = join(tmp, 'layer');
    mkdirSync(join(layer, 'bin'), { recursive: true, mode: 0o755 });
    for (const f of ['capcat', 'suidcat', 'plaincat']) copyFileSync('/bin/cat', join(layer, 'bin', f));
    execFileSync('setcap', ['cap_dac_read_search+ep', join(layer, 'bin/capcat')]);
    chmodSync(join(layer, 'bin/suidcat'), 0o4755);
    canary = join(tmp, 'canary');
    writeFileSync(canary, CANARY, { mode: 0o600 });
    user = createLocalUser();
  });
  after(() => {
    user?.remove();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the image binaries do give privilege outside a workspace (the attack is real)', () => {
    for (const f of ['capcat', 'suidcat']) {
      const r = user.run([join(layer, 'bin', f), canary]);
      assert.equal(r.stdout, CANARY, `${f}: ${r.stderr}`);
    }
    assert.notEqual(user.run([join(layer, 'bin/plaincat'), canary]).status, 0);
  });

  for (const mode of ['overlay', 'copy'] as const) {
    for (const layout of ['symlink', 'bind'] as const) {
      it(`runContainer() ${mode} workspace, ${layout} layout: Local Service cannot read the canary through the image's setcap or setuid binary`, async () => {
        const ws = '"$CONTAINER_SANDBOX_MOUNT_POINT"';
        const container: ContainerInput = {
          name: 'main',
          id: newId(),
          command: ['/bin/sh', '-c'],
          args: [
            `id -un; for f in capcat suidcat plaincat; do ${ws}bin/$f ${canary} 2>&1 || echo "$f refused"; done; ` +
              // The container's own view of its workspace mount (the bind layout's /hpc included).
              `grep " $(echo ${ws} | sed 's,/$,,') " /proc/self/mountinfo | cut -d" " -f6; /usr/sbin/getcap ${ws}bin/capcat`,
          ],
          env: [],
          runAsUserName: 'NT AUTHORITY\\Local Service',
          annotations: { 'microsoft.com/hostprocess-rootfs-location': join(tmp, `hpc-${mode}-${layout}`) },
          mounts: [],
        };
        const r = await runContainer({ root, layers: [layer], layout, mode, image: {}, container });
        const out = r.lines.join('\n');
        assert.equal(r.sandbox.mode, mode);
        assert.equal(r.exitCode, 0, out);
        assert.ok(!out.includes(CANARY), `the canary leaked:\n${out}`);
        assert.equal(r.lines[0], 'hostpod-localsvc');
        for (const f of ['capcat', 'suidcat', 'plaincat']) assert.ok(r.lines.includes(`${f} refused`), out);
        const opts = r.lines.find((l) => /^rw,/.test(l));
        assert.ok(opts?.split(',').includes('nosuid') && opts.split(',').includes('nodev'), out);
        // The content is as the image has it: only the mount keeps it from taking effect.
        assert.match(out, /capcat cap_dac_read_search[=+]ep/);
      });
    }
  }

  it('createSandbox() mounts every workspace nosuid,nodev, whoever the container runs as', async () => {
    for (const mode of ['overlay', 'copy'] as const) {
      const s = await createSandbox({
        root,
        id: newId(),
        layers: [layer],
        layout: 'symlink',
        mounts: [],
        mode,
      });
      try {
        const m = mountAt(s.workspace);
        assert.ok(m?.options.includes('nosuid') && m.options.includes('nodev'), `${mode}: ${m?.options}`);
      } finally {
        await removeSandbox({ root, id: s.id });
      }
      assert.equal(mountAt(s.workspace), undefined, 'removed with the sandbox');
    }
  });
});
