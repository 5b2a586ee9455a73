/**
 * Volumes and env sources in real pods through `runPod` (needs root): the e2e "various volume
 * mount types" test adapted to Linux in both layouts, the bind-layout scenarios 20, 21 and 23
 * of the spec, and the sig-windows-tools DaemonSets with shell scripts for PowerShell.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Pod } from '../../api/types.ts';
import type { RuntimeDeps } from '../container-runner.ts';
import { type PodEvent, type PodResult, runPod } from '../pod-runner.ts';
import {
  containerOutput,
  type Harness,
  hpcPodSpecYaml,
  makeHarness,
  TEST_IMAGE,
} from '../testing/harness.ts';
import { manifestSet } from './testing/manifest-set.ts';

const isRoot = process.getuid?.() === 0;
const rand = () => randomBytes(5).toString('hex');

/** A HostProcess pod (SYSTEM, restartPolicy Never) with the given spec body. */
const hpcPod = hpcPodSpecYaml;

/** The Linux version of the e2e validationscript.ps1. */
const VALIDATION_SCRIPT = `#!/bin/sh
T="$CONTAINER_SANDBOX_MOUNT_POINT"
fail() { echo "FAIL: $*"; exit 1; }
check() {
  p="$1"
  [ -d "$p/etc/emptydir" ] || fail "$p/etc/emptydir is missing"
  echo "from $p" > "$p/etc/emptydir/probe" || fail "cannot write $p/etc/emptydir"
  [ "$(cat "$p/etc/configmap/text.txt")" = "Lorem ipsum dolor sit amet" ] || fail "$p/etc/configmap/text.txt"
  [ -d "$p/etc/hostpath" ] || fail "$p/etc/hostpath is missing"
  [ "$(cat "$p/etc/downwardapi/podname")" = "host-process-volume-mounts" ] || fail "$p/etc/downwardapi/podname"
  [ "$(cat "$p/etc/secret/foo.txt")" = "bar" ] || fail "$p/etc/secret/foo.txt"
}
check "\${T%/}"
if [ "$LAYOUT" = bind ]; then check ""; fi
echo "written by the container" > "$T/etc/hostpath/from-container" || fail "cannot write the hostPath volume"
host=$(tr A-Z a-z < /proc/sys/kernel/hostname)
[ "$(echo "$NODE_NAME_TEST" | tr A-Z a-z)" = "$host" ] || fail "NODE_NAME_TEST=$NODE_NAME_TEST, hostname $host"
echo SUCCESS
`;

function volumeSuite(hostPathDir: string, layout: string): string {
  const indented = VALIDATION_SCRIPT.split('\n')
    .map((l) => (l === '' ? '' : `    ${l}`))
    .join('\n');
  return `apiVersion: v1
kind: ConfigMap
metadata: {name: sample-config-map}
data:
  text: Lorem ipsum dolor sit amet
  validation-script: |
${indented}
---
apiVersion: v1
kind: Secret
metadata: {name: sample-secret}
stringData: {foo: bar}
---
${hpcPod(
  'host-process-volume-mounts',
  `  containers:
  - name: host-process-volume-mounts
    image: ${TEST_IMAGE}
    command: ["sh", "-c", "$CONTAINER_SANDBOX_MOUNT_POINT/etc/configmap/validationscript.sh"]
    env:
    - name: NODE_NAME_TEST
      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
    - {name: LAYOUT, value: ${layout}}
    volumeMounts:
    - {name: emptydir-volume, mountPath: /etc/emptydir}
    - {name: configmap-volume, mountPath: /etc/configmap}
    - {name: hostpath-volume, mountPath: /etc/hostpath}
    - {name: downwardapi-volume, mountPath: /etc/downwardapi}
    - {name: secret-volume, mountPath: /etc/secret}
  volumes:
  - name: emptydir-volume
    emptyDir: {}
  - name: configmap-volume
    configMap:
      name: sample-config-map
      items:
      - {key: text, path: text.txt}
      - {key: validation-script, path: validationscript.sh, mode: 0755}
  - name: hostpath-volume
    hostPath: {path: ${hostPathDir}, type: DirectoryOrCreate}
  - name: downwardapi-volume
    downwardAPI:
      items:
      - path: podname
        fieldRef: {fieldPath: metadata.name}
  - name: secret-volume
    secret:
      secretName: sample-secret
      items:
      - {key: foo, path: foo.txt}
`,
)}`;
}

async function run(h: Harness, yaml: string, deps: Partial<RuntimeDeps> = {}, patch?: (p: Pod) => void) {
  const { pods, objects } = manifestSet(yaml);
  const events: PodEvent[] = [];
  const results: PodResult[] = [];
  for (const pod of pods) {
    patch?.(pod);
    results.push(
      await runPod(pod, {
        deps: { ...h.deps, ...deps },
        images: h.images,
        objects,
        onEvent: (e) => events.push(e),
      }),
    );
  }
  const outputs = async (r: PodResult) =>
    Object.fromEntries(
      await Promise.all(r.containers.map(async (c) => [c.name, await containerOutput(h.root, c.id)])),
    );
  return { results, events, outputs };
}

function explain(r: PodResult): string {
  return JSON.stringify(r.containers.map((c) => [c.name, c.exitCode, c.reason, c.message]));
}

describe('pod volumes through runPod()', { skip: !isRoot && 'needs root' }, () => {
  let h: Harness;
  let scratch: string;
  before(async () => {
    h = await makeHarness();
    scratch = await mkdtemp(join(tmpdir(), 'hostpod-podvol-'));
  });
  after(async () => {
    await h.cleanup();
    await rm(scratch, { recursive: true, force: true });
  });

  for (const layout of ['bind', 'symlink'] as const) {
    test(`e2e "should support various volume mount types" (${layout} layout): the configMap script checks every volume and prints SUCCESS`, async () => {
      const hostDir = join(scratch, `hostpath-${layout}`, 'var', 'hostpath');
      const { results, outputs } = await run(h, volumeSuite(hostDir, layout), { layout });
      const r = results[0]!;
      const out = await outputs(r);
      assert.equal(r.phase, 'Succeeded', `${explain(r)} ${JSON.stringify(out)}`);
      assert.match(out['host-process-volume-mounts'] ?? '', /^SUCCESS$/m);
      // The hostPath volume is the host directory itself; the pod's own volumes are gone.
      assert.equal(readFileSync(join(hostDir, 'from-container'), 'utf8'), 'written by the container\n');
      assert.deepEqual(await readdir(join(h.root, 'pods')), []);
    });
  }

  test('scenario 20 (bind): a configMap at /etc/<random>/ is readable there while the host path is unchanged', async () => {
    const shadowed = `/etc/hostpod-test-${rand()}`;
    const fresh = `/etc/hostpod-test-${rand()}`;
    await mkdir(shadowed);
    await writeFile(join(shadowed, 'host.txt'), 'host');
    try {
      const yaml = `apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data: {text.txt: Lorem ipsum dolor sit amet}
---
${hpcPod(
  'scenario20',
  `  containers:
  - name: c
    image: ${TEST_IMAGE}
    command: ["sh", "-c", "cat ${shadowed}/text.txt ${fresh}/text.txt && ls ${shadowed} && ! test -e ${shadowed}/host.txt"]
    volumeMounts:
    - {name: cm, mountPath: ${shadowed}/}
    - {name: cm, mountPath: ${fresh}/}
  volumes:
  - name: cm
    configMap: {name: cm}
`,
)}`;
      const { results, outputs, events } = await run(h, yaml, { layout: 'bind' });
      const r = results[0]!;
      const out = (await outputs(r)).c ?? '';
      assert.equal(r.phase, 'Succeeded', `${explain(r)} ${out}`);
      assert.equal(out, `${'Lorem ipsum dolor sit amet'.repeat(2)}text.txt\n`);
      assert.deepEqual(await readdir(shadowed), ['host.txt']);
      assert.equal(existsSync(fresh), false);
      const warnings = events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
      assert.ok(
        warnings.some((w) => w.includes(`shadows the existing host directory "${shadowed}"`)),
        warnings.join('\n'),
      );
    } finally {
      await rm(shadowed, { recursive: true, force: true });
      await rm(fresh, { recursive: true, force: true });
    }
  });

  test('scenario 21 (bind): two containers mounting different host dirs at the same path each see their own', async () => {
    const data = `/hostpod-data-${rand()}`;
    const a = join(scratch, 'a');
    const b = join(scratch, 'b');
    await mkdir(a);
    await mkdir(b);
    await writeFile(join(a, 'who'), 'a');
    await writeFile(join(b, 'who'), 'b');
    const ctr = (name: string, vol: string) => `  - name: ${name}
    image: ${TEST_IMAGE}
    command: ["sh", "-c", "test \\"$(cat ${data}/who)\\" = ${name} && ls ${data} && echo ${name} > ${data}/wrote-${name}"]
    volumeMounts:
    - {name: ${vol}, mountPath: ${data}}
`;
    const yaml = hpcPod(
      'scenario21',
      `  containers:
${ctr('a', 'va')}${ctr('b', 'vb')}  volumes:
  - name: va
    hostPath: {path: ${a}, type: Directory}
  - name: vb
    hostPath: {path: ${b}, type: Directory}
`,
    );
    try {
      const { results, outputs } = await run(h, yaml, { layout: 'bind' });
      const r = results[0]!;
      const out = await outputs(r);
      assert.equal(r.phase, 'Succeeded', `${explain(r)} ${JSON.stringify(out)}`);
      assert.deepEqual(out, { a: 'who\n', b: 'who\n' });
      assert.deepEqual((await readdir(a)).sort(), ['who', 'wrote-a']);
      assert.deepEqual((await readdir(b)).sort(), ['who', 'wrote-b']);
      assert.equal(existsSync(data), false);
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });

  test('scenario 23 (bind): a readOnly volume and a configMap are not writable; a socket hostPath is refused', async () => {
    const ro = `/hostpod-ro-${rand()}`;
    const cm = `/hostpod-cm-${rand()}`;
    const yaml = `apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data: {k: v}
---
${hpcPod(
  'scenario23',
  `  containers:
  - name: c
    image: ${TEST_IMAGE}
    command: ["sh", "-c", "if touch ${ro}/x; then echo WROTE-RO; exit 1; fi; if touch $CONTAINER_SANDBOX_MOUNT_POINT${ro}/y; then echo WROTE-RO-LINK; exit 1; fi; if echo w > ${cm}/k; then echo WROTE-CM; exit 1; fi; cat ${cm}/k; echo done"]
    volumeMounts:
    - {name: scratch, mountPath: ${ro}, readOnly: true}
    - {name: cm, mountPath: ${cm}}
  volumes:
  - name: scratch
    emptyDir: {}
  - name: cm
    configMap: {name: cm}
`,
)}`;
    const { results, outputs } = await run(h, yaml, { layout: 'bind' });
    const r = results[0]!;
    const out = (await outputs(r)).c ?? '';
    assert.equal(r.phase, 'Succeeded', `${explain(r)} ${out}`);
    assert.match(out, /Read-only file system/);
    // Not through the back-compat link under the workspace either.
    assert.doesNotMatch(out, /WROTE-RO-LINK/);
    assert.match(out, /^vdone$/m);

    const sock = join(scratch, 'agent.sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      const sockPod = hpcPod(
        'sockpod',
        `  containers:
  - name: c
    image: ${TEST_IMAGE}
    command: ["true"]
    volumeMounts:
    - {name: s, mountPath: /run/agent.sock}
  volumes:
  - name: s
    hostPath: {path: ${sock}, type: Socket}
`,
      );
      await assert.rejects(
        run(h, sockPod),
        /MountVolume.SetUp failed for volume "s": unix socket mounts not supported for job containers - interact with the socket directly/,
      );
      assert.deepEqual(await readdir(join(h.root, 'pods')), []);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a missing configMap key in env fails only the start of that container with CreateContainerConfigError', async () => {
    const yaml = hpcPod(
      'envfail',
      `  containers:
  - name: c
    image: ${TEST_IMAGE}
    command: ["true"]
    env:
    - name: X
      valueFrom: {configMapKeyRef: {name: nope, key: k}}
`,
    );
    const { results } = await run(h, yaml);
    const c = results[0]!.containers[0]!;
    assert.equal(results[0]!.phase, 'Failed');
    assert.equal(c.reason, 'StartError');
    assert.match(c.message ?? '', /CreateContainerConfigError: configmap "nope" not found/);
  });
});
