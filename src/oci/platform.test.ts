import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRuntimeError } from '../errors.ts';
import { sha256Of } from './digest.ts';
import type { ImageIndex } from './manifest.ts';
import { MediaType } from './media-types.ts';
import { formatPlatform, hostPlatform, parsePlatform, platformMatches, selectManifest } from './platform.ts';

function index(...platforms: string[]): ImageIndex {
  return {
    schemaVersion: 2,
    manifests: platforms.map((p) => ({
      mediaType: MediaType.ociManifest,
      digest: sha256Of(p),
      size: 1,
      platform: p === 'none' ? { os: 'unknown', architecture: 'unknown' } : parsePlatform(p),
    })),
  };
}

test('parsePlatform() normalises aliases and default variants', () => {
  assert.deepEqual(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64' });
  assert.deepEqual(parsePlatform('linux/aarch64'), { os: 'linux', architecture: 'arm64' });
  assert.deepEqual(parsePlatform('linux/x86_64'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('linux/arm'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.deepEqual(parsePlatform('Windows/AMD64'), { os: 'windows', architecture: 'amd64' });
  assert.equal(formatPlatform(parsePlatform('linux/arm/6')), 'linux/arm/v6');
  for (const bad of ['linux', 'linux/', '/amd64', 'a/b/c/d', 'linux/amd 64']) {
    assert.throws(
      () => parsePlatform(bad),
      (e) => isRuntimeError(e, 'InvalidArgument'),
      bad,
    );
  }
});

test('hostPlatform() reports this machine', () => {
  const p = hostPlatform();
  assert.equal(p.os, process.platform === 'win32' ? 'windows' : process.platform);
  if (process.arch === 'x64') assert.equal(p.architecture, 'amd64');
});

test('selectManifest() picks the host entry, and windows/amd64 on request', () => {
  const idx = index('none', 'windows/amd64', 'linux/arm64', 'linux/amd64', 'linux/arm/v7');
  assert.equal(selectManifest(idx, parsePlatform('linux/amd64'))?.digest, sha256Of('linux/amd64'));
  assert.equal(selectManifest(idx, parsePlatform('windows/amd64'))?.digest, sha256Of('windows/amd64'));
  assert.equal(selectManifest(idx, parsePlatform('linux/arm64/v8'))?.digest, sha256Of('linux/arm64'));
  assert.equal(selectManifest(idx, parsePlatform('linux/s390x')), undefined);
  assert.equal(selectManifest(index('windows/amd64'), parsePlatform('linux/amd64')), undefined);
});

test('selectManifest() follows containerd compatibility: lower arm variants, arm on arm64, exact first', () => {
  const armOnly = index('linux/arm/v6', 'linux/arm/v5');
  assert.equal(selectManifest(armOnly, parsePlatform('linux/arm/v7'))?.digest, sha256Of('linux/arm/v6'));
  assert.equal(selectManifest(armOnly, parsePlatform('linux/arm64'))?.digest, sha256Of('linux/arm/v6'));
  assert.equal(selectManifest(index('linux/arm/v7'), parsePlatform('linux/arm/v6')), undefined);
  const mixed = index('linux/arm/v7', 'linux/arm64');
  assert.equal(selectManifest(mixed, parsePlatform('linux/arm64'))?.digest, sha256Of('linux/arm64'));
  assert.equal(platformMatches(parsePlatform('linux/amd64'), parsePlatform('linux/386')), true);
  assert.equal(platformMatches(parsePlatform('linux/amd64'), parsePlatform('linux/amd64/v3')), false);
});
