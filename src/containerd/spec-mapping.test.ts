import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCgroupsPath } from './cgroups-path.ts';
import { parseSpec } from './oci-spec.ts';
import { mapSpecMounts } from './spec-mounts.ts';

test('parseCgroupsPath() places jobs as the kubelet and containerd write cgroupsPath', () => {
  assert.deepEqual(parseCgroupsPath('/kubepods/besteffort/pod1a2b/abc', 'k8s.io', 'abc'), {
    parent: '/kubepods/besteffort/pod1a2b',
    id: 'abc',
  });
  assert.deepEqual(
    parseCgroupsPath('kubepods-besteffort-pod1a2b.slice:cri-containerd:abc', 'k8s.io', 'abc'),
    {
      parent: '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1a2b.slice',
      id: 'cri-containerd-abc.scope',
    },
  );
  assert.deepEqual(parseCgroupsPath('-.slice:p:x', 'n', 'x'), { parent: '/', id: 'p-x.scope' });
  assert.deepEqual(parseCgroupsPath('', 'default', 't1'), { parent: '/default', id: 't1' });
  for (const bad of [
    'relative/path',
    '/only',
    '/a/../b',
    'a:b',
    'bad.slice.x:p:n',
    'a--b.slice:p:n',
    '/a/b c',
  ])
    assert.throws(() => parseCgroupsPath(bad, 'n', 'x'), { code: 'InvalidArgument' }, bad);
});

test("mapSpecMounts() keeps the kubelet's binds, skips the host's own, refuses covering the host", () => {
  const m = (destination: string, type: string, source: string, options: string[]) => ({
    destination,
    type,
    source,
    options,
  });
  const { volumes, skipped } = mapSpecMounts([
    m('/proc', 'proc', 'proc', ['nosuid']),
    m('/dev', 'tmpfs', 'tmpfs', []),
    m('/sys/fs/cgroup', 'cgroup', 'cgroup', ['ro']),
    m('/dev/shm', 'bind', '/run/containerd/sandboxes/x/shm', ['rbind', 'ro']),
    m('/etc/hosts', 'bind', '/var/lib/containerd/sandboxes/x/hosts', ['rbind', 'rprivate', 'rw']),
    m('/etc/hostname', 'bind', '/var/lib/containerd/sandboxes/x/hostname', ['rbind', 'rprivate', 'rw']),
    m('/etc/resolv.conf', 'bind', '/var/lib/containerd/sandboxes/x/resolv.conf', ['rbind', 'rprivate', 'rw']),
    m('/dev/termination-log', 'bind', '/var/lib/kubelet/pods/u/containers/c/t', ['rbind', 'rprivate', 'rw']),
    m('/var/run/secrets/kubernetes.io/serviceaccount', 'bind', '/var/lib/kubelet/pods/u/volumes/t', [
      'rbind',
      'rslave',
      'ro',
    ]),
    m('/data/', 'bind', '/srv/data', ['rbind', 'rshared', 'rw']),
  ]);
  assert.deepEqual(
    volumes.map((v) => [v.mountPath, v.readOnly, v.propagation]),
    [
      ['/etc/resolv.conf', false, 'private'],
      ['/dev/termination-log', false, 'private'],
      ['/var/run/secrets/kubernetes.io/serviceaccount', true, 'slave'],
      ['/data', false, 'shared'],
    ],
  );
  assert.equal(skipped.length, 6);
  for (const [dest, type] of [
    ['/', 'bind'],
    ['/proc', 'bind'],
    ['/proc/sys', 'bind'],
    ['/sys', 'bind'],
    ['/dev', 'bind'],
    ['/scratch', 'tmpfs'],
    ['/x', 'overlay'],
    ['relative', 'bind'],
  ] as const)
    assert.throws(
      () => mapSpecMounts([m(dest, type, '/src', type === 'bind' ? ['rbind'] : [])]),
      { code: 'InvalidArgument' },
      dest,
    );
});

test('parseSpec() names the field a hostile or broken config.json gets wrong', () => {
  const base = { process: { args: ['sh'], user: { uid: 0, gid: 0 } } };
  assert.equal(parseSpec(base).process.cwd, '/');
  const bad: [unknown, RegExp][] = [
    [[], /config\.json is not a JSON object/],
    [{}, /process is missing/],
    [{ process: { args: [] } }, /process\.args is empty/],
    [{ process: { args: ['sh'], user: { uid: -1 } } }, /process\.user\.uid must be an integer/],
    [{ process: { args: ['sh'], oomScoreAdj: -1001 } }, /process\.oomScoreAdj/],
    [{ ...base, mounts: [{ destination: 5 }] }, /mounts\[0\]\.destination must be a string/],
    [
      { ...base, linux: { resources: { memory: { limit: 'x' } } } },
      /linux\.resources\.memory\.limit must be a number/,
    ],
  ];
  for (const [spec, re] of bad)
    assert.throws(
      () => parseSpec(spec),
      (e: Error & { code?: string }) => e.code === 'InvalidArgument' && re.test(e.message),
    );
});
