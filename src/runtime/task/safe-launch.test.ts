/**
 * What the shim does in the new process on paths a container can write: the working dir made
 * with the container's own credentials, and `bindat` mounts resolved fd by fd.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { NoCgroupManager } from '../group/no-cgroup.ts';
import { startTask } from './start-task.ts';
import { IS_ROOT, readLog, shSpec, tempDir } from './testing/fixtures.ts';
import { waitTask } from './wait-task.ts';

const NOBODY = { uid: 65534, gid: 65534, groups: [65534] };

describe('the shim on paths a container can write', { skip: !IS_ROOT && 'needs root' }, () => {
  let root = '';
  let cleanup: () => Promise<void>;
  const groups = new NoCgroupManager('test');
  let n = 0;
  const run = async (spec: Parameters<typeof startTask>[0]) => {
    const dir = join(root, `task${++n}`);
    const group = await groups.create(`t${n}`);
    const task = await startTask({ ...spec, logPath: join(dir, 'log') }, { group, dir });
    await waitTask(task.dir);
    return (await readLog(join(dir, 'log'))).map((l) => l.text);
  };
  before(async () => {
    ({ dir: root, cleanup } = await tempDir('safe-launch'));
    await chmod(root, 0o755);
  });
  after(() => cleanup());

  it("startTask() makes a missing working dir as the container's user: where it may, owned by it, mode 0700", async () => {
    const open = join(root, 'open');
    await mkdir(open, { mode: 0o777 });
    await chmod(open, 0o777);
    const cwd = join(open, 'a', 'b');
    const lines = await run({ ...shSpec(root, 'pwd; id -u'), cwd, createCwdMode: 0o700, user: NOBODY });
    assert.deepEqual(lines, [cwd, '65534']);
    for (const d of [join(open, 'a'), cwd]) {
      const st = await stat(d);
      assert.equal(st.uid, 65534, d);
      assert.equal(st.mode & 0o777, 0o700, d);
    }
  });

  it("startTask() refuses a working dir the container's user could not make itself, and makes nothing (no root fallback)", async () => {
    const closed = join(root, 'closed');
    await mkdir(closed, { mode: 0o700 }); // root's: nobody may not write here
    await assert.rejects(
      run({ ...shSpec(root, 'pwd'), cwd: join(closed, 'x'), createCwdMode: 0o700, user: NOBODY }),
      (e) => isRuntimeError(e, 'PermissionDenied') && /working directory failed: EACCES/.test(e.message),
    );
    assert.deepEqual(await readdir(closed), []);
    // SYSTEM (root) keeps the reference's behaviour: made anywhere.
    const lines = await run({ ...shSpec(root, 'pwd'), cwd: join(closed, 'y'), createCwdMode: 0o700 });
    assert.deepEqual(lines, [join(closed, 'y')]);
  });

  it('startTask() bindat: a mount point inside a writable volume is made there even through a planted symlink, never outside', async () => {
    const vol = join(root, 'vol');
    const outside = join(root, 'outside');
    const src = join(root, 'src');
    await mkdir(vol);
    await mkdir(outside);
    await mkdir(src);
    await writeFile(join(src, 'file'), 'from src');
    await symlink(outside, join(vol, 'planted')); // the container's trap
    const made = join(vol, outside, 'x');
    const lines = await run({
      ...shSpec(root, `cat ${made}/file; echo; ls ${outside}; echo done`),
      mounts: [
        {
          source: src,
          destination: join(vol, 'planted/x'),
          readOnly: true,
          within: { sourceBase: src, sourcePath: '', destinationBase: vol, destinationPath: 'planted/x' },
        },
      ],
    });
    // Resolved with the volume as its root: /…/outside became <vol>/…/outside, mounted there.
    assert.ok((await stat(made)).isDirectory(), 'made inside the volume');
    assert.deepEqual(lines, ['from src', 'done'], 'mounted at the place made, nothing in outside');
    assert.deepEqual(await readdir(outside), [], 'nothing made outside');
  });

  it('startTask() bindat: a subPath source leading out of its volume fails the bind (EXDEV), nothing mounted', async () => {
    const vol = join(root, 'vol2');
    await mkdir(vol);
    await symlink('/etc', join(vol, 'etc'));
    await assert.rejects(
      run({
        ...shSpec(root, 'cat /tmp/x/passwd'),
        mounts: [
          {
            source: '/etc',
            destination: join(root, 'target'),
            readOnly: true,
            within: { sourceBase: vol, sourcePath: 'etc', destinationBase: root, destinationPath: 'target' },
          },
        ],
      }),
      (e) => isRuntimeError(e) && /a bind mount failed: EXDEV/.test(e.message),
    );
  });
});
