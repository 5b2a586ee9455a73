import { spawnSync } from 'node:child_process';
import { hostPlatform } from '../../../oci/platform.ts';

/**
 * Test helper: builds a three-layer OCI image layout with umoci (a tool we did not write) at
 * `<work>/layout`, tag `t`: layer 1 has busybox, `bin -> /usr/bin`, owners, modes, a hardlink,
 * setuid and sticky bits and a long name; layer 2 deletes a file and replaces a directory
 * (umoci writes whiteouts) and changes files; layer 3 comes from `umoci insert` (a layer tar
 * without end-of-archive blocks). Throws if a tool fails.
 */
export function buildUmociImage(work: string): { layout: string; tag: string; ref: string } {
  const arch = hostPlatform().architecture;
  const script = `
set -eu
cd "$WORK"
umoci init --layout layout
umoci new --image layout:t
umoci unpack --image layout:t bundle
R=bundle/rootfs
mkdir -p $R/usr/bin $R/etc $R/data/sub $R/tmp $R/old/dir $R/empty-dir
cp /bin/busybox $R/usr/bin/busybox
ln -s /usr/bin $R/bin
ln -s busybox $R/usr/bin/sh
ln -s ../../etc/conf $R/data/sub/rel-link
printf 'conf\\n' > $R/etc/conf; chmod 640 $R/etc/conf; chown 1000:1001 $R/etc/conf
ln $R/etc/conf $R/etc/conf.hard
chmod 1777 $R/tmp
printf 'su\\n' > $R/usr/bin/su-tool; chmod 4755 $R/usr/bin/su-tool
: > $R/data/empty
head -c 100000 /dev/urandom > $R/data/random.bin
printf 'long\\n' > "$R/data/$(printf 'n%.0s' $(seq 1 150))"
printf 'gone\\n' > $R/data/gone
printf 'old\\n' > $R/old/dir/x
umoci repack --image layout:t bundle
rm -rf bundle
umoci unpack --image layout:t bundle
rm $R/data/gone
rm -rf $R/old/dir
printf 'new\\n' > $R/old/y
printf 'changed\\n' > $R/etc/conf
printf 'tool\\n' > $R/usr/bin/tool; chmod 755 $R/usr/bin/tool
umoci repack --image layout:t bundle
printf 'inserted\\n' > inserted.txt
umoci insert --image layout:t inserted.txt /opt/inserted.txt
umoci config --image layout:t --architecture ${arch} --os linux --config.cmd /bin/sh --config.env PATH=/bin
rm -rf bundle inserted.txt
umoci gc --layout layout
`;
  const r = spawnSync('bash', ['-c', script], { env: { ...process.env, WORK: work }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the umoci test image failed: ${r.stderr}`);
  return { layout: `${work}/layout`, tag: 't', ref: `${work}/layout:t` };
}

/** Runs a command; throws with its stderr when it fails. */
export function run(cmd: string, args: readonly string[], opts: { cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}
