import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ContainerStore } from './container-store.ts';
import { hostRuntimeDeps } from './runtime-deps.ts';

/** Not used by the builder: it only passes the store on. */
const records = {} as ContainerStore;

const firstIpv4 = Object.values(networkInterfaces())
  .flat()
  .find((a) => a?.family === 'IPv4' && !a.internal)?.address;

test('hostRuntimeDeps() gives every front door the same node: the host address, its labels, the owner', async () => {
  const root = await mkdtemp(join(tmpdir(), 'hostpod-deps-'));
  try {
    const run = await hostRuntimeDeps({ root, records, pid: process.pid });
    const daemon = await hostRuntimeDeps({
      root,
      records,
      pid: process.pid,
      daemon: true,
      nodeLabels: { zone: 'a' },
    });
    // Not the loopback fallback the daemon once used: the downward API's status.hostIP/podIP.
    assert.equal(run.node.ip, firstIpv4 ?? '127.0.0.1');
    assert.equal(daemon.node.ip, run.node.ip);
    assert.equal(daemon.node.labels.zone, 'a');
    assert.equal(daemon.node.labels['kubernetes.io/hostname'], run.node.name);
    assert.equal(run.owner.pid, process.pid);
    assert.notEqual(run.owner.startTime, '');
    assert.equal(run.owner.daemon, undefined);
    assert.equal(daemon.owner.daemon, true);
    assert.equal(run.layout, 'bind');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('hostRuntimeDeps() takes the node name and address it is given, and labels the node with that name', async () => {
  const root = await mkdtemp(join(tmpdir(), 'hostpod-deps-'));
  try {
    const d = await hostRuntimeDeps({
      root,
      records,
      pid: process.pid,
      nodeName: 'node-7',
      nodeIp: '10.1.2.3',
    });
    assert.equal(d.node.name, 'node-7');
    assert.equal(d.node.ip, '10.1.2.3');
    assert.equal(d.node.labels['kubernetes.io/hostname'], 'node-7');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
