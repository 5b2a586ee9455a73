import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isMap, isSeq, parseAllDocuments } from 'yaml';
import { sharedFixtures } from '../lib/testing/shared-fixtures.ts';
import { type LintResult, lintDocuments, lintInputs } from './lint.ts';
import { parseManifestText } from './manifests.ts';

const { manifests: FIXTURES, skip: noFixtures } = sharedFixtures();
const fixtureFiles = (noFixtures ? [] : ['seed', 'sig-windows-tools']).flatMap((d) =>
  readdirSync(join(FIXTURES, d))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(d, f)),
);

function lintText(
  text: string,
  file = 'x.yaml',
  podSecurity?: 'baseline',
  validate?: 'strict' | 'warn' | 'ignore',
): LintResult {
  const r = parseManifestText(text, file);
  return lintDocuments(r.documents, r.problems, {
    ...(podSecurity ? { podSecurity } : {}),
    ...(validate ? { validate } : {}),
  });
}

describe('lint of the real-world fixtures (../shared/fixtures/manifests)', { skip: noFixtures }, () => {
  test('there are fixtures to lint', () => {
    assert.ok(fixtureFiles.length >= 7, `found ${fixtureFiles.length}`);
  });

  test('every fixture lints with no error; the CRD document is reported as skipped', async () => {
    const r = await lintInputs([FIXTURES], { cwd: FIXTURES });
    assert.deepEqual(r.inputProblems, []);
    assert.deepEqual(
      r.issues.filter((i) => i.severity === 'error'),
      [],
    );
    // They pin images, select the OS and use the known accounts; the one warning each workload
    // gets is HP010: it selects Windows nodes, which a hostpod node is not (lint says how to adapt).
    assert.deepEqual(
      r.issues.filter((i) => i.code !== 'HP010').map((i) => `${i.file} ${i.code} ${i.message}`),
      [],
    );
    assert.equal(r.issues.filter((i) => i.code === 'HP010').length, 7);
    for (const i of r.issues)
      assert.match(i.message, /remove the selector or set it to linux.*hostpod daemon --node-label/);
    const skipped = r.objects.filter((o) => o.status === 'skipped').map((o) => `${o.kind}/${o.name}`);
    assert.deepEqual(skipped, ['IPAMConfig/default']);
    const workloads = r.objects.filter((o) => ['Pod', 'DaemonSet'].includes(o.kind));
    assert.equal(workloads.length, 7);
  });

  /**
   * Each fixture, broken in three ways in each of its workloads, must produce the API server's
   * errors at the workload's own template path and at the line of the field.
   */
  for (const file of fixtureFiles) {
    test(`a broken copy of ${file} gives the expected errors at the right lines`, () => {
      const text = readFileSync(join(FIXTURES, file), 'utf8');
      const docs = parseAllDocuments(text);
      const expected: string[] = [];
      for (const doc of docs) {
        const kind = doc.get('kind');
        if (kind !== 'Pod' && kind !== 'DaemonSet') continue;
        const spec = kind === 'Pod' ? ['spec'] : ['spec', 'template', 'spec'];
        const sp = spec.join('.');
        doc.setIn([...spec, 'hostNetwork'], false);
        doc.setIn([...spec, 'securityContext', 'windowsOptions', 'runAsUserName'], 'a\\b\\c');
        const containers = doc.getIn([...spec, 'containers']);
        assert.ok(isSeq(containers));
        const first = containers.items[0];
        assert.ok(isMap(first));
        first.setIn(['securityContext', 'windowsOptions', 'hostProcess'], false);
        expected.push(
          `${sp}.securityContext.windowsOptions.runAsUserName: Invalid value: "a\\\\b\\\\c": runAsUserName cannot contain more than one backslash`,
          `${sp}.containers[0].securityContext.windowsOptions.hostProcess: Invalid value: false: pod hostProcess value must be identical if both are specified, was true`,
        );
        // The other containers still inherit hostProcess from the pod: then the pod mixes kinds and
        // lacks hostNetwork. With a single container there is no HostProcess container left.
        const inits = doc.getIn([...spec, 'initContainers']);
        const total = containers.items.length + (isSeq(inits) ? inits.items.length : 0);
        if (total > 1) {
          expected.push(
            `${sp}: Invalid value: "": If pod contains any hostProcess containers then all containers must be HostProcess containers`,
            `${sp}.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers`,
          );
        }
      }
      assert.ok(expected.length > 0);
      const broken = docs
        .map((d, i) => {
          const t = d.toString();
          return i === 0 || t.startsWith('---') ? t : `---\n${t}`;
        })
        .join('');
      const r = lintText(broken, file);
      const errors = r.issues.filter((i) => i.severity === 'error');
      assert.deepEqual(errors.map((e) => `${e.path}: ${e.message}`).sort(), expected.sort());
      // Positions point at the field in the broken text.
      const lines = broken.split('\n');
      for (const e of errors.filter((x) => x.path.endsWith('hostNetwork'))) {
        assert.match(lines[e.line - 1] ?? '', /hostNetwork: false/, `line ${e.line} of ${file}`);
      }
    });
  }
});

describe('lint warnings', () => {
  const base = (spec: string) =>
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: true\n  securityContext:\n    windowsOptions:\n      hostProcess: true\n      runAsUserName: "NT AUTHORITY\\\\SYSTEM"\n${spec}`;
  const codes = (r: LintResult) =>
    r.issues
      .filter((i) => i.severity === 'warning')
      .map((i) => i.code)
      .sort();

  test('HP002 and HP006 for an untagged image and no OS selection', () => {
    const r = lintText(base('  containers:\n  - name: a\n    image: busybox\n'));
    assert.deepEqual(codes(r), ['HP002', 'HP006']);
    assert.equal(r.errorCount, 0);
  });

  const sel = '  nodeSelector:\n    kubernetes.io/os: linux\n';
  test('HP001 for a cluster DNS name, HP003 for the token path, HP005 for an unknown account', () => {
    const r = lintText(
      base(
        `${sel}  containers:\n  - name: a\n    image: img:1\n    args: ["--server=https://api.default.svc:443", "--token=/var/run/secrets/kubernetes.io/serviceaccount/token"]\n    securityContext:\n      windowsOptions:\n        runAsUserName: hpc-group\n`,
      ),
    );
    assert.deepEqual(codes(r), ['HP001', 'HP003', 'HP005']);
    const hp001 = r.issues.find((i) => i.code === 'HP001')!;
    assert.equal(hp001.path, 'spec.containers[0].args[0]');
    assert.equal(hp001.line, 16);
    // The suggested path is a valid shell expansion, not $CONTAINER_SANDBOX_MOUNT_POINT glued to letters.
    const hp003 = r.issues.find((i) => i.code === 'HP003')!;
    assert.match(
      hp003.message,
      /"\$\{CONTAINER_SANDBOX_MOUNT_POINT\}\/var\/run\/secrets\/kubernetes\.io\/serviceaccount"/,
    );
    assert.doesNotMatch(hp003.message, /\$CONTAINER_SANDBOX_MOUNT_POINT[a-z]/);
  });

  test('a label or annotation YAML 1.1 reads as a boolean or number gets a "quote it" hint at its path', () => {
    const r = lintText(
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    enabled: yes\n    ok: "yes"\n  annotations:\n    x: off\n    num: 3\nspec:\n  containers:\n  - name: a\n    image: img:1\n`,
    );
    const errors = r.issues
      .filter((i) => i.severity === 'error')
      .map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`);
    assert.equal(errors.length, 3, errors.join('\n'));
    assert.match(
      errors[0]!,
      /^6:5 metadata\.labels\.enabled: Invalid value: true: must be a string: quote the value \(enabled: "…"\); YAML 1\.1 reads unquoted yes\/no\/on\/off/,
    );
    assert.match(errors[1]!, /^9:5 metadata\.annotations\.x: .*quote the value/);
    assert.match(errors[2]!, /^10:5 metadata\.annotations\.num: .*quote the value/);
  });

  test('HP004 for a socket hostPath, HP008 for nfs, HP007 for an unknown field', () => {
    const text = base(
      `${sel}  volumes:\n  - name: s\n    hostPath:\n      path: /run/x.sock\n      type: Socket\n  - name: n\n    nfs:\n      server: 10.0.0.1\n      path: /x\n  containers:\n  - name: a\n    image: img:1\n    imagePullPolcy: Always\n`,
    );
    const r = lintText(text, 'x.yaml', undefined, 'warn');
    assert.deepEqual(codes(r), ['HP004', 'HP007', 'HP008']);
    assert.equal(
      r.issues.find((i) => i.code === 'HP007')!.message,
      'unknown field "spec.containers[0].imagePullPolcy"',
    );
    // The default (strict, as kubectl apply): an error at the field, nothing else changes.
    const strict = lintText(text);
    assert.deepEqual(codes(strict), ['HP004', 'HP008']);
    const e = strict.issues.find((i) => i.code === 'HP007')!;
    assert.equal(e.severity, 'error');
    assert.equal(
      `${e.path}: ${e.message}`,
      'spec.containers[0].imagePullPolcy: unknown field "imagePullPolcy"',
    );
    assert.ok(
      !lintText(text, 'x.yaml', undefined, 'ignore').issues.some((i) => i.code === 'HP007'),
      'ignore: silent',
    );
  });

  test('HP009 for a pod that is not HostProcess', () => {
    const r = lintText(
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: img:1\n',
    );
    assert.deepEqual(codes(r), ['HP009']);
  });
});

describe('lint never throws on arbitrary input (property-based)', () => {
  test('lintDocuments() returns a well-formed result for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const text = JSON.stringify(value) ?? 'null';
        checkWellFormed(lintText(text));
      }),
      { numRuns: 300 },
    );
  });

  test('lintDocuments() returns a well-formed result for pod-shaped values with random fields', () => {
    const anyField = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined));
    const container = fc.record(
      {
        name: anyField,
        image: anyField,
        command: anyField,
        env: anyField,
        securityContext: anyField,
        resources: anyField,
        ports: anyField,
        volumeMounts: anyField,
        livenessProbe: anyField,
      },
      { requiredKeys: [] },
    );
    const pod = fc.record(
      {
        apiVersion: fc.constantFrom('v1', 'apps/v1', 7),
        kind: fc.constantFrom('Pod', 'DaemonSet', 'Job', 'CronJob', 'ConfigMap', 'Secret', 'List', 'Weird'),
        metadata: anyField,
        spec: fc.record(
          {
            containers: fc.oneof(fc.array(container, { maxLength: 3 }), anyField),
            initContainers: fc.oneof(fc.array(container, { maxLength: 2 }), anyField),
            hostNetwork: anyField,
            securityContext: anyField,
            volumes: anyField,
            template: anyField,
            os: anyField,
          },
          { requiredKeys: [] },
        ),
        items: anyField,
        data: anyField,
      },
      { requiredKeys: ['kind'] },
    );
    fc.assert(
      fc.property(pod, (value) => {
        checkWellFormed(lintText(JSON.stringify(value)));
      }),
      { numRuns: 500 },
    );
  });

  test('parseManifestText() + lint never throw for arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        checkWellFormed(lintText(text));
      }),
      { numRuns: 300 },
    );
  });
});

function checkWellFormed(r: LintResult): void {
  assert.equal(r.errorCount + r.warningCount, r.issues.length);
  assert.equal(r.errorCount, r.issues.filter((i) => i.severity === 'error').length);
  for (const i of r.issues) {
    assert.ok(i.line >= 1 && i.col >= 1, 'position');
    assert.equal(typeof i.path, 'string');
    assert.ok(i.message.length > 0, 'message');
    assert.ok(!/undefined|\[object Object\]/.test(i.message), `message leaks internals: ${i.message}`);
  }
  for (const p of r.inputProblems) assert.ok(p.message.length > 0);
}
