import type { Command } from 'commander';
import type { PodView } from '../../api/protocol.ts';
import { RuntimeError } from '../../errors.ts';
import { type CliContext, out } from '../io.ts';
import {
  daemonClient,
  interruptSignal,
  type NamespaceFlags,
  namespaceOf,
  namespaceOptions,
  outputOption,
  podNames,
  type SocketFlags,
  socketOption,
} from './daemon-common.ts';
import { formatPodTable, type PodTableOptions, toKubeList, toKubePod } from './pod-print.ts';

interface GetFlags extends SocketFlags, NamespaceFlags {
  output?: 'wide' | 'json' | 'yaml' | 'name';
  watch?: boolean;
}

/** Renders pods in one of get's output formats (`single`: a name was asked for, so no List). */
export async function renderPods(
  pods: readonly PodView[],
  format: GetFlags['output'],
  table: PodTableOptions,
  single: boolean,
  now: Date,
): Promise<string[]> {
  switch (format) {
    case 'name':
      return pods.map((p) => `pod/${p.name}`);
    case 'json':
      return [JSON.stringify(single && pods[0] ? toKubePod(pods[0]) : toKubeList(pods), null, 4)];
    case 'yaml': {
      const { stringify } = await import('yaml');
      return [stringify(single && pods[0] ? toKubePod(pods[0]) : toKubeList(pods)).trimEnd()];
    }
    default:
      return formatPodTable(pods, table, now);
  }
}

export function registerGet(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('get')
    .summary('list pods the daemon runs (kubectl get pods)')
    .description(
      'List the pods of a namespace (-n, default "default") or of all (-A), or the pods named, with ' +
        "kubectl's columns: NAME READY STATUS RESTARTS AGE (-o wide adds NODE and SOURCE: apply or the " +
        'static pod file). -o json|yaml prints Kubernetes Pod objects (a List without a name), -o name ' +
        'pod/NAME lines. -w prints a row for every change until Ctrl-C.',
    )
    .argument('<type>', 'pods (or pod, po, pod/NAME)')
    .argument('[names...]', 'pod names')
    .addOption(outputOption(['wide', 'json', 'yaml', 'name']))
    .option('-w, --watch', 'after listing, print each change until Ctrl-C');
  namespaceOptions(cmd, true);
  socketOption(cmd);
  cmd.action(async (type: string, rest: string[], flags: GetFlags) => {
    const names = podNames([type, ...rest], 'get');
    if (names.length > 0 && flags.allNamespaces)
      throw new RuntimeError('InvalidArgument', 'a pod cannot be named across all namespaces (-A)', {
        hint: 'give its namespace with -n',
      });
    const namespace = namespaceOf(flags);
    const client = await daemonClient(flags, ctx);
    const table: PodTableOptions = {};
    if (flags.allNamespaces) table.namespaces = true;
    if (flags.output === 'wide') table.wide = { node: (await client.version()).node.name };
    let pods: PodView[];
    if (names.length > 0) {
      const ns = namespace ?? 'default';
      pods = await Promise.all(names.map((n) => client.getPod(ns, n)));
    } else {
      pods = await client.listPods(namespace === undefined ? {} : { namespace });
      pods.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    }
    const single = names.length === 1;
    if (!flags.watch) {
      if (pods.length === 0 && (flags.output === undefined || flags.output === 'wide')) {
        ctx.stderr.write(
          namespace === undefined
            ? 'No resources found\n'
            : `No resources found in ${namespace} namespace.\n`,
        );
        return;
      }
      for (const l of await renderPods(pods, flags.output, table, single, new Date())) out(ctx, l);
      return;
    }
    // Watch: the daemon sends every current pod as ADDED first, then each change.
    const { signal, dispose } = interruptSignal(ctx);
    try {
      const wanted = new Set(names);
      let first = true;
      for await (const e of client.watchPods(namespace === undefined ? {} : { namespace }, signal)) {
        if (wanted.size > 0 && !wanted.has(e.object.name)) continue;
        const lines = await renderPods(
          [e.object],
          flags.output,
          { ...table, noHeader: !first },
          true,
          new Date(),
        );
        if (flags.output === undefined || flags.output === 'wide') first = false;
        for (const l of lines) out(ctx, l);
      }
    } finally {
      dispose();
    }
  });
}
