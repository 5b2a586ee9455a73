import type { Command } from 'commander';
import { parseLabelSelector } from '../../api/label-selector.ts';
import { type CliContext, out } from '../io.ts';
import {
  daemonClient,
  type NamespaceFlags,
  namespaceOf,
  namespaceOptions,
  type SocketFlags,
  socketOption,
} from './daemon-common.ts';
import { describePod } from './pod-describe.ts';
import { resourceArgs, selected } from './resource-args.ts';
import { describeWorkload } from './workload-describe.ts';

export function registerDescribe(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('describe')
    .summary('show pods and workloads in detail (kubectl describe)')
    .description(
      "Show objects in kubectl describe's layout. A pod: name, namespace, node, start time, labels, " +
        'status, the workload that controls it (Controlled By), each container (state, last state, ' +
        'ready, restart count, image), conditions, volumes and its events. A workload (ds, deploy, ' +
        'rs, sts, job, cj): selector, node selector, labels, pod counts, pod template, its pods and ' +
        'their events. Without a name: every object of the type in the namespace (-l to filter).',
    )
    .argument('<type>', 'pod, ds, deploy, rs, sts, job, cj (or TYPE/NAME)')
    .argument('[names...]', 'names')
    .option('-l, --selector <selector>', 'only objects whose labels match');
  namespaceOptions(cmd, false);
  socketOption(cmd);
  cmd.action(
    async (type: string, rest: string[], flags: SocketFlags & NamespaceFlags & { selector?: string }) => {
      const req = resourceArgs([type, ...rest], 'describe');
      const selector = flags.selector === undefined ? undefined : parseLabelSelector(flags.selector);
      const namespace = namespaceOf(flags) ?? 'default';
      const client = await daemonClient(flags, ctx);
      const node = (await client.version()).node.name;
      const now = new Date();
      let first = true;
      const sep = () => {
        if (!first) out(ctx, '');
        first = false;
      };
      for (const r of req.resources) {
        const names = req.named.filter((n) => n.resource === r).map((n) => n.name);
        if (r.kind === 'Pod') {
          const pods =
            names.length > 0
              ? await Promise.all(names.map((n) => client.getPod(namespace, n)))
              : selected(await client.listPods({ namespace }), selector);
          for (const p of pods) {
            const events = (await client.listEvents({ namespace: p.namespace, pod: p.name })).filter(
              (e) => !e.pod?.uid || e.pod.uid === p.uid,
            );
            sep();
            for (const l of describePod(p, events, node, now)) out(ctx, l);
          }
          continue;
        }
        const ws =
          names.length > 0
            ? await Promise.all(names.map((n) => client.getWorkload(r.kind, namespace, n)))
            : selected(await client.listWorkloads({ kind: r.kind, namespace }), selector);
        for (const w of ws) {
          const uids = new Set(w.pods.map((p) => p.uid));
          const events = (await client.listEvents({ namespace })).filter((e) => e.pod && uids.has(e.pod.uid));
          sep();
          for (const l of describeWorkload(w, events, now)) out(ctx, l);
        }
      }
    },
  );
}
