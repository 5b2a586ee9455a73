/**
 * The tiny static-busybox image of `../shared/bench/peers.sh`, built with umoci and skopeo for
 * the benchmarks that run peer tools: an OCI layout at `work/oci` (tag `tiny`) and an
 * oci-archive at `work/tiny.tar` (tag `latest`).
 */
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const sh = (cmd: string) => execFileSync('bash', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'] });

export async function buildTinyImage(work: string): Promise<{ oci: string; tar: string }> {
  const src = join(work, 'src');
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root'])
    await mkdir(join(src, d), { recursive: true });
  await copyFile('/bin/busybox', join(src, 'bin/busybox'));
  await chmod(join(src, 'bin/busybox'), 0o755);
  for (const a of ['sh', 'true', 'echo', 'sleep', 'cat', 'ls', 'env'])
    await symlink('busybox', join(src, 'bin', a));
  await writeFile(join(src, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await writeFile(join(src, 'etc/group'), 'root:x:0:\n');
  const oci = join(work, 'oci');
  const b = join(work, 'build');
  sh(`umoci init --layout ${oci} && umoci new --image ${oci}:tiny && umoci unpack --image ${oci}:tiny ${b}`);
  sh(`cp -a ${src}/. ${b}/rootfs/ && umoci repack --image ${oci}:tiny ${b}`);
  sh(
    `umoci config --image ${oci}:tiny --architecture amd64 --os linux --config.cmd /bin/sh --config.env PATH=/bin --config.workingdir / --config.user 0:0`,
  );
  await rm(b, { recursive: true, force: true });
  const tar = join(work, 'tiny.tar');
  sh(`skopeo copy -q oci:${oci}:tiny oci-archive:${tar}:latest`);
  return { oci, tar };
}
