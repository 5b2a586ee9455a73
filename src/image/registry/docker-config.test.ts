import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { dockerConfigPath, loadDockerCredentials, parseDockerConfig } from './docker-config.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('parseDockerConfig() reads auth and username/password entries, normalising keys', () => {
  const m = parseDockerConfig({
    auths: {
      'https://index.docker.io/v1/': { auth: b64('hub:secret') },
      '127.0.0.1:5000': { auth: b64('u:pa:ss') },
      'http://Reg.Example:443/v2/': { username: 'a', password: 'b' },
      'helper-only': { identitytoken: 'x' },
    },
  });
  assert.deepEqual(m.get('docker.io'), { username: 'hub', password: 'secret' });
  assert.deepEqual(m.get('127.0.0.1:5000'), { username: 'u', password: 'pa:ss' });
  assert.deepEqual(m.get('reg.example:443'), { username: 'a', password: 'b' });
  assert.equal(m.has('helper-only'), false);
});

test('parseDockerConfig() rejects an auth value that is not user:password', () => {
  assert.throws(
    () => parseDockerConfig({ auths: { h: { auth: b64('nocolon') } } }),
    (e) => isRuntimeError(e, 'InvalidArgument') && /auths\["h"\]\.auth/.test(e.message),
  );
});

test('loadDockerCredentials() uses $DOCKER_CONFIG, then $HOME/.docker, and tolerates a missing file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hostpod-dc-'));
  try {
    assert.equal(dockerConfigPath({ DOCKER_CONFIG: '/x', HOME: '/h' }), '/x/config.json');
    assert.equal(dockerConfigPath({ HOME: '/h' }), '/h/.docker/config.json');
    await mkdir(join(dir, '.docker'));
    await writeFile(
      join(dir, '.docker', 'config.json'),
      JSON.stringify({ auths: { 'localhost:1': { auth: b64('a:b') } } }),
    );
    const fromHome = await loadDockerCredentials({ HOME: dir });
    assert.deepEqual(fromHome('localhost:1'), { username: 'a', password: 'b' });
    const none = await loadDockerCredentials({ DOCKER_CONFIG: join(dir, 'missing') });
    assert.equal(none('localhost:1'), undefined);
    await writeFile(join(dir, 'config.json'), '{not json');
    await assert.rejects(loadDockerCredentials({ DOCKER_CONFIG: dir }), (e) =>
      isRuntimeError(e, 'InvalidArgument'),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
