/**
 * `hostpod run -f` on Windows: the compiled CLI (`npm run build`, `make -C native windows`) run
 * by Windows Node.js under Wine, against Windows images built here with
 * `hostpod image build --platform windows/amd64` (by Linux node, into the session's C:).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sharedFixtures } from '../../lib/testing/shared-fixtures.ts';
import { WineSession, wineSkip } from '../../lib/testing/wine.ts';

const REPO = resolve(import.meta.dirname, '../../..');
const CLI = join(REPO, 'dist', 'cli', 'main.js');
const SHIM = join(REPO, 'native', 'build', 'hostpod-shim.exe');
const skip =
  wineSkip() ||
  (existsSync(CLI) ? false : 'needs dist/: run npm run build') ||
  (existsSync(SHIM) ? false : 'needs native/build/hostpod-shim.exe: run make -C native windows (mingw-w64)');

describe('hostpod run -f under Windows Node.js (Wine)', { skip }, () => {
  let wine: WineSession;
  let root: string;
  before(async () => {
    wine = await WineSession.start();
    root = wine.hostPath('C:\\hp');
  });
  after(async () => {
    await wine?.stop();
  });

  /** Builds a Windows image from `files` into the session's state root (Linux node). */
  function buildImage(tag: string, files: Record<string, string>): void {
    const dir = wine.hostPath(`C:\\payload-${tag.replace(/\W/g, '_')}`);
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const r = spawnSync(
      process.execPath,
      [CLI, 'image', 'build', dir, '--tag', tag, '--platform', 'windows/amd64', '--root', root, '-q'],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
  }

  test('runs a .cmd of a Windows image in C:\\hpc\\<id>\\: token, working dir, output, exit code; nothing left', async () => {
    buildImage('localhost/win/hello:1', {
      'bin/hello.cmd':
        '@echo hello from %CONTAINER_SANDBOX_MOUNT_POINT%\r\n@echo cwd=%CD%\r\n@echo arg=%1\r\n@exit /b 3\r\n',
    });
    writeFileSync(
      wine.hostPath('C:\\hello.yaml'),
      `apiVersion: v1
kind: Pod
metadata: { name: hello }
spec:
  hostNetwork: true
  restartPolicy: Never
  nodeSelector: { kubernetes.io/os: windows }
  securityContext:
    windowsOptions: { hostProcess: true, runAsUserName: "NT AUTHORITY\\\\SYSTEM" }
  containers:
  - name: main
    image: localhost/win/hello:1
    command: ["$env:CONTAINER_SANDBOX_MOUNT_POINT\\\\bin\\\\hello.cmd", "one"]
`,
    );
    const r = await wine.runNode(CLI, ['run', '-f', 'C:\\hello.yaml', '--root', 'C:\\hp'], {
      timeoutMs: 120_000,
    });
    const id = /workspace C:\\hpc\\(\w+)\\/.exec(r.stderr)?.[1];
    assert.ok(id, r.stderr);
    assert.match(r.stdout, new RegExp(`hello from C:\\\\hpc\\\\${id}\\\\`));
    assert.match(r.stdout, new RegExp(`cwd=C:\\\\hpc\\\\${id}\\r?\\n`));
    assert.match(r.stdout, /arg=one/);
    assert.match(r.stderr, /container "main" exited with 3 \(Error\)/);
    assert.notEqual(r.exitCode, 0);
    assert.equal(existsSync(wine.hostPath(`C:\\hpc\\${id}`)), false, 'the workspace is removed');
    assert.deepEqual(readdirSync(join(root, 'sandboxes')), [], 'no sandbox record is left');
  });

  test('a program the image does not have: StartError with the reference\'s "failed to find executable"', async () => {
    buildImage('localhost/win/empty:1', { 'readme.txt': 'nothing to run' });
    writeFileSync(
      wine.hostPath('C:\\missing.yaml'),
      `apiVersion: v1
kind: Pod
metadata: { name: missing }
spec:
  hostNetwork: true
  restartPolicy: Never
  securityContext:
    windowsOptions: { hostProcess: true, runAsUserName: "NT AUTHORITY\\\\SYSTEM" }
  containers:
  - { name: main, image: localhost/win/empty:1, command: [agent, --run] }
`,
    );
    const r = await wine.runNode(CLI, ['run', '-f', 'C:\\missing.yaml', '--root', 'C:\\hp'], {
      timeoutMs: 120_000,
    });
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /StartError.*failed to find executable "agent --run"/);
  });

  const seed = sharedFixtures();
  test("the seed's pod is admitted on Windows and its program runs (Wine's powershell.exe; no Server Core offline)", {
    skip: seed.skip,
  }, async () => {
    // The seed's image name, built here: Windows Server Core is not available offline. Its
    // program, powershell, is found on the host's PATH (Wine ships a powershell.exe).
    buildImage('mcr.microsoft.com/windows/servercore:ltsc2022', { 'readme.txt': 'not Server Core' });
    const pod = readFileSync(join(seed.manifests, 'seed', 'hostprocess-test-pod.yaml'), 'utf8');
    writeFileSync(wine.hostPath('C:\\seed.yaml'), pod);
    const p = wine.spawnNode(CLI, ['run', '-f', 'C:\\seed.yaml', '--root', 'C:\\hp'], { timeoutMs: 120_000 });
    let err = '';
    for (let i = 0; i < 600 && !/exited with \d+/.test(err); i++) {
      await new Promise((r) => setTimeout(r, 100));
      err = readFileSync(p.stderrPath, 'utf8');
    }
    p.kill('SIGKILL'); // restartPolicy Always: it would go on; the session's stop ends the rest
    await p.exited;
    assert.match(
      err,
      /pod "test": image mcr\.microsoft\.com\/windows\/servercore:ltsc2022/,
      'admitted: nodeSelector kubernetes.io/os=windows matched',
    );
    assert.match(err, /container "test" started \(pid \d+, workspace C:\\hpc\\\w+\\\)/);
    assert.match(err, /container "test" exited with \d+/);
  });

  test('Ctrl-C (SIGINT) stops the pod gracefully: the container ends, hostpod exits, nothing is left', async () => {
    buildImage('localhost/win/serve:1', {
      'bin/serve.cmd': `@echo serving\r\n@"${wine.winPath(wine.kit.nodeExe)}" -e "setInterval(() => {}, 1000)"\r\n`,
    });
    writeFileSync(
      wine.hostPath('C:\\serve.yaml'),
      `apiVersion: v1
kind: Pod
metadata: { name: serve }
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 2
  securityContext:
    windowsOptions: { hostProcess: true, runAsUserName: "NT AUTHORITY\\\\SYSTEM" }
  containers:
  - { name: main, image: localhost/win/serve:1, command: ["%CONTAINER_SANDBOX_MOUNT_POINT%\\\\bin\\\\serve.cmd"] }
`,
    );
    const p = wine.spawnNode(CLI, ['run', '-f', 'C:\\serve.yaml', '--root', 'C:\\hp'], {
      timeoutMs: 120_000,
    });
    let out = '';
    for (let i = 0; i < 300 && !out.includes('serving'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      out = readFileSync(p.stdoutPath, 'utf8');
    }
    assert.match(out, /serving/, readFileSync(p.stderrPath, 'utf8'));
    const id = /workspace C:\\hpc\\(\w+)\\/.exec(readFileSync(p.stderrPath, 'utf8'))?.[1];
    assert.ok(id);
    const t0 = Date.now();
    p.kill('SIGINT');
    const r = await p.exited;
    assert.equal(r.timedOut, false);
    assert.ok(Date.now() - t0 < 30_000, `stopping took ${Date.now() - t0} ms`);
    assert.match(r.stderr, /container "main" exited with/);
    assert.equal(existsSync(wine.hostPath(`C:\\hpc\\${id}`)), false, 'the workspace is removed');
  });
});
