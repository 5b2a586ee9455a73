import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import type { ContainerInput, ImageConfigInput } from '../spec/types.ts';
import { shimPath } from '../task/shim.ts';
import { busyboxLayer, runContainer } from './testing/run-container.ts';

/**
 * The spec, users and sandbox modules driving real processes through the task shim:
 * the acceptance scenarios 14–18, 20, 24–26 and 29 on this machine.
 */
const IS_ROOT = process.getuid?.() === 0;
const HAVE_SHIM = existsSync(shimPath());
const letters = (k: number) =>
  Array.from({ length: k }, () => String.fromCharCode(97 + randomInt(26))).join('');
const newId = () => `${letters(4)}${Array.from({ length: 60 }, () => randomInt(16).toString(16)).join('')}`;

describe('containers run through spec + users + sandbox + shim', {
  skip: (!IS_ROOT && 'needs root') || (!HAVE_SHIM && 'the shim is not built (npm run build:native)'),
}, () => {
  let tmp: string;
  let root: string;
  let layers: string[];
  let loc: string;
  const ctr = (over: Partial<ContainerInput>): ContainerInput => ({
    name: 'main',
    id: newId(),
    command: [],
    args: [],
    env: [],
    runAsUserName: 'NT AUTHORITY\\SYSTEM',
    annotations: { 'microsoft.com/hostprocess-rootfs-location': loc },
    mounts: [],
    ...over,
  });

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'hostpod-run-'));
    chmodSync(tmp, 0o755); // unprivileged run-as users must reach the workspace
    root = join(tmp, 'state');
    loc = join(tmp, 'hpc');
    layers = [busyboxLayer(join(tmp, 'layer'))];
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('runContainer() bind layout: workspace at the mount point, tokens, PATH, volume visible only inside', async () => {
    const hostDir = join(tmp, 'etc-config');
    mkdirSync(hostDir);
    writeFileSync(join(hostDir, 'host-only.txt'), 'host');
    const vol = join(tmp, 'vol');
    mkdirSync(vol);
    writeFileSync(join(vol, 'text.txt'), 'Lorem ipsum');
    chmodSync(vol, 0o755);
    const r = await runContainer({
      root,
      layers,
      layout: 'bind',
      image: { Env: ['PATH=/usr/bin:/bin'] },
      container: ctr({
        command: ['/bin/sh', '-c'],
        args: [
          'echo "mp=$CONTAINER_SANDBOX_MOUNT_POINT"; echo "path=$PATH"; echo "arg=$0"; pwd; ' +
            `cat ${hostDir}/text.txt; echo; ls ${hostDir}; ls "$CONTAINER_SANDBOX_MOUNT_POINT"bin/busybox; ` +
            'echo "host=$(hostname)"; id -u',
          '%CONTAINER_SANDBOX_MOUNT_POINT%/data',
        ],
        mounts: [{ hostPath: vol, mountPath: hostDir, readOnly: true }],
      }),
    });
    assert.equal(r.exitCode, 0, r.lines.join('\n'));
    assert.deepEqual(r.lines, [
      `mp=${loc}/`,
      `path=/usr/bin:/bin:${loc}/`,
      `arg=${loc}/data`,
      loc,
      'Lorem ipsum',
      'text.txt',
      `${loc}/bin/busybox`,
      `host=${hostname()}`,
      '0',
    ]);
    assert.deepEqual(r.sandbox.warnings.length, 1);
    // The host's directory was shadowed only inside the container.
    assert.deepEqual(execFileSync('ls', [hostDir], { encoding: 'utf8' }).trim(), 'host-only.txt');
    assert.ok(!existsSync(loc), 'the mount point hostpod created is gone');
  });

  it('runContainer() bind layout: a volume nested in another is mounted on top of it, whatever the order', async () => {
    const outer = join(tmp, 'outer-src');
    const inner = join(tmp, 'inner-src');
    mkdirSync(outer);
    mkdirSync(inner);
    writeFileSync(join(outer, 'a.txt'), 'outer');
    writeFileSync(join(inner, 'b.txt'), 'inner');
    const at = join(tmp, 'nest');
    const r = await runContainer({
      root,
      layers,
      layout: 'bind',
      image: {},
      container: ctr({
        command: ['sh', '-c', `cat ${at}/a.txt; echo; cat ${at}/in/b.txt`],
        mounts: [
          { hostPath: inner, mountPath: `${at}/in`, readOnly: true },
          { hostPath: outer, mountPath: at, readOnly: false },
        ],
      }),
    });
    assert.equal(r.exitCode, 0, r.lines.join('\n'));
    assert.deepEqual(r.lines, ['outer', 'inner']);
    // The inner mount point was made in the outer volume, not on the host under the mount point.
    assert.ok(existsSync(join(outer, 'in')));
    assert.ok(!existsSync(at));
  });

  it('runContainer() resolves the command-path matrix against the image and the host (scenario 16)', async () => {
    const inBinPath = { Env: ['PATH=%CONTAINER_SANDBOX_MOUNT_POINT%/bin:/usr/bin:/bin'] };
    const cases: [Partial<ContainerInput>, string, ImageConfigInput][] = [
      [{ command: ['bin/uname', '-s'] }, `${loc}/bin/uname`, {}],
      [
        { command: ['uname', '-s'], workingDir: '%CONTAINER_SANDBOX_MOUNT_POINT%/bin' },
        `${loc}/bin/uname`,
        {},
      ],
      [
        { command: ['./uname', '-s'], workingDir: '$env:CONTAINER_SANDBOX_MOUNT_POINT\\bin\\' },
        `${loc}/bin/uname`,
        {},
      ],
      [{ command: ['%CONTAINER_SANDBOX_MOUNT_POINT%\\bin\\uname', '-s'] }, `${loc}/bin/uname`, {}],
      [{ command: ['hello.sh'] }, `${loc}/bin/hello.sh`, inBinPath],
      [{ command: ['sh', '-c', 'uname -s'] }, '/usr/bin/sh', {}],
    ];
    for (const [over, exe, image] of cases) {
      const r = await runContainer({ root, layers, layout: 'bind', image, container: ctr(over) });
      assert.equal(r.exitCode, 0, `${over.command?.join(' ')}: ${r.lines.join('\n')}`);
      assert.equal(r.config.executable.replace(/^\/bin\/sh$/, '/usr/bin/sh'), exe);
      assert.match(r.lines[0] ?? '', exe.endsWith('hello.sh') ? /^hello from / : /^Linux$/);
    }
    await assert.rejects(
      runContainer({
        root,
        layers,
        layout: 'bind',
        image: {},
        container: ctr({ command: ['no-such-tool'] }),
      }),
      (e) => isRuntimeError(e, 'NotFound') && e.message.includes('failed to find executable "no-such-tool"'),
    );
  });

  it('runContainer() symlink layout: the workspace is a host path, a token-free working dir is re-rooted and created', async () => {
    const vol = join(tmp, 'vol-sym');
    mkdirSync(vol);
    writeFileSync(join(vol, 'foo.txt'), 'bar');
    const c = ctr({
      command: [
        'sh',
        '-c',
        'pwd; cat "$CONTAINER_SANDBOX_MOUNT_POINT"etc/secret/foo.txt; echo; echo "$CONTAINER_SANDBOX_MOUNT_POINT"',
      ],
      workingDir: '/work',
      annotations: {},
      mounts: [{ hostPath: vol, mountPath: '/etc/secret', readOnly: true }],
    });
    const ws = join(root, 'sandboxes', c.id, 'rootfs');
    const r = await runContainer({ root, layers, layout: 'symlink', image: {}, container: c });
    assert.equal(r.exitCode, 0, r.lines.join('\n'));
    assert.deepEqual(r.lines, [`${ws}/work`, 'bar', `${ws}/`]);
    assert.equal(readFileSync(join(vol, 'foo.txt'), 'utf8'), 'bar');
  });

  it('runContainer() runs a local-group container as an ephemeral user id[:20], then deletes it (scenario 25)', async () => {
    const group = `hpc-${letters(8)}`;
    execFileSync('groupadd', [group]);
    try {
      const c = ctr({ command: ['sh', '-c', 'id -un; id -gn; id -u'], runAsUserName: group });
      const r = await runContainer({ root, layers, layout: 'bind', image: {}, container: c });
      assert.equal(r.exitCode, 0, r.lines.join('\n'));
      assert.equal(r.lines[0], c.id.slice(0, 20));
      assert.equal(r.lines[1], group);
      assert.notEqual(r.lines[2], '0');
      assert.ok(!readFileSync('/etc/passwd', 'utf8').includes(c.id.slice(0, 20)));
      // A start that fails after the user was made leaves neither user nor sandbox behind.
      const bad = ctr({ command: ['no-such-program'], runAsUserName: group });
      await assert.rejects(
        runContainer({ root, layers, layout: 'bind', image: {}, container: bad }),
        /failed to find executable "no-such-program"/,
      );
      assert.ok(!readFileSync('/etc/passwd', 'utf8').includes(bad.id.slice(0, 20)));
      assert.ok(!existsSync(join(root, 'sandboxes', bad.id)));
    } finally {
      execFileSync('groupdel', [group]);
    }
  });

  it('runContainer() runs Local Service as its unprivileged account, and refuses bad-user-name (scenarios 24, 26)', async () => {
    const names = { localService: `hpc-${letters(8)}`, networkService: `hpc-${letters(8)}` };
    // Test names get test ids: the documented ones may be held by this host's real accounts.
    const base = 1_900_000_100 + randomInt(800);
    const serviceAccountIds = { localService: base, networkService: base + 1 };
    try {
      const c = ctr({ command: ['sh', '-c', 'id -un; id -u'], runAsUserName: 'NT AUTHORITY\\Local Service' });
      const r = await runContainer({
        root,
        layers,
        layout: 'bind',
        image: {},
        container: c,
        serviceAccounts: names,
        serviceAccountIds,
      });
      assert.equal(r.exitCode, 0, r.lines.join('\n'));
      assert.equal(r.lines[0], names.localService);
      assert.notEqual(r.lines[1], '0');
    } finally {
      for (const n of [names.localService, names.networkService]) {
        try {
          execFileSync('userdel', [n], { stdio: 'ignore' });
        } catch {}
      }
    }
    await assert.rejects(
      runContainer({
        root,
        layers,
        layout: 'bind',
        image: {},
        container: ctr({ command: ['sh'], runAsUserName: 'bad-user-name' }),
      }),
      (e) =>
        isRuntimeError(e, 'FailedPrecondition') &&
        e.message.startsWith('failed to create user process token'),
    );
    assert.deepEqual(execFileSync('ls', [join(root, 'sandboxes')], { encoding: 'utf8' }), '');
  });
});
