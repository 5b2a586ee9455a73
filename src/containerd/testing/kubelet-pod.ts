/**
 * What a Linux kubelet sends containerd's CRI for a HostProcess DaemonSet pod
 * (runtimeClassName: hostprocess, hostNetwork: true): the sandbox config, and a container
 * config with the kubelet's mounts (a projected service-account token, an emptyDir, /etc/hosts,
 * the termination log), env, log path and Linux resources/security context.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

export interface KubeletPod {
  uid: string;
  podDir: string;
  logDir: string;
  sandboxConfig: Record<string, unknown>;
  tokenDir: string;
  emptyDir: string;
  terminationLog: string;
  /** A container config for `command`, with the pod's mounts. */
  container(
    name: string,
    command: string[],
    extra?: { linux?: Record<string, unknown>; mounts?: object[] },
  ): Record<string, unknown>;
}

export async function kubeletPod(base: string, name: string, cgroupParent: string): Promise<KubeletPod> {
  const uid = randomUUID();
  const podDir = join(base, 'kubelet', 'pods', uid);
  const logDir = join(base, 'log', 'pods', `default_${name}_${uid}`);
  const tokenDir = join(podDir, 'volumes', 'kubernetes.io~projected', 'kube-api-access');
  const emptyDir = join(podDir, 'volumes', 'kubernetes.io~empty-dir', 'data');
  const etcHosts = join(podDir, 'etc-hosts');
  await mkdir(tokenDir, { recursive: true });
  await mkdir(emptyDir, { recursive: true });
  await mkdir(logDir, { recursive: true });
  await writeFile(join(tokenDir, 'token'), 'test-token-value\n');
  await writeFile(join(tokenDir, 'namespace'), 'default\n');
  await writeFile(etcHosts, '# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n');
  const node = hostname();
  const metadata = { name, uid, namespace: 'default', attempt: 0 };
  const sandboxConfig = {
    metadata,
    hostname: node,
    log_directory: logDir,
    dns_config: {
      servers: ['10.96.0.10'],
      searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      options: ['ndots:5'],
    },
    labels: {
      'io.kubernetes.pod.name': name,
      'io.kubernetes.pod.namespace': 'default',
      'io.kubernetes.pod.uid': uid,
    },
    annotations: { 'kubernetes.io/config.source': 'api' },
    linux: {
      cgroup_parent: `${cgroupParent}/pod${uid}`,
      security_context: { namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } },
    },
  };
  const terminationLog = join(podDir, 'containers', 'agent', 'a1b2c3');
  return {
    uid,
    podDir,
    logDir,
    sandboxConfig,
    tokenDir,
    emptyDir,
    terminationLog,
    container(cname, command, extra = {}) {
      // The kubelet makes the termination message file before CreateContainer.
      mkdirSync(join(podDir, 'containers', cname), { recursive: true });
      writeFileSync(join(podDir, 'containers', cname, 'a1b2c3'), '');
      return {
        metadata: { name: cname, attempt: 0 },
        image: { image: 'localhost/hp/tiny:latest' },
        command,
        args: [],
        working_dir: '',
        envs: [
          { key: 'NODE_NAME', value: node },
          { key: 'KUBERNETES_SERVICE_HOST', value: '10.96.0.1' },
        ],
        mounts: [
          {
            container_path: '/var/run/secrets/kubernetes.io/serviceaccount',
            host_path: tokenDir,
            readonly: true,
          },
          { container_path: '/data', host_path: emptyDir, readonly: false },
          { container_path: '/etc/hosts', host_path: etcHosts, readonly: false },
          {
            container_path: '/dev/termination-log',
            host_path: join(podDir, 'containers', cname, 'a1b2c3'),
            readonly: false,
          },
          ...(extra.mounts ?? []),
        ],
        labels: { 'io.kubernetes.container.name': cname, 'io.kubernetes.pod.uid': uid },
        annotations: { 'io.kubernetes.container.terminationMessagePath': '/dev/termination-log' },
        log_path: `${cname}/0.log`,
        linux: extra.linux ?? {
          resources: {
            cpu_period: 100000,
            cpu_quota: 0,
            cpu_shares: 2,
            memory_limit_in_bytes: 0,
            oom_score_adj: 1000,
          },
          security_context: {
            namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' },
            run_as_user: { value: 0 },
          },
        },
      };
    },
  };
}
