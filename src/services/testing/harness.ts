/**
 * Test harness for the services: a temporary state root with test images built by hostpod's own
 * `buildImage`, runtime deps for this host, and pods from YAML text.
 */

import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseManifestText } from '../../api/manifests.ts';
import { decodeWorkload, findObjects } from '../../api/objects.ts';
import type { Pod } from '../../api/types.ts';
import { buildImage } from '../../image/build.ts';
import { LocalContentStore } from '../../image/content-store.ts';
import { ImageStore } from '../../image/image-store.ts';
import { prepareStateRoot } from '../../lib/state-root.ts';
import { removeCgroupDirs } from '../../runtime/group/cgroup-fs.ts';
import { CgroupManager } from '../../runtime/group/group-manager.ts';
import { openStateDb, type StateDb, stateDbPath } from '../../state/state-db.ts';
import type { ImageContext } from '../images.ts';
import { hostRuntimeDeps, type RuntimeDeps } from '../runtime-deps.ts';

export const TEST_IMAGE = 'localhost/hostpod-test:1';

/** A scratch image: `bin/uname` (a script printing "image-uname"), `bin/hello.sh`, `tool.sh`, `etc/motd`. */
async function writeImageSource(dir: string): Promise<void> {
  await mkdir(join(dir, 'bin'), { recursive: true });
  await mkdir(join(dir, 'etc'), { recursive: true });
  await writeFile(join(dir, 'bin', 'uname'), '#!/bin/sh\necho image-uname "$@"\n');
  await writeFile(join(dir, 'bin', 'hello.sh'), '#!/bin/sh\necho "hello $*"\n');
  await writeFile(join(dir, 'etc', 'motd'), 'from the image\n');
  // At the workspace root, which PATH ends with: found by its bare name.
  await writeFile(join(dir, 'tool.sh'), '#!/bin/sh\necho "tool $*"\n');
  await chmod(join(dir, 'tool.sh'), 0o755);
  await chmod(join(dir, 'bin', 'uname'), 0o755);
  await chmod(join(dir, 'bin', 'hello.sh'), 0o755);
  await mkdir(join(dir, 'go', 'src', 'workdir'), { recursive: true });
}

export interface Harness {
  root: string;
  /** The test's cgroup parent (`/hostpod-test-…`), the same path in every hierarchy. */
  cgroupParent: string;
  /** The state database holding the container records. */
  db: StateDb;
  deps: RuntimeDeps;
  images: ImageContext;
  cleanup(): Promise<void>;
}

/** A fresh state root with the test image and runtime deps nested under a test cgroup parent. */
export async function makeHarness(
  options: { layout?: 'bind' | 'symlink'; root?: string } = {},
): Promise<Harness> {
  const root = options.root ?? (await mkdtemp(join(tmpdir(), 'hostpod-svc-')));
  // As every entry point does: the root 0711 (mkdtemp made it 0700), its directories made.
  prepareStateRoot(root);
  const content = new LocalContentStore(join(root, 'content'));
  const images = new ImageStore(root, content);
  const src = join(root, 'image-src');
  await writeImageSource(src);
  await buildImage(src, content, images, { tag: TEST_IMAGE, tmpDir: root });
  prepareStateRoot(root); // as the next command would: the image source made above closed too
  const parent = `/hostpod-test-${randomBytes(4).toString('hex')}`;
  const db = openStateDb(stateDbPath(root));
  const deps = await hostRuntimeDeps({
    root,
    records: db.containers,
    pid: process.pid,
    cgroupParent: parent,
    layout: options.layout ?? 'bind',
    nodeIp: '127.0.0.1',
    shutdownGraceMs: 2000,
  });
  const { groups } = deps;
  return {
    root,
    cgroupParent: parent,
    db,
    deps,
    images: { root, content, images },
    async cleanup() {
      // The jobs left by a failed test, then the test's own cgroup parent in every hierarchy.
      for (const id of await groups.listOrphans([]).catch(() => []))
        await groups
          .open(id)
          .destroy()
          .catch(() => {});
      if (groups instanceof CgroupManager) {
        await removeCgroupDirs([...new Set(Object.values(groups.parents))]).catch(() => {});
      }
      db.close();
      await rm(root, { recursive: true, force: true }).catch(() => {});
    },
  };
}

/** The pods of a YAML text (validation errors fail the test). */
export function podsOf(yaml: string): Pod[] {
  const loaded = parseManifestText(yaml, 'test.yaml');
  if (loaded.problems.length > 0) throw new Error(loaded.problems[0]!.message);
  return findObjects(loaded.documents).objects.map((o) => {
    const w = decodeWorkload(o);
    if (w.errors.length > 0) throw new Error(`invalid test pod: ${JSON.stringify(w.errors)}`);
    return w.pod;
  });
}

/**
 * A HostProcess pod (SYSTEM, hostNetwork, restartPolicy Never, 2 s grace) whose spec continues
 * with `body` (YAML indented by two spaces: containers, volumes, …).
 */
export function hpcPodSpecYaml(name: string, body: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  hostNetwork: true
  restartPolicy: Never
  terminationGracePeriodSeconds: 2
  securityContext:
    windowsOptions:
      hostProcess: true
      runAsUserName: "NT AUTHORITY\\\\SYSTEM"
${body}`;
}

/** An HPC pod around the given containers YAML (indented list items), `extra` spec lines first. */
export function hpcPodYaml(name: string, containers: string, extra = ''): string {
  return hpcPodSpecYaml(name, `${extra}  containers:\n${containers}`);
}

/** The text a container wrote (stdout and stderr, in order), from its kept CRI log. */
export async function containerOutput(root: string, id: string | undefined): Promise<string> {
  if (!id) return '';
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(join(root, 'containers', id, 'container.log'), 'utf8');
  } catch {
    return '';
  }
  let out = '';
  for (const line of text.split('\n')) {
    const m = /^\S+ (stdout|stderr) ([FP]) ?(.*)$/.exec(line);
    if (m) out += m[2] === 'F' ? `${m[3]}\n` : m[3];
  }
  return out;
}
