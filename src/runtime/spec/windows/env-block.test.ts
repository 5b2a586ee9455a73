import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildWindowsEnv,
  decodeEnvBlockText,
  encodeEnvBlock,
  getWindowsEnv,
  POWERSHELL_PATH_SUFFIX,
} from './env-block.ts';

const mountPoint = 'C:\\hpc\\abc\\';

test('buildWindowsEnv() layers user defaults, spec env and the mount point, with PATH augmented', () => {
  const env = buildWindowsEnv({
    userDefault: [
      { name: 'Path', value: 'C:\\Windows\\system32;' },
      { name: 'USERPROFILE', value: 'C:\\Windows\\system32\\config\\systemprofile' },
      { name: 'SystemRoot', value: 'C:\\Windows' },
    ],
    spec: [
      { name: 'APP', value: '%CONTAINER_SANDBOX_MOUNT_POINT%\\app' },
      { name: 'EMPTY', value: '' },
      { name: 'userprofile', value: 'C:\\Users\\x' },
    ],
    mountPoint,
  });
  assert.deepEqual(env, [
    { name: 'Path', value: `C:\\Windows\\system32;${mountPoint};${POWERSHELL_PATH_SUFFIX}` },
    { name: 'USERPROFILE', value: 'C:\\Users\\x' },
    { name: 'SystemRoot', value: 'C:\\Windows' },
    { name: 'APP', value: 'C:\\hpc\\abc\\app' },
    { name: 'CONTAINER_SANDBOX_MOUNT_POINT', value: mountPoint },
  ]);
});

test('buildWindowsEnv() lets a spec PATH replace the default one, and adds SYSTEMROOT when missing', () => {
  const env = buildWindowsEnv({
    userDefault: [{ name: 'PATH', value: 'C:\\Windows' }],
    spec: [{ name: 'path', value: 'C:\\tools' }],
    mountPoint,
    systemRoot: 'C:\\WINDOWS',
  });
  assert.equal(getWindowsEnv(env, 'Path'), `C:\\tools;${mountPoint};${POWERSHELL_PATH_SUFFIX}`);
  assert.equal(env[0]?.name, 'PATH');
  assert.equal(getWindowsEnv(env, 'systemroot'), 'C:\\WINDOWS');
  assert.equal(env.length, 3);
});

test('encodeEnvBlock() writes UTF-16LE k=v NUL entries and a final NUL', () => {
  assert.equal(encodeEnvBlock([{ name: 'A', value: 'é' }]).toString('utf16le'), 'A=é\0\0');
  assert.equal(encodeEnvBlock([]).toString('utf16le'), '\0\0');
  assert.equal(encodeEnvBlock([{ name: '=C:', value: 'C:\\' }]).toString('utf16le'), '=C:=C:\\\0\0');
});

test('encodeEnvBlock() refuses names with = or NUL and values with NUL, naming the variable', () => {
  for (const bad of [
    { name: 'A=B', value: 'x' },
    { name: '', value: 'x' },
    { name: 'A', value: 'x\0y' },
  ]) {
    assert.throws(
      () => encodeEnvBlock([bad]),
      (e: Error & { code?: string }) => e.code === 'InvalidArgument' && e.message.includes(`"${bad.name}"`),
    );
  }
});

test('decodeEnvBlockText() reads back what encodeEnvBlock() wrote, keeping =C: names and skipping junk', () => {
  const env = [
    { name: '=C:', value: 'C:\\' },
    { name: 'Path', value: 'C:\\Windows;C:\\x=y' },
    { name: 'EMPTY', value: '' },
  ];
  assert.deepEqual(decodeEnvBlockText(encodeEnvBlock(env).toString('utf16le')), env);
  assert.deepEqual(decodeEnvBlockText('junk\0A=1\0\0'), [{ name: 'A', value: '1' }]);
});
