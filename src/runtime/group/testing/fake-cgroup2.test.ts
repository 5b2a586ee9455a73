import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CgroupFs, hostCgroupFs } from '../cgroup-fs.ts';
import { FakeCgroup2 } from './fake-cgroup2.ts';

/**
 * The cgroup v2 rules hostpod depends on, run on the fake hierarchy and on the kernel's unified
 * hierarchy (on this hybrid host it offers only `hugetlb`, which obeys the same rules), so the
 * fake is known to behave as the kernel does.
 */
interface Hierarchy {
  fs: CgroupFs;
  /** A cgroup the test may use, whose parent chain already passes `controller` to it. */
  base: string;
  controller: string;
  /** Puts a process in `dir` (kernel checks included); returns its pid. */
  addProcess(dir: string): Promise<number>;
}

const IS_ROOT = process.getuid?.() === 0;
const UNIFIED = '/sys/fs/cgroup/unified';
const tmp = await mkdtemp(join(tmpdir(), 'hostpod-fakecg2-'));
after(() => rm(tmp, { recursive: true, force: true }));

const code = (c: string) => (e: unknown) => (e as NodeJS.ErrnoException).code === c;

function rules(
  name: string,
  make: () => Promise<Hierarchy & { cleanup(): Promise<void> }>,
  skip?: string | false,
) {
  describe(`cgroup v2 rules on ${name}`, { skip: skip ?? false }, () => {
    let h: Hierarchy & { cleanup(): Promise<void> };
    let n = 0;
    const fresh = () => {
      const dir = join(h.base, `t${++n}`);
      h.fs.mkdir(dir);
      return dir;
    };
    before(async () => {
      h = await make();
    });
    after(async () => {
      await h?.cleanup();
    });

    it("a new cgroup gets its parent's subtree_control as cgroup.controllers", () => {
      const dir = fresh();
      assert.ok(h.fs.read(join(dir, 'cgroup.controllers')).split(/\s+/).includes(h.controller));
      assert.equal(h.fs.read(join(dir, 'cgroup.subtree_control')).trim(), '');
    });

    it('a cgroup holding a process cannot enable a controller for its children (EBUSY)', async () => {
      const dir = fresh();
      await h.addProcess(dir);
      assert.throws(() => h.fs.write(join(dir, 'cgroup.subtree_control'), `+${h.controller}`), code('EBUSY'));
    });

    it('no process can join a cgroup that enables controllers (EBUSY); its child takes it', async () => {
      const dir = fresh();
      h.fs.write(join(dir, 'cgroup.subtree_control'), `+${h.controller}`);
      assert.equal(h.fs.read(join(dir, 'cgroup.subtree_control')).trim(), h.controller);
      await assert.rejects(h.addProcess(dir), code('EBUSY'));
      h.fs.mkdir(join(dir, 'leaf'));
      assert.equal(h.fs.read(join(dir, 'leaf', 'cgroup.controllers')).trim(), h.controller);
      const pid = await h.addProcess(join(dir, 'leaf'));
      assert.ok(
        h.fs
          .read(join(dir, 'leaf', 'cgroup.procs'))
          .split('\n')
          .includes(String(pid)),
      );
      // A controller cannot be taken back while a child passes it on.
      h.fs.write(join(dir, 'leaf', 'cgroup.kill'), '1');
      h.fs.mkdir(join(dir, 'mid'));
      h.fs.write(join(dir, 'mid', 'cgroup.subtree_control'), `+${h.controller}`);
      assert.throws(() => h.fs.write(join(dir, 'cgroup.subtree_control'), `-${h.controller}`), code('EBUSY'));
    });

    it('a controller the cgroup is not given cannot be enabled (ENOENT)', () => {
      const dir = fresh();
      h.fs.mkdir(join(dir, 'child'));
      // `child` gets nothing: its parent enabled nothing.
      assert.throws(
        () => h.fs.write(join(dir, 'child', 'cgroup.subtree_control'), `+${h.controller}`),
        code('ENOENT'),
      );
    });

    it('rmdir of a cgroup with a process is EBUSY; cgroup.kill empties it', async () => {
      const dir = fresh();
      await h.addProcess(dir);
      assert.throws(() => h.fs.rmdir(dir), code('EBUSY'));
      h.fs.write(join(dir, 'cgroup.kill'), '1');
      for (let i = 0; i < 200 && h.fs.read(join(dir, 'cgroup.procs')).trim() !== ''; i++)
        await new Promise((r) => setTimeout(r, 10));
      h.fs.rmdir(dir);
      assert.equal(h.fs.exists(dir), false);
    });
  });
}

rules('a temporary directory posing as a v2-only cgroupfs', async () => {
  const fake = new FakeCgroup2(join(tmp, 'cg'));
  let pid = 1000;
  fake.fs.write(join(fake.mount, 'cgroup.subtree_control'), '+memory');
  const base = join(fake.mount, 'test');
  fake.fs.mkdir(base);
  fake.fs.write(join(base, 'cgroup.subtree_control'), '+memory');
  return {
    fs: fake.fs,
    base,
    controller: 'memory',
    addProcess: async (dir) => {
      fake.addProcess(dir, ++pid);
      return pid;
    },
    cleanup: async () => {},
  };
});

rules(
  'the kernel (unified hierarchy, hugetlb)',
  async () => {
    const base = join(UNIFIED, `hostpod-test-rules-${process.pid}`);
    const rootControl = join(UNIFIED, 'cgroup.subtree_control');
    // Enabled at the root only for this test, and only if it was not already.
    const enabledHere = !readFileSync(rootControl, 'utf8').split(/\s+/).includes('hugetlb');
    if (enabledHere) writeFileSync(rootControl, '+hugetlb');
    hostCgroupFs.mkdir(base);
    hostCgroupFs.write(join(base, 'cgroup.subtree_control'), '+hugetlb');
    const children: ChildProcess[] = [];
    return {
      fs: hostCgroupFs,
      base,
      controller: 'hugetlb',
      addProcess: async (dir) => {
        const child = spawn('sleep', ['60'], { stdio: 'ignore' });
        children.push(child);
        await once(child, 'spawn');
        try {
          hostCgroupFs.write(join(dir, 'cgroup.procs'), String(child.pid));
        } catch (err) {
          child.kill('SIGKILL');
          throw err;
        }
        return child.pid as number;
      },
      cleanup: async () => {
        for (const c of children) c.kill('SIGKILL');
        await Promise.all(
          children.map((c) => (c.exitCode === null && c.signalCode === null ? once(c, 'exit') : null)),
        );
        const remove = (dir: string): void => {
          if (!existsSync(dir)) return;
          for (const e of hostCgroupFs.subdirs(dir)) remove(join(dir, e));
          for (let i = 0; ; i++) {
            try {
              rmdirSync(dir);
              return;
            } catch (err) {
              if (i > 200) throw err;
              Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
            }
          }
        };
        remove(base);
        if (enabledHere) {
          try {
            writeFileSync(rootControl, '-hugetlb');
          } catch {
            // Someone else started using it meanwhile: theirs now.
          }
        }
      },
    };
  },
  (!IS_ROOT ||
    !existsSync(join(UNIFIED, 'cgroup.controllers')) ||
    !readFileSync(join(UNIFIED, 'cgroup.controllers'), 'utf8').includes('hugetlb')) &&
    'needs root and a cgroup2 hierarchy offering hugetlb at /sys/fs/cgroup/unified',
);
