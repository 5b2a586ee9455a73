import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sharedFixtures } from '../../lib/testing/shared-fixtures.ts';
import { runCliCaptured } from '../testing/run.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const { manifests: FIXTURES, skip: noFixtures } = sharedFixtures();

const GOOD = `apiVersion: v1
kind: Pod
metadata:
  name: good
spec:
  hostNetwork: true
  nodeSelector:
    kubernetes.io/os: linux
  securityContext:
    windowsOptions:
      hostProcess: true
      runAsUserName: "NT AUTHORITY\\\\SYSTEM"
  containers:
  - name: a
    image: example/a:1.0
`;

describe('hostpod lint', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hostpod-lint-'));
    await writeFile(join(dir, 'good.yaml'), GOOD);
    await writeFile(join(dir, 'bad.yaml'), GOOD.replace('hostNetwork: true', 'hostNetwork: false'));
    await writeFile(join(dir, 'broken.yaml'), 'kind: Pod\nspec: [\n');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('exit 0 and a summary for a valid manifest', async () => {
    const r = await runCliCaptured(['lint', 'good.yaml'], { cwd: dir });
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '0 errors, 0 warnings in 1 object\n');
  });

  test('exit 1 with file:line:col  path: message for an invalid manifest', async () => {
    const r = await runCliCaptured(['lint', 'bad.yaml'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout,
      'bad.yaml:6:3  spec.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers\n' +
        '1 error, 0 warnings in 1 object\n',
    );
  });

  test('an unknown field is an error (exit 1, path and file:line:col) unless --validate=warn or ignore', async () => {
    await writeFile(
      join(dir, 'typo.yaml'),
      GOOD.replace(
        '    image: example/a:1.0\n',
        '    image: example/a:1.0\n    comand: [x]\n    resource: {}\n',
      ),
    );
    let r = await runCliCaptured(['lint', 'typo.yaml'], { cwd: dir });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /^typo\.yaml:16:5 {2}spec\.containers\[0\]\.comand: unknown field "comand"$/m);
    assert.match(r.stdout, /^typo\.yaml:17:5 {2}spec\.containers\[0\]\.resource: unknown field "resource"$/m);
    assert.match(r.stdout, /2 errors, 0 warnings in 1 object/);
    for (const strict of ['--validate=strict', '--validate=true', '--validate']) {
      // A bare --validate goes last: before a file it would take the file name as its value.
      r = await runCliCaptured(['lint', 'typo.yaml', strict], { cwd: dir });
      assert.equal(r.code, 1, strict);
    }
    r = await runCliCaptured(['lint', '--validate=warn', 'typo.yaml'], { cwd: dir });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /typo\.yaml:16:5 {2}spec\.containers\[0\]\.comand: warning HP007: unknown field/);
    for (const quiet of ['--validate=ignore', '--validate=false']) {
      r = await runCliCaptured(['lint', quiet, 'typo.yaml'], { cwd: dir });
      assert.equal(r.code, 0, r.stdout);
      assert.doesNotMatch(r.stdout, /comand/);
    }
    r = await runCliCaptured(['lint', '--validate=loose', 'typo.yaml'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--validate "loose": expected strict, warn or ignore/);
  });

  test('exit 2 for unusable input (not YAML, missing file), with the reason', async () => {
    const r = await runCliCaptured(['lint', 'broken.yaml', 'missing.yaml'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stdout, /^broken\.yaml:\d+:\d+ {2}error: invalid YAML: /m);
    assert.match(r.stdout, /^missing\.yaml {2}error: no such file or directory$/m);
    assert.equal(r.stderr, '');
  });

  test('-o json gives a machine-readable result', async () => {
    const r = await runCliCaptured(['lint', '-o', 'json', 'bad.yaml'], { cwd: dir });
    assert.equal(r.code, 1);
    const j = JSON.parse(r.stdout) as {
      errorCount: number;
      issues: { path: string; line: number; code: string }[];
    };
    assert.equal(j.errorCount, 1);
    assert.deepEqual(
      j.issues.map((i) => [i.path, i.line, i.code]),
      [['spec.hostNetwork', 6, 'Invalid']],
    );
  });

  test('reads stdin with -', async () => {
    const r = await runCliCaptured(['lint', '-'], { cwd: dir, stdin: GOOD.replace('name: a', 'name: A') });
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /^<stdin>:14:5 {2}spec\.containers\[0\]\.name: Invalid value: "A": a lowercase RFC 1123 label/m,
    );
  });

  test('--pod-security baseline denies a HostProcess pod with PSA reasons (exit 1); privileged admits', async () => {
    const r = await runCliCaptured(['lint', '--pod-security', 'baseline', 'good.yaml'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /good\.yaml:1:1 {2}Pod\/good: violates PodSecurity "baseline:latest": hostProcess \(pod must not set securityContext\.windowsOptions\.hostProcess=true\), host namespaces \(hostNetwork\)/,
    );
    const p = await runCliCaptured(['lint', '--pod-security', 'privileged', 'good.yaml'], { cwd: dir });
    assert.equal(p.code, 0);
    assert.match(p.stdout, /admitted by PodSecurity "privileged:latest"/);
  });

  test('--no-allow-privileged reports the cluster-policy error', async () => {
    const r = await runCliCaptured(['lint', '--no-allow-privileged', 'good.yaml'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /spec: Forbidden: hostProcess containers are disallowed by cluster policy/);
  });

  test('a bad option value is a usage error (exit 2)', async () => {
    const r = await runCliCaptured(['lint', '--pod-security', 'lax', 'good.yaml'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /lax/);
  });

  test('the shared fixtures lint without errors; each Windows-only workload gets HP010 saying how to adapt it', {
    skip: noFixtures,
  }, async () => {
    const r = await runCliCaptured(['lint', FIXTURES], { cwd: ROOT });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /0 errors, 7 warnings in 10 objects \(1 skipped\)\n$/);
    assert.match(
      r.stdout,
      /csi-proxy\.yaml:16:9 {2}spec\.template\.spec\.nodeSelector\.kubernetes\.io\/os: warning HP010: selects Windows nodes/,
    );
  });
});

describe('the built executable', () => {
  const bin = join(ROOT, 'hostpod');
  const built = existsSync(join(ROOT, 'dist/cli/main.js'));
  test('hostpod --version and --help work from the checkout', {
    skip: !built && 'run npm run build first',
  }, () => {
    const v = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    assert.equal(v.status, 0);
    assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
    const h = spawnSync(bin, ['lint', '--help'], { encoding: 'utf8' });
    assert.equal(h.status, 0);
    assert.match(h.stdout, /Exit codes:\n {2}0 {2}no error\n {2}1 {2}errors found/);
  });
});
