/**
 * `runPod()` says, as data, which stage kept a pod's containers from starting: the daemon retries
 * image and volume failures and gives up on admission failures, without reading message text.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runPod } from './pod-runner.ts';
import { PodStartError } from './start-error.ts';
import { type Harness, hpcPodSpecYaml, makeHarness, podsOf, TEST_IMAGE } from './testing/harness.ts';

const isRoot = process.getuid?.() === 0;

describe('runPod() start failures', { skip: !isRoot && 'needs root (cgroups)' }, () => {
  let h: Harness;
  before(async () => {
    h = await makeHarness();
  });
  after(() => h.cleanup());

  async function failure(yaml: string): Promise<PodStartError> {
    const [pod] = podsOf(yaml);
    try {
      await runPod(pod!, { deps: h.deps, images: h.images });
    } catch (e) {
      assert.ok(e instanceof PodStartError, `not a PodStartError: ${String(e)}`);
      return e;
    }
    assert.fail('the pod started');
  }

  test('a pod for another node fails admission, with the node-fit message', async () => {
    const e = await failure(
      hpcPodSpecYaml(
        'elsewhere',
        `  nodeSelector: {kubernetes.io/os: windows}
  containers:
  - {name: c, image: ${TEST_IMAGE}, imagePullPolicy: Never, command: ["true"]}
`,
      ),
    );
    assert.equal(e.stage, 'admission');
    assert.equal(e.code, 'FailedPrecondition');
    assert.match(e.message, /does not match this node/);
  });

  test('an image that is not there with pullPolicy Never is ErrImageNeverPull at the image stage', async () => {
    const e = await failure(
      hpcPodSpecYaml(
        'noimage',
        `  containers:
  - {name: c, image: localhost/absent:1, imagePullPolicy: Never, command: ["true"]}
`,
      ),
    );
    assert.equal(e.stage, 'image');
    assert.equal(e.reason, 'ErrImageNeverPull');
    assert.match(e.hint ?? '', /hostpod image import/);
  });

  test('a registry that cannot be reached is ErrImagePull at the image stage', async () => {
    const e = await failure(
      hpcPodSpecYaml(
        'unreachable',
        `  containers:
  - {name: c, image: 127.0.0.1:1/nothing:1, imagePullPolicy: Always, command: ["true"]}
`,
      ),
    );
    assert.equal(e.stage, 'image');
    assert.equal(e.reason, 'ErrImagePull');
  });

  test('a hostPath of the wrong type fails at the volumes stage (ContainerCreating), not admission', async () => {
    const e = await failure(
      hpcPodSpecYaml(
        'badvolume',
        `  volumes:
  - {name: v, hostPath: {path: /nonexistent/hostpod-test-file, type: File}}
  containers:
  - name: c
    image: ${TEST_IMAGE}
    imagePullPolicy: Never
    command: ["true"]
    volumeMounts: [{name: v, mountPath: /data}]
`,
      ),
    );
    assert.equal(e.stage, 'volumes');
    assert.equal(e.reason, 'ContainerCreating');
  });
});
