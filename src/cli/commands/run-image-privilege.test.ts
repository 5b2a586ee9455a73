/**
 * Privilege from image content, attacked through the CLI as a user would meet it: an image made
 * by tools we did not write (setcap and chmod on copies of cat, packed by umoci) is imported with
 * `hostpod image import` and run by `hostpod run` as `NT AUTHORITY\Local Service`, in both
 * layouts; the container tries its setcap and setuid binaries on a root-only canary.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildPrivilegedImage, PRIVILEGED_FILES } from '../../image/testing/privileged-image.ts';
import { testCgroupParent } from '../testing/cgroup-parent.ts';
import { runCliSync } from '../testing/spawn-cli.ts';

const IS_ROOT = process.getuid?.() === 0;
const MISSING = ['setcap', 'umoci'].filter((t) => spawnSync(t, ['--help'], { stdio: 'ignore' }).error);
const IMAGE = 'localhost/test/privileged:1';
const CANARY = 'root-only canary 91c2';

function pod(name: string, canary: string): string {
  const files = Object.values(PRIVILEGED_FILES);
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  hostNetwork: true
  restartPolicy: Never
  securityContext: {windowsOptions: {hostProcess: true, runAsUserName: "NT AUTHORITY\\\\Local Service"}}
  containers:
  - name: main
    image: ${IMAGE}
    imagePullPolicy: Never
    command: [/bin/sh, -c]
    args:
    - |
      id -un
      for f in ${files.join(' ')}; do "$CONTAINER_SANDBOX_MOUNT_POINT$f" ${canary} || echo "$f refused"; done
`;
}

describe('an image cannot give a Local Service container privilege', {
  skip: (!IS_ROOT && 'needs root') || (MISSING.length > 0 && `needs ${MISSING.join(', ')}`),
}, () => {
  let work = '';
  let env: NodeJS.ProcessEnv = {};
  let canary = '';
  const cgroups = testCgroupParent();
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'hostpod-cli-priv-'));
    await chmod(work, 0o755); // Local Service must reach its workspace in the symlink layout
    env = { HOSTPOD_ROOT: join(work, 'root') };
    canary = join(work, 'canary');
    await writeFile(canary, CANARY, { mode: 0o600 });
    await buildPrivilegedImage(join(work, 'layout'), 'v1');
    const r = runCliSync(['image', 'import', join(work, 'layout'), '--tag', IMAGE], { env });
    assert.equal(r.status, 0, r.stderr);
  });
  after(async () => {
    await cgroups.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  for (const layout of ['bind', 'symlink']) {
    test(`hostpod run --layout ${layout}: the image's setcap and setuid binaries read nothing a Local Service could not`, async () => {
      await writeFile(join(work, 'pod.yaml'), pod(`priv-${layout}`, canary));
      const r = runCliSync(
        ['run', '--rm', '--layout', layout, '--cgroup-parent', cgroups.parent, '-f', join(work, 'pod.yaml')],
        { env },
      );
      const out = `${r.stdout}\n${r.stderr}`;
      assert.equal(r.status, 0, out);
      assert.ok(!out.includes(CANARY), `the canary leaked:\n${out}`);
      assert.match(r.stdout, /^hostpod-localsvc$/m);
      for (const f of Object.values(PRIVILEGED_FILES))
        assert.match(r.stdout, new RegExp(`^${f} refused$`, 'm'), out);
    });
  }
});
