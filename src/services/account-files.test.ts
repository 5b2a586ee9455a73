/**
 * Accounts' own files (issue 11 class 4, issue 13): a container running as Local Service reads
 * its own Secret and ConfigMap volumes and writes its emptyDir and workspace — in both layouts —
 * while a container of another pod running as Network Service or as a group account cannot
 * read that Secret, and a local unprivileged user can read nothing under the state root.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstatSync, readdirSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HOST_STATE_DIR } from '../runtime/host-state.ts';
import { runPod } from './pod-runner.ts';
import { containerOutput, type Harness, hpcPodSpecYaml, makeHarness, TEST_IMAGE } from './testing/harness.ts';
import { manifestSet } from './volumes/testing/manifest-set.ts';

const isRoot = process.getuid?.() === 0;
const rand = () =>
  randomBytes(4)
    .toString('hex')
    .replace(/[0-9]/g, (d) => 'ghijklmnop'[Number(d)]!);

/** Every path under `dir` (not following links). */
function walk(dir: string): string[] {
  const out = [dir];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(dir, n);
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** What `uid` can open among `paths`: directories it can list, files it can read. */
function readableBy(uid: number, gid: number, paths: string[]): string[] {
  const script = `
    const fs = require('node:fs');
    const ok = [];
    for (const p of JSON.parse(require('node:fs').readFileSync(0, 'utf8'))) {
      try {
        const st = fs.lstatSync(p);
        if (st.isSymbolicLink()) continue;
        if (st.isDirectory()) fs.readdirSync(p); else fs.closeSync(fs.openSync(p, 'r'));
        ok.push(p);
      } catch {}
    }
    process.stdout.write(JSON.stringify(ok));`;
  const r = spawnSync(process.execPath, ['-e', script], {
    uid,
    gid,
    input: JSON.stringify(paths),
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as string[];
}

for (const layout of ['bind', 'symlink'] as const) {
  describe(`accounts' own files (${layout} layout)`, { skip: !isRoot && 'needs root' }, () => {
    let h: Harness;
    let gate = '';
    const group = `hpt-${rand()}`;
    const stranger = `hpt-${rand()}`;
    before(async () => {
      h = await makeHarness({ layout });
      gate = await mkdtemp(join(tmpdir(), 'hostpod-af-'));
      await chmod(gate, 0o755);
      spawnSync('groupadd', [group]);
      spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', stranger]);
    });
    after(async () => {
      await h.cleanup();
      await rm(gate, { recursive: true, force: true });
      spawnSync('userdel', [stranger]);
      spawnSync('groupdel', [stranger]);
      spawnSync('groupdel', [group]);
    });

    test('Local Service reads its Secret and ConfigMap and writes its emptyDir and workspace; Network Service, a group account and a local user read nothing of it', async () => {
      const uid = `u-${rand()}`;
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable, expanded in the container
      const T = '${CONTAINER_SANDBOX_MOUNT_POINT}';
      // The bind layout mounts at mountPath; the symlink layout links under the workspace.
      const at = (p: string) => (layout === 'bind' ? p : `${T}${p}`);
      const mine = hpcPodSpecYaml(
        'mine',
        `  containers:
  - name: c
    image: ${TEST_IMAGE}
    imagePullPolicy: Never
    securityContext: {windowsOptions: {runAsUserName: "NT AUTHORITY\\\\Local Service"}}
    command: [sh, -c, 'id -un; cat ${at('/etc/secret/foo')}; echo; cat ${at('/etc/cm/text')}; echo; echo w > ${at('/data/x')} && cat ${at('/data/x')}; touch ${T}own && echo ws-ok; echo READY; while [ ! -e ${gate}/done ]; do sleep 0.1; done']
    volumeMounts:
    - {name: s, mountPath: /etc/secret}
    - {name: cm, mountPath: /etc/cm}
    - {name: d, mountPath: /data}
  volumes:
  - {name: s, secret: {secretName: sec}}
  - {name: cm, configMap: {name: cfg}}
  - {name: d, emptyDir: {}}
---
apiVersion: v1
kind: Secret
metadata: {name: sec}
stringData: {foo: bar}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {text: lorem}
`,
      ).replace('name: mine', `name: mine\n  uid: ${uid}`);
      const set = manifestSet(mine);
      const running = runPod(set.pods[0]!, { deps: h.deps, images: h.images, objects: set.objects });
      let out = '';
      for (let i = 0; i < 300 && !out.includes('READY'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        const rec = h.db.containers.listByPodName('default', 'mine')[0];
        out = await containerOutput(h.root, rec?.id);
      }
      try {
        // The Local Service account (1900000019 when hostpod made it; an existing one is kept).
        assert.equal(out, 'hostpod-localsvc\nbar\nlorem\nw\nws-ok\nREADY\n', out);
        const secretFile = join(h.root, 'pods', `default_mine_${uid}`, 'volumes', 'secret', 's', 'foo');
        // Another pod's containers, as other accounts, cannot read it (nor list the pod).
        for (const runAs of ['NT AUTHORITY\\\\Network Service', group]) {
          const yaml = hpcPodSpecYaml(
            `other-${rand()}`,
            `  containers:
  - name: c
    image: ${TEST_IMAGE}
    imagePullPolicy: Never
    securityContext: {windowsOptions: {runAsUserName: "${runAs}"}}
    command: [sh, -c, 'id -un; cat ${secretFile} || echo refused; ls ${join(h.root, 'pods')} || echo refused']
`,
          );
          const r = await runPod(manifestSet(yaml).pods[0]!, { deps: h.deps, images: h.images });
          const text = await containerOutput(h.root, r.containers[0]!.id);
          assert.doesNotMatch(text, /\bbar\b/, `${runAs}: ${text}`);
          // stdout and stderr are two pipes: count rather than order.
          assert.equal(text.match(/Permission denied/g)?.length, 2, `${runAs}: ${text}`);
          assert.equal(text.match(/^refused$/gm)?.length, 2, `${runAs}: ${text}`);
          assert.notEqual(text.split('\n')[0], 'root');
        }
        // A local unprivileged user reads nothing under the state root, nor hostpod's host state.
        const u = spawnSync('id', ['-u', stranger], { encoding: 'utf8' }).stdout.trim();
        const paths = [...walk(h.root), ...walk(HOST_STATE_DIR)];
        assert.ok(paths.includes(secretFile));
        assert.deepEqual(readableBy(Number(u), Number(u), paths), []);
      } finally {
        await writeFile(join(gate, 'done'), '');
        const r = await running;
        assert.equal(r.phase, 'Succeeded', JSON.stringify(r.containers));
      }
    });
  });
}
