/**
 * The sig-windows-tools HostProcess DaemonSets (`../shared/fixtures/manifests/sig-windows-tools/`),
 * copied into a test dir and edited only where Windows shows through: the images are local Linux
 * images built here, PowerShell scripts are shell scripts doing the same steps (copy files from
 * the workspace to host directories given by hostPath volumes, write a config from env and the
 * configMaps), Windows host paths point into a temp dir, the ConfigMaps a cluster would already
 * have are added, `imagePullPolicy` is `Never` (the image is local) and each pod runs once
 * (`restartPolicy: Never`: the scripts end instead of serving). Volumes, env and init containers
 * are the originals'. Needs root.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildImage } from '../../image/build.ts';
import { sharedFixtures } from '../../lib/testing/shared-fixtures.ts';
import { runPod } from '../pod-runner.ts';
import { containerOutput, type Harness, makeHarness } from '../testing/harness.ts';
import { manifestSet } from './testing/manifest-set.ts';

const isRoot = process.getuid?.() === 0;
const shared = sharedFixtures();
const FIXTURES = join(shared.manifests, 'sig-windows-tools');

/** The scripts standing in for the images' PowerShell, by path in the image. */
const SCRIPTS: Record<string, string> = {
  'calico/install.sh': `set -eu
T="\${CONTAINER_SANDBOX_MOUNT_POINT%/}"
cp "$T"/calico/cni/* "$T/host/opt/cni/bin/"
test -f "$T/etc/kubeadm-config/ClusterConfiguration"
printf '%s\\n' "$CNI_NETWORK_CONFIG" | sed -e "s|__KUBERNETES_NODE_NAME__|$KUBERNETES_NODE_NAME|g" \\
  -e "s|__CNI_MTU__|$CNI_MTU|g" -e "s|__K8S_SERVICE_CIDR__|$K8S_SERVICE_CIDR|g" \\
  -e "s|__KUBECONFIG_FILEPATH__|$CNI_CONF_DIR/calico-kubeconfig|g" > "$T/host/etc/cni/net.d/$CNI_CONF_NAME"
echo "installed $CNI_CONF_NAME"
`,
  'calico/node-service.sh': `set -eu
T="\${CONTAINER_SANDBOX_MOUNT_POINT%/}"
[ "$(pwd)" = "$T/calico" ]
net_d=$(dirname "$KUBECONFIG")
test -f "$net_d/10-calico.conflist"
mtu=$(cat "$T/etc/kube-calico-windows/veth_mtu")
printf 'pod: %s/%s\\nbackend: %s\\nvni: %s\\nmtu: %s\\n' "$POD_NAMESPACE" "$POD_NAME" "$CALICO_NETWORKING_BACKEND" "$VXLAN_VNI" "$mtu" > "$KUBECONFIG"
echo "node started"
`,
  'calico/felix-service.sh': `set -eu
T="\${CONTAINER_SANDBOX_MOUNT_POINT%/}"
[ "$(pwd)" = "$T/calico" ]
echo "felix $POD_NAME vni=$VXLAN_VNI mtu=$(cat "$T/etc/kube-calico-windows/veth_mtu")"
`,
  'kube-proxy/start.sh': `set -eu
T="\${CONTAINER_SANDBOX_MOUNT_POINT%/}"
conf="$T/var/lib/kube-proxy/config.conf"
[ -f "$conf" ] || conf="$T/mounts/var/lib/kube-proxy/config.conf"
node="\${NODENAME:-\${NODE_NAME:-}}"
sed "s|NODE_NAME_PLACEHOLDER|$node|" "$conf"; echo
echo "kube-proxy on $POD_IP network=\${KUBE_NETWORK:-none}"
`,
  'flannel/start.sh': `set -eu
T="\${CONTAINER_SANDBOX_MOUNT_POINT%/}"
mkdir -p "$CNI_CONFIG_PATH" "$CNI_BIN_PATH"
cp "$T/mounts/kube-flannel-windows/cni-conf-containerd.json" "$CNI_CONFIG_PATH/10-flannel.conf"
cp "$T/flannel/flanneld" "$CNI_BIN_PATH/"
grep -q '"Network"' "$T/mounts/kube-flannel/net-conf.json"
echo "flannel $POD_NAMESPACE/$POD_NAME api=$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT"
`,
  'csi-proxy/start.sh': 'echo "csi-proxy serving"\n',
  'logger/start.sh': `set -eu
grep -q '"sessionNamePrefix": "containerd"' "$1"
echo "logger providers: $(grep -c providerName "$1")"
`,
};

/** Images: one payload, an entrypoint per use (the originals' ENTRYPOINT/CMD, in sh). */
const IMAGES: Record<string, { entrypoint: string[]; cmd?: string[] }> = {
  'localhost/swt-sh:1': { entrypoint: ['sh'] },
  'localhost/swt-flannel:1': { entrypoint: ['sh'], cmd: ['flannel/start.sh'] },
  'localhost/swt-kube-proxy:1': { entrypoint: ['sh'], cmd: ['kube-proxy/start.sh'] },
  'localhost/swt-csi-proxy:1': { entrypoint: ['sh'], cmd: ['csi-proxy/start.sh'] },
  'localhost/swt-logger:1': { entrypoint: ['sh', 'logger/start.sh'] },
};

/** What a cluster would already hold: the ConfigMaps the manifests use but do not carry. */
const CLUSTER_CONFIGMAPS = `---
apiVersion: v1
kind: ConfigMap
metadata: {name: kubeadm-config, namespace: kube-system}
data: {ClusterConfiguration: "kubernetesVersion: v1.31.0"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: kube-proxy, namespace: kube-system}
data: {config.conf: "hostnameOverride: NODE_NAME_PLACEHOLDER"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: kube-flannel-cfg, namespace: kube-flannel}
data: {net-conf.json: '{"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan"}}'}
`;

/** The Linux copy of a manifest: images, scripts and Windows host paths swapped. */
function adapt(text: string, hostRoot: string): string {
  const cniBin = join(hostRoot, 'opt/cni/bin');
  const cniNet = join(hostRoot, 'etc/cni/net.d');
  return `${text
    .replace(/image: sigwindowstools\/calico-install:\S+/g, 'image: localhost/swt-sh:1')
    .replace(/image: sigwindowstools\/calico-node:\S+/g, 'image: localhost/swt-sh:1')
    .replace(/image: sigwindowstools\/kube-proxy:\S+calico\S+/g, 'image: localhost/swt-sh:1')
    .replace(/image: sigwindowstools\/kube-proxy:\S+/g, 'image: localhost/swt-kube-proxy:1')
    .replace(/image: sigwindowstools\/flannel:\S+/g, 'image: localhost/swt-flannel:1')
    .replace(
      /image: ghcr\.io\/kubernetes-sigs\/sig-windows\/eventflow-logger:\S+/g,
      'image: localhost/swt-logger:1',
    )
    .replace(
      /image: ghcr\.io\/kubernetes-sigs\/sig-windows\/csi-proxy:\S+/g,
      'image: localhost/swt-csi-proxy:1',
    )
    .replace(/imagePullPolicy: Always/g, 'imagePullPolicy: Never')
    .replace(/\.ps1/g, '.sh')
    .replace(/path: \/opt\/cni\/bin/g, `path: ${cniBin}`)
    .replace(/path: \/etc\/cni\/net\.d/g, `path: ${cniNet}`)
    .replace(/C:\/etc\/cni\/net\.d/g, cniNet)
    .replace(/"?[cC]:\\\\\\?etc\\\\\\?cni\\\\\\?net\.d"?/g, cniNet)
    .replace(/"?[cC]:\\\\\\?opt\\\\\\?cni\\\\\\?bin"?/g, cniBin)}\n`;
}

/** Which of the top-level paths the manifests mount under existed before these tests. */
const hostRootBefore = new Set(['/host', '/mounts'].filter((p) => existsSync(p)));

describe('sig-windows-tools DaemonSets through runPod()', {
  skip: (!isRoot && 'needs root') || shared.skip,
}, () => {
  let h: Harness;
  let dir: string;
  before(async () => {
    h = await makeHarness();
    dir = await mkdtemp(join(tmpdir(), 'hostpod-swt-'));
    const src = join(dir, 'image-src');
    for (const [path, body] of Object.entries(SCRIPTS)) {
      await mkdir(join(src, path, '..'), { recursive: true });
      await writeFile(join(src, path), `#!/bin/sh\n${body}`);
      await chmod(join(src, path), 0o755);
    }
    await mkdir(join(src, 'calico/cni'), { recursive: true });
    await writeFile(join(src, 'calico/cni/calico'), 'calico-binary');
    await writeFile(join(src, 'calico/cni/calico-ipam'), 'calico-ipam-binary');
    await writeFile(join(src, 'flannel/flanneld'), 'flanneld-binary');
    for (const [tag, cfg] of Object.entries(IMAGES)) {
      await buildImage(src, h.images.content, h.images.images, { tag, tmpDir: dir, ...cfg });
    }
  });
  after(async () => {
    await h.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const node = () => ({
    ...h.deps.node,
    labels: { ...h.deps.node.labels, 'kubernetes.io/os': 'windows', 'kubernetes.io/arch': 'amd64' },
  });

  /** Runs every pod of the adapted manifest; returns the outputs by container. */
  async function runManifest(file: string, layout: 'bind' | 'symlink' = 'bind') {
    const hostRoot = join(dir, `host-${file}`);
    await mkdir(hostRoot, { recursive: true });
    const copy = join(dir, file);
    await writeFile(copy, adapt(await readFile(join(FIXTURES, file), 'utf8'), hostRoot) + CLUSTER_CONFIGMAPS);
    const { pods, objects } = manifestSet(await readFile(copy, 'utf8'));
    assert.equal(pods.length, 1, file);
    const pod = pods[0]!;
    pod.spec.restartPolicy = 'Never';
    const r = await runPod(pod, {
      deps: { ...h.deps, layout, node: node() },
      images: h.images,
      objects,
    });
    const out: Record<string, string> = {};
    for (const c of r.containers) out[c.name] = await containerOutput(h.root, c.id);
    assert.equal(
      r.phase,
      'Succeeded',
      `${file}: ${JSON.stringify(r.containers.map((c) => [c.name, c.exitCode, c.message]))} ${JSON.stringify(out)}`,
    );
    return { out, hostRoot, pod };
  }

  test('calico.yml: install-cni copies the CNI binaries and writes the conflist into the hostPath dirs, then node and felix start', async () => {
    const { out, hostRoot, pod } = await runManifest('calico.yml');
    assert.deepEqual((await readdir(join(hostRoot, 'opt/cni/bin'))).sort(), ['calico', 'calico-ipam']);
    const conf = await readFile(join(hostRoot, 'etc/cni/net.d/10-calico.conflist'), 'utf8');
    assert.match(conf, new RegExp(`"nodename": "${h.deps.node.name}"`));
    assert.match(conf, /"mtu": 1350,/);
    assert.match(conf, /"ExceptionList": {2}\[\s+"10\.96\.0\.0\/12"/);
    assert.equal(out['install-cni'], 'installed 10-calico.conflist\n');
    assert.equal(out['calico-node-startup'], 'node started\n');
    const kubeconfig = await readFile(join(hostRoot, 'etc/cni/net.d/calico-kubeconfig'), 'utf8');
    assert.equal(kubeconfig, `pod: kube-system/${pod.metadata.name}\nbackend: vxlan\nvni: 4096\nmtu: 1350\n`);
    assert.equal(out['calico-node-felix'], `felix ${pod.metadata.name} vni=4096 mtu=1350\n`);
  });

  test('calico-kube-proxy.yml and flannel-kube-proxy.yml (symlink layout) read the kube-proxy configMap with the node name', async () => {
    const calico = await runManifest('calico-kube-proxy.yml');
    assert.equal(
      calico.out['kube-proxy'],
      `hostnameOverride: ${h.deps.node.name}\nkube-proxy on ${h.deps.node.ip} network=none\n`,
    );
    const flannel = await runManifest('flannel-kube-proxy.yml', 'symlink');
    assert.equal(
      flannel.out['kube-proxy'],
      `hostnameOverride: ${h.deps.node.name}\nkube-proxy on ${h.deps.node.ip} network=flannel.4096\n`,
    );
  });

  test('flannel-overlay.yml copies the CNI config from its configMap and flanneld to the host paths in env', async () => {
    const { out, hostRoot, pod } = await runManifest('flannel-overlay.yml');
    const conf = await readFile(join(hostRoot, 'etc/cni/net.d/10-flannel.conf'), 'utf8');
    assert.match(conf, /"name": "flannel.4096"/);
    assert.equal(await readFile(join(hostRoot, 'opt/cni/bin/flanneld'), 'utf8'), 'flanneld-binary');
    assert.equal(
      out['kube-flannel'],
      `flannel kube-flannel/${pod.metadata.name} api=KUBERNETES_SERVICE_HOST_VALUE:KUBERNETES_SERVICE_PORT_VALUE\n`,
    );
  });

  test('containerd-logger.yaml reads its config.json subPath file mount; csi-proxy.yaml runs', async () => {
    const logger = await runManifest('containerd-logger.yaml');
    assert.equal(logger.out['containerd-logger'], 'logger providers: 2\n');
    const csi = await runManifest('csi-proxy.yaml');
    assert.equal(csi.out['csi-proxy'], 'csi-proxy serving\n');
  });

  test('the mount targets made on the host for them (/host/..., /mounts/...) are all gone afterwards', () => {
    // Their bind-layout volumes sit at /host/opt/cni/bin, /host/etc/cni/net.d, /mounts/kube-flannel…:
    // hostpod made those directories on the host and must remove them, shared parents included.
    for (const p of ['/host', '/mounts']) {
      if (hostRootBefore.has(p)) continue;
      assert.equal(existsSync(p), false, `${p} was left on the host`);
    }
  });
});
