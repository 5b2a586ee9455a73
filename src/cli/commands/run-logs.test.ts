/**
 * `hostpod run --log-max-size/--log-max-files`: the containers' logs are rotated by their shims
 * while `hostpod run` streams them without a gap (needs root; the CLI in a child process).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { removeTestRoot } from '../../lib/testing/remove-test-root.ts';
import { REPO, runCliSync } from '../testing/spawn-cli.ts';
import { parseLogRotation } from './run.ts';

const isRoot = process.getuid?.() === 0;
const IMAGE = 'localhost/hostpod-example:1.0';

test('parseLogRotation() takes Kubernetes quantities and a file count of 2 or more; refuses the rest', () => {
  assert.deepEqual(parseLogRotation('10Mi', '5'), { maxBytes: 10 * 1024 * 1024, maxFiles: 5 });
  assert.deepEqual(parseLogRotation('1M', '2'), { maxBytes: 1_000_000, maxFiles: 2 });
  assert.deepEqual(parseLogRotation('4096', '1000'), { maxBytes: 4096, maxFiles: 1000 });
  for (const [size, files] of [
    ['0', '5'],
    ['-1Mi', '5'],
    ['ten', '5'],
    ['10Mi', '1'],
    ['10Mi', '1001'],
    ['10Mi', 'x'],
    ['10Mi', '2.5'],
  ] as const) {
    assert.throws(
      () => parseLogRotation(size, files),
      (e: unknown) => isRuntimeError(e, 'InvalidArgument'),
      `${size} ${files}`,
    );
  }
});

describe('hostpod run log rotation', { skip: !isRoot && 'needs root' }, () => {
  let root = '';
  let env: NodeJS.ProcessEnv = {};
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'hostpod-cli-logs-'));
    env = { HOSTPOD_ROOT: root };
    const b = runCliSync(['image', 'build', join(REPO, 'examples/image'), '--tag', IMAGE], { env });
    assert.equal(b.status, 0, b.stderr);
  });
  after(async () => {
    await removeTestRoot(root);
  });

  test('hostpod run --log-max-size 16Ki --log-max-files 3 streams every line while the log rotates, and keeps 3 files', async () => {
    // 10 bursts of 500 lines (≈ 30 KB each, within the 48 KiB kept) while run follows the log.
    const awk = `awk -v b=$b 'BEGIN { for (i = 1; i <= 500; i++) printf "%06d some output to rotate\\n", b * 500 + i }'`;
    const script = `sleep 0.3; for b in 0 1 2 3 4 5 6 7 8 9; do ${awk}; sleep 0.1; done`;
    const manifest = `apiVersion: v1
kind: Pod
metadata: {name: chatty}
spec:
  hostNetwork: true
  restartPolicy: Never
  securityContext: {windowsOptions: {hostProcess: true, runAsUserName: "NT AUTHORITY\\\\SYSTEM"}}
  containers:
  - name: main
    image: ${IMAGE}
    command: ${JSON.stringify(['/bin/sh', '-c', script])}
`;
    const r = runCliSync(['run', '-q', '--log-max-size', '16Ki', '--log-max-files', '3', '-f', '-'], {
      env,
      input: manifest,
    });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n').filter(Boolean);
    assert.equal(lines.length, 5000, 'every line streamed once');
    lines.forEach((l, i) => {
      if (!l.startsWith(String(i + 1).padStart(6, '0'))) assert.fail(`line ${i + 1} is ${l}`);
    });
    const [id] = await readdir(join(root, 'containers'));
    const files = (await readdir(join(root, 'containers', id as string))).filter((f) =>
      f.startsWith('container.log'),
    );
    assert.deepEqual(files.sort(), ['container.log', 'container.log.1', 'container.log.2']);
  });

  test('hostpod run with a bad --log-max-files exits 2 before reading the manifests', () => {
    const r = runCliSync(['run', '--log-max-files', '1', '-f', '/nonexistent.yaml'], { env });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--log-max-files "1" is not a number from 2 to 1000/);
  });
});
