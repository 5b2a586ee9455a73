/**
 * `hostpod exec` without -t and the caller's terminal, attacked for real: root's interactive
 * shell in a pseudo-terminal (script(1)) runs `hostpod exec` into a Local Service container, and
 * the exec'd program tries to push a command into that shell (TIOCSTI on its stdin, stdout,
 * stderr, /dev/tty and every /dev/pts/N). Nothing may reach the shell; the terminal's input,
 * output and Ctrl-C still work through the relay.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { testCgroupParent } from '../testing/cgroup-parent.ts';
import { cliArgv, REPO, runCliSync, startCli, waitForOutput } from '../testing/spawn-cli.ts';

const IS_ROOT = process.getuid?.() === 0;
const HAVE_SCRIPT = spawnSync('script', ['--version'], { stdio: 'ignore' }).error === undefined;
const IMAGE = 'localhost/hostpod-example:1.0';

// TIOCSTI is 0x5412 on x86, arm and riscv; the program reports how many bytes each way pushed.
const ATTACK = String.raw`
my $cmd = "touch $ARGV[0]\n";
sub push_all { my ($fh) = @_; my $n = 0; for my $c (split //, $cmd) { $n++ if ioctl($fh, 0x5412, $c) } return $n }
for my $name (qw(STDIN STDOUT STDERR)) { no strict 'refs'; my $n = push_all(\*{$name}); print "pushed $n via $name\n" }
if (open(my $t, '+<', '/dev/tty')) { print "pushed ", push_all($t), " via /dev/tty\n" } else { print "no /dev/tty: $!\n" }
for my $p (glob('/dev/pts/[0-9]*')) { if (open(my $t, '+<', $p)) { print "pushed ", push_all($t), " via $p\n" } }
print "stdin is ", (-t STDIN ? "a terminal" : "a pipe"), "; done\n";
`;

/** root's interactive bash in a pseudo-terminal; what the terminal shows collects in `out`. */
class RootShell {
  readonly term: ChildProcessWithoutNullStreams;
  out = '';
  constructor(env: NodeJS.ProcessEnv) {
    this.term = spawn('script', ['-qfc', 'bash --norc --noprofile -i', '/dev/null'], {
      cwd: REPO,
      env: { ...process.env, ...env, TERM: 'dumb' },
    });
    this.term.stdout.setEncoding('utf8').on('data', (s: string) => {
      this.out += s;
    });
  }
  type(s: string): void {
    this.term.stdin.write(s);
  }
  /** Waits until the terminal shows `re` after `from`; returns that part of the output. */
  async waitFor(re: RegExp, from = 0): Promise<string> {
    for (let i = 0; i < 400 && !re.test(this.out.slice(from)); i++)
      await new Promise((r) => setTimeout(r, 50));
    const seen = this.out.slice(from);
    assert.match(seen, re, `terminal: ${JSON.stringify(seen)}`);
    return seen;
  }
  close(): void {
    this.term.kill('SIGKILL');
  }
}

describe('hostpod exec without -t keeps the caller terminal', {
  skip: (!IS_ROOT && 'needs root') || (!HAVE_SCRIPT && 'needs script(1)'),
}, () => {
  let work = '';
  let env: NodeJS.ProcessEnv = {};
  let run: ReturnType<typeof startCli>;
  let shell: RootShell;
  const name = `term-${randomBytes(3).toString('hex')}`;
  const cgroups = testCgroupParent();
  const exec = (args: string[]) =>
    `${[process.execPath, ...cliArgv(['exec', name, '--', ...args])].map((a) => `'${a}'`).join(' ')}\n`;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'hostpod-exec-term-'));
    await chmod(work, 0o755); // readable by Local Service, writable by root only
    env = { HOSTPOD_ROOT: join(work, 'root') };
    await writeFile(join(work, 'attack.pl'), ATTACK, { mode: 0o644 });
    const b = runCliSync(['image', 'build', join(REPO, 'examples/image'), '--tag', IMAGE], { env });
    assert.equal(b.status, 0, b.stderr);
    await writeFile(
      join(work, 'pod.yaml'),
      `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  hostNetwork: true
  restartPolicy: Never
  terminationGracePeriodSeconds: 2
  securityContext: {windowsOptions: {hostProcess: true, runAsUserName: "NT AUTHORITY\\\\Local Service"}}
  containers:
  - {name: main, image: ${IMAGE}, command: [sleep, "300"]}
`,
    );
    run = startCli(['run', '--rm', '--cgroup-parent', cgroups.parent, '-f', join(work, 'pod.yaml')], { env });
    await waitForOutput(run, (o) => o.includes('started'));
    shell = new RootShell(env);
    await shell.waitFor(/# $/);
  });
  after(async () => {
    shell?.close();
    if (run && run.exitCode === null) {
      const closed = new Promise((r) => run.once('close', r));
      run.kill('SIGINT');
      await closed;
    }
    await cgroups.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  test('a Local Service program run by exec cannot push a command into root shell (TIOCSTI)', async () => {
    const canary = join(work, 'injected');
    const from = shell.out.length;
    shell.type(exec(['perl', join(work, 'attack.pl'), canary]));
    const seen = await shell.waitFor(/; done\r?\n[\s\S]*# $/, from);
    // Had anything been pushed, bash would now read it: give it the chance, then look.
    const mark = shell.out.length;
    shell.type('echo "mark=$((40+2))"\n');
    await shell.waitFor(/mark=42/, mark);
    assert.ok(!existsSync(canary), `root's shell ran an injected command:\n${shell.out.slice(from)}`);
    for (const via of ['STDIN', 'STDOUT', 'STDERR']) assert.match(seen, new RegExp(`pushed 0 via ${via}`));
    assert.match(seen, /no \/dev\/tty: No such device or address/, 'the program has no controlling terminal');
    assert.doesNotMatch(seen, /pushed [1-9]/);
    assert.match(seen, /stdin is a pipe; done/);
  });

  test("exec without -t still relays the terminal's input and output, and Ctrl-C reaches the program", async () => {
    let from = shell.out.length;
    shell.type(exec(['sh', '-c', 'read x; echo "got=$x"; exit 3']));
    shell.type('typed line\n');
    await shell.waitFor(/got=typed line/, from);
    await shell.waitFor(/# $/, from);
    shell.type('echo "rc=$?"\n');
    await shell.waitFor(/rc=3/, from);

    from = shell.out.length;
    // Computed markers: the terminal also echoes the command line itself.
    shell.type(
      exec(['sh', '-c', 'trap "echo got-$((2+2))-INT; exit 7" INT; echo "$((6*7))-ready"; sleep 60 & wait']),
    );
    await shell.waitFor(/42-ready/, from);
    shell.type('\x03');
    await shell.waitFor(/got-4-INT/, from);
    await shell.waitFor(/# $/, from);
    shell.type('echo "rc=$?"\n');
    await shell.waitFor(/rc=7/, from);

    // In the background it leaves the terminal to the shell: typing there does not stop it.
    from = shell.out.length;
    shell.type(
      `${exec(['sh', '-c', 'echo "bg-$((1+1))-started"; sleep 2; echo "bg-$((1+1))-done"']).trimEnd()} &\n`,
    );
    await shell.waitFor(/bg-2-started/, from);
    shell.type('echo "fg-$((2+3))"\n');
    await shell.waitFor(/fg-5/, from);
    await shell.waitFor(/bg-2-done/, from);
    shell.type('wait; echo "bg-rc=$?"\n');
    const seen = await shell.waitFor(/bg-rc=\d+/, from);
    assert.match(seen, /bg-rc=0/);
    assert.doesNotMatch(seen, /Stopped/);
  });
});
