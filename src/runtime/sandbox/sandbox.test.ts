import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { instanceId } from '../../lib/instance-id.ts';
import { mountTargetRegistry } from '../host-state.ts';
import { makeContainerProbe } from './host-paths.ts';
import { createSandbox, listSandboxes, removeSandbox } from './sandbox.ts';
import { listTargetUsers } from './target-registry.ts';
import { isMounted, mountAt, snapshot, writeTree } from './testing/fs-fixtures.ts';

let tmp: string;
let root: string;
let layers: string[];
let n = 0;
const nextId = () => `ctr${++n}-${process.pid}`;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hostpod-sandbox-'));
  root = join(tmp, 'state');
  layers = [
    writeTree(join(tmp, 'l1'), {
      'a.txt': 'one',
      'gone/x': 'x',
      'file.txt': 'lower',
      'opq/old.txt': 'old',
      'bin/tool': '#!/bin/sh\n',
      'var/run': { link: '/run' },
      run: { dir: true },
    }),
    writeTree(join(tmp, 'l2'), {
      'a.txt': 'two',
      gone: { whiteout: true },
      'file.txt': { whiteout: true },
      opq: { opaque: true },
      'opq/new.txt': 'new',
    }),
  ];
});

after(async () => {
  for (const id of await listSandboxes(root)) await removeSandbox({ root, id });
  rmSync(tmp, { recursive: true, force: true });
});

const expected = {
  'a.txt': 'two',
  bin: '/',
  'bin/tool': '#!/bin/sh\n',
  opq: '/',
  'opq/new.txt': 'new',
  run: '/',
  var: '/',
  'var/run': '-> /run',
};

test('createSandbox() mounts an overlay of the layers with whiteouts applied, one clean workspace per container', async () => {
  const a = await createSandbox({ root, id: nextId(), layers, layout: 'symlink', mounts: [] });
  const b = await createSandbox({ root, id: nextId(), layers, layout: 'symlink', mounts: [] });
  try {
    assert.equal(a.mode, 'overlay');
    assert.ok(isMounted(a.workspace));
    assert.equal(a.mountPoint, `${a.workspace}/`);
    assert.deepEqual(snapshot(a.workspace), expected);
    writeFileSync(join(a.workspace, 'a.txt'), 'changed');
    assert.equal(readFileSync(join(b.workspace, 'a.txt'), 'utf8'), 'two');
    assert.equal(readFileSync(join(layers[1]!, 'a.txt'), 'utf8'), 'two');
  } finally {
    await removeSandbox({ root, id: a.id });
    await removeSandbox({ root, id: b.id });
  }
  assert.ok(!existsSync(a.dir) && !existsSync(b.dir));
  assert.ok(!isMounted(a.workspace));
  assert.deepEqual(await listSandboxes(root), []);
});

test('createSandbox() copy fallback gives the same tree as the overlay, for overlay and tar whiteouts and listed opaque dirs', async () => {
  const tarStyle = writeTree(join(tmp, 'l2-tar'), {
    'a.txt': 'two',
    '.wh.gone': '',
    '.wh.file.txt': '',
    'opq/.wh..wh..opq': '',
    'opq/new.txt': 'new',
  });
  // The unpacker's own record of opaque dirs, no xattr on the directory.
  const listed = writeTree(join(tmp, 'l2-listed'), {
    'a.txt': 'two',
    gone: { whiteout: true },
    'file.txt': { whiteout: true },
    'opq/new.txt': 'new',
  });
  const inputs = [layers, [layers[0]!, tarStyle], [layers[0]!, { dir: listed, opaque: ['opq'] }]];
  for (const ls of inputs) {
    const s = await createSandbox({
      root,
      id: nextId(),
      layers: ls,
      layout: 'symlink',
      mounts: [],
      mode: 'copy',
    });
    try {
      assert.equal(s.mode, 'copy');
      // A plain directory, bound onto itself only for its nosuid,nodev flags.
      assert.equal(mountAt(s.workspace)?.source, mountAt('/')?.source);
      assert.notEqual(mountAt(s.workspace)?.fsType, 'overlay');
      assert.deepEqual(snapshot(s.workspace), expected);
    } finally {
      await removeSandbox({ root, id: s.id });
    }
  }
});

test('createSandbox() copy fallback never writes through a symlink of a lower layer', async () => {
  const victim = join(tmp, 'victim');
  mkdirSync(victim, { recursive: true });
  writeFileSync(join(victim, 'keep'), 'host');
  const l1 = writeTree(join(tmp, 'evil1'), { esc: { link: victim }, f: { link: join(victim, 'keep') } });
  const l2 = writeTree(join(tmp, 'evil2'), { 'esc/pwn': 'pwned', f: 'replaced' });
  const s = await createSandbox({
    root,
    id: nextId(),
    layers: [l1, l2],
    layout: 'symlink',
    mounts: [],
    mode: 'copy',
  });
  try {
    assert.equal(readFileSync(join(s.workspace, 'esc/pwn'), 'utf8'), 'pwned');
    assert.ok(lstatSync(join(s.workspace, 'esc')).isDirectory());
    assert.equal(readFileSync(join(s.workspace, 'f'), 'utf8'), 'replaced');
    assert.deepEqual(snapshot(victim), { keep: 'host' });
  } finally {
    await removeSandbox({ root, id: s.id });
  }
});

test('createSandbox() copy fallback ignores tar whiteouts that name "." or ".."', async () => {
  const l1 = writeTree(join(tmp, 'wh-dots1'), { 'sub/keep.txt': 'k', 'top.txt': 't' });
  const l2 = writeTree(join(tmp, 'wh-dots2'), { 'sub/.wh...': '', 'sub/.wh..': '', '.wh.': '' });
  const s = await createSandbox({
    root,
    id: nextId(),
    layers: [l1, l2],
    layout: 'symlink',
    mounts: [],
    mode: 'copy',
  });
  try {
    assert.deepEqual(snapshot(s.workspace), { sub: '/', 'sub/keep.txt': 'k', 'top.txt': 't' });
  } finally {
    await removeSandbox({ root, id: s.id });
  }
});

test('createSandbox() symlink layout links volumes under the workspace, inside image symlinks', async () => {
  const vol = writeTree(join(tmp, 'vol-sym'), { token: 'secret' });
  const file = join(tmp, 'single.json');
  writeFileSync(file, '{}');
  const s = await createSandbox({
    root,
    id: nextId(),
    layers,
    layout: 'symlink',
    mounts: [
      { hostPath: vol, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
      { hostPath: file, mountPath: 'C:\\config\\app.json', readOnly: false },
    ],
  });
  try {
    assert.equal(s.plan, undefined);
    // var/run -> /run in the image resolves inside the workspace, not to the host's /run.
    const link = join(s.workspace, 'run/secrets/kubernetes.io/serviceaccount');
    assert.equal(readlinkSync(link), vol);
    assert.equal(readFileSync(join(link, 'token'), 'utf8'), 'secret');
    // Made inside the workspace through the image's absolute link, not on the host (whose
    // /run/secrets other tests may be using right now as a mount target).
    assert.ok(lstatSync(join(s.workspace, 'run/secrets')).isDirectory());
    assert.ok(lstatSync(join(s.workspace, 'var/run')).isSymbolicLink());
    assert.equal(readlinkSync(join(s.workspace, 'config/app.json')), file);
  } finally {
    await removeSandbox({ root, id: s.id });
  }
  // Removal deleted the links, not what they point to.
  assert.equal(readFileSync(join(vol, 'token'), 'utf8'), 'secret');
  assert.equal(readFileSync(file, 'utf8'), '{}');
});

test('createSandbox() symlink layout with a rootfs location puts the workspace at <location>/<id>', async () => {
  const loc = join(tmp, 'loc');
  const id = nextId();
  const s = await createSandbox({
    root,
    id,
    layers,
    layout: 'symlink',
    rootfsLocation: loc,
    mounts: [],
    mode: 'copy',
  });
  assert.equal(s.workspace, join(loc, id));
  assert.equal(s.mountPoint, `${join(loc, id)}/`);
  assert.equal(readFileSync(join(loc, id, 'a.txt'), 'utf8'), 'two');
  await removeSandbox({ root, id });
  assert.ok(!existsSync(join(loc, id)));
  assert.ok(existsSync(loc));
});

test('createSandbox() bind layout returns the mount plan, makes and later removes the targets, warns on shadowing', async () => {
  const host = join(tmp, 'bindhost');
  const existing = writeTree(join(host, 'etc/existing'), { 'host.txt': 'host' });
  const vol = writeTree(join(tmp, 'vol-bind'), { 'text.txt': 'Lorem ipsum' });
  const file = join(tmp, 'bind-file.json');
  writeFileSync(file, '{}');
  const loc = join(host, 'hpc');
  const id = nextId();
  const s = await createSandbox({
    root,
    id,
    container: 'web',
    layers,
    layout: 'bind',
    rootfsLocation: loc,
    mounts: [
      { hostPath: vol, mountPath: join(host, 'etc/configmap'), readOnly: true },
      { hostPath: vol, mountPath: existing, readOnly: false },
      { hostPath: file, mountPath: join(host, 'new/dir/config.json'), readOnly: true },
      { hostPath: vol, mountPath: `${loc}/data`, readOnly: false },
    ],
  });
  try {
    assert.equal(s.mountPoint, `${loc}/`);
    assert.deepEqual(s.plan, {
      createdMountPoint: true,
      binds: [
        { source: s.workspace, destination: loc, readOnly: false },
        { source: vol, destination: join(host, 'etc/configmap'), readOnly: true },
        { source: vol, destination: existing, readOnly: false },
        {
          source: vol,
          destination: `${loc}/data`,
          readOnly: false,
          // Inside the workspace: the shim resolves the target there, fd by fd.
          within: { sourceBase: vol, sourcePath: '', destinationBase: loc, destinationPath: 'data' },
        },
        { source: file, destination: join(host, 'new/dir/config.json'), readOnly: true },
      ],
    });
    assert.ok(statSync(loc).isDirectory());
    assert.ok(statSync(join(host, 'etc/configmap')).isDirectory());
    assert.ok(statSync(join(host, 'new/dir/config.json')).isFile());
    assert.ok(statSync(join(s.workspace, 'data')).isDirectory());
    assert.deepEqual(s.warnings, [
      `the volume at "${existing}" shadows the existing host directory "${existing}" inside container "web" (the host's copy is unchanged)`,
    ]);
    // Back-compat links under the workspace, as in the symlink layout, but naming the container
    // path: there the volume is mounted (read-only when asked), so a write through the link
    // cannot bypass a read-only mount.
    assert.equal(readlinkSync(join(s.workspace, host, 'etc/configmap')), join(host, 'etc/configmap'));
    // The probe sees paths as the container will: the workspace at the mount point, volumes at mountPath.
    const probe = makeContainerProbe(s.mappings);
    assert.equal(await probe(`${loc}/bin/tool`), 'file');
    assert.equal(await probe(join(host, 'etc/configmap/text.txt')), 'file');
    assert.equal(await probe(join(existing, 'host.txt')), 'missing');
    assert.equal(await probe(join(existing, 'text.txt')), 'file');
    assert.equal(await probe(`${loc}/var/run`), 'dir');
  } finally {
    await removeSandbox({ root, id });
  }
  assert.ok(!existsSync(loc));
  assert.ok(!existsSync(join(host, 'etc/configmap')));
  assert.ok(!existsSync(join(host, 'new')));
  assert.deepEqual(snapshot(existing), { 'host.txt': 'host' });
  assert.deepEqual(snapshot(vol), { 'text.txt': 'Lorem ipsum' });
});

test('createSandbox() warns when the bind mount point hides a non-empty host directory, and never removes it', async () => {
  const loc = writeTree(join(tmp, 'busy-location'), { 'host.txt': 'host' });
  const s = await createSandbox({
    root,
    id: nextId(),
    layers,
    layout: 'bind',
    rootfsLocation: loc,
    mounts: [],
  });
  await removeSandbox({ root, id: s.id });
  assert.equal(s.plan?.createdMountPoint, false);
  assert.equal(s.warnings.length, 1);
  assert.match(s.warnings[0]!, /the workspace at ".*busy-location" shadows the existing host directory/);
  assert.deepEqual(snapshot(loc), { 'host.txt': 'host' });
});

test('removeSandbox() leaves mount targets another sandbox still uses', async () => {
  const loc = join(tmp, 'shared-hpc');
  const a = await createSandbox({
    root,
    id: nextId(),
    layers,
    layout: 'bind',
    rootfsLocation: loc,
    mounts: [],
  });
  const b = await createSandbox({
    root,
    id: nextId(),
    layers,
    layout: 'bind',
    rootfsLocation: loc,
    mounts: [],
  });
  assert.equal(a.plan?.createdMountPoint, true);
  assert.equal(b.plan?.createdMountPoint, true);
  await removeSandbox({ root, id: a.id });
  assert.ok(existsSync(loc));
  await removeSandbox({ root, id: b.id });
  assert.ok(!existsSync(loc));
  const mine = (await listTargetUsers(mountTargetRegistry())).flatMap((t) =>
    t.users.filter((u) => u.startsWith(`${instanceId(root)}-`)),
  );
  assert.deepEqual(mine, [], 'no target registration of this state root is left');
});

test('removeSandbox() unmounts what is mounted inside the sandbox instead of deleting through it, and is idempotent', async () => {
  const victim = writeTree(join(tmp, 'mounted-victim'), { 'precious.txt': 'keep me' });
  const s = await createSandbox({ root, id: nextId(), layers, layout: 'symlink', mounts: [], mode: 'copy' });
  const mnt = join(s.workspace, 'mnt');
  mkdirSync(mnt);
  execFileSync('mount', ['--bind', victim, mnt]);
  await removeSandbox({ root, id: s.id });
  await removeSandbox({ root, id: s.id });
  assert.ok(!isMounted(mnt));
  assert.ok(!existsSync(s.dir));
  assert.deepEqual(snapshot(victim), { 'precious.txt': 'keep me' });
});

test('createSandbox() refuses hostile and unsupported mounts before making anything', async () => {
  const vol = writeTree(join(tmp, 'vol-bad'), { x: 'x' });
  const sock = join(tmp, 'api.sock');
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  const fifo = join(tmp, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const cases: [string, string, RegExp][] = [
    [vol, '/etc/../../x', /must not contain "\.\."/],
    [vol, 'relative/path', /must be absolute/],
    ['', '/data', /invalid OCI spec - a mount must have both source and a destination/],
    [vol, '', /invalid OCI spec - a mount must have both source and a destination/],
    [sock, '/data', /socket mounts not supported for job containers - interact with the socket directly/],
    [fifo, '/data', /FIFO mounts not supported for job containers - interact with the FIFO directly/],
    ['\\\\.\\pipe\\docker_engine', '/data', /named pipe mounts not supported for job containers/],
    [vol, '/', /would hide the workspace/],
    [vol, '/hpc', /would hide the workspace/],
  ];
  try {
    for (const [hostPath, mountPath, re] of cases) {
      const id = nextId();
      await assert.rejects(
        createSandbox({
          root,
          id,
          layers,
          layout: 'bind',
          mounts: [{ hostPath, mountPath, readOnly: false }],
        }),
        (e) => isRuntimeError(e, 'InvalidArgument') && re.test(e.message),
        `${hostPath} -> ${mountPath}`,
      );
      assert.ok(!(await listSandboxes(root)).includes(id));
    }
    await assert.rejects(
      createSandbox({
        root,
        id: nextId(),
        layers,
        layout: 'bind',
        mounts: [{ hostPath: join(tmp, 'nope'), mountPath: '/d', readOnly: false }],
      }),
      (e) => isRuntimeError(e, 'NotFound'),
    );
    await assert.rejects(createSandbox({ root, id: '../escape', layers, layout: 'bind', mounts: [] }), (e) =>
      isRuntimeError(e, 'InvalidArgument'),
    );
  } finally {
    server.close();
  }
});

test('createSandbox() symlink layout fails "failed to setup mount for job container" and leaves nothing', async () => {
  const image = writeTree(join(tmp, 'img-busy'), { 'etc/config/inimage.txt': 'x' });
  const vol = writeTree(join(tmp, 'vol-busy'), { y: 'y' });
  const id = nextId();
  await assert.rejects(
    createSandbox({
      root,
      id,
      layers: [image],
      layout: 'symlink',
      mounts: [{ hostPath: vol, mountPath: '/etc/config', readOnly: false }],
    }),
    (e) =>
      isRuntimeError(e, 'FailedPrecondition') && /failed to setup mount for job container/.test(e.message),
  );
  assert.ok(!existsSync(join(root, 'sandboxes', id)));
  assert.deepEqual(snapshot(vol), { y: 'y' });
});

test('createSandbox() never follows an image symlink out of the workspace', async () => {
  const victim = writeTree(join(tmp, 'ws-victim'), { 'keep.txt': 'host' });
  const image = writeTree(join(tmp, 'img-links'), {
    abs: { link: victim },
    rel: { link: '../../../../../../../../..' },
    'bin/tool': 'x',
  });
  const vol = writeTree(join(tmp, 'vol-links'), { v: 'v' });
  const file = join(tmp, 'vol-file.txt');
  writeFileSync(file, 'f');
  const loc = join(tmp, 'links-hpc');
  const s = await createSandbox({
    root,
    id: nextId(),
    layers: [image],
    layout: 'bind',
    rootfsLocation: loc,
    mounts: [
      { hostPath: vol, mountPath: `${loc}/abs/sub`, readOnly: false },
      { hostPath: vol, mountPath: `${loc}/rel/tmp/x`, readOnly: false },
      { hostPath: file, mountPath: `${loc}/abs/one.txt`, readOnly: true },
    ],
  });
  try {
    assert.deepEqual(
      s.plan?.binds.slice(1).map((b) => b.destination),
      [`${loc}${victim}/sub`, `${loc}${victim}/one.txt`, `${loc}/tmp/x`],
    );
    assert.ok(statSync(join(s.workspace, victim, 'sub')).isDirectory());
    assert.ok(statSync(join(s.workspace, victim, 'one.txt')).isFile());
    assert.ok(statSync(join(s.workspace, 'tmp/x')).isDirectory());
    // The shim re-resolves each target inside the workspace, fd by fd, at the same place.
    assert.deepEqual(
      s.plan?.binds.slice(1).map((b) => b.within),
      [
        { sourceBase: vol, sourcePath: '', destinationBase: loc, destinationPath: `${victim.slice(1)}/sub` },
        {
          sourceBase: file,
          sourcePath: '',
          destinationBase: loc,
          destinationPath: `${victim.slice(1)}/one.txt`,
        },
        { sourceBase: vol, sourcePath: '', destinationBase: loc, destinationPath: 'tmp/x' },
      ],
    );
    assert.deepEqual(snapshot(victim), { 'keep.txt': 'host' });
  } finally {
    await removeSandbox({ root, id: s.id });
  }
  assert.deepEqual(snapshot(victim), { 'keep.txt': 'host' });
});
