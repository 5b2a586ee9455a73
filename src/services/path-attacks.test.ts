/**
 * Class 2 of the hardening issue, performed for real: containers running as a local-group
 * account (ephemeral users) plant symlinks to a root-only canary in their emptyDir and their
 * workspace, one of them — and a second unprivileged user of the host, made by the test —
 * swap a directory for such a symlink as fast as they can, while hostpod (root) makes the next
 * containers' mount points, subPaths and working dirs and finally removes the pod. Nothing in
 * the canary may change and nothing may be made next to it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmod,
  copyFile,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runPod } from './pod-runner.ts';
import { type Harness, hpcPodSpecYaml, makeHarness, TEST_IMAGE } from './testing/harness.ts';
import { manifestSet } from './volumes/testing/manifest-set.ts';

const isRoot = process.getuid?.() === 0;
const SWAPPER = fileURLToPath(new URL('../../native/build/testing/swapper', import.meta.url));
const letters = () =>
  randomBytes(4)
    .toString('hex')
    .replace(/[0-9]/g, (d) => 'ghijklmnop'[Number(d)]!);

/** Every path under `dir` with what it is. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string, rel: string) => {
    const st = await lstat(p);
    if (st.isSymbolicLink()) out.push(`${rel} -> ${await readlink(p)}`);
    else if (st.isDirectory()) {
      out.push(`${rel}/ ${st.uid}:${st.gid} ${(st.mode & 0o7777).toString(8)}`);
      for (const e of (await readdir(p)).sort()) await walk(join(p, e), `${rel}/${e}`);
    } else
      out.push(`${rel} = ${await readFile(p, 'utf8')} ${st.uid}:${st.gid} ${(st.mode & 0o7777).toString(8)}`);
  };
  await walk(dir, '');
  return out;
}

describe('a container and a second user racing hostpod with symlinks', {
  skip: !isRoot && 'needs root',
}, () => {
  let h: Harness;
  let base = '';
  let canary = '';
  let swapper = '';
  const group = `hpt-${letters()}`;
  const racer = `hpt-${letters()}`;
  let second: ChildProcess | undefined;
  before(async () => {
    h = await makeHarness({ layout: 'bind' });
    base = await mkdtemp(join(tmpdir(), 'hostpod-attack-'));
    await chmod(base, 0o755);
    // Root's, closed: what an attacker would like hostpod to write into or delete.
    canary = join(base, 'canary');
    await mkdir(join(canary, 'keep'), { recursive: true, mode: 0o700 });
    await chmod(canary, 0o700);
    await writeFile(join(canary, 'secret'), 'root only', { mode: 0o600 });
    // The swapper where any account can run it (a clone may sit in a closed home directory).
    swapper = join(base, 'swapper');
    await copyFile(SWAPPER, swapper);
    await chmod(swapper, 0o755);
    assert.equal(spawnSync('groupadd', [group]).status, 0);
    assert.equal(spawnSync('useradd', ['--system', '--no-create-home', '-g', group, racer]).status, 0);
  });
  after(async () => {
    second?.kill('SIGKILL');
    await h.cleanup();
    spawnSync('userdel', [racer]);
    spawnSync('groupdel', [group]);
    await rm(base, { recursive: true, force: true });
  });

  test("mount points, subPaths, working dirs and the pod's removal never follow a planted or swapped-in symlink", async () => {
    const before = await snapshot(canary);
    const neighbours = await readdir(base);
    const uid = `u-${letters()}`;
    const runAs = `    securityContext: {windowsOptions: {runAsUserName: "${group}"}}\n`;
    const victim = (name: string, extra: string, mounts: string) =>
      `  - name: ${name}\n    image: ${TEST_IMAGE}\n    imagePullPolicy: Never\n${runAs}${extra}    volumeMounts:\n${mounts}`;
    const nested =
      '    - {name: scratch, mountPath: /data}\n    - {name: other, mountPath: /data/sub/x}\n    - {name: scratch, mountPath: /y, subPath: sub/y}\n';
    const yaml = hpcPodSpecYaml(
      'attack',
      `  initContainers:
  - name: plant
    image: ${TEST_IMAGE}
    imagePullPolicy: Never
${runAs}    command: [sh, -c, 'set -e; mkdir -p /data/sub/deep/er; for l in evil fixed wd; do ln -s ${canary} /data/$l; done; T=$CONTAINER_SANDBOX_MOUNT_POINT; ln -s ${canary} $T/evil; mkdir -p $T/tree/a; ln -s ${canary} $T/tree/a/link; ln -s ${canary}/secret $T/secret-link']
    volumeMounts:
    - {name: scratch, mountPath: /data}
  containers:
  - name: racer
    image: ${TEST_IMAGE}
    imagePullPolicy: Never
${runAs}    command: [${swapper}, '5', /data/sub, /data/evil]
    volumeMounts:
    - {name: scratch, mountPath: /data}
${Array.from({ length: 6 }, (_, i) => victim(`nested-${i}`, "    command: ['true']\n", nested)).join('')}${victim('fixed', "    command: ['true']\n", '    - {name: scratch, mountPath: /data}\n    - {name: other, mountPath: /data/fixed/x}\n')}${victim('wd', "    command: ['true']\n    workingDir: /data/wd/new\n", '    - {name: scratch, mountPath: /data}\n')}  volumes:
  - {name: scratch, emptyDir: {}}
  - {name: other, emptyDir: {}}
`,
    ).replace('name: attack', `name: attack\n  uid: ${uid}`);
    const podDir = join(h.root, 'pods', `default_attack_${uid}`);
    const pod = manifestSet(yaml).pods[0]!;
    const running = runPod(pod, { deps: h.deps, images: h.images });
    // The second user joins the race once the pod's group exists (a member of the pod's group:
    // an outsider could not even reach the volume), and goes on through the pod's removal.
    let gid = '';
    for (let i = 0; i < 300 && gid === ''; i++) {
      gid = (await readFile(join(podDir, 'group'), 'utf8').catch(() => '')).trim();
      if (gid === '') await new Promise((r) => setTimeout(r, 20));
    }
    assert.notEqual(gid, '', 'the pod group appeared');
    const vol = join(podDir, 'volumes', 'emptyDir', 'scratch');
    second = spawn(
      'setpriv',
      [
        `--reuid=${racer}`,
        `--regid=${group}`,
        `--groups=${group},${gid}`,
        '--',
        swapper,
        '12',
        join(vol, 'sub'),
        join(vol, 'evil'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let secondOut = '';
    second.stdout?.setEncoding('utf8').on('data', (s: string) => {
      secondOut += s;
    });
    second.stderr?.setEncoding('utf8').on('data', (s: string) => {
      secondOut += s;
    });
    const result = await running;
    await new Promise((r) => second!.once('close', r));

    // The race ran: both swappers made swaps.
    assert.match(secondOut, /swapped [1-9]\d* /, `the second user raced: ${secondOut}`);
    const byName = new Map(result.containers.map((c) => [c.name, c]));
    assert.equal(byName.get('plant')?.exitCode, 0, JSON.stringify(result.containers));
    // A static planted link: the mount point is made inside the volume (resolved in it), fine.
    assert.equal(byName.get('fixed')?.reason, 'Completed', JSON.stringify(byName.get('fixed')));
    // A working dir through a link to the canary: the group's user cannot make it there.
    assert.equal(byName.get('wd')?.reason, 'StartError');
    assert.match(byName.get('wd')?.message ?? '', /working directory failed: EACCES/);
    // The racing starts either worked (inside the volume) or were refused; never outside.
    for (let i = 0; i < 6; i++) {
      const c = byName.get(`nested-${i}`)!;
      assert.ok(
        c.reason === 'Completed' ||
          /EXDEV|resolves outside the volume|a bind mount failed|it does not exist/.test(c.message ?? ''),
        JSON.stringify(c),
      );
    }
    assert.deepEqual(await snapshot(canary), before, 'the canary is untouched');
    assert.deepEqual(await readdir(base), neighbours, 'nothing was made beside it');
    assert.deepEqual(await readdir(join(h.root, 'pods')).catch(() => []), [], 'the pod is gone');
  });
});
