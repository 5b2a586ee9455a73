/**
 * A private containerd for the benchmarks, configured as `../shared/bench/peers.sh` does: its own
 * root, state and sockets under `dir`, the CRI plugin and the snapshotters this machine cannot
 * use disabled (overlayfs stays).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Writes `dir/config.toml`; returns its path and the gRPC socket's. */
export async function writeContainerdConfig(dir: string): Promise<{ config: string; sock: string }> {
  const sock = join(dir, 'containerd.sock');
  const config = join(dir, 'config.toml');
  await writeFile(
    config,
    `version = 2
root = "${dir}/root"
state = "${dir}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs"]
[grpc]
  address = "${sock}"
[ttrpc]
  address = "${sock}.ttrpc"
[debug]
  level = "warn"
`,
  );
  return { config, sock };
}
