import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import type { CgroupManager } from '../group/group-manager.ts';
import type { Group } from '../group/types.ts';
import { execCommand, execInTask, writeExecSpec } from './exec-task.ts';
import { startTask, type TaskHandle } from './start-task.ts';
import { stopTask } from './stop-task.ts';
import { eventually, IS_ROOT, shSpec, tempDir, testGroups } from './testing/fixtures.ts';
import { waitTask } from './wait-task.ts';

let groups: CgroupManager;
let cleanupGroups: () => Promise<void>;
let dir: string;
let cleanupDir: () => Promise<void>;
let group: Group;
let task: TaskHandle;

describe('exec in a task (real processes, real cgroups)', {
  skip: !IS_ROOT && 'needs root for cgroups',
}, () => {
  before(async () => {
    ({ groups, cleanup: cleanupGroups } = await testGroups('exec'));
    ({ dir, cleanup: cleanupDir } = await tempDir('exec'));
    await chmod(dir, 0o755); // the task runs as nobody and must reach its mount point
    group = await groups.create('e1');
    task = await startTask(
      shSpec(dir, 'sleep 600', {
        cwd: '/tmp',
        env: ['PATH=/usr/bin:/bin', 'GREETING=hello from the task'],
        user: { uid: 65534, gid: 65534, groups: [] },
        mounts: [{ source: '/etc', destination: join(dir, 'hpc'), readOnly: true }],
      }),
      { group, dir },
    );
  });
  after(async () => {
    await stopTask(task, 200).catch(() => {});
    await group.destroy();
    await cleanupGroups();
    await cleanupDir();
  });

  it('execInTask() joins the job, user, env, cwd and mount namespace of the task', async () => {
    const r = await execInTask(task, {
      argv: ['/bin/sh', '-c', `cat /proc/self/cgroup; id -u; pwd; echo "$GREETING"; cat ${dir}/hpc/hostname`],
    });
    assert.equal(r.exitCode, 0, r.stderr.toString());
    const initCgroup = await readFile(`/proc/${task.initPid}/cgroup`, 'utf8');
    const lines = r.stdout.toString().split('\n');
    const cgroupLines = lines.filter((l) => /^\d+:/.test(l));
    assert.equal(`${cgroupLines.join('\n')}\n`, initCgroup);
    assert.deepEqual(lines.slice(cgroupLines.length, -1), [
      '65534',
      '/tmp',
      'hello from the task',
      (await readFile('/etc/hostname', 'utf8')).trim(),
    ]);
  });

  it('execInTask() keeps quoted args, stdin, and the exit code; a signal gives 128+n', async () => {
    const r = await execInTask(task, {
      argv: ['/bin/sh', '-c', 'printf "[%s]" "$@"; cat; exit 7', 'sh', 'a b', "c'd", '', '$HOME'],
      input: 'from stdin',
    });
    assert.equal(r.stdout.toString(), "[a b][c'd][][$HOME]from stdin");
    assert.equal(r.exitCode, 7);
    const killed = await execInTask(task, { argv: ['/bin/sh', '-c', 'kill -TERM $$'] });
    assert.equal(killed.exitCode, 143);
  });

  it('execInTask() rejects a missing program with TaskStartError NotFound and leaves nothing in the job', async () => {
    const before = (await group.pids()).length;
    await assert.rejects(
      execInTask(task, { argv: ['/no/such/program'] }),
      (e: unknown) => isRuntimeError(e, 'NotFound') && /executing the program failed: ENOENT/.test(e.message),
    );
    assert.equal((await group.pids()).length, before);
  });

  it('execInTask() refuses a task whose first process has exited (FailedPrecondition)', async () => {
    const g = await groups.create('e2');
    const d = join(dir, 'e2');
    const t = await startTask(shSpec(d, 'exit 0'), { group: g, dir: d });
    await waitTask(d);
    await assert.rejects(execInTask(t, { argv: ['/bin/true'] }), (e: unknown) =>
      isRuntimeError(e, 'FailedPrecondition'),
    );
    await g.destroy();
  });

  it('execCommand() without tty relays a terminal through pipes and starts its own session without one', async () => {
    const spec = await writeExecSpec(task, {
      argv: [
        '/bin/sh',
        '-c',
        '[ -t 0 ] || echo stdin-pipe; [ -t 1 ] || echo stdout-pipe; ' +
          '[ "$(cut -d" " -f6 /proc/$$/stat)" = "$$" ] && echo own-session; ' +
          '(exec 3</dev/tty) 2>/dev/null || echo no-ctty; read x; echo "got=$x"',
      ],
    });
    const cmd = execCommand(spec)
      .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
      .join(' ');
    // script(1) is the user's terminal: the shim's stdin, stdout and stderr are its pty.
    const term = spawn('script', ['-qec', `${cmd} 3>/dev/null`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    term.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    const exited = new Promise<number | null>((r) => term.once('close', r));
    try {
      term.stdin.write('from the terminal\n');
      assert.equal(await exited, 0, out);
      for (const l of ['stdin-pipe', 'stdout-pipe', 'own-session', 'no-ctty', 'got=from the terminal']) {
        assert.match(out, new RegExp(`^${l}\r?$`, 'm'), out);
      }
    } finally {
      term.kill('SIGKILL');
    }
  });

  it('execCommand() with tty gives an interactive shell through a real pseudo-terminal: echo hi, exit 5', async () => {
    const spec = await writeExecSpec(task, {
      argv: ['/bin/sh', '-i'],
      env: ['PATH=/usr/bin:/bin', 'PS1=$ '],
    });
    const cmd = execCommand(spec, { tty: true })
      .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
      .join(' ');
    // script(1) is the user's terminal: the shim sees a tty on its stdin and relays to its own pty.
    const term = spawn('script', ['-qec', `${cmd} 3>/dev/null`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    term.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    const exited = new Promise<number | null>((r) => term.once('close', r));
    try {
      await eventually(
        async () => out,
        (s) => s.includes('$ '),
      );
      // A session of its own with the pty as controlling terminal: the shim's terminal, not script's.
      term.stdin.write('tty; [ "$(cut -d" " -f6 /proc/$$/stat)" = "$$" ] && echo own-session; echo h""i\n');
      const seen = await eventually(
        async () => out,
        (s) => /\r\nhi\r\n/.test(s),
      );
      assert.match(seen, /\/dev\/pts\/\d+/);
      assert.match(seen, /\r\nown-session\r\n/);
      assert.match(seen, /\r\nhi\r\n/);
      term.stdin.write('exit 5\n');
      assert.equal(await exited, 5);
    } finally {
      term.kill('SIGKILL');
    }
  });
});
