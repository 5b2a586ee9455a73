/**
 * `prepareImage()`: pods started at once with the same present image share one lookup, read and
 * unpack check — and one pod's delete (its signal) does not fail the others.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { prepareImage } from './images.ts';
import { type Harness, makeHarness, TEST_IMAGE } from './testing/harness.ts';

const isRoot = process.getuid?.() === 0;

describe('prepareImage()', { skip: !isRoot && 'needs root (cgroups)' }, () => {
  let h: Harness;
  let lookups = 0;
  before(async () => {
    h = await makeHarness();
    const store = h.images.images;
    const get = store.get.bind(store);
    // Counts the image store's lookups (the real store answers them).
    store.get = (ref: string) => {
      lookups++;
      return get(ref);
    };
  });
  after(() => h.cleanup());

  test('prepareImage() looks the image up once for concurrent starts; each gets its own copy', async () => {
    lookups = 0;
    const all = await Promise.all(
      Array.from({ length: 10 }, () =>
        prepareImage(TEST_IMAGE, 'IfNotPresent', { ...h.images, signal: new AbortController().signal }),
      ),
    );
    assert.equal(lookups, 1);
    for (const r of all) assert.deepEqual(r, all[0]);
    all[0]!.layers.push('/changed');
    assert.notDeepEqual(all[1]!.layers, all[0]!.layers, 'one start changing its copy changes no other');
    await prepareImage(TEST_IMAGE, 'Never', h.images);
    assert.equal(lookups, 2, 'a start after the shared one finished looks again');
  });

  test('prepareImage() of a start whose signal aborts rejects at once; the others still get the image', async () => {
    const gone = new AbortController();
    const first = prepareImage(TEST_IMAGE, 'IfNotPresent', { ...h.images, signal: gone.signal });
    const second = prepareImage(TEST_IMAGE, 'IfNotPresent', {
      ...h.images,
      signal: new AbortController().signal,
    });
    gone.abort(new Error('pod deleted'));
    await assert.rejects(first, /pod deleted/);
    const r = await second;
    assert.ok(r.layers.length > 0 && r.manifestDigest.startsWith('sha256:'));
  });

  test('prepareImage() of a missing image with Never still fails with ErrImageNeverPull', async () => {
    await assert.rejects(
      prepareImage('localhost/no-such-image:1', 'Never', {
        ...h.images,
        signal: new AbortController().signal,
      }),
      /ErrImageNeverPull/,
    );
  });
});
