import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatPath } from './field-path.ts';
import { ctr, hpcPod, messages, validate } from './testing/pods.ts';

const HP = 'securityContext.windowsOptions.hostProcess';

describe('validateHostProcessPod() — the API server rules (spec §3, scenarios 1–6)', () => {
  test('scenario 1: an HPC pod whose two containers do not override is accepted', () => {
    assert.deepEqual(messages(hpcPod({}, [ctr('a'), ctr('b')])), []);
  });

  test('scenario 2: an HPC pod without hostNetwork fails at spec.hostNetwork', () => {
    const errs = validate(hpcPod({ hostNetwork: undefined }));
    assert.equal(errs.length, 1);
    assert.equal(formatPath(errs[0]!.path), 'spec.hostNetwork');
    assert.equal(errs[0]!.type, 'Invalid');
    assert.equal(errs[0]!.value, false);
    assert.equal(errs[0]!.detail, 'hostNetwork must be true if pod contains any hostProcess containers');
    assert.deepEqual(messages(hpcPod({ hostNetwork: false })), [
      'spec.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers',
    ]);
  });

  test('scenario 3: pod true and containers[1] false gives both errors', () => {
    const m = messages(hpcPod({}, [ctr('a'), ctr('b', { hostProcess: false })]));
    assert.deepEqual(m, [
      `spec.containers[1].${HP}: Invalid value: false: pod hostProcess value must be identical if both are specified, was true`,
      'spec: Invalid value: "": If pod contains any hostProcess containers then all containers must be HostProcess containers',
    ]);
  });

  test('scenario 4: pod unset, init container true, container unset → all-or-none error', () => {
    const pod = hpcPod(
      {
        securityContext: undefined,
        initContainers: [ctr('init', { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' })],
      },
      [ctr('main')],
    );
    assert.deepEqual(messages(pod), [
      'spec: Invalid value: "": If pod contains any hostProcess containers then all containers must be HostProcess containers',
    ]);
  });

  test('scenario 5: an ephemeral container without hostProcess in an all-HPC pod counts', () => {
    const pod = hpcPod({ securityContext: undefined, ephemeralContainers: [ctr('debug')] }, [
      ctr('a', { hostProcess: true }),
    ]);
    assert.deepEqual(messages(pod), [
      'spec: Invalid value: "": If pod contains any hostProcess containers then all containers must be HostProcess containers',
    ]);
  });

  test('scenario 6: allow-privileged=false forbids HostProcess pods at spec', () => {
    const errs = validate(hpcPod(), { allowPrivileged: false });
    assert.equal(errs.length, 1);
    assert.equal(errs[0]!.type, 'Forbidden');
    assert.deepEqual(messages(hpcPod(), { allowPrivileged: false }), [
      'spec: Forbidden: hostProcess containers are disallowed by cluster policy',
    ]);
  });

  test('pod false with a container true: mismatch plus all-or-none, and hostNetwork still checked', () => {
    const pod = hpcPod({ securityContext: { windowsOptions: { hostProcess: false } }, hostNetwork: false }, [
      ctr('a', { hostProcess: true }),
      ctr('b'),
    ]);
    assert.deepEqual(messages(pod), [
      `spec.containers[0].${HP}: Invalid value: true: pod hostProcess value must be identical if both are specified, was false`,
      'spec: Invalid value: "": If pod contains any hostProcess containers then all containers must be HostProcess containers',
      'spec.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers',
    ]);
  });

  test('a DaemonSet reports the rules at its template path', () => {
    const ds = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'ds' },
      spec: {
        selector: {},
        template: { metadata: {}, spec: (hpcPod({ hostNetwork: false }) as { spec: object }).spec },
      },
    };
    assert.deepEqual(messages(ds), [
      'spec.template.spec.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers',
    ]);
  });

  test('a pod with no HostProcess anywhere is not subject to the rules', () => {
    assert.deepEqual(messages(hpcPod({ securityContext: undefined, hostNetwork: false })), []);
  });
});

describe('validateRunAsUserName() — scenario 7 table', () => {
  const path = 'spec.securityContext.windowsOptions.runAsUserName';
  const cases: [string, string[]][] = [
    ['', ['runAsUserName cannot be an empty string']],
    ['a\\b\\c', ['runAsUserName cannot contain more than one backslash']],
    ['x\ty', ['runAsUserName cannot contain control characters']],
    ['DOM\\', ["runAsUserName's User cannot be empty"]],
    ['u'.repeat(105), ["runAsUserName's User length must not be longer than 104 characters"]],
    ['u'.repeat(104), []],
    ['...', ["runAsUserName's User cannot contain only periods or spaces"]],
    [' . ', ["runAsUserName's User cannot contain only periods or spaces"]],
    ['us@r', ['runAsUserName\'s User cannot contain the following characters: "/\\:;|=,+*?<>@[]']],
    ['.bad\\u', ["runAsUserName's Domain doesn't match the NetBios nor the DNS format"]],
    [
      `${'d'.repeat(256)}\\u`,
      [
        "runAsUserName's Domain length must be under 256 characters",
        "runAsUserName's Domain doesn't match the NetBios nor the DNS format",
      ],
    ],
    ['NT AUTHORITY\\SYSTEM', []],
    ['NT AUTHORITY\\Local service', []],
    ['NT AUTHORITY\\NetworkService', []],
    ['hpc-localgroup', []],
    ['corp.example.com\\svc', []],
    ['DOM\\...', ["runAsUserName's User cannot contain only periods or spaces"]],
    [
      '.x\\...',
      [
        "runAsUserName's Domain doesn't match the NetBios nor the DNS format",
        "runAsUserName's User cannot contain only periods or spaces",
      ],
    ],
  ];
  for (const [name, expected] of cases) {
    test(`runAsUserName ${JSON.stringify(name.length > 30 ? `${name.slice(0, 20)}…(${name.length})` : name)}`, () => {
      const pod = hpcPod({ securityContext: { windowsOptions: { hostProcess: true, runAsUserName: name } } });
      const errs = validate(pod);
      assert.deepEqual(
        errs.map((e) => e.detail),
        expected,
      );
      for (const e of errs) {
        assert.equal(formatPath(e.path), path);
        assert.equal(e.type, 'Invalid');
        assert.equal(e.value, name);
      }
    });
  }

  test('the rendered message quotes the value like the API server', () => {
    const pod = hpcPod({
      securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'a\\b\\c' } },
    });
    assert.deepEqual(messages(pod), [
      `${path}: Invalid value: "a\\\\b\\\\c": runAsUserName cannot contain more than one backslash`,
    ]);
  });

  test('container-level runAsUserName is checked at its own path', () => {
    const pod = hpcPod({}, [ctr('a', { runAsUserName: '' })]);
    assert.deepEqual(messages(pod), [
      'spec.containers[0].securityContext.windowsOptions.runAsUserName: Invalid value: "": runAsUserName cannot be an empty string',
    ]);
  });
});

describe('validateWindowsOptions() — gMSA fields', () => {
  test('gmsaCredentialSpec empty and too large', () => {
    const p = 'spec.containers[0].securityContext.windowsOptions.gmsaCredentialSpec';
    assert.deepEqual(messages(hpcPod({}, [ctr('a', { gmsaCredentialSpec: '' })])), [
      `${p}: Invalid value: "": gmsaCredentialSpec cannot be an empty string`,
    ]);
    const errs = validate(hpcPod({}, [ctr('a', { gmsaCredentialSpec: 'x'.repeat(64 * 1024 + 1) })]));
    assert.equal(errs.length, 1);
    assert.equal(errs[0]!.detail, 'gmsaCredentialSpec size must be under 64 KiB');
    assert.deepEqual(validate(hpcPod({}, [ctr('a', { gmsaCredentialSpec: 'x'.repeat(64 * 1024) })])), []);
  });

  test('gmsaCredentialSpecName must be a DNS-1123 subdomain', () => {
    const errs = validate(hpcPod({}, [ctr('a', { gmsaCredentialSpecName: 'Bad_Name' })]));
    assert.equal(errs.length, 1);
    assert.equal(
      formatPath(errs[0]!.path),
      'spec.containers[0].securityContext.windowsOptions.gmsaCredentialSpecName',
    );
    assert.match(errs[0]!.detail, /^a lowercase RFC 1123 subdomain must consist of/);
    assert.deepEqual(validate(hpcPod({}, [ctr('a', { gmsaCredentialSpecName: 'webapp1.credspec' })])), []);
  });
});

describe('validateOsRules() — scenario 8', () => {
  test('os linux with windowsOptions is forbidden at the pod and each container', () => {
    const pod = hpcPod({ os: { name: 'linux' } }, [ctr('a', { hostProcess: true })]);
    assert.deepEqual(messages(pod), [
      'spec.securityContext.windowsOptions: Forbidden: windows options cannot be set for a linux pod',
      'spec.containers[0].securityContext.windowsOptions: Forbidden: windows options cannot be set for a linux pod',
    ]);
  });

  test('os windows forbids linux-only fields, e.g. a container runAsUser', () => {
    const pod = hpcPod({ os: { name: 'windows' } }, [
      ctr('a', undefined, { securityContext: { runAsUser: 0 } }),
    ]);
    assert.deepEqual(messages(pod), [
      'spec.containers[0].securityContext.runAsUser: Forbidden: cannot be set for a windows pod',
    ]);
    const pod2 = hpcPod({ os: { name: 'windows' }, hostPID: true });
    assert.deepEqual(messages(pod2), ['spec.hostPID: Forbidden: cannot be set for a windows pod']);
  });

  test('os windows with an HPC pod and nothing Linux-only is accepted; spec.os unset too', () => {
    assert.deepEqual(messages(hpcPod({ os: { name: 'windows' } })), []);
    assert.deepEqual(messages(hpcPod()), []);
  });
});
