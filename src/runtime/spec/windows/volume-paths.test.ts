import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isNamedPipePath,
  normalizeWindowsHostPath,
  normalizeWindowsMountPath,
  PIPE_MOUNT_REFUSED,
  windowsMountLinkPath,
  windowsVolumeFilePaths,
} from './volume-paths.ts';

test("normalizeWindowsHostPath() keeps drive paths and puts the kubelet's rooted forms on c:", () => {
  assert.equal(normalizeWindowsHostPath('C:\\var\\lib\\kubelet'), 'C:\\var\\lib\\kubelet');
  assert.equal(normalizeWindowsHostPath('C:/etc//cni/./net.d/'), 'C:\\etc\\cni\\net.d');
  assert.equal(normalizeWindowsHostPath('/var/log'), 'c:\\var\\log');
  assert.equal(normalizeWindowsHostPath('\\k'), 'c:\\k');
  assert.equal(normalizeWindowsHostPath('\\\\srv\\share\\dir'), '\\\\srv\\share\\dir');
  assert.equal(normalizeWindowsHostPath('C:'), 'C:\\');
});

test("normalizeWindowsHostPath() refuses named pipes with the reference's words", () => {
  for (const p of ['\\\\.\\pipe\\containerd-containerd', '//./pipe/docker_engine', '\\\\.\\PIPE\\x']) {
    assert.ok(isNamedPipePath(p));
    assert.throws(
      () => normalizeWindowsHostPath(p, 'spec.volumes[0].hostPath.path'),
      (e: Error & { code?: string }) =>
        e.code === 'FailedPrecondition' &&
        e.message === `spec.volumes[0].hostPath.path: ${PIPE_MOUNT_REFUSED}`,
    );
  }
});

test('normalizeWindowsHostPath() refuses relative, climbing, stream and device paths, naming the field', () => {
  for (const p of [
    'var\\log',
    'C:\\a\\..\\Windows',
    'C:\\a:stream',
    'C:\\dir\\NUL',
    'C:\\x\\con.txt',
    'C:\\trail.',
    '\\\\?\\C:\\x',
  ]) {
    assert.throws(
      () => normalizeWindowsHostPath(p, 'spec.volumes[1].hostPath.path'),
      (e: Error & { code?: string }) =>
        e.code === 'InvalidArgument' && e.message.startsWith('spec.volumes[1].hostPath.path: '),
      p,
    );
  }
});

test('normalizeWindowsMountPath() makes container paths absolute on C: and refuses the bare drive', () => {
  assert.equal(normalizeWindowsMountPath('/etc/app'), 'C:\\etc\\app');
  assert.equal(normalizeWindowsMountPath('etc\\app'), 'C:\\etc\\app');
  assert.equal(normalizeWindowsMountPath('d:\\data'), 'D:\\data');
  for (const bad of ['C:', 'C:\\', '\\', '', 'C:\\a\\..\\..', '\\\\.\\pipe\\p']) {
    assert.throws(
      () => normalizeWindowsMountPath(bad),
      (e: Error & { code?: string }) => e.code === 'InvalidArgument',
      bad,
    );
  }
  assert.throws(() => normalizeWindowsMountPath('C:'), /destination path can not be C drive/);
});

test('windowsMountLinkPath() puts the link under the workspace, drive dropped', () => {
  assert.equal(windowsMountLinkPath('C:\\hpc\\abc\\', 'C:\\etc\\app'), 'C:\\hpc\\abc\\etc\\app');
  assert.equal(windowsMountLinkPath('C:\\C\\abc\\', 'D:\\data'), 'C:\\C\\abc\\data');
});

test('windowsVolumeFilePaths() joins configMap/secret file paths with \\ and refuses names Windows cannot hold', () => {
  assert.deepEqual(
    windowsVolumeFilePaths([
      { path: 'config.yaml', field: 'a' },
      { path: 'sub/dir/key', field: 'b' },
    ]),
    ['config.yaml', 'sub\\dir\\key'],
  );
  for (const bad of ['../x', 'C:/x', 'nul', 'a:b', 'x.', '\\\\srv\\s', '']) {
    assert.throws(
      () => windowsVolumeFilePaths([{ path: bad, field: 'spec.volumes[0].configMap.items[0].path' }]),
      (e: Error & { code?: string }) =>
        e.code === 'InvalidArgument' && e.message.startsWith('spec.volumes[0].configMap.items[0].path: '),
      bad,
    );
  }
  assert.throws(
    () =>
      windowsVolumeFilePaths([
        { path: 'Key', field: 'spec.volumes[1].secret' },
        { path: 'key', field: 'spec.volumes[1].secret' },
      ]),
    /differ only in case/,
  );
});
