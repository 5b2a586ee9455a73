import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { isRuntimeError } from '../errors.ts';
import { mountsUnder } from '../runtime/sandbox/mountinfo.ts';
import { EPHEMERAL_ID_RANGE } from '../runtime/users/id-allocator.ts';
import type { Allocatable } from './env.ts';
import type { NodeInfo } from './node.ts';
import { manifestSet } from './volumes/testing/manifest-set.ts';
import { prepareVolumes, removeStalePodVolumes, type VolumeContext } from './volumes.ts';

const isRoot = process.getuid?.() === 0;
const node: NodeInfo = { name: 'node-a', ip: '10.0.0.7', labels: {} };
const allocatable: Allocatable = {
  cpuMilli: 2000n,
  memoryBytes: 4n << 30n,
  ephemeralStorageBytes: 10n << 30n,
};

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'hostpod-vol-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const OBJECTS = `
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data:
  text: Lorem ipsum dolor sit amet
  other: o
binaryData:
  blob: AAEC/w==
---
apiVersion: v1
kind: Secret
metadata: {name: sec}
data:
  foo: YmFy
`;

/** The pod's container runs as Local Service unless told: its volumes then get a pod group. */
function pod(
  volumes: string,
  mounts: string,
  extra = '',
  more = '',
  account = 'NT AUTHORITY\\\\LOCAL SERVICE',
): string {
  return `${OBJECTS}---
apiVersion: v1
kind: Pod
metadata:
  name: vp
  namespace: default
  uid: 0b1c-22
  labels: {app: web, tier: a.b}
  annotations: {note: "multi\\nline", q: "say \\"hi\\""}
spec:
  hostNetwork: true
  securityContext:
    windowsOptions: {hostProcess: true, runAsUserName: "NT AUTHORITY\\\\SYSTEM"}
  containers:
  - name: c
    image: img
    securityContext:
      windowsOptions: {runAsUserName: "${account}"}
    resources:
      limits: {cpu: 500m, memory: 64Mi}
${extra}    volumeMounts:
${mounts}${more}  volumes:
${volumes}`;
}

async function prepare(
  yaml: string,
  ctx: Partial<Pick<VolumeContext, 'serviceAccountTokenFile' | 'owner'>> = {},
) {
  const { pods, objects } = manifestSet(yaml);
  return prepareVolumes(pods[0]!, { root, node, objects, allocatable, ...ctx });
}

test('prepareVolumes() writes configMap, secret, downwardAPI and projected files the kubelet way, read-only mounts', async () => {
  const token = join(root, 'token');
  await writeFile(token, 'tok-123');
  const v = await prepare(
    pod(
      `  - name: cm
    configMap:
      name: cfg
      items:
      - {key: text, path: text.txt}
      - {key: other, path: sub/other.sh, mode: 0755}
  - name: all
    configMap: {name: cfg, defaultMode: 0600}
  - name: sec
    secret: {secretName: sec, items: [{key: foo, path: foo.txt}]}
  - name: dw
    downwardAPI:
      items:
      - path: podname
        fieldRef: {fieldPath: metadata.name}
      - path: labels
        fieldRef: {fieldPath: metadata.labels}
      - path: annotations
        fieldRef: {fieldPath: metadata.annotations}
      - path: uid
        fieldRef: {fieldPath: metadata.uid}
      - path: cpu
        resourceFieldRef: {containerName: c, resource: limits.cpu, divisor: 1m}
      - path: mem
        resourceFieldRef: {containerName: c, resource: limits.memory, divisor: 1Mi}
  - name: pj
    projected:
      sources:
      - configMap: {name: cfg, items: [{key: text, path: cm/text}]}
      - secret: {name: sec}
      - downwardAPI: {items: [{path: ns, fieldRef: {fieldPath: metadata.namespace}}]}
      - serviceAccountToken: {path: token}
`,
      `    - {name: cm, mountPath: /etc/configmap}
    - {name: sec, mountPath: /etc/secret}
    - {name: dw, mountPath: /etc/downwardapi}
    - {name: pj, mountPath: /var/run/secrets/kubernetes.io/serviceaccount}
    - {name: all, mountPath: /etc/all.txt, subPath: text}
`,
    ),
    { serviceAccountTokenFile: token },
  );
  try {
    assert.match(v.dir, /\/pods\/default_vp_0b1c-22$/);
    const m = v.mountsFor('c');
    assert.deepEqual(
      m.map((x) => [x.mountPath, x.readOnly]),
      [
        ['/etc/configmap', true],
        ['/etc/secret', true],
        ['/etc/downwardapi', true],
        ['/var/run/secrets/kubernetes.io/serviceaccount', true],
        ['/etc/all.txt', true],
      ],
    );
    const [cm, sec, dw, pj, all] = m.map((x) => x.hostPath) as [string, string, string, string, string];
    assert.equal(cm, join(v.dir, 'volumes/configMap/cm'));
    assert.equal(await readFile(join(cm, 'text.txt'), 'utf8'), 'Lorem ipsum dolor sit amet');
    assert.equal((await stat(join(cm, 'sub/other.sh'))).mode & 0o777, 0o755);
    assert.deepEqual((await readdir(cm)).filter((e) => !e.startsWith('..')).sort(), ['sub', 'text.txt']);
    // A subPath file mount: the file itself (resolved through the key link).
    assert.match(all, /\/volumes\/configMap\/all\/\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+\/text$/);
    // The pod's group reads API data, as the kubelet's fsGroup: group read added.
    assert.equal((await stat(all)).mode & 0o777, 0o640);
    assert.equal((await stat(all)).gid, v.gid);
    assert.deepEqual([...(await readFile(join(v.dir, 'volumes/configMap/all/blob')))], [0, 1, 2, 255]);
    assert.equal(await readFile(join(sec, 'foo.txt'), 'utf8'), 'bar');
    // Secret data: root and the pod's group (its containers' accounts) only, nothing for others.
    assert.ok(v.gid !== undefined && v.gid >= EPHEMERAL_ID_RANGE.first, `pod group ${v.gid}`);
    for (const p of [sec, join(sec, '..data/'), join(sec, 'foo.txt')]) {
      const st = await stat(p);
      assert.equal(st.gid, v.gid, p);
      assert.equal(st.mode & 0o007, 0, `${p}: nothing for others`);
    }
    assert.equal((await stat(sec)).mode & 0o777, 0o750);
    assert.equal((await stat(join(sec, 'foo.txt'))).mode & 0o777, 0o640);
    // A projected volume with a secret or token source is Secret data too.
    for (const f of ['foo', 'token', 'cm/text']) {
      const st = await stat(join(pj, f));
      assert.equal(st.mode & 0o007, 0, `${f}: nothing for others`);
      assert.equal(st.gid, v.gid);
    }
    assert.match(readFileSync('/etc/group', 'utf8'), new RegExp(`^hp[0-9a-f]{12}-${v.gid}:x:${v.gid}:`, 'm'));
    assert.equal(await readFile(join(dw, 'podname'), 'utf8'), 'vp');
    assert.equal(await readFile(join(dw, 'labels'), 'utf8'), 'app="web"\ntier="a.b"');
    assert.equal(await readFile(join(dw, 'annotations'), 'utf8'), 'note="multi\\nline"\nq="say \\"hi\\""');
    assert.equal(await readFile(join(dw, 'uid'), 'utf8'), '0b1c-22');
    assert.equal(await readFile(join(dw, 'cpu'), 'utf8'), '500');
    assert.equal(await readFile(join(dw, 'mem'), 'utf8'), '64');
    assert.equal(await readFile(join(pj, 'cm/text'), 'utf8'), 'Lorem ipsum dolor sit amet');
    assert.equal(await readFile(join(pj, 'foo'), 'utf8'), 'bar');
    assert.equal(await readFile(join(pj, 'ns'), 'utf8'), 'default');
    assert.equal(await readFile(join(pj, 'token'), 'utf8'), 'tok-123');
    assert.deepEqual(v.warnings, []);
  } finally {
    await v.cleanup();
  }
  assert.equal(existsSync(v.dir), false);
  await v.cleanup(); // idempotent
});

test('prepareVolumes() leaves a projected token out with a warning when none is configured; optional objects give empty volumes', async () => {
  const v = await prepare(
    pod(
      `  - name: pj
    projected:
      sources:
      - serviceAccountToken: {path: token}
      - configMap: {name: nope, optional: true}
  - name: opt
    configMap: {name: nope, optional: true}
  - name: optkey
    secret: {secretName: sec, optional: true, items: [{key: nokey, path: x}, {key: foo, path: y.txt}]}
`,
      `    - {name: pj, mountPath: /pj}
    - {name: opt, mountPath: /opt1}
    - {name: optkey, mountPath: /opt2}
`,
    ),
  );
  try {
    assert.equal(v.warnings.length, 1);
    assert.match(
      v.warnings[0]!,
      /projected volume "pj": no service account token is configured: "token" is left out/,
    );
    const [pj, opt, optkey] = v.mountsFor('c').map((m) => m.hostPath) as [string, string, string];
    assert.deepEqual(
      (await readdir(pj)).filter((e) => !e.startsWith('..')),
      [],
    );
    assert.deepEqual(
      (await readdir(opt)).filter((e) => !e.startsWith('..')),
      [],
    );
    assert.deepEqual(
      (await readdir(optkey)).filter((e) => !e.startsWith('..')),
      ['y.txt'],
    );
  } finally {
    await v.cleanup();
  }
});

test('prepareVolumes() fails with the kubelet message for a missing object or key, leaving nothing behind', async () => {
  const cases: [string, string, string][] = [
    ['configMap: {name: nope}', 'NotFound-ish', 'configmap "nope" not found'],
    [
      'configMap: {name: cfg, items: [{key: nokey, path: x}]}',
      '',
      'configmap references non-existent config key: nokey',
    ],
    ['secret: {secretName: nope}', '', 'secret "nope" not found'],
    [
      'secret: {secretName: sec, items: [{key: nokey, path: x}]}',
      '',
      'references non-existent secret key: nokey',
    ],
  ];
  for (const [source, , message] of cases) {
    const before = existsSync(join(root, 'pods')) ? await readdir(join(root, 'pods')) : [];
    await assert.rejects(
      prepare(pod(`  - name: bad\n    ${source}\n`, '    - {name: bad, mountPath: /x}\n')),
      (e: unknown) =>
        isRuntimeError(e, 'FailedPrecondition') &&
        e.message === `Cannot run pod "vp": MountVolume.SetUp failed for volume "bad": ${message}`,
      message,
    );
    assert.deepEqual(await readdir(join(root, 'pods')), before);
  }
});

test('prepareVolumes() refuses persistentVolumeClaim and other sources as NotImplemented', async () => {
  await assert.rejects(
    prepare(
      pod(
        '  - name: data\n    persistentVolumeClaim: {claimName: c}\n',
        '    - {name: data, mountPath: /d}\n',
      ),
    ),
    (e: unknown) =>
      isRuntimeError(e, 'NotImplemented') &&
      /volume "data" is a persistentVolumeClaim volume/.test(e.message),
  );
  await assert.rejects(
    prepare(pod('  - name: data\n    nfs: {server: s, path: /p}\n', '    - {name: data, mountPath: /d}\n')),
    (e: unknown) => isRuntimeError(e, 'NotImplemented') && /is a nfs volume/.test(e.message),
  );
});

test("prepareVolumes() emptyDir on disk is a 2770 directory of the pod's group; subPathExpr expands the container env and is created in the volume", async () => {
  const v = await prepare(
    pod(
      '  - name: scratch\n    emptyDir: {sizeLimit: 1Gi}\n',
      `    - {name: scratch, mountPath: /scratch}
    - {name: scratch, mountPath: /mine, subPathExpr: "pods/$(POD_NAME)"}
    - {name: scratch, mountPath: /ro, readOnly: true}
`,
      `    env:
    - name: POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
`,
    ),
  );
  try {
    const [scratch, mine, ro] = v.mountsFor('c');
    // Writable by the pod's group (setgid: what its containers make stays the pod's), nobody else.
    assert.equal((await stat(scratch!.hostPath)).mode & 0o7777, 0o2770);
    assert.equal((await stat(scratch!.hostPath)).gid, v.gid);
    assert.equal(mine!.hostPath, join(scratch!.hostPath, 'pods/vp'));
    assert.ok((await stat(mine!.hostPath)).isDirectory());
    assert.deepEqual([ro!.readOnly, scratch!.readOnly], [true, false]);
    assert.match(v.warnings.join('\n'), /emptyDir volume "scratch": sizeLimit 1Gi is not enforced on disk/);
    assert.deepEqual(v.mountsFor('unknown'), []);
  } finally {
    await v.cleanup();
  }
});

test('prepareVolumes() a subPath through a symlink out of the volume fails that container', async () => {
  const hostDir = await mkdtemp(join(tmpdir(), 'hostpod-vol-hp-'));
  try {
    const { symlink } = await import('node:fs/promises');
    await symlink('/etc', join(hostDir, 'link'));
    const v = await prepare(
      pod(
        `  - name: h\n    hostPath: {path: ${hostDir}, type: Directory}\n`,
        '    - {name: h, mountPath: /ok}\n',
        '',
        `  - name: bad
    image: img
    volumeMounts:
    - {name: h, mountPath: /x, subPath: link/shadow}
`,
      ),
    );
    try {
      assert.equal(v.mountsFor('c')[0]!.hostPath, hostDir);
      assert.throws(
        () => v.mountsFor('bad'),
        (e: unknown) =>
          isRuntimeError(e, 'InvalidArgument') &&
          /failed to prepare subPath for volumeMount "h" of container "bad": subPath "link\/shadow" resolves outside the volume/.test(
            e.message,
          ),
      );
      assert.equal(existsSync('/etc/shadow/'), false);
    } finally {
      await v.cleanup();
    }
    // cleanup never touches a hostPath volume
    assert.ok(existsSync(hostDir));
  } finally {
    await rm(hostDir, { recursive: true, force: true });
  }
});

test('prepareVolumes() medium Memory is a tmpfs of sizeLimit, unmounted at cleanup', {
  skip: !isRoot && 'needs root',
}, async () => {
  const v = await prepare(
    pod(
      '  - name: mem\n    emptyDir: {medium: Memory, sizeLimit: 8Mi}\n  - name: mem2\n    emptyDir: {medium: Memory}\n',
      '    - {name: mem, mountPath: /mem}\n    - {name: mem2, mountPath: /mem2}\n',
    ),
  );
  const [mem, mem2] = v.mountsFor('c').map((m) => m.hostPath) as [string, string];
  try {
    const mounts = await mountsUnder(v.dir);
    assert.deepEqual(mounts.map((m) => [m.mountPoint, m.fsType]).sort(), [
      [mem, 'tmpfs'],
      [mem2, 'tmpfs'],
    ]);
    const fs = await statfs(mem);
    assert.equal(fs.blocks * fs.bsize, 8 * 1024 * 1024);
    // No sizeLimit: the pod's memory limit (every container has one).
    const fs2 = await statfs(mem2);
    assert.equal(fs2.blocks * fs2.bsize, 64 * 1024 * 1024);
    assert.equal((await stat(mem)).mode & 0o7777, 0o2770);
    assert.equal((await stat(mem)).gid, v.gid);
  } finally {
    await v.cleanup();
  }
  assert.doesNotMatch(readFileSync('/etc/group', 'utf8'), new RegExp(`:${v.gid}:`), 'the pod group is gone');
  assert.deepEqual(await mountsUnder(v.dir), []);
  assert.equal(existsSync(v.dir), false);
});

test('prepareVolumes() reports envFrom keys skipped as invalid env names among its warnings', async () => {
  const v = await prepare(
    `${pod(
      '  - name: e\n    emptyDir: {}\n',
      '    - {name: e, mountPath: /e}\n',
      '    envFrom:\n    - {configMapRef: {name: odd}, prefix: P_}\n',
    )}---
apiVersion: v1
kind: ConfigMap
metadata: {name: odd}
data: {ok: "1", "a=b": "2"}
`,
  );
  try {
    assert.deepEqual(v.warnings, [
      'container "c": InvalidEnvironmentVariableNames: Keys [P_a=b] from the EnvFrom configMap default/odd were skipped since they are considered invalid environment variable names.',
    ]);
  } finally {
    await v.cleanup();
  }
});

test('removeStalePodVolumes() removes the volumes of a dead owner (unmounting its tmpfs) and keeps a live one', async () => {
  const memory = isRoot ? '{medium: Memory, sizeLimit: 1Mi}' : '{}';
  const yaml = pod(`  - name: mem\n    emptyDir: ${memory}\n`, '    - {name: mem, mountPath: /mem}\n');
  // A dead owner: this process's pid with another start time (a reused pid).
  const dead = await prepare(yaml, { owner: { pid: process.pid, startTime: 'gone' } });
  const live = await prepare(yaml.replace('uid: 0b1c-22', 'uid: 0b1c-23')).catch(async (e) => {
    await dead.cleanup();
    throw e;
  });
  try {
    const r = await removeStalePodVolumes(root);
    assert.deepEqual(r, { removed: [basename(dead.dir)], problems: [] });
    assert.equal(existsSync(dead.dir), false);
    assert.deepEqual(await mountsUnder(dead.dir), []);
    assert.ok(existsSync(join(live.mountsFor('c')[0]!.hostPath)));
  } finally {
    await dead.cleanup().catch(() => {});
    await live.cleanup();
  }
});

test('prepareVolumes() of a pod whose containers all run as SYSTEM makes no host group: root owns its volumes', {
  skip: !isRoot && 'needs root',
}, async () => {
  const groupsBefore = readFileSync('/etc/group', 'utf8');
  const v = await prepare(
    pod(
      '  - name: scratch\n    emptyDir: {}\n',
      '    - {name: scratch, mountPath: /scratch}\n',
      '',
      '',
      'NT AUTHORITY\\\\SYSTEM',
    ),
  );
  try {
    assert.equal(v.gid, 0, "root's own group");
    assert.equal(readFileSync('/etc/group', 'utf8'), groupsBefore, 'no group made');
    const scratch = v.mountsFor('c')[0]!.hostPath;
    const st = await stat(scratch);
    assert.equal(st.gid, 0);
    assert.equal(st.mode & 0o007, 0, 'nothing for others');
  } finally {
    await v.cleanup();
  }
  assert.equal(readFileSync('/etc/group', 'utf8'), groupsBefore);
});
