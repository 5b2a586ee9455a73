/**
 * Cluster DNS for HostProcess pods: a pod's /etc/resolv.conf as its container reads it (real
 * containers, bind and symlink layouts), the host's untouched, /etc/hosts never replaced.
 */
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { VolumeMount } from '../runtime/spec/types.ts';
import { withPodDns } from './pod-dns.ts';
import type { PodEvent } from './pod-events.ts';
import { runPod } from './pod-runner.ts';
import type { DnsSettings } from './resolv-conf.ts';
import {
  containerOutput,
  type Harness,
  hpcPodSpecYaml,
  makeHarness,
  podsOf,
  TEST_IMAGE,
} from './testing/harness.ts';

const isRoot = process.getuid?.() === 0;

function dnsPod(name: string, dns: string, command: string): string {
  return hpcPodSpecYaml(
    name,
    `${dns}  containers:
  - name: c
    image: ${TEST_IMAGE}
    imagePullPolicy: Never
    command: [sh, -c, '${command}']
`,
  ).replace(`name: ${name}`, `name: ${name}\n  namespace: kube-system`);
}

// The write is tried only on the pod's own copy (it names the cluster DNS server): never on the
// host's file, which a container of the symlink layout would reach.
const READ =
  'cat /etc/resolv.conf; echo ---; cat /etc/hosts; echo ---; grep -q 10.96.0.10 /etc/resolv.conf && { (echo x > /etc/resolv.conf) 2>/dev/null || echo read-only; }';

describe('withPodDns()', () => {
  it("adds the resolv.conf bind after the container's volumes, unless the container mounts /etc/resolv.conf itself", () => {
    const mine: VolumeMount = { hostPath: '/srv/r', mountPath: '/etc/resolv.conf/', readOnly: false };
    const other: VolumeMount = { hostPath: '/srv/x', mountPath: '/x', readOnly: false };
    const dns: VolumeMount = { hostPath: '/p/resolv.conf', mountPath: '/etc/resolv.conf', readOnly: true };
    const v = withPodDns(
      { dir: '/p', mountsFor: (c: string) => (c === 'own' ? [mine] : [other]) },
      { mount: dns, warnings: [] },
    );
    assert.deepEqual(v.mountsFor('c'), [other, dns]);
    assert.deepEqual(v.mountsFor('own'), [mine]);
    assert.equal(v.dir, '/p');
  });
});

for (const layout of ['bind', 'symlink'] as const) {
  describe(`a pod's /etc/resolv.conf (${layout} layout)`, { skip: !isRoot && 'needs root' }, () => {
    let h: Harness;
    let dir: string;
    let settings: DnsSettings;
    let hostResolv: { text: string; ino: number; link: boolean };
    before(async () => {
      h = await makeHarness({ layout });
      dir = await mkdtemp(join(tmpdir(), 'hostpod-dns-'));
      // The node's resolver file pods start from (the kubelet's --resolv-conf).
      await writeFile(
        join(dir, 'resolv.conf'),
        'nameserver 192.0.2.53\nsearch corp.example\noptions edns0\n',
      );
      settings = {
        clusterDNS: ['10.96.0.10'],
        clusterDomain: 'cluster.local',
        resolvConf: join(dir, 'resolv.conf'),
      };
      const st = await lstat('/etc/resolv.conf');
      hostResolv = {
        text: await readFile('/etc/resolv.conf', 'utf8'),
        ino: st.ino,
        link: st.isSymbolicLink(),
      };
    });
    after(async () => {
      await h.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    it("ClusterFirstWithHostNet with dnsConfig: the container reads the kubelet-built file; the host's /etc/resolv.conf and /etc/hosts stay as they are", async () => {
      const yaml = dnsPod(
        'cluster-dns',
        `  dnsPolicy: ClusterFirstWithHostNet
  dnsConfig:
    searches: [extra.example]
    options: [{name: timeout, value: "2"}]
`,
        READ,
      );
      const events: PodEvent[] = [];
      const r = await runPod(podsOf(yaml)[0]!, {
        deps: { ...h.deps, dns: settings },
        images: h.images,
        onEvent: (e) => events.push(e),
      });
      const out = await containerOutput(h.root, r.containers[0]!.id);
      const [resolv, hosts, write] = out.split('---\n');
      const hostHosts = await readFile('/etc/hosts', 'utf8');
      if (layout === 'bind') {
        assert.equal(
          resolv,
          'search kube-system.svc.cluster.local svc.cluster.local cluster.local corp.example extra.example\n' +
            'nameserver 10.96.0.10\n' +
            'options ndots:5 timeout:2\n',
        );
        assert.equal(write, 'read-only\n', "the pod's copy is bound read-only");
        assert.deepEqual(
          events.filter((e) => e.type === 'warning'),
          [],
        );
      } else {
        // Documented limitation: the symlink layout has no private view; the host's file is used.
        assert.equal(resolv, hostResolv.text);
        assert.equal(write, '');
        const warning = events.find((e) => e.type === 'warning' && e.reason === 'DNSConfigForming');
        assert.match(
          warning && 'message' in warning ? warning.message : '',
          /not applied in the symlink layout/,
        );
      }
      assert.equal(hosts, hostHosts, "/etc/hosts is the host's own");
      const st = await lstat('/etc/resolv.conf');
      assert.equal(
        await readFile('/etc/resolv.conf', 'utf8'),
        hostResolv.text,
        "the host's resolv.conf is unchanged",
      );
      assert.equal(st.ino, hostResolv.ino);
      assert.equal(st.isSymbolicLink(), hostResolv.link);
    });

    it("Default and ClusterFirst (host network) see the host's /etc/resolv.conf; None only its dnsConfig", async () => {
      for (const policy of ['Default', 'ClusterFirst']) {
        const r = await runPod(
          podsOf(dnsPod(`p-${policy.toLowerCase()}`, `  dnsPolicy: ${policy}\n`, 'cat /etc/resolv.conf'))[0]!,
          {
            deps: { ...h.deps, dns: settings },
            images: h.images,
          },
        );
        assert.equal(await containerOutput(h.root, r.containers[0]!.id), hostResolv.text, policy);
      }
      const none = dnsPod(
        'p-none',
        `  dnsPolicy: None
  dnsConfig: {nameservers: [203.0.113.9], searches: [only.example]}
`,
        'cat /etc/resolv.conf',
      );
      const r = await runPod(podsOf(none)[0]!, { deps: { ...h.deps, dns: settings }, images: h.images });
      assert.equal(
        await containerOutput(h.root, r.containers[0]!.id),
        layout === 'bind' ? 'search only.example\nnameserver 203.0.113.9\n' : hostResolv.text,
      );
    });
  });
}
