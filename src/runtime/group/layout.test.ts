import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectCgroupLayout } from './layout.ts';

const HYBRID_MOUNTINFO = `30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const HYBRID_CGROUP = `9:name=systemd:/
8:pids:/
6:freezer:/
4:memory:/process_api/fa0a
2:cpuacct:/
1:cpu:/
0::/
`;

describe('detectCgroupLayout', () => {
  it('detectCgroupLayout() sees this kind of machine as hybrid, with our memory cgroup nested', () => {
    const layout = detectCgroupLayout(HYBRID_MOUNTINFO, HYBRID_CGROUP);
    assert.deepEqual(layout, {
      kind: 'hybrid',
      unified: { mount: '/sys/fs/cgroup/unified', own: '/' },
      controllers: {
        cpu: { mount: '/sys/fs/cgroup/cpu', own: '/' },
        cpuacct: { mount: '/sys/fs/cgroup/cpuacct', own: '/' },
        memory: { mount: '/sys/fs/cgroup/memory', own: '/process_api/fa0a' },
        freezer: { mount: '/sys/fs/cgroup/freezer', own: '/' },
        pids: { mount: '/sys/fs/cgroup/pids', own: '/' },
      },
    });
  });

  it('detectCgroupLayout() maps co-mounted cpu,cpuacct to one hierarchy and sees plain v1', () => {
    const mi = `31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory`;
    const layout = detectCgroupLayout(mi, '3:cpu,cpuacct:/a\n2:memory:/b\n');
    assert.deepEqual(layout, {
      kind: 'v1',
      controllers: {
        cpu: { mount: '/sys/fs/cgroup/cpu,cpuacct', own: '/a' },
        cpuacct: { mount: '/sys/fs/cgroup/cpu,cpuacct', own: '/a' },
        memory: { mount: '/sys/fs/cgroup/memory', own: '/b' },
      },
    });
  });

  it('detectCgroupLayout() sees pure v2, with a container-style mount root and escaped paths', () => {
    const mi = '29 23 0:26 /kubepods/pod1 /sys/fs/cgroup\\040x rw - cgroup2 cgroup2 rw,nsdelegate';
    assert.deepEqual(detectCgroupLayout(mi, '0::/kubepods/pod1/c1\n'), {
      kind: 'v2',
      unified: { mount: '/sys/fs/cgroup x', own: '/c1' },
    });
    assert.deepEqual(detectCgroupLayout(mi, '0::/\n'), {
      kind: 'v2',
      unified: { mount: '/sys/fs/cgroup x', own: '/' },
    });
  });

  it('detectCgroupLayout() says none, with the reason, without cgroup mounts', () => {
    const layout = detectCgroupLayout('22 1 0:5 / /proc rw - proc proc rw\n', '');
    assert.equal(layout.kind, 'none');
    assert.match(layout.kind === 'none' ? layout.reason : '', /no cgroup filesystem/);
    assert.equal(detectCgroupLayout('garbage\n\n1 2 3\n', 'x').kind, 'none');
  });
});
