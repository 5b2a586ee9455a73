/**
 * containerd's CRI plugin (private containerd 1.6) driving hostpod as a kubelet would for a
 * HostProcess DaemonSet pod on a Linux node; every result checked on the host.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync, renameSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mountPointsInAllNamespaces } from '../runtime/sandbox/mountinfo.ts';
import { type CriClient, criClient } from './testing/cri-client.ts';
import { type KubeletPod, kubeletPod } from './testing/kubelet-pod.ts';
import {
  cgroupsUnder,
  missingTools,
  type PrivateContainerd,
  startPrivateContainerd,
} from './testing/private-containerd.ts';

const skip = missingTools();
let c: PrivateContainerd;
let cri: CriClient;

before(async () => {
  if (skip) return;
  c = await startPrivateContainerd('cri');
  cri = criClient(c.sock);
});
after(async () => {
  cri?.close();
  await c?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (b: unknown) => Buffer.from(b as Uint8Array).toString();

function jobPids(pod: KubeletPod, id: string): number[] {
  const f = `/sys/fs/cgroup/memory${c.cgroupParent}/pod${pod.uid}/${id}/cgroup.procs`;
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).map(Number) : [];
}

async function until<T>(fn: () => T | Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  let v = await fn();
  for (let t = 0; t < ms && !ok(v); t += 100) {
    await sleep(100);
    v = await fn();
  }
  return v;
}

async function status(id: string): Promise<Record<string, unknown>> {
  return (await cri.ContainerStatus({ container_id: id })).status as Record<string, unknown>;
}

test('CRI: a HostProcess DaemonSet pod, as a Linux kubelet runs it, from RunPodSandbox to RemovePodSandbox', {
  skip,
}, async () => {
  const pod = await kubeletPod(c.dir, 'hpc-agent', c.cgroupParent);
  const hostResolv = readFileSync('/etc/resolv.conf', 'utf8');
  const target = '/var/run/secrets/kubernetes.io/serviceaccount';
  const targetBefore = existsSync(target);
  const img = await cri.ImageStatus({ image: { image: 'localhost/hp/tiny:latest' } });
  assert.ok((img.image as { id: string }).id.startsWith('sha256:'));
  const { pod_sandbox_id: sb } = (await cri.RunPodSandbox({
    config: pod.sandboxConfig,
    runtime_handler: 'hostprocess',
  })) as { pod_sandbox_id: string };
  const sbStatus = (await cri.PodSandboxStatus({ pod_sandbox_id: sb })).status as {
    state: string;
    runtime_handler: string;
  };
  assert.equal(sbStatus.state, 'SANDBOX_READY');
  assert.equal(sbStatus.runtime_handler, 'hostprocess');
  const sbPids = jobPids(pod, sb);
  assert.equal(sbPids.length, 1, 'the sandbox is one host process in its job under the pod cgroup');
  assert.match(readFileSync(`/proc/${sbPids[0]}/cmdline`, 'utf8'), /hostpod-shim\0pause\0/);

  const script = 'trap "" TERM; echo started; echo done > /dev/termination-log; while true; do sleep 1; done';
  const { container_id: id } = (await cri.CreateContainer({
    pod_sandbox_id: sb,
    config: pod.container('agent', ['sh', '-c', script]),
    sandbox_config: pod.sandboxConfig,
  })) as { container_id: string };
  await cri.StartContainer({ container_id: id });
  const st = await status(id);
  assert.equal(st.state, 'CONTAINER_RUNNING');
  const pids = await until(
    () => jobPids(pod, id),
    (p) => p.length >= 2,
  );
  const init = pids.find((p) => readFileSync(`/proc/${p}/comm`, 'utf8') === 'sh\n');
  assert.ok(init, `the container's sh is in its job ${c.cgroupParent}/pod${pod.uid}/${id}`);
  assert.equal(
    readFileSync(`/proc/${init}/oom_score_adj`, 'utf8').trim(),
    '1000',
    "the kubelet's oom_score_adj",
  );
  assert.equal(readlinkSync(`/proc/${init}/ns/net`), readlinkSync('/proc/self/ns/net'));

  // The log containerd wrote, in CRI format, where the kubelet asked.
  const log = join(pod.logDir, 'agent', '0.log');
  const logged = await until(
    () => (existsSync(log) ? readFileSync(log, 'utf8') : ''),
    (s) => s.includes('started'),
  );
  assert.match(logged, /^\S+ stdout F started$/m);
  assert.equal(
    readFileSync(join(pod.podDir, 'containers', 'agent', 'a1b2c3'), 'utf8'),
    'done\n',
    'the termination log is bound',
  );

  const ex = await cri.ExecSync({
    container_id: id,
    cmd: [
      'sh',
      '-c',
      'cat /var/run/secrets/kubernetes.io/serviceaccount/token; grep -E "^(nameserver|search|options)" /etc/resolv.conf; stat -c %i /etc/hosts; echo "mp=$CONTAINER_SANDBOX_MOUNT_POINT node=$NODE_NAME"; ls /data; touch /data/from-pod; hostname; exit 5',
    ],
    timeout: 20,
  });
  assert.equal(ex.exit_code, 5, text(ex.stderr));
  const out = text(ex.stdout).split('\n');
  assert.equal(out[0], 'test-token-value', 'the projected token at the standard path');
  assert.deepEqual(
    out.slice(1, 4).sort(),
    [
      'nameserver 10.96.0.10',
      'options ndots:5',
      'search default.svc.cluster.local svc.cluster.local cluster.local',
    ],
    "the pod's DNS (containerd's resolv.conf): ClusterFirstWithHostNet resolves cluster names",
  );
  assert.equal(out[4], String(statSync('/etc/hosts').ino), "the host's /etc/hosts, not a copy");
  assert.match(out[5] ?? '', /^mp=\/hpc\/ node=/);
  assert.ok(existsSync(join(pod.emptyDir, 'from-pod')), 'the emptyDir is bound read-write');
  assert.equal(readFileSync('/etc/resolv.conf', 'utf8'), hostResolv, "the host's resolv.conf is untouched");
  assert.ok(
    !existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token'),
    'the token is only in the private view',
  );

  const { url } = (await cri.Exec({ container_id: id, cmd: ['true'], stdout: true })) as { url: string };
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\//);
  const code = await new Promise<number>((resolve, reject) => {
    const r = request(url, { method: 'POST' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    r.on('error', reject);
    r.end();
  });
  assert.ok(code >= 200 && code < 500, `the streaming server answers (HTTP ${code})`);

  const stats = (await until(
    async () =>
      (
        await cri.ContainerStats({ container_id: id })
      ).stats as Record<string, Record<string, { value: number }>>,
    (s) => (s.cpu?.usage_core_nano_seconds?.value ?? 0) > 0,
  )) as Record<string, Record<string, { value: number }>>;
  assert.ok((stats.cpu?.usage_core_nano_seconds?.value ?? 0) > 0);
  assert.ok((stats.memory?.working_set_bytes?.value ?? 0) > 0);

  await cri.UpdateContainerResources({
    container_id: id,
    linux: { memory_limit_in_bytes: 64 * 1024 * 1024, cpu_shares: 512, cpu_period: 100000 },
  });
  const memDir = `/sys/fs/cgroup/memory${c.cgroupParent}/pod${pod.uid}/${id}`;
  assert.equal(readFileSync(join(memDir, 'memory.limit_in_bytes'), 'utf8').trim(), String(64 * 1024 * 1024));

  renameSync(log, `${log}.20240101`);
  await cri.ReopenContainerLog({ container_id: id });
  await cri.ExecSync({
    container_id: id,
    cmd: ['sh', '-c', `echo after-reopen > /proc/${init}/fd/1`],
    timeout: 10,
  });
  const reopened = await until(
    () => (existsSync(log) ? readFileSync(log, 'utf8') : ''),
    (s) => s.includes('after-reopen'),
  );
  assert.match(reopened, /stdout F after-reopen/);

  const t0 = Date.now();
  await cri.StopContainer({ container_id: id, timeout: 2 });
  assert.ok(Date.now() - t0 >= 1800, 'SIGTERM is ignored: killed at the timeout');
  const stopped = await status(id);
  assert.equal(stopped.state, 'CONTAINER_EXITED');
  assert.equal(stopped.exit_code, 137);
  await cri.StopContainer({ container_id: id, timeout: 2 });
  assert.deepEqual(jobPids(pod, id), []);
  await cri.RemoveContainer({ container_id: id });
  await cri.StopPodSandbox({ pod_sandbox_id: sb });
  await cri.RemovePodSandbox({ pod_sandbox_id: sb });
  assert.deepEqual(cgroupsUnder(`${c.cgroupParent}/pod${pod.uid}`), [], 'no job left under the pod cgroup');
  assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(c.hpRoot), 'no workspace mounted');
  assert.deepEqual(readdirSync(join(c.hpRoot, 'k8s.io', 'tasks')), []);
  // (Unless a container of another state root — another suite on this host — has it mounted.)
  if (!targetBefore && !(await mountPointsInAllNamespaces()).has(target))
    assert.ok(!existsSync(target), 'mount targets hostpod made are gone');
});

test('CRI: RunAsUser, RunAsGroup and SupplementalGroups reach the process', { skip }, async () => {
  const pod = await kubeletPod(c.dir, 'hpc-user', c.cgroupParent);
  const { pod_sandbox_id: sb } = (await cri.RunPodSandbox({
    config: pod.sandboxConfig,
    runtime_handler: 'hostprocess',
  })) as { pod_sandbox_id: string };
  const linux = {
    resources: { cpu_period: 100000, cpu_shares: 2, oom_score_adj: 1000 },
    security_context: {
      namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' },
      run_as_user: { value: 65534 },
      run_as_group: { value: 65533 },
      supplemental_groups: [4242, 4343],
    },
  };
  const { container_id: id } = (await cri.CreateContainer({
    pod_sandbox_id: sb,
    config: pod.container('user', ['sleep', '600'], { linux }),
    sandbox_config: pod.sandboxConfig,
  })) as { container_id: string };
  await cri.StartContainer({ container_id: id });
  const init = (
    await until(
      () => jobPids(pod, id),
      (p) => p.length > 0,
    )
  )[0];
  const st = readFileSync(`/proc/${init}/status`, 'utf8');
  assert.match(st, /^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
  assert.match(st, /^Gid:\s+65533\s+65533\s+65533\s+65533$/m);
  assert.match(st, /^Groups:.*\b4242\b.*\b4343\b/m);
  const ex = await cri.ExecSync({ container_id: id, cmd: ['sh', '-c', 'id -u; id -g; id -G'], timeout: 10 });
  assert.deepEqual(text(ex.stdout).trim().split('\n').slice(0, 2), ['65534', '65533']);
  assert.match(text(ex.stdout), /4242.*4343/);
  await cri.StopPodSandbox({ pod_sandbox_id: sb });
  await cri.RemovePodSandbox({ pod_sandbox_id: sb });
  assert.deepEqual(cgroupsUnder(`${c.cgroupParent}/pod${pod.uid}`), []);
});

test('CRI: PullImage from a registry (docker-registry on 127.0.0.1), then ImageStatus', {
  skip,
}, async () => {
  const { spawn } = await import('node:child_process');
  const { createServer } = await import('node:net');
  const { writeFile, mkdir } = await import('node:fs/promises');
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const regDir = join(c.dir, 'registry');
  await mkdir(regDir, { recursive: true });
  await writeFile(
    join(regDir, 'config.yml'),
    `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${regDir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const reg = spawn('docker-registry', ['serve', join(regDir, 'config.yml')], { stdio: 'ignore' });
  try {
    const host = `127.0.0.1:${port}`;
    let pushed = false;
    for (let i = 0; i < 50 && !pushed; i++) {
      const { spawnSync } = await import('node:child_process');
      const r = spawnSync('skopeo', [
        'copy',
        '-q',
        '--dest-tls-verify=false',
        `oci:${join(c.dir, 'img', 'oci')}:tiny`,
        `docker://${host}/hp/pulled:1`,
      ]);
      pushed = r.status === 0;
      if (!pushed) await sleep(100);
    }
    assert.ok(pushed, 'the image is in the registry');
    const pulled = await cri.PullImage({ image: { image: `${host}/hp/pulled:1` } });
    assert.match(String(pulled.image_ref), /^sha256:[0-9a-f]{64}$/);
    const st = (await cri.ImageStatus({ image: { image: `${host}/hp/pulled:1` } })).image as {
      repo_tags: string[];
    };
    // The same image as the imported one: one image id, both names.
    assert.ok(st.repo_tags.includes(`${host}/hp/pulled:1`), st.repo_tags.join(' '));
  } finally {
    reg.kill('SIGTERM');
  }
});
