/**
 * `hostpod daemon` on Windows: the compiled CLI under Windows Node.js in Wine serves its API on a
 * named pipe; the CLI applies a Windows pod through it and reads its status and logs.
 * Needs `npm run build` and `make -C native windows`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type WindowsProcess, WineSession, wineSkip } from '../lib/testing/wine.ts';

const REPO = resolve(import.meta.dirname, '../..');
const CLI = join(REPO, 'dist', 'cli', 'main.js');
const SHIM = join(REPO, 'native', 'build', 'hostpod-shim.exe');
const PIPE = '\\\\.\\pipe\\hostpod-wine-daemon';
const skip =
  wineSkip() ||
  (existsSync(CLI) ? false : 'needs dist/: run npm run build') ||
  (existsSync(SHIM) ? false : 'needs native/build/hostpod-shim.exe: run make -C native windows (mingw-w64)');

describe('hostpod daemon on a named pipe (Windows Node.js under Wine)', { skip }, () => {
  let wine: WineSession;
  let daemon: WindowsProcess | undefined;
  before(async () => {
    wine = await WineSession.start();
  });
  after(async () => {
    daemon?.kill('SIGKILL');
    await wine?.stop();
  });

  const cli = (args: string[]) => wine.runNode(CLI, [...args, '--socket', PIPE], { timeoutMs: 60_000 });

  test('serves the API on \\\\.\\pipe\\…; apply runs a Windows pod to Succeeded; get and logs read it', async () => {
    const payload = wine.hostPath('C:\\payload');
    mkdirSync(join(payload, 'bin'), { recursive: true });
    writeFileSync(
      join(payload, 'bin', 'job.cmd'),
      '@echo done in %CONTAINER_SANDBOX_MOUNT_POINT%\r\n@exit /b 0\r\n',
    );
    const b = spawnSync(
      process.execPath,
      [
        CLI,
        'image',
        'build',
        payload,
        '--tag',
        'localhost/win/job:1',
        '--platform',
        'windows/amd64',
        '--root',
        wine.hostPath('C:\\hpd'),
        '-q',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(b.status, 0, b.stderr);
    daemon = wine.spawnNode(
      CLI,
      [
        'daemon',
        '--root',
        'C:\\hpd',
        '--socket',
        PIPE,
        '--metrics-address',
        '127.0.0.1:0',
        '--static-pod-dir',
        '',
      ],
      { timeoutMs: 300_000 },
    );
    let serving = false;
    for (let i = 0; i < 300 && !serving; i++) {
      await new Promise((r) => setTimeout(r, 100));
      serving = readFileSync(daemon.stderrPath, 'utf8').includes('"msg":"serving"');
    }
    assert.ok(serving, readFileSync(daemon.stderrPath, 'utf8'));
    writeFileSync(
      wine.hostPath('C:\\job.yaml'),
      `apiVersion: v1
kind: Pod
metadata: { name: job }
spec:
  hostNetwork: true
  restartPolicy: Never
  securityContext:
    windowsOptions: { hostProcess: true, runAsUserName: "NT AUTHORITY\\\\SYSTEM" }
  containers:
  - { name: main, image: localhost/win/job:1, command: ["%CONTAINER_SANDBOX_MOUNT_POINT%\\\\bin\\\\job.cmd"] }
`,
    );
    const applied = await cli(['apply', '-f', 'C:\\job.yaml']);
    assert.equal(applied.exitCode, 0, applied.stderr);
    let phase = '';
    for (let i = 0; i < 60 && phase !== 'Succeeded' && phase !== 'Failed'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const g = await cli(['get', 'pods', '-o', 'json']);
      const list = JSON.parse(g.stdout || '{}') as {
        items?: { metadata: { name: string }; status?: { phase?: string } }[];
      };
      phase = list.items?.find((p) => p.metadata.name === 'job')?.status?.phase ?? '';
    }
    assert.equal(phase, 'Succeeded', readFileSync(daemon.stderrPath, 'utf8'));
    const logs = await cli(['logs', 'job']);
    assert.equal(logs.exitCode, 0, logs.stderr);
    assert.match(logs.stdout, /done in C:\\hpc\\\w+\\/);
  });

  test('a daemon killed with SIGKILL leaves its container running; the next one re-adopts it', async () => {
    daemon?.kill('SIGKILL');
    await daemon?.exited;
    const payload = wine.hostPath('C:\\payload2');
    mkdirSync(join(payload, 'bin'), { recursive: true });
    // A program that runs until stopped: Windows Node.js itself, from the host.
    writeFileSync(
      join(payload, 'bin', 'serve.cmd'),
      `@echo serving\r\n@"${wine.winPath(wine.kit.nodeExe)}" -e "setInterval(() => {}, 1000)"\r\n`,
    );
    const b = spawnSync(
      process.execPath,
      [
        CLI,
        'image',
        'build',
        payload,
        '--tag',
        'localhost/win/serve:1',
        '--platform',
        'windows/amd64',
        '--root',
        wine.hostPath('C:\\hpd'),
        '-q',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(b.status, 0, b.stderr);
    const startDaemon = async (): Promise<WindowsProcess> => {
      const d = wine.spawnNode(
        CLI,
        [
          'daemon',
          '--root',
          'C:\\hpd',
          '--socket',
          PIPE,
          '--metrics-address',
          '127.0.0.1:0',
          '--static-pod-dir',
          '',
        ],
        { timeoutMs: 300_000 },
      );
      for (let i = 0; i < 300; i++) {
        if (readFileSync(d.stderrPath, 'utf8').includes('"msg":"serving"')) return d;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the daemon did not serve: ${readFileSync(d.stderrPath, 'utf8')}`);
    };
    const phaseOf = async (name: string) => {
      const g = await cli(['get', 'pods', '-o', 'json']);
      const list = JSON.parse(g.stdout || '{}') as {
        items?: {
          metadata: { name: string };
          status?: {
            phase?: string;
            containerStatuses?: { restartCount?: number; state?: Record<string, unknown> }[];
          };
        }[];
      };
      return list.items?.find((p) => p.metadata.name === name)?.status;
    };
    const first = await startDaemon();
    daemon = first;
    writeFileSync(
      wine.hostPath('C:\\serve.yaml'),
      `apiVersion: v1
kind: Pod
metadata: { name: serve }
spec:
  hostNetwork: true
  securityContext:
    windowsOptions: { hostProcess: true, runAsUserName: "NT AUTHORITY\\\\SYSTEM" }
  containers:
  - { name: main, image: localhost/win/serve:1, command: ["%CONTAINER_SANDBOX_MOUNT_POINT%\\\\bin\\\\serve.cmd"] }
`,
    );
    assert.equal((await cli(['apply', '-f', 'C:\\serve.yaml'])).exitCode, 0);
    let running = false;
    for (let i = 0; i < 60 && !running; i++) {
      await new Promise((r) => setTimeout(r, 500));
      running = (await phaseOf('serve'))?.containerStatuses?.[0]?.state?.running !== undefined;
    }
    assert.ok(running, readFileSync(first.stderrPath, 'utf8'));
    first.kill('SIGKILL');
    await first.exited;
    const second = await startDaemon();
    daemon = second;
    assert.match(readFileSync(second.stderrPath, 'utf8'), /"adopted":1/);
    const status = await phaseOf('serve');
    assert.equal(status?.phase, 'Running');
    assert.ok(status?.containerStatuses?.[0]?.state?.running, JSON.stringify(status));
    assert.equal(status?.containerStatuses?.[0]?.restartCount, 0, 'the same run, not a restart');
  });
});
