/**
 * `hostpod rmi` without a daemon refuses an image a pod of the state root may use, as the daemon
 * does: a running container of `hostpod run` (by any name of the image: tag, id, digest), a
 * stored pod of the daemon; an ended run does not hold it.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildImage } from '../../image/build.ts';
import { parseContainerId } from '../../state/ids.ts';
import { openStateDb, type StateDb, stateDbPath } from '../../state/state-db.ts';
import { podManifest } from '../../state/testing/temp-state.ts';
import { runCliCaptured } from '../testing/run.ts';
import { openImageStores } from './images-common.ts';

const IMAGE = 'localhost/in-use:1';
let root: string;
let db: StateDb;
let digest: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'hostpod-rmi-'));
  const src = join(root, 'src');
  await mkdir(src);
  await writeFile(join(src, 'f'), 'x');
  const { content, images } = openImageStores(root);
  digest = (await buildImage(src, content, images, { tag: IMAGE, tmpDir: root })).digest;
  db = openStateDb(stateDbPath(root));
});
after(async () => {
  db.close();
  await rm(root, { recursive: true, force: true });
});

const rmi = (...args: string[]) => runCliCaptured(['rmi', '--root', root, ...args]);

test('rmi without a daemon refuses an image a running hostpod run container uses, by tag, id and digest', async () => {
  const id = parseContainerId(`c${'a'.repeat(32)}`);
  db.containers.create({
    id,
    pod: { namespace: 'default', name: 'runner' },
    owner: { pid: process.pid, startTime: '1' },
    name: 'main',
    type: 'container',
    attempt: 0,
    image: IMAGE,
    state: { running: { startedAt: new Date().toISOString() } },
  });
  for (const name of [IMAGE, digest, digest.slice(7, 19)]) {
    const r = await rmi(name);
    assert.equal(r.code, 4, `${name}: ${r.stderr}`);
    assert.match(r.stderr, /pod "default\/runner" uses it/);
  }
  db.containers.update(id, {
    state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: new Date().toISOString() } },
  });
});

test('rmi without a daemon refuses an image a stored pod of the daemon names, then removes it once the pod is gone', async () => {
  const pod = db.pods.put({
    namespace: 'kube-system',
    name: 'agent',
    manifest: podManifest('agent', IMAGE),
    source: { kind: 'apply' },
  }).pod;
  const refused = await rmi(IMAGE);
  assert.equal(refused.code, 4, refused.stderr);
  assert.match(refused.stderr, /pod "kube-system\/agent" uses it/);
  db.pods.remove(pod.uid);
  const ok = await rmi(IMAGE);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /Untagged: localhost\/in-use:1/);
});
