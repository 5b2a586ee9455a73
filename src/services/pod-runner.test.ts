/**
 * The Kubernetes e2e HostProcess tests (spec §6), adapted to Linux, plus the runtime acceptance
 * scenarios: real processes, cgroups, mounts and users on this host (needs root).
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { instanceId } from '../lib/instance-id.ts';
import { mountTargetRegistry } from '../runtime/host-state.ts';
import { listTargetUsers } from '../runtime/sandbox/target-registry.ts';
import type { RunningContainer } from './container-runner.ts';
import { type PodEvent, runPod } from './pod-runner.ts';
import {
  containerOutput,
  type Harness,
  hpcPodYaml,
  makeHarness,
  podsOf,
  TEST_IMAGE,
} from './testing/harness.ts';

const isRoot = process.getuid?.() === 0;
const MEMHOG = join(import.meta.dirname, '../../native/build/testing/memhog');

function ctr(name: string, command: string[], extra = ''): string {
  return `  - name: ${name}\n    image: ${TEST_IMAGE}\n    command: ${JSON.stringify(command)}\n${extra}`;
}

describe('runPod() on this host', { skip: !isRoot && 'needs root' }, () => {
  let h: Harness;
  before(async () => {
    h = await makeHarness();
  });
  after(async () => {
    await h.cleanup();
  });

  test('e2e "should run as a process on the host": the hostname is the node\'s', async () => {
    const pod = podsOf(
      hpcPodYaml('host', ctr('c', ['sh', '-c', `test "$(cat /proc/sys/kernel/hostname)" = "${hostname()}"`])),
    )[0]!;
    const r = await runPod(pod, { deps: h.deps, images: h.images });
    assert.equal(r.phase, 'Succeeded', JSON.stringify(r.containers));
  });

  test('e2e "should support init containers": a file the init container writes on the host root is seen by the main container and stays', async () => {
    const file = `/testfile-hostpod-${randomBytes(6).toString('hex')}.txt`;
    try {
      const yaml = hpcPodYaml(
        'init',
        ctr('main', ['ls', file]),
        `  initContainers:\n${ctr('init', ['sh', '-c', `echo test > ${file}`])}`,
      );
      const r = await runPod(podsOf(yaml)[0]!, { deps: h.deps, images: h.images });
      assert.equal(r.phase, 'Succeeded', JSON.stringify(r.containers));
      assert.deepEqual(
        r.containers.map((c) => [c.name, c.type, c.exitCode]),
        [
          ['init', 'init_container', 0],
          ['main', 'container', 0],
        ],
      );
      assert.equal(readFileSync(file, 'utf8'), 'test\n');
    } finally {
      await rm(file, { force: true });
    }
  });

  test('e2e "container command path validation", on Linux paths: every form resolves', async () => {
    // [command, args, workingDir, expected output]
    const cases: [string[], string[] | undefined, string | undefined, string][] = [
      [['sh', '-c', 'echo host-sh'], undefined, undefined, 'host-sh'],
      [['%CONTAINER_SANDBOX_MOUNT_POINT%/bin/uname', '-o'], undefined, undefined, 'image-uname -o'],
      [['%CONTAINER_SANDBOX_MOUNT_POINT%\\bin\\uname', '-o'], undefined, undefined, 'image-uname -o'],
      [['%CONTAINER_SANDBOX_MOUNT_POINT%\\bin/uname', '-o'], undefined, undefined, 'image-uname -o'],
      [['$env:CONTAINER_SANDBOX_MOUNT_POINT/bin/uname', '-o'], undefined, undefined, 'image-uname -o'],
      [['bin/uname', '-o'], undefined, undefined, 'image-uname -o'],
      [['bin/uname', '-o'], undefined, '%CONTAINER_SANDBOX_MOUNT_POINT%', 'image-uname -o'],
      [['bin\\uname', '-o'], undefined, '$env:CONTAINER_SANDBOX_MOUNT_POINT', 'image-uname -o'],
      // A bare name resolves from the working dir first: the image's uname, not the host's.
      [['uname', '-o'], undefined, '%CONTAINER_SANDBOX_MOUNT_POINT%/bin', 'image-uname -o'],
      [['uname', '-o'], undefined, '%CONTAINER_SANDBOX_MOUNT_POINT%/bin/', 'image-uname -o'],
      [['uname', '-o'], undefined, '%CONTAINER_SANDBOX_MOUNT_POINT%\\bin\\', 'image-uname -o'],
      [['./uname', '-o'], undefined, '%CONTAINER_SANDBOX_MOUNT_POINT%/bin', 'image-uname -o'],
      [['%CONTAINER_SANDBOX_MOUNT_POINT%/bin/uname'], ['-o'], undefined, 'image-uname -o'],
      [['sh'], ['-c', 'ls $CONTAINER_SANDBOX_MOUNT_POINT/bin/uname'], undefined, '/hpc//bin/uname'],
      [['sh'], ['-c', 'cat etc/motd'], '%CONTAINER_SANDBOX_MOUNT_POINT%', 'from the image'],
      // A bare name not in the working dir nor the host's PATH: found at the workspace root, the
      // last PATH entry.
      [['tool.sh', 'x'], undefined, undefined, 'tool x'],
    ];
    const containers = cases
      .map(([command, args, wd], i) =>
        ctr(
          `c${i}`,
          command,
          `${args ? `    args: ${JSON.stringify(args)}\n` : ''}${wd ? `    workingDir: ${JSON.stringify(wd)}\n` : ''}`,
        ),
      )
      .join('');
    const r = await runPod(podsOf(hpcPodYaml('paths', containers))[0]!, { deps: h.deps, images: h.images });
    for (const [i, [command, args, wd, expected]] of cases.entries()) {
      const c = r.containers.find((x) => x.name === `c${i}`)!;
      const outText = await containerOutput(h.root, c.id);
      assert.equal(
        c.exitCode,
        0,
        `case ${i} ${JSON.stringify({ command, args, wd })}: ${c.reason} ${c.message ?? ''} ${outText}`,
      );
      assert.equal(outText.trim(), expected, `case ${i} output`);
    }
    assert.equal(r.phase, 'Succeeded');
  });

  test('an unknown binary is a start error "failed to find executable"', async () => {
    const r = await runPod(podsOf(hpcPodYaml('nobin', ctr('c', ['no-such-binary-xyz'])))[0]!, {
      deps: h.deps,
      images: h.images,
    });
    assert.equal(r.phase, 'Failed');
    assert.equal(r.containers[0]!.reason, 'StartError');
    assert.match(r.containers[0]!.message ?? '', /failed to find executable "no-such-binary-xyz"/);
  });

  test('CONTAINER_SANDBOX_MOUNT_POINT is absolute, ends in /, holds the image; PATH ends with it', async () => {
    const r = await runPod(
      podsOf(
        hpcPodYaml(
          'env',
          ctr(
            'c',
            [
              'sh',
              '-c',
              // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable, for the shell
              'echo "$CONTAINER_SANDBOX_MOUNT_POINT"; echo "$PATH"; test -x "${CONTAINER_SANDBOX_MOUNT_POINT}bin/uname"',
            ],
            '    env: [{name: PATH, value: "/usr/bin:/bin"}]\n',
          ),
        ),
      )[0]!,
      { deps: h.deps, images: h.images },
    );
    assert.equal(r.phase, 'Succeeded', JSON.stringify(r.containers));
    const [mp, path] = (await containerOutput(h.root, r.containers[0]!.id)).trim().split('\n');
    assert.equal(mp, '/hpc/');
    assert.equal(path, '/usr/bin:/bin:/hpc/');
  });

  test('e2e "should run as localgroup accounts": an ephemeral user named id[:20] in the group, removed afterwards', async () => {
    const group = `hpc-${randomBytes(4)
      .toString('hex')
      .replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]!)}`;
    try {
      const yaml = hpcPodYaml(
        'grp',
        ctr(
          'main',
          ['sh', '-c', 'id -un; id -u; id -Gn'],
          `    securityContext:\n      windowsOptions:\n        runAsUserName: ${group}\n`,
        ),
        `  initContainers:\n${ctr('init', ['groupadd', group])}`,
      );
      const r = await runPod(podsOf(yaml)[0]!, { deps: h.deps, images: h.images });
      assert.equal(r.phase, 'Succeeded', JSON.stringify(r.containers));
      const main = r.containers.find((c) => c.name === 'main')!;
      const [user, uid, groups] = (await containerOutput(h.root, main.id)).trim().split('\n');
      assert.equal(user, main.id!.slice(0, 20));
      assert.notEqual(uid, '0');
      assert.ok(groups?.split(' ').includes(group), `groups: ${groups}`);
      assert.doesNotMatch((await containerOutput(h.root, main.id)).toLowerCase(), /nt authority|root/);
      // The user is gone once the container is.
      assert.doesNotMatch(readFileSync('/etc/passwd', 'utf8'), new RegExp(`^${main.id!.slice(0, 20)}:`, 'm'));
    } finally {
      spawnSync('groupdel', [group]);
    }
  });

  test('a bad runAsUserName fails the start with the reference message', async () => {
    const yaml = hpcPodYaml(
      'baduser',
      ctr(
        'c',
        ['true'],
        '    securityContext:\n      windowsOptions:\n        runAsUserName: bad-user-name\n',
      ),
    );
    const r = await runPod(podsOf(yaml)[0]!, { deps: h.deps, images: h.images });
    assert.equal(r.containers[0]!.reason, 'StartError');
    assert.match(
      r.containers[0]!.message ?? '',
      /^failed to create user process token: failed to logon user/,
    );
  });

  test('e2e "container stats": CPU, working set and log bytes are non-zero while it runs', async () => {
    const abort = new AbortController();
    let stats: { cpu: number; ws: number; logBytes: number } | undefined;
    const onEvent = (e: PodEvent) => {
      if (e.type !== 'started') return;
      const c: RunningContainer = e.container;
      void (async () => {
        for (let i = 0; i < 50 && !stats; i++) {
          await new Promise((res) => setTimeout(res, 100));
          const s = await c.task.group.stats();
          const logBytes = (await stat(c.logPath).catch(() => ({ size: 0 }))).size;
          if (s.cpuUsageNs > 0 && s.memoryWorkingSetBytes > 0 && logBytes > 0) {
            stats = { cpu: s.cpuUsageNs, ws: s.memoryWorkingSetBytes, logBytes };
          }
        }
        abort.abort();
      })();
    };
    const yaml = hpcPodYaml(
      'stats',
      ctr('c', ['sh', '-c', 'echo Hello; i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; sleep 600']),
    );
    const r = await runPod(podsOf(yaml)[0]!, {
      deps: h.deps,
      images: h.images,
      signal: abort.signal,
      onEvent,
    });
    assert.ok(stats, 'no non-zero stats seen');
    assert.ok(stats.cpu > 0 && stats.ws > 0 && stats.logBytes > 0);
    assert.equal(r.interrupted, true);
  });

  test('a setsid double-forked daemon is gone after its container ends', async () => {
    const pidFile = join(h.root, `daemon-${randomBytes(4).toString('hex')}.pid`);
    const yaml = hpcPodYaml(
      'daemon',
      ctr('c', ['sh', '-c', `setsid sh -c 'sleep 300 & echo $! > ${pidFile}' ; sleep 0.3`]),
    );
    const r = await runPod(podsOf(yaml)[0]!, { deps: h.deps, images: h.images });
    assert.equal(r.phase, 'Succeeded', JSON.stringify(r.containers));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(pid > 0);
    assert.equal(existsSync(`/proc/${pid}`), false, `daemon ${pid} survived its container`);
  });

  test('a 64Mi job cannot hold two 40Mi processes (OOMKilled); 256Mi can', {
    skip: !existsSync(MEMHOG) && 'memhog not built',
  }, async () => {
    // Two hogs of 40 MiB each; wait (up to 10 s) until both hold their memory or one is gone.
    const hogScript = [
      `d=$(mktemp -d); ${MEMHOG} 40 > $d/a & a=$!; ${MEMHOG} 40 > $d/b & b=$!; i=0`,
      'while [ $i -lt 200 ]; do grep -q held $d/a && grep -q held $d/b && break',
      'kill -0 $a 2>/dev/null && kill -0 $b 2>/dev/null || break; sleep 0.05; i=$((i+1)); done',
      'cat $d/a $d/b; kill $a $b 2>/dev/null; wait; rm -r $d; exit 0',
    ].join('; ');
    const hog = (limit: string) =>
      hpcPodYaml(
        `oom-${limit.toLowerCase()}`,
        ctr('c', ['sh', '-c', hogScript], `    resources:\n      limits:\n        memory: ${limit}\n`),
      );
    const small = await runPod(podsOf(hog('64Mi'))[0]!, { deps: h.deps, images: h.images });
    // The kernel kills a hog; the container reports OOMKilled when its exit is non-zero, and the
    // OOM kill is counted either way.
    const out = await containerOutput(h.root, small.containers[0]!.id);
    assert.ok((out.match(/held 40/g) ?? []).length < 2, `both hogs held their memory under 64Mi: ${out}`);
    const big = await runPod(podsOf(hog('256Mi'))[0]!, { deps: h.deps, images: h.images });
    const outBig = await containerOutput(h.root, big.containers[0]!.id);
    assert.equal((outBig.match(/held 40/g) ?? []).length, 2, outBig);
    assert.equal(big.phase, 'Succeeded');
  });

  test('an OOM kill of the first process is reported as OOMKilled', {
    skip: !existsSync(MEMHOG) && 'memhog not built',
  }, async () => {
    const yaml = hpcPodYaml(
      'oomkilled',
      ctr('c', [MEMHOG, '100'], '    resources:\n      limits:\n        memory: 64Mi\n'),
    );
    const r = await runPod(podsOf(yaml)[0]!, { deps: h.deps, images: h.images });
    assert.equal(r.containers[0]!.reason, 'OOMKilled', JSON.stringify(r.containers[0]));
    assert.equal(r.containers[0]!.exitCode, 137);
  });

  test('a process ignoring SIGTERM is killed at the grace period (exit 137)', async () => {
    const abort = new AbortController();
    const yaml = hpcPodYaml('stubborn', ctr('c', ['sh', '-c', 'trap "" TERM; while :; do sleep 0.1; done']));
    let t0 = 0;
    const r = await runPod(podsOf(yaml)[0]!, {
      deps: h.deps,
      images: h.images,
      signal: abort.signal,
      onEvent: (e) => {
        if (e.type !== 'started') return;
        setTimeout(() => {
          t0 = Date.now();
          abort.abort();
        }, 200);
      },
    });
    const took = Date.now() - t0;
    assert.equal(r.containers[0]!.exitCode, 137);
    assert.ok(took >= 1900 && took < 8000, `stopped after ${took} ms, grace is 2 s`);
  });

  test('the init exiting 3 while a child runs: exit code 3, the child is gone', async () => {
    const pidFile = join(h.root, `child-${randomBytes(4).toString('hex')}.pid`);
    const yaml = hpcPodYaml(
      'exit3',
      ctr('c', ['sh', '-c', `sh -c 'trap "" TERM; sleep 300' & echo $! > ${pidFile}; exit 3`]),
    );
    const r = await runPod(podsOf(yaml)[0]!, { deps: h.deps, images: h.images });
    assert.equal(r.containers[0]!.exitCode, 3);
    assert.equal(r.containers[0]!.reason, 'Error');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.equal(existsSync(`/proc/${pid}`), false);
  });

  test('nothing is left behind: no workspace, no job, no mount', async () => {
    const sandboxes = await readdir(join(h.root, 'sandboxes')).catch(() => [] as string[]);
    assert.deepEqual(
      sandboxes.filter((e) => !e.startsWith('.')),
      [],
    );
    const mine = (await listTargetUsers(mountTargetRegistry())).flatMap((t) =>
      t.users.filter((u) => u.startsWith(`${instanceId(h.root)}-`)),
    );
    assert.deepEqual(mine, [], 'no mount target is still registered by this state root');
    assert.deepEqual(await h.deps.groups.listOrphans([]), []);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    assert.doesNotMatch(mounts, new RegExp(h.root.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
  });
});
