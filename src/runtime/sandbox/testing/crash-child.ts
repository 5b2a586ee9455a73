/**
 * A stand-in for a hostpod process that dies mid-run: prepares a container (sandbox with an
 * overlay mount and a bind-layout mount point, ephemeral user), prints "ready", then waits to be
 * SIGKILLed. argv: root, layer dir, container id, group, rootfs location.
 */
import { prepareContainer } from '../prepare-container.ts';

const [root, layer, id, group, location] = process.argv.slice(2) as [string, string, string, string, string];
await prepareContainer(
  {
    name: 'crashy',
    id,
    command: ['/bin/sh'],
    args: [],
    env: [],
    runAsUserName: group,
    annotations: { 'microsoft.com/hostprocess-rootfs-location': location },
    mounts: [],
  },
  {},
  { root, layout: 'bind', layers: [layer] },
);
process.stdout.write('ready\n');
setInterval(() => {}, 1000);
