import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ctr, hpcPod, messages } from './testing/pods.ts';

/** [description, pod, the exact API-server-style messages expected] */
const cases: [string, Record<string, unknown>, string[]][] = [
  ['a valid HPC pod', hpcPod(), []],
  [
    'container names: empty, not a DNS-1123 label, duplicated across lists',
    hpcPod({ initContainers: [ctr('dup')] }, [ctr(''), ctr('Bad_Name'), ctr('dup')]),
    [
      'spec.containers[0].name: Required value',
      "spec.containers[1].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      'spec.containers[2].name: Duplicate value: "dup"',
    ],
  ],
  ['image required', hpcPod({}, [{ name: 'a' }]), ['spec.containers[0].image: Required value']],
  ['no containers', hpcPod({}, []), ['spec.containers: Required value']],
  [
    'volumes: names unique, exactly one source',
    hpcPod({
      volumes: [
        { name: 'v', emptyDir: {} },
        { name: 'v', emptyDir: {} },
        { name: 'w' },
        { name: 'x', emptyDir: {}, hostPath: { path: '/x' } },
      ],
    }),
    [
      'spec.volumes[1].name: Duplicate value: "v"',
      'spec.volumes[2]: Required value: must specify a volume type',
      'spec.volumes[3].emptyDir: Forbidden: may not specify more than 1 volume type',
    ],
  ],
  [
    'volumeMounts: unknown volume, missing and duplicate mountPath, subPath rules',
    hpcPod({ volumes: [{ name: 'v', emptyDir: {} }] }, [
      ctr('a', undefined, {
        volumeMounts: [
          { name: 'nope', mountPath: '/a' },
          { name: 'v', mountPath: '/a' },
          { name: 'v', mountPath: '' },
          { name: 'v', mountPath: '/b', subPath: '/abs' },
          { name: 'v', mountPath: '/c', subPath: 'x/../../y' },
          { name: 'v', mountPath: '/d', subPath: 'x', subPathExpr: '$(POD)' },
        ],
      }),
    ]),
    [
      'spec.containers[0].volumeMounts[0].name: Not found: "nope"',
      'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/a": must be unique',
      'spec.containers[0].volumeMounts[2].mountPath: Required value',
      'spec.containers[0].volumeMounts[3].subPath: Invalid value: "/abs": must be a relative path',
      'spec.containers[0].volumeMounts[4].subPath: Invalid value: "x/../../y": must not contain \'..\'',
      'spec.containers[0].volumeMounts[5].subPathExpr: Invalid value: "$(POD)": subPathExpr and subPath are mutually exclusive',
    ],
  ],
  [
    'env names and value sources',
    hpcPod({}, [
      ctr('a', undefined, {
        env: [
          { name: '' },
          { name: 'A=B' },
          { name: 'OK', value: 'x', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'F', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } },
          { name: 'G', valueFrom: {} },
        ],
      }),
    ]),
    [
      'spec.containers[0].env[0].name: Required value',
      'spec.containers[0].env[1].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than \'=\'',
      'spec.containers[0].env[2].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
      'spec.containers[0].env[3].valueFrom.fieldRef.fieldPath: Unsupported value: "spec.bogus": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
      'spec.containers[0].env[4].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
    ],
  ],
  [
    'ports and protocols',
    hpcPod({}, [
      ctr('a', undefined, {
        ports: [
          { containerPort: 0 },
          { containerPort: 70000 },
          { containerPort: 80, protocol: 'HTTP' },
          { containerPort: 81, hostPort: -1 },
        ],
      }),
    ]),
    [
      'spec.containers[0].ports[0].containerPort: Required value',
      'spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.containers[0].ports[2].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      'spec.containers[0].ports[3].hostPort: Invalid value: -1: must be between 1 and 65535, inclusive',
    ],
  ],
  [
    'enums: restartPolicy, dnsPolicy, imagePullPolicy',
    hpcPod({ restartPolicy: 'Sometimes', dnsPolicy: 'Magic' }, [
      ctr('a', undefined, { imagePullPolicy: 'Maybe' }),
    ]),
    [
      'spec.containers[0].imagePullPolicy: Unsupported value: "Maybe": supported values: "Always", "IfNotPresent", "Never"',
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      'spec.dnsPolicy: Unsupported value: "Magic": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
    ],
  ],
  [
    'resources: invalid quantity, negative, requests above limits',
    hpcPod({}, [
      ctr('a', undefined, {
        resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '1', memory: 'lots' } },
      }),
      ctr('b', undefined, { resources: { limits: { memory: '-1Mi' } } }),
    ]),
    [
      'spec.containers[0].resources.requests.memory: Invalid value: "lots": quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'',
      'spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m',
      'spec.containers[1].resources.limits.memory: Invalid value: "-1Mi": must be greater than or equal to 0',
    ],
  ],
  [
    'probes: none, two handlers, successThreshold for liveness',
    hpcPod({}, [
      ctr('a', undefined, {
        livenessProbe: { periodSeconds: 5 },
        readinessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 } },
        startupProbe: { exec: { command: ['true'] }, successThreshold: 2 },
      }),
    ]),
    [
      'spec.containers[0].livenessProbe: Required value: must specify a handler type',
      'spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type',
      'spec.containers[0].startupProbe.successThreshold: Invalid value: 2: must be 1',
    ],
  ],
  [
    'a DaemonSet template must restart Always',
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'ds' },
      spec: { template: { spec: { ...(hpcPod().spec as object), restartPolicy: 'Never' } } },
    },
    ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
  ],
  [
    'wrong types are reported at their path and do not stop validation',
    hpcPod({ hostNetwork: 'yes', terminationGracePeriodSeconds: '30' }, [{ name: 'a', image: 7 }]),
    [
      'spec.hostNetwork: Invalid value: "yes": must be a boolean (true or false)',
      'spec.containers[0].image: Invalid value: 7: must be a string',
      'spec.terminationGracePeriodSeconds: Invalid value: "30": must be an integer',
      'spec.containers[0].image: Required value',
      'spec.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers',
    ],
  ],
  [
    'metadata.name required',
    { ...hpcPod(), metadata: {} },
    ['metadata.name: Required value: name or generateName is required'],
  ],
];

for (const [name, pod, expected] of cases) {
  test(`validatePodSpec() ${name}`, () => {
    assert.deepEqual(messages(pod), expected);
  });
}
