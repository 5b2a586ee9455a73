import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  formatIdentity,
  isAlive,
  isAliveSync,
  parseIdentity,
  parseProcStat,
  processIdentity,
  readProcStat,
  selfIdentity,
} from './process-identity.ts';

test('parseProcStat() takes the command name up to the last ")" (it may hold spaces and parentheses)', () => {
  const fields = ['S', '42', '7', '7', '0', '-1', '4194560', '1', '0', '0', '0', '15', '4'];
  const more = ['0', '0', '20', '0', '1', '0', '987654', '1000', '25', '0'];
  const st = parseProcStat(`1234 (a) (b c)) ${[...fields, ...more].join(' ')}\n`);
  assert.ok(st);
  assert.equal(st.pid, 1234);
  assert.equal(st.comm, 'a) (b c)');
  assert.equal(st.state, 'S');
  assert.equal(st.ppid, 42);
  assert.equal(st.cpuTicks, 19);
  assert.equal(st.startTime, '987654');
  assert.equal(st.rssPages, 25);
  assert.equal(parseProcStat('not a stat line'), undefined);
  assert.equal(parseProcStat('12 (x) S 1'), undefined);
});

test('readProcStat() reads a real process whose name holds ") (" and spaces', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hostpod-ident-'));
  try {
    const exe = join(dir, 'x) (y z');
    await copyFile('/bin/sleep', exe);
    const { chmod } = await import('node:fs/promises');
    await chmod(exe, 0o755);
    const child = spawn(exe, ['5'], { stdio: 'ignore' });
    await once(child, 'spawn');
    try {
      // The kernel may not have exec'd yet: wait until comm shows the new name.
      let st = await readProcStat(child.pid!);
      for (let i = 0; i < 100 && st?.comm !== 'x) (y z'; i++) {
        await new Promise((r) => setTimeout(r, 10));
        st = await readProcStat(child.pid!);
      }
      assert.equal(st?.comm, 'x) (y z');
      assert.equal(st?.ppid, process.pid);
      assert.match(st?.startTime ?? '', /^\d+$/);
    } finally {
      child.kill('SIGKILL');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('isAlive() is false for a zombie, for an ended process and for a pid whose start time differs', async () => {
  // `sleep 0 &` becomes a child of the exec'd `sleep 5`, which never reaps it: a zombie.
  const child = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const zombie = Number.parseInt(line.toString(), 10);
    let st = await readProcStat(zombie);
    for (let i = 0; i < 200 && st?.state !== 'Z'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      st = await readProcStat(zombie);
    }
    assert.equal(st?.state, 'Z');
    assert.equal(await isAlive({ pid: zombie, startTime: st!.startTime }), false);

    const me = await processIdentity(child.pid!);
    assert.ok(me);
    assert.equal(await isAlive(me), true);
    assert.equal(isAliveSync(me), true);
    assert.equal(
      await isAlive({ ...me, startTime: `${me.startTime}1` }),
      false,
      'a reused pid is not the old process',
    );
    assert.equal(await isAlive({ ...me, comm: 'hostpod-shim' }), false, 'another command name is not it');
    assert.equal(await isAlive({ ...me, comm: 'sleep' }), true);
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.equal(await isAlive(me), false);
  } finally {
    child.kill('SIGKILL');
  }
});

test('formatIdentity() / parseIdentity() round-trip, and a pid-only file gives an unknown start time', () => {
  const me = selfIdentity();
  assert.equal(me.pid, process.pid);
  assert.deepEqual(parseIdentity(`${formatIdentity(me)}\n`), me);
  assert.deepEqual(parseIdentity('4242\n'), { pid: 4242, startTime: '' });
  assert.equal(parseIdentity('0'), undefined);
  assert.equal(parseIdentity('12 x'), undefined);
  assert.equal(parseIdentity(''), undefined);
});
