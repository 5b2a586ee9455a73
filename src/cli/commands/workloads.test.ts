/**
 * Workloads as objects through the CLI against a real daemon (issue 14): a DaemonSet applied
 * is listed, described, logged, restarted and deleted as kubectl users expect; selectors,
 * --show-labels, -o jsonpath and -o custom-columns print what the test knows is there.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PodView } from '../../api/protocol.ts';
import {
  type DaemonHarness,
  eventually,
  makeDaemonHarness,
  podRunning,
  TEST_IMAGE,
} from '../../daemon/testing/daemon-harness.ts';
import { runCliSync } from '../testing/spawn-cli.ts';

const DS = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  labels:
    app: agent
spec:
  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
        tier: node
    spec:
      hostNetwork: true
      terminationGracePeriodSeconds: 1
      securityContext:
        windowsOptions:
          hostProcess: true
          runAsUserName: "NT AUTHORITY\\\\SYSTEM"
      containers:
        - name: main
          image: ${TEST_IMAGE}
          imagePullPolicy: Never
          command: ["sh", "-c", "echo hello-from-agent; exec sleep 1000"]
`;

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  securityContext:
    windowsOptions:
      hostProcess: true
      runAsUserName: "NT AUTHORITY\\\\SYSTEM"
  containers:
    - name: main
      image: ${TEST_IMAGE}
      imagePullPolicy: Never
      command: ["sh", "-c", "exec sleep 1000"]
`;

describe('hostpod workloads through the CLI', { concurrency: false }, () => {
  let d: DaemonHarness;
  let dir: string;
  let node: string;
  const hp = (...args: string[]) => {
    const r = runCliSync(args, { env: { HOSTPOD_SOCKET: d.socket }, timeout: 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const agentPod = () =>
    eventually(
      async () => {
        const w = await d.client.getWorkload('DaemonSet', 'default', 'agent');
        const p = w.pods[0];
        return p && podRunning(p) && w.pods.length === 1 ? p : undefined;
      },
      30_000,
      'the DaemonSet pod running',
    );
  const containerId = (p: PodView) => p.status?.containerStatuses[0]?.containerID ?? '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hostpod-workloads-'));
    await writeFile(join(dir, 'ds.yaml'), DS);
    await writeFile(join(dir, 'pod.yaml'), POD);
    d = await makeDaemonHarness();
    await d.start();
    node = (await d.client.version()).node.name;
  });
  after(async () => {
    await d?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test('apply keeps the DaemonSet: get ds shows its counts, get all lists it, apply again is unchanged', async () => {
    const r = hp('apply', '-f', join(dir, 'ds.yaml'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'daemonset.apps/agent created\n');
    await agentPod();
    const get = hp('get', 'ds');
    assert.equal(get.code, 0, get.stderr);
    const [header, row, ...more] = get.stdout.trimEnd().split('\n');
    assert.deepEqual(header!.split(/\s{2,}/), [
      'NAME',
      'DESIRED',
      'CURRENT',
      'READY',
      'UP-TO-DATE',
      'AVAILABLE',
      'NODE SELECTOR',
      'AGE',
    ]);
    assert.deepEqual(row!.split(/\s+/).slice(0, 7), ['agent', '1', '1', '1', '1', '1', '<none>']);
    assert.deepEqual(more, []);
    assert.equal(hp('get', 'daemonsets', 'agent').code, 0);
    assert.equal(hp('get', 'daemonset.apps/agent').code, 0);
    const all = hp('get', 'all');
    assert.match(all.stdout, /^pod\/agent-[0-9a-f]{5}\s+1\/1\s+Running/m);
    assert.match(all.stdout, /^daemonset\.apps\/agent\s+1\s+1\s+1/m);
    const again = hp('apply', '-f', join(dir, 'ds.yaml'));
    assert.equal(again.stdout, 'daemonset.apps/agent unchanged\n');
    assert.equal(hp('get', 'ds', 'nope').code, 3);
  });

  test('a DaemonSet pod shows its owner: describe "Controlled By", -o yaml ownerReferences', async () => {
    const p = await agentPod();
    const desc = hp('describe', 'pod', p.name);
    assert.match(desc.stdout, /^Controlled By:\s+DaemonSet\/agent$/m);
    const yaml = hp('get', 'pod', p.name, '-o', 'yaml');
    assert.match(yaml.stdout, /^apiVersion: v1\nkind: Pod\nmetadata:\n/);
    assert.match(
      yaml.stdout,
      /ownerReferences:\n\s+- apiVersion: apps\/v1\n\s+blockOwnerDeletion: true\n\s+controller: true\n\s+kind: DaemonSet\n\s+name: agent\n/,
    );
    assert.match(yaml.stdout, new RegExp(`^  nodeName: ${node}$`, 'm'));
    assert.match(yaml.stdout, /containerID: hostpod:\/\//);
    assert.match(yaml.stdout, /imageID: localhost\/hostpod-test@sha256:[0-9a-f]{64}\n/);
    assert.match(yaml.stdout, /^ {2}dnsPolicy: ClusterFirst$/m, 'the spec shows the API server defaults');
    assert.match(yaml.stdout, /^ {6}terminationMessagePath: \/dev\/termination-log$/m);
    assert.match(yaml.stdout, /^ {2}podIP: \S+$/m);
    const ds = hp('describe', 'ds', 'agent');
    assert.equal(ds.code, 0, ds.stderr);
    assert.match(ds.stdout, /^Desired Number of Nodes Scheduled:\s+1$/m);
    assert.match(ds.stdout, new RegExp(`^  ${p.name}\\s+Running$`, 'm'));
    assert.match(ds.stdout, /Started/);
  });

  test('logs ds/agent prints its pod log; a name that is not there exits 3', async () => {
    await agentPod();
    const r = hp('logs', 'ds/agent');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello-from-agent\n');
    assert.equal(hp('logs', 'ds/nope').code, 3);
  });

  test('-l, --show-labels, jsonpath and custom-columns print what is there', async () => {
    const p = await agentPod();
    assert.equal(hp('apply', '-f', join(dir, 'pod.yaml')).code, 0);
    await eventually(
      async () => podRunning(await d.client.getPod('default', 'web')) || undefined,
      30_000,
      'web',
    );
    const web = hp('get', 'pods', '-l', 'app=web', '-o', 'name');
    assert.equal(web.stdout, 'pod/web\n');
    const notWeb = hp('get', 'pods', '-l', 'app!=web,tier in (node,edge)', '-o', 'name');
    assert.equal(notWeb.stdout, `pod/${p.name}\n`);
    assert.equal(hp('get', 'pods', '-l', '!app', '-o', 'name').stdout, '');
    const labels = hp('get', 'pods', '--show-labels');
    assert.match(labels.stdout, /\sLABELS\n/);
    assert.match(labels.stdout, /^web\s.*\sapp=web$/m);
    assert.match(labels.stdout, new RegExp(`^${p.name}\\s.*\\sapp=agent,tier=node$`, 'm'));
    const jp = hp(
      'get',
      'pods',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.metadata.ownerReferences[0].kind}{"\\n"}{end}',
    );
    assert.equal(jp.code, 0, jp.stderr);
    assert.equal(jp.stdout, `${p.name}\tDaemonSet\nweb\t\n`);
    assert.equal(hp('get', 'ds', 'agent', '-o', 'jsonpath={.status.numberReady}').stdout, '1');
    const cc = hp(
      'get',
      'pods',
      '-o',
      'custom-columns=NAME:.metadata.name,OWNER:.metadata.ownerReferences[*].name,NODE:.spec.nodeName',
    );
    assert.equal(cc.code, 0, cc.stderr);
    const rows = cc.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s+/));
    assert.deepEqual(rows, [
      ['NAME', 'OWNER', 'NODE'],
      [p.name, 'agent', node],
      ['web', '<none>', node],
    ]);
  });

  test('a broken or hostile template exits 2 with the problem and an example, no stack trace', () => {
    for (const t of [
      'jsonpath={.items[0',
      'jsonpath={range .items[*]}{.x}',
      'custom-columns=NAME',
      'jsonpat={.x}',
    ]) {
      const r = hp('get', 'pods', '-o', t);
      assert.equal(r.code, 2, `${t}: ${r.stderr}`);
      assert.match(r.stderr, /^hostpod: /m, t);
      assert.match(r.stderr, /^hint: /m, t);
      assert.doesNotMatch(r.stderr, /\n\s+at /, t);
      assert.equal(r.stdout, '');
    }
    const bad = hp('get', 'pods', '-l', 'app in (a');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid label selector "app in \(a": parentheses do not match/);
  });

  test('rollout restart ds/agent gives its pod new containers; apply of the same file then changes nothing', async () => {
    const before = await agentPod();
    const r = hp('rollout', 'restart', 'ds/agent');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'daemonset.apps/agent restarted\n');
    const after = await eventually(
      async () => {
        const p = await agentPod();
        return containerId(p) !== containerId(before) ? p : undefined;
      },
      30_000,
      'a new container',
    );
    assert.equal(after.name, before.name);
    assert.notEqual(containerId(after), '');
    const again = hp('apply', '-f', join(dir, 'ds.yaml'));
    assert.equal(again.stdout, 'daemonset.apps/agent unchanged\n');
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(containerId(await agentPod()), containerId(after));
    const job = hp('rollout', 'restart', 'job/x');
    assert.equal(job.code, 4);
  });

  test('delete pods -l and delete ds remove them; the DaemonSet takes its pod with it', async () => {
    const p = await agentPod();
    const del = hp('delete', 'pods', '-l', 'app=web');
    assert.equal(del.code, 0, del.stderr);
    assert.equal(del.stdout, 'pod "web" deleted\n', 'the DaemonSet pod is left to its DaemonSet');
    const ds = hp('delete', 'ds', 'agent');
    assert.equal(ds.code, 0, ds.stderr);
    assert.equal(ds.stdout, 'daemonset.apps "agent" deleted\n');
    const get = hp('get', 'ds');
    assert.equal(get.stdout, '');
    assert.equal(get.stderr, 'No resources found in default namespace.\n');
    assert.deepEqual(
      (await d.client.listPods()).map((x) => x.name).filter((n) => n === p.name || n === 'web'),
      [],
    );
    assert.equal(hp('delete', 'ds', 'agent').code, 3);
  });
});
