import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseQuantity } from '../api/quantity.ts';
import { isRuntimeError } from '../errors.ts';
import { containerInput } from './container-input.ts';
import { type Allocatable, expandKubernetesVars, resolveEnv, resourceFieldValue } from './env.ts';
import type { NodeInfo } from './node.ts';
import { manifestSet } from './volumes/testing/manifest-set.ts';

const node: NodeInfo = { name: 'node-a', ip: '10.0.0.7', labels: {} };
const allocatable: Allocatable = {
  cpuMilli: 4000n,
  memoryBytes: 8n << 30n,
  ephemeralStorageBytes: 100n << 30n,
};

test('expandKubernetesVars() follows the kubelet expansion rules', () => {
  const env = new Map([
    ['A', 'a'],
    ['EMPTY', ''],
    ['B', 'b$(A)'],
  ]);
  // [input, expected]
  const cases: [string, string][] = [
    ['plain', 'plain'],
    ['$(A)', 'a'],
    ['x$(A)y$(A)z', 'xayaz'],
    ['$(EMPTY)-', '-'],
    ['$(B)', 'b$(A)'], // values are not expanded again
    ['$(MISSING)', '$(MISSING)'],
    ['$$(A)', '$(A)'],
    ['$$$(A)', '$a'],
    ['$$', '$'],
    ['$$$$', '$$'],
    ['$(A', '$(A'],
    ['$(', '$('],
    ['$', '$'],
    ['a$', 'a$'],
    ['$A', '$A'],
    ['$env:CONTAINER_SANDBOX_MOUNT_POINT/x', '$env:CONTAINER_SANDBOX_MOUNT_POINT/x'],
    ['$()', '$()'],
    ['$(A)$(A', 'a$(A'],
    ['ünï$(A)cödé', 'ünïacödé'],
  ];
  for (const [input, expected] of cases) assert.equal(expandKubernetesVars(input, env), expected, input);
  // A list: a later entry of the same name wins.
  assert.equal(
    expandKubernetesVars('$(X)', [
      { name: 'X', value: '1' },
      { name: 'X', value: '2' },
    ]),
    '2',
  );
});

const SET = `
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data:
  mode: fast
  LEVEL: "3"
  bad=key: x
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData:
  password: s3cret
  USER: admin
---
apiVersion: v1
kind: ConfigMap
metadata: {name: other, namespace: elsewhere}
data: {mode: wrong-namespace}
`;

function podWith(containerYaml: string, meta = ''): string {
  return `${SET}---
apiVersion: v1
kind: Pod
metadata:
  name: envpod
  uid: 1234-abcd
  labels: {app: web}
${meta}spec:
  hostNetwork: true
  serviceAccountName: sa1
  securityContext:
    windowsOptions: {hostProcess: true, runAsUserName: "NT AUTHORITY\\\\SYSTEM"}
  containers:
  - name: c
    image: img
${containerYaml}`;
}

function envOf(containerYaml: string, warnings?: string[]) {
  const { pods, objects } = manifestSet(podWith(containerYaml));
  const pod = pods[0]!;
  return resolveEnv(pod, pod.spec.containers[0]!, {
    node,
    objects,
    allocatable,
    ...(warnings ? { warnings } : {}),
  });
}

test('resolveEnv() resolves literal, fieldRef, configMap and secret sources in order with $(VAR) expansion', () => {
  const env = envOf(`    env:
    - {name: FIRST, value: "one"}
    - {name: SECOND, value: "$(FIRST)-two-$(THIRD)"}
    - {name: THIRD, value: "three"}
    - {name: ESC, value: "$$(FIRST)"}
    - name: MODE
      valueFrom: {configMapKeyRef: {name: cfg, key: mode}}
    - name: PW
      valueFrom: {secretKeyRef: {name: creds, key: password}}
    - name: NODE
      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
    - name: IP
      valueFrom: {fieldRef: {fieldPath: status.podIP}}
    - name: APP
      valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}
    - name: SA
      valueFrom: {fieldRef: {fieldPath: spec.serviceAccountName}}
    - {name: USES_MODE, value: "m=$(MODE)"}
`);
  assert.deepEqual(env, [
    { name: 'FIRST', value: 'one' },
    // THIRD is declared later: left as written, like the kubelet.
    { name: 'SECOND', value: 'one-two-$(THIRD)' },
    { name: 'THIRD', value: 'three' },
    { name: 'ESC', value: '$(FIRST)' },
    { name: 'MODE', value: 'fast' },
    { name: 'PW', value: 's3cret' },
    { name: 'NODE', value: 'node-a' },
    { name: 'IP', value: '10.0.0.7' },
    { name: 'APP', value: 'web' },
    { name: 'SA', value: 'sa1' },
    { name: 'USES_MODE', value: 'm=fast' },
  ]);
});

test('resolveEnv() envFrom adds every key with its prefix, env overrides it, invalid names are skipped with a warning', () => {
  const warnings: string[] = [];
  const env = envOf(
    `    envFrom:
    - configMapRef: {name: cfg}
      prefix: CFG_
    - secretRef: {name: creds}
    - configMapRef: {name: missing, optional: true}
    env:
    - {name: USER, value: "$(CFG_LEVEL)-override"}
`,
    warnings,
  );
  assert.deepEqual(env, [
    { name: 'CFG_mode', value: 'fast' },
    { name: 'CFG_LEVEL', value: '3' },
    { name: 'password', value: 's3cret' },
    { name: 'USER', value: '3-override' },
  ]);
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0]!,
    /Keys \[CFG_bad=key\] from the EnvFrom configMap default\/cfg were skipped since they are considered invalid environment variable names/,
  );
});

test('resolveEnv() optional references to a missing object or key are left out', () => {
  const env = envOf(`    env:
    - name: A
      valueFrom: {configMapKeyRef: {name: nope, key: k, optional: true}}
    - name: B
      valueFrom: {configMapKeyRef: {name: cfg, key: nokey, optional: true}}
    - name: C
      valueFrom: {secretKeyRef: {name: nope, key: k, optional: true}}
    - name: D
      valueFrom: {secretKeyRef: {name: creds, key: nokey, optional: true}}
    - {name: E, value: e}
`);
  assert.deepEqual(env, [{ name: 'E', value: 'e' }]);
});

test('resolveEnv() a missing required reference fails with the kubelet CreateContainerConfigError message', () => {
  const cases: [string, string][] = [
    [
      '    env:\n    - name: A\n      valueFrom: {configMapKeyRef: {name: nope, key: k}}\n',
      'CreateContainerConfigError: configmap "nope" not found',
    ],
    [
      '    env:\n    - name: A\n      valueFrom: {configMapKeyRef: {name: cfg, key: nokey}}\n',
      "CreateContainerConfigError: couldn't find key nokey in ConfigMap default/cfg",
    ],
    [
      '    env:\n    - name: A\n      valueFrom: {secretKeyRef: {name: nope, key: k}}\n',
      'CreateContainerConfigError: secret "nope" not found',
    ],
    [
      '    env:\n    - name: A\n      valueFrom: {secretKeyRef: {name: creds, key: nokey}}\n',
      "CreateContainerConfigError: couldn't find key nokey in Secret default/creds",
    ],
    // Another namespace's ConfigMap is not this pod's.
    [
      '    envFrom:\n    - configMapRef: {name: other}\n',
      'CreateContainerConfigError: configmap "other" not found',
    ],
    ['    envFrom:\n    - secretRef: {name: nope}\n', 'CreateContainerConfigError: secret "nope" not found'],
  ];
  for (const [yaml, message] of cases) {
    assert.throws(
      () => envOf(yaml),
      (e: unknown) => isRuntimeError(e, 'FailedPrecondition') && e.message === message,
      message,
    );
  }
});

test('resourceFieldValue() applies the divisor rounding up, and node allocatable for an unset limit', () => {
  const { pods } = manifestSet(
    podWith(`    resources:
      limits: {cpu: 1500m, memory: 1Gi}
      requests: {cpu: 250m}
`),
  );
  const c = pods[0]!.spec.containers[0]!;
  const q = (s: string) => {
    const r = parseQuantity(s);
    assert.ok(r.ok);
    return r.value;
  };
  const v = (resource: string, divisor?: string) =>
    resourceFieldValue(c, { resource, ...(divisor ? { divisor: q(divisor) } : {}) }, allocatable);
  assert.equal(v('limits.cpu'), '2'); // 1.5 cores, rounded up
  assert.equal(v('limits.cpu', '1m'), '1500');
  assert.equal(v('requests.cpu', '1m'), '250');
  assert.equal(v('limits.memory'), String(1 << 30));
  assert.equal(v('limits.memory', '1Mi'), '1024');
  assert.equal(v('requests.memory', '1Mi'), '1024'); // defaulted from the limit
  assert.equal(v('limits.ephemeral-storage', '1Gi'), '100'); // unset: node allocatable
  assert.equal(v('requests.ephemeral-storage'), '0');
  assert.equal(v('limits.hugepages-2Mi'), undefined);

  const bare = manifestSet(podWith('')).pods[0]!.spec.containers[0]!;
  assert.equal(resourceFieldValue(bare, { resource: 'limits.cpu' }, allocatable), '4');
  assert.equal(resourceFieldValue(bare, { resource: 'limits.memory', divisor: q('1Gi') }, allocatable), '8');
});

test('containerInput() expands $(VAR) in command and args from the resolved env', () => {
  const { pods, objects } = manifestSet(
    podWith(`    command: ["echo", "$(MODE)", "$$(MODE)"]
    args: ["$(NODE)", "$(NOPE)", "%CONTAINER_SANDBOX_MOUNT_POINT%/x"]
    env:
    - name: MODE
      valueFrom: {configMapKeyRef: {name: cfg, key: mode}}
    - name: NODE
      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
`),
  );
  const pod = pods[0]!;
  const input = containerInput(pod, pod.spec.containers[0]!, 'id1', node, [], objects);
  assert.deepEqual(input.command, ['echo', 'fast', '$(MODE)']);
  assert.deepEqual(input.args, ['node-a', '$(NOPE)', '%CONTAINER_SANDBOX_MOUNT_POINT%/x']);
});

test('expandKubernetesVars() gives back any text whose $ are escaped as $$, whatever the env', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: fc.constantFrom('$', '(', ')', 'A', 'b', ' ', 'é') }),
      fc.dictionary(fc.constantFrom('A', 'b', 'A)', ''), fc.string()),
      (text, vars) => {
        const env = new Map(Object.entries(vars));
        assert.equal(expandKubernetesVars(text.replaceAll('$', '$$$$'), env), text);
      },
    ),
  );
});
