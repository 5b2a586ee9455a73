import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { NoCgroupManager } from '../group/no-cgroup.ts';
import { parseLogStatus, readLogStatus } from './log-status.ts';
import { startTask } from './start-task.ts';
import { shSpec, tempDir } from './testing/fixtures.ts';
import { waitTask } from './wait-task.ts';

const pad = (line: string) => `${line.padEnd(191, ' ')}\n`;

describe('readLogStatus()', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dir: root, cleanup } = await tempDir('logstatus'));
  });
  after(() => cleanup());

  it('readLogStatus() is undefined for a task dir without the file (no log, or an older shim)', async () => {
    assert.equal(await readLogStatus(root), undefined);
    assert.equal(await readLogStatus(join(root, 'missing')), undefined);
  });

  it('readLogStatus() reads a failing status as the shim writes it, padded, with the errno by name', async () => {
    await writeFile(
      join(root, 'log-status'),
      pad('failing=1 dropped_bytes=123 dropped_records=4 errno=28 since=2026-11-27T13:19:23.123456789Z'),
    );
    assert.deepEqual(await readLogStatus(root), {
      failing: true,
      droppedBytes: 123,
      droppedRecords: 4,
      error: 'ENOSPC',
      since: '2026-11-27T13:19:23.123456789Z',
    });
  });

  it('parseLogStatus() keeps totals after recovery, ignores fields it does not know, names an unknown errno by number', () => {
    assert.deepEqual(
      parseLogStatus(
        'failing=0 dropped_bytes=5 dropped_records=1 errno=4242 since=2026-01-01T00:00:00Z later=x',
      ),
      {
        failing: false,
        droppedBytes: 5,
        droppedRecords: 1,
        error: 'errno 4242',
        since: '2026-01-01T00:00:00Z',
      },
    );
    assert.deepEqual(parseLogStatus(pad('failing=0 dropped_bytes=0 dropped_records=0 errno=0 since=-')), {
      failing: false,
      droppedBytes: 0,
      droppedRecords: 0,
    });
  });

  it('parseLogStatus() refuses what the shim never writes', () => {
    for (const text of [
      '',
      'failing=yes dropped_bytes=1 dropped_records=1',
      'failing=1 dropped_bytes=-1 dropped_records=1',
      'failing=1 dropped_bytes=1e9 dropped_records=1',
      'failing=1 dropped_bytes=99999999999999999999 dropped_records=1',
      'failing=1 dropped_records=1',
      'failing=1 dropped_bytes=1 dropped_records=1 since=yesterday',
      'failing=1 dropped_bytes=1 dropped_records=1 errno=ENOSPC',
      'failing=1 dropped_bytes=\u0000 dropped_records=1',
      '=1 failing=1 dropped_bytes=1 dropped_records=1',
      '{"failing":true}',
    ])
      assert.equal(parseLogStatus(text), undefined, JSON.stringify(text));
  });

  it('readLogStatus() throws DataLoss for a file that is not a status line, undefined for one not yet written', async () => {
    const dir = join(root, 'bad');
    await mkdir(dir);
    await writeFile(join(dir, 'log-status'), 'garbage\n');
    await assert.rejects(
      readLogStatus(dir),
      (e) => isRuntimeError(e, 'DataLoss') && /not a status line/.test(e.message),
    );
    await writeFile(join(dir, 'log-status'), Buffer.alloc(100_000, 0x41));
    await assert.rejects(readLogStatus(dir), (e) => isRuntimeError(e, 'DataLoss'));
    await writeFile(join(dir, 'log-status'), ' '.repeat(191));
    assert.equal(await readLogStatus(dir), undefined);
  });

  it('startTask() makes log-status for a task with a log: not failing, nothing dropped; none without a log', async () => {
    const groups = new NoCgroupManager('test');
    const dir = join(root, 'task');
    await startTask(shSpec(dir, 'echo hi'), { group: await groups.create('t1'), dir });
    await waitTask(dir, { pollMs: 20 });
    assert.deepEqual(await readLogStatus(dir), { failing: false, droppedBytes: 0, droppedRecords: 0 });
    const bare = join(root, 'bare');
    const { logPath: _none, ...noLog } = shSpec(bare, 'echo hi');
    await startTask(noLog, { group: await groups.create('t2'), dir: bare });
    await waitTask(bare, { pollMs: 20 });
    assert.equal(await readLogStatus(bare), undefined);
  });
});
