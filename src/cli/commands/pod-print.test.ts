import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerStatus, PodStatus } from '../../api/pod-status-types.ts';
import type { EventView, PodView } from '../../api/protocol.ts';
import { formatEvents } from './events.ts';
import { describePod, eventAge, tabwrite } from './pod-describe.ts';
import { age, formatPodTable, humanDuration, podColumns, toKubeList, toKubePod } from './pod-print.ts';
import { cpuCell, formatTop, memoryCell } from './top.ts';

const NOW = new Date('2026-03-01T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();

function container(name: string, extra: Partial<ContainerStatus> = {}): ContainerStatus {
  return {
    name,
    image: 'example/agent:1',
    containerID: `hostpod://${name}-id`,
    state: { running: { startedAt: ago(300) } },
    lastState: {},
    restartCount: 0,
    ready: true,
    started: true,
    ...extra,
  };
}

function view(
  name: string,
  status: Partial<PodStatus>,
  extra: Partial<PodView> = {},
  containers = ['main'],
): PodView {
  return {
    uid: `uid-${name}`,
    namespace: 'default',
    name,
    manifest: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: 'agent', tier: 'node' } },
      spec: {
        containers: containers.map((c) => ({
          name: c,
          image: 'example/agent:1',
          env: [{ name: 'MODE', value: 'fast' }],
        })),
        volumes: [{ name: 'data', hostPath: { path: '/var/data', type: 'DirectoryOrCreate' } }],
      },
    },
    source: { kind: 'apply' },
    createdAt: ago(3600 * 5 + 60 * 7),
    generation: 1,
    phase: status.phase ?? 'Running',
    status: {
      phase: 'Running',
      conditions: [
        { type: 'Initialized', status: 'True', lastTransitionTime: ago(600) },
        { type: 'Ready', status: 'True', lastTransitionTime: ago(600) },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: ago(600) },
      ],
      startTime: '2026-03-01T06:52:00Z',
      initContainerStatuses: [],
      containerStatuses: containers.map((c) => container(c)),
      ...status,
    },
    ...extra,
  };
}

test('humanDuration() matches kubectl at each boundary', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [119, '119s'],
    [120, '2m'],
    [125, '2m5s'],
    [600, '10m'],
    [3 * 3600 - 1, '179m'],
    [3 * 3600, '3h'],
    [5 * 3600 + 7 * 60, '5h7m'],
    [8 * 3600, '8h'],
    [47 * 3600, '47h'],
    [50 * 3600, '2d2h'],
    [9 * 86400, '9d'],
    [800 * 86400, '2y70d'],
    [9 * 365 * 86400, '9y'],
  ];
  for (const [s, want] of cases) assert.equal(humanDuration(s * 1000), want, `${s}s`);
  assert.equal(age(undefined, NOW), '<unknown>');
});

test('podColumns() shows STATUS as kubectl: waiting reason, Completed, Error, Terminating, Init', () => {
  const crash = view('crash', {
    containerStatuses: [
      container('main', {
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(300) } },
        restartCount: 5,
        ready: false,
      }),
    ],
  });
  assert.deepEqual(podColumns(crash, NOW), {
    ready: '0/1',
    status: 'CrashLoopBackOff',
    restarts: '5 (5m ago)',
  });
  const done = view('done', {
    phase: 'Succeeded',
    containerStatuses: [
      container('main', {
        state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: ago(10) } },
        ready: false,
      }),
    ],
  });
  assert.equal(podColumns(done, NOW).status, 'Completed');
  const failed = view('failed', {
    phase: 'Failed',
    containerStatuses: [
      container('main', {
        state: { terminated: { exitCode: 2, reason: '', finishedAt: ago(10) } },
        ready: false,
      }),
    ],
  });
  assert.equal(podColumns(failed, NOW).status, 'ExitCode:2');
  const killed = view('killed', {
    containerStatuses: [
      container('main', {
        state: { terminated: { exitCode: 137, reason: '', signal: 'SIGKILL', finishedAt: ago(10) } },
        ready: false,
      }),
    ],
  });
  assert.equal(podColumns(killed, NOW).status, 'Signal:SIGKILL');
  const term = view('term', {}, { deletedAt: ago(1) });
  assert.equal(podColumns(term, NOW).status, 'Terminating');
  const twoOfThree = view('two', {}, {}, ['a', 'b', 'c']);
  twoOfThree.status!.containerStatuses[1]!.ready = false;
  assert.equal(podColumns(twoOfThree, NOW).ready, '2/3');
  const init = view('init', {
    phase: 'Pending',
    conditions: [{ type: 'Initialized', status: 'False', lastTransitionTime: ago(5) }],
    initContainerStatuses: [
      container('setup', { state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: ago(5) } } }),
      container('wait', { state: { running: { startedAt: ago(3) } } }),
    ],
    containerStatuses: [
      container('main', { state: { waiting: { reason: 'PodInitializing' } }, ready: false }),
    ],
  });
  (init.manifest.spec as Record<string, unknown>).initContainers = [{ name: 'setup' }, { name: 'wait' }];
  assert.equal(podColumns(init, NOW).status, 'Init:1/2');
  init.status!.initContainerStatuses[1]!.state = {
    terminated: { exitCode: 3, reason: 'Error', finishedAt: ago(1) },
  };
  assert.equal(podColumns(init, NOW).status, 'Init:Error');
  init.status!.initContainerStatuses[1]!.state = { waiting: { reason: 'CrashLoopBackOff' } };
  assert.equal(podColumns(init, NOW).status, 'Init:CrashLoopBackOff');
  assert.equal(
    podColumns(view('p', { phase: 'Pending', containerStatuses: [] }, { phase: 'Pending' }), NOW).status,
    'Pending',
  );
});

test('formatPodTable() lays out kubectl columns; wide adds NODE and SOURCE, -A adds NAMESPACE', () => {
  const pods = [
    view('agent', {}),
    view(
      'static-agent',
      {},
      { namespace: 'kube-system', source: { kind: 'static', path: '/etc/hostpod/manifests/a.yaml' } },
    ),
  ];
  const lines = formatPodTable(pods, {}, NOW);
  assert.deepEqual(lines, [
    'NAME           READY   STATUS    RESTARTS   AGE',
    'agent          1/1     Running   0          5h7m',
    'static-agent   1/1     Running   0          5h7m',
  ]);
  const wide = formatPodTable(pods, { wide: { node: 'node-a' }, namespaces: true }, NOW);
  assert.equal(wide[0], 'NAMESPACE     NAME           READY   STATUS    RESTARTS   AGE    NODE     SOURCE');
  assert.match(
    wide[2]!,
    /^kube-system\s+static-agent\s+.*node-a\s+static:\/etc\/hostpod\/manifests\/a\.yaml$/,
  );
  assert.equal(formatPodTable(pods, { noHeader: true }, NOW).length, 2);
});

test('toKubePod() and toKubeList() shape a PodView as kubectl prints a Pod and a List', () => {
  const p = view('agent', {}, { deletedAt: ago(2) });
  const k = toKubePod(p);
  assert.equal(k.apiVersion, 'v1');
  assert.equal(k.kind, 'Pod');
  assert.deepEqual(k.metadata, {
    name: 'agent',
    namespace: 'default',
    uid: 'uid-agent',
    generation: 1,
    labels: { app: 'agent', tier: 'node' },
    creationTimestamp: p.createdAt,
    deletionTimestamp: p.deletedAt,
  });
  assert.equal((k.status as { phase: string }).phase, 'Running');
  assert.equal((k.spec as { containers: unknown[] }).containers.length, 1);
  const l = toKubeList([p, p]);
  assert.equal(l.kind, 'List');
  assert.equal((l.items as unknown[]).length, 2);
});

test('describePod() prints kubectl describe layout: header, container states, conditions, volumes, events', () => {
  const p = view('agent', {
    containerStatuses: [
      container('main', {
        restartCount: 2,
        lastState: {
          terminated: { exitCode: 1, reason: 'Error', startedAt: ago(400), finishedAt: ago(310) },
        },
      }),
    ],
  });
  const events: EventView[] = [
    {
      id: 1,
      pod: { namespace: 'default', name: 'agent', uid: 'uid-agent' },
      type: 'Normal',
      reason: 'Started',
      message: 'Started container main',
      firstTime: ago(600),
      time: ago(300),
      count: 3,
    },
    {
      id: 2,
      pod: { namespace: 'default', name: 'agent', uid: 'uid-agent' },
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      firstTime: ago(20),
      time: ago(20),
      count: 1,
    },
  ];
  const text = describePod(p, events, 'node-a', NOW).join('\n');
  const expectStart = [
    'Name:             agent',
    'Namespace:        default',
    'Service Account:  default',
    'Node:             node-a',
    'Start Time:       Sun, 01 Mar 2026 06:52:00 +0000',
    'Labels:           app=agent',
    '                  tier=node',
    'Annotations:      <none>',
    'Status:           Running',
    'Source:           apply',
    'Containers:',
    '  main:',
    '    Container ID:   hostpod://main-id',
    '    Image:          example/agent:1',
    '    State:          Running',
    '      Started:      Sun, 01 Mar 2026 11:55:00 +0000',
    '    Last State:     Terminated',
    '      Reason:       Error',
    '      Exit Code:    1',
  ].join('\n');
  assert.ok(text.startsWith(expectStart), text);
  assert.match(text, /\n {4}Ready: {10}True\n {4}Restart Count: {2}2\n/);
  assert.match(text, /\n {4}Environment:\n {6}MODE: {2}fast\n/);
  assert.match(
    text,
    /\nConditions:\n {2}Type {13}Status\n {2}Initialized {6}True\n {2}Ready {12}True\n {2}ContainersReady {2}True\n/,
  );
  assert.match(
    text,
    /\nVolumes:\n {2}data:\n {4}Type: {10}HostPath \(bare host directory volume\)\n {4}Path: {10}\/var\/data\n {4}HostPathType: {2}DirectoryOrCreate\n/,
  );
  assert.ok(
    text.endsWith(
      [
        'Events:',
        '  Type     Reason   Age               From     Message',
        '  ----     ------   ----              ----     -------',
        '  Normal   Started  5m (x3 over 10m)  hostpod  Started container main',
        '  Warning  BackOff  20s               hostpod  Back-off restarting failed container',
      ].join('\n'),
    ),
    text,
  );
  assert.match(describePod(view('x', {}), [], 'n', NOW).join('\n'), /\nEvents:\s+<none>$/);
  assert.equal(eventAge(events[1]!, NOW), '20s');
});

test('tabwrite() aligns only consecutive cell lines', () => {
  assert.deepEqual(tabwrite([['a:', '1'], ['long key:', '2'], 'plain', ['b:', '3']]), [
    'a:         1',
    'long key:  2',
    'plain',
    'b:  3',
  ]);
});

test('formatTop() shows CPU in millicores and memory in Mi, per pod or per container', () => {
  const s = (pod: string, c: string, cpu: number | undefined, mem: number) => ({
    namespace: 'default',
    pod,
    container: c,
    containerId: `${pod}-${c}`,
    cpuUsageNs: 1,
    ...(cpu === undefined ? {} : { cpuMillicores: cpu }),
    memoryWorkingSetBytes: mem,
    processCount: 1,
    logBytes: 0,
  });
  const stats = [
    s('web', 'a', 10.4, 20 * 1048576),
    s('web', 'b', 2, 14 * 1048576 + 5),
    s('db', 'x', undefined, 1048575),
  ];
  assert.deepEqual(formatTop(stats, {}), [
    'NAME   CPU(cores)   MEMORY(bytes)',
    'web    12m          34Mi',
    'db     <unknown>    0Mi',
  ]);
  assert.deepEqual(formatTop(stats, { containers: true }).slice(0, 2), [
    'POD   NAME   CPU(cores)   MEMORY(bytes)',
    'web   a      10m          20Mi',
  ]);
  assert.equal(cpuCell(0), '0m');
  assert.equal(memoryCell(512 * 1048576), '512Mi');
});

test('formatEvents() shows LAST SEEN TYPE REASON OBJECT MESSAGE, node events as node/NAME', () => {
  const ev: EventView[] = [
    {
      id: 1,
      type: 'Warning',
      reason: 'DiskFull',
      message: 'log writes failing',
      firstTime: ago(60),
      time: ago(60),
      count: 1,
    },
    {
      id: 2,
      pod: { namespace: 'default', name: 'web', uid: 'u' },
      type: 'Normal',
      reason: 'Pulled',
      message: 'image present',
      firstTime: ago(900),
      time: ago(30),
      count: 2,
    },
  ];
  assert.deepEqual(formatEvents(ev, { node: 'node-a' }, NOW), [
    'LAST SEEN           TYPE      REASON     OBJECT        MESSAGE',
    '60s                 Warning   DiskFull   node/node-a   log writes failing',
    '30s (x2 over 15m)   Normal    Pulled     pod/web       image present',
  ]);
});
