import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import type { CgroupManager } from '../group/group-manager.ts';
import { shimPath } from './shim.ts';
import { ShimServer } from './shim-server.ts';
import { startTask } from './start-task.ts';
import { stopTask } from './stop-task.ts';
import { eventually, IS_ROOT, readLog, shSpec, tempDir, testGroups } from './testing/fixtures.ts';
import { waitTask } from './wait-task.ts';

describe('ShimServer', { skip: !IS_ROOT && 'needs root for cgroups' }, () => {
  let groups: CgroupManager;
  let cleanupGroups: () => Promise<void>;
  let root: string;
  let cleanupDir: () => Promise<void>;
  before(async () => {
    ({ groups, cleanup: cleanupGroups } = await testGroups('server'));
    ({ dir: root, cleanup: cleanupDir } = await tempDir('server'));
  });
  after(async () => {
    await cleanupGroups();
    await cleanupDir();
  });

  it('startTask() through the server: 30 concurrent starts each get their own task, job and log', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `c${i}`);
    const tasks = await Promise.all(
      ids.map(async (id) => {
        const group = await groups.create(id);
        const dir = join(root, id);
        return startTask(shSpec(dir, `echo ${id}; sleep 600`), { group, dir });
      }),
    );
    assert.equal(new Set(tasks.map((t) => t.initPid)).size, 30);
    for (const [i, t] of tasks.entries()) {
      const cg = await readFile(`/proc/${t.initPid}/cgroup`, 'utf8');
      assert.match(cg, new RegExp(`/c${i}\\n`));
    }
    for (const [i, t] of tasks.entries()) {
      const log = await eventually(
        () => readLog(join(t.dir, 'log')),
        (l) => l.length > 0,
      );
      assert.deepEqual(
        log.map((l) => l.text),
        [`c${i}`],
      );
    }
    await Promise.all(tasks.map((t) => stopTask(t, 1000)));
    for (const t of tasks) await t.group.destroy();
  });

  it('ShimServer reports a bad spec as an error line and keeps serving', async () => {
    const server = new ShimServer(shimPath());
    try {
      const { dir, cleanup } = await tempDir('server-bad');
      try {
        assert.match(await server.start(dir), /^error spec 22$/, 'no spec file');
        const group = await groups.create('after-bad');
        const ok = await startTask(shSpec(join(root, 'after-bad'), 'exit 4'), {
          group,
          dir: join(root, 'after-bad'),
        });
        assert.equal((await waitTask(ok.dir)).exitCode, 4);
        await group.destroy();
        assert.match(await server.start(dir), /^error spec 22$/);
      } finally {
        await cleanup();
      }
    } finally {
      server.close();
    }
  });

  it('ShimServer rejects pending starts when it dies, then starts a new server on the next call', async () => {
    const server = new ShimServer(shimPath());
    const dir = join(root, 'dies');
    const group = await groups.create('dies');
    try {
      // A start is in flight when the server is killed: its caller hears of it.
      await startTask(shSpec(dir, 'true'), { group, dir }); // warm the shared server; unrelated
      const child = (server as unknown as { ensure(): { kill(s: string): void } }).ensure();
      child.kill('SIGKILL');
      await assert.rejects(server.start('/nonexistent-dir'), (e: unknown) => isRuntimeError(e, 'Internal'));
      assert.match(await server.start('/nonexistent-dir'), /^error spec 22$/);
    } finally {
      server.close();
      await group.destroy();
    }
  });
});
