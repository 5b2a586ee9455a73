import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRuntimeError } from '../errors.ts';
import { sha256Of } from './digest.ts';
import { manifestKind, parseImageConfig, parseIndex, parseJson, parseManifest } from './manifest.ts';
import { MediaType } from './media-types.ts';

const cfg = { mediaType: MediaType.ociConfig, digest: sha256Of('c'), size: 10 };
const layer = { mediaType: MediaType.ociLayerGzip, digest: sha256Of('l'), size: 20 };

test('parseManifest() reads OCI and Docker schema 2 manifests', () => {
  const m = parseManifest({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: cfg,
    layers: [layer],
  });
  assert.equal(m.config.digest, cfg.digest);
  assert.equal(m.layers[0]?.size, 20);
  const d = parseManifest({
    schemaVersion: 2,
    mediaType: MediaType.dockerManifest,
    config: { ...cfg, mediaType: MediaType.dockerConfig },
    layers: [],
  });
  assert.equal(d.mediaType, MediaType.dockerManifest);
});

test('parseManifest() names the bad field', () => {
  const cases: [unknown, RegExp][] = [
    [null, /must be an object/],
    [{ schemaVersion: 1 }, /schemaVersion/],
    [
      { schemaVersion: 2, config: cfg, layers: [layer, { ...layer, digest: 'sha256:../x' }] },
      /layers\[1\]\.digest/,
    ],
    [{ schemaVersion: 2, config: { ...cfg, size: -1 }, layers: [] }, /config\.size/],
    [{ schemaVersion: 2, mediaType: MediaType.ociIndex, config: cfg, layers: [] }, /not an image manifest/],
  ];
  for (const [v, re] of cases) {
    assert.throws(
      () => parseManifest(v),
      (e) => isRuntimeError(e, 'InvalidArgument') && re.test(e.message),
    );
  }
});

test('parseIndex() reads platforms and manifestKind() tells index from manifest', () => {
  const raw = {
    schemaVersion: 2,
    mediaType: MediaType.dockerManifestList,
    manifests: [
      {
        ...layer,
        mediaType: MediaType.dockerManifest,
        platform: { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1' },
      },
    ],
  };
  const idx = parseIndex(raw);
  assert.deepEqual(idx.manifests[0]?.platform, {
    os: 'windows',
    architecture: 'amd64',
    osVersion: '10.0.17763.1',
  });
  assert.equal(manifestKind(raw), 'index');
  assert.equal(manifestKind({ schemaVersion: 2, config: cfg, layers: [] }), 'manifest');
  assert.equal(manifestKind({ schemaVersion: 2, manifests: [] }, MediaType.ociIndex), 'index');
  assert.equal(manifestKind({ schemaVersion: 1 }, MediaType.dockerSchema1SignedManifest), undefined);
});

test('parseImageConfig() reads the runtime config and diff IDs', () => {
  const c = parseImageConfig({
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['A=1'], Entrypoint: ['/bin/sh'], Cmd: null, WorkingDir: '/w', Labels: { a: 'b' } },
    rootfs: { type: 'layers', diff_ids: [sha256Of('x')] },
  });
  assert.deepEqual(c.config, { Env: ['A=1'], Entrypoint: ['/bin/sh'], WorkingDir: '/w', Labels: { a: 'b' } });
  assert.equal(c.rootfs.diff_ids[0], sha256Of('x'));
  assert.throws(
    () =>
      parseImageConfig({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: ['x'] } }),
    /rootfs\.diff_ids\[0\]/,
  );
  assert.throws(() => parseJson('{', 'image config'), /Invalid image config: not JSON/);
});
