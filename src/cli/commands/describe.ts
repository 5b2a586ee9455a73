import type { Command } from 'commander';
import { type CliContext, out } from '../io.ts';
import {
  daemonClient,
  type NamespaceFlags,
  namespaceOf,
  namespaceOptions,
  podNames,
  type SocketFlags,
  socketOption,
} from './daemon-common.ts';
import { describePod } from './pod-describe.ts';

export function registerDescribe(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('describe')
    .summary('show a pod in detail: containers, conditions, volumes, events (kubectl describe)')
    .description(
      "Show pods in kubectl describe's layout: name, namespace, node, start time, labels, status, " +
        'each container (state, last state, ready, restart count, image), conditions, volumes and the ' +
        "pod's events. Without a name: every pod of the namespace.",
    )
    .argument('<type>', 'pod (or pods, po, pod/NAME)')
    .argument('[names...]', 'pod names');
  namespaceOptions(cmd, false);
  socketOption(cmd);
  cmd.action(async (type: string, rest: string[], flags: SocketFlags & NamespaceFlags) => {
    const names = podNames([type, ...rest], 'describe');
    const namespace = namespaceOf(flags) ?? 'default';
    const client = await daemonClient(flags, ctx);
    const node = (await client.version()).node.name;
    const pods =
      names.length > 0
        ? await Promise.all(names.map((n) => client.getPod(namespace, n)))
        : await client.listPods({ namespace });
    const now = new Date();
    for (const [i, p] of pods.entries()) {
      const events = (await client.listEvents({ namespace: p.namespace, pod: p.name })).filter(
        (e) => !e.pod?.uid || e.pod.uid === p.uid,
      );
      if (i > 0) out(ctx, '');
      for (const l of describePod(p, events, node, now)) out(ctx, l);
    }
  });
}
